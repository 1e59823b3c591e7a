/**
 * The HTML counterexample report without a browser, on the simulator's own small worlds: its data (an
 * eventually violation's deadline row), the page it renders (a passing run, hostile text), and the `report`
 * command: default and explicit output paths, the original as a second run, bad input (a corrupt or foreign
 * trace, a foreign `--out` file) exiting 2 with nothing written, `--mermaid`, and `explore --html` / `--mermaid`;
 * one step numbering on the page and the scenario's source shown as text. On counterexamples of the shipped
 * scenarios: scenarios/report.test.ts; the page in a real browser: report.browser.test.ts.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { stateAt } from "../../../test/support/report.js";
import { runCli } from "../src/cli/index.js";
import { exploreVariant, replaySeed, type Scenario, type Trace } from "../src/index.js";
import { REPORT_GENERATOR, rebuildStore, renderReport, reportRun, reportRunOf } from "../src/view/index.js";
import { withoutWorldStep } from "../src/view/report-model.js";
import { lostUpdate } from "./fixtures.js";

async function cli(args: string[], cwd: string, injected?: readonly Scenario[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
    injected === undefined ? {} : { scenarios: injected },
  );
  // CI=true turns colours on.
  const plain = (s: string) => stripVTControlCharacters(s);
  return { code, stdout: plain(stdout), stderr: plain(stderr) };
}

describe("report data", () => {
  it("an eventually violation gets a deadline row of its own at the deadline's time", () => {
    const variant = lostUpdate.variants.find((v) => v.name === "read-then-write")!;
    const r = exploreVariant(lostUpdate, variant, { seed: 1 });
    const trace = r.counterexample!;
    expect(trace.violation?.kind).toBe("eventually");
    const run = reportRunOf(trace, "run", { scenario: lostUpdate, variant });
    const last = run.steps[run.steps.length - 1]!;
    expect(last).toMatchObject({ op: "deadline", violation: true, t: trace.violation!.t });
    expect(run.violationIndex).toBe(last.index);
    expect(run.steps).toHaveLength(trace.events.length + 1);
    // The counter is a number: its whole state is the changed "field" (path "").
    expect(stateAt(run.states, "counter", last.index)).toBe(1);
    expect(stateAt(run.states, "counter", -1)).toBe(0);
    // The row and the side panel say what happened, as the terminal does: the run went quiet before its deadline.
    expect(run.violationOutcome).toMatch(
      /^the run (went quiet|finished) at t=.* with the property unmet; deadline /,
    );
    expect(last.summary).toContain(run.violationOutcome!);
    expect(last.summary).not.toContain("deadline passed");
  });
});

describe("report page", () => {
  it("a run without a violation says it is one schedule, not a verdict (verified, bounded or sampled come from explore)", () => {
    const variant = lostUpdate.variants.find((v) => v.name === "atomic-increment")!;
    const trace = replaySeed(lostUpdate, variant, 3);
    expect(trace.violation).toBeNull();
    const html = renderReport([reportRunOf(trace, "a passing run", { scenario: lostUpdate, variant })]);
    expect(html).toContain("No property was violated in this run.");
    expect(html).toContain("One schedule is a sample of one: it says nothing about the others.");
    expect(html).toContain("verified, bounded or sampled");
  });

  it("escapes hostile text in steps and data (no markup or script from a trace gets into the page)", () => {
    const variant = lostUpdate.variants[0]!;
    const trace = exploreVariant(lostUpdate, variant, { seed: 1 }).counterexample!;
    const evil = `</script><script>alert("x")</script><img src=x onerror=alert(1)>`;
    const hostile: Trace = {
      ...trace,
      events: [
        ...trace.events,
        { step: trace.steps, t: trace.endMs, process: "writer-1", op: "note", input: evil },
      ],
    };
    const html = renderReport([reportRun(hostile, { title: evil, store: rebuildStore(hostile) })]);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!,
    );
    expect(data.runs[0].steps.at(-2).summary).toBe(evil);
    expect(data.runs[0].title).toBe(evil);
  });
});

/** The page's text as a reader sees it without its script: no tags, styles, scripts or embedded data. */
function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
}

describe("report page: one step numbering", () => {
  it("the engine's step counter is left out of a violation's message, other text kept", () => {
    expect(withoutWorldStep("invariant broken at step 16 (t=22000ms)")).toBe("invariant broken");
    expect(withoutWorldStep("it did not hold within 100ms of virtual time")).toBe(
      "it did not hold within 100ms of virtual time",
    );
    expect(withoutWorldStep("the run finished at t=2000ms and it never held")).toBe(
      "the run finished at t=2000ms and it never held",
    );
  });

  it("numbers rows from 1 in the # column, the position and the violation, and never shows a world step", () => {
    const variant = lostUpdate.variants.find((v) => v.name === "read-then-write")!;
    const found = exploreVariant(lostUpdate, variant, { seed: 1 }).counterexample!;
    // The same run with an invariant broken at its last event: the engine numbers it with its own step counter.
    const last = found.events.length - 1;
    const { step, t } = found.events[last]!;
    const trace: Trace = {
      ...found,
      violation: {
        property: "the counter never reaches 2",
        kind: "always",
        step,
        t,
        message: `invariant broken at step ${step} (t=${t}ms)`,
      },
    };
    const run = reportRun(trace, { title: "run", store: rebuildStore(trace) });
    expect(run.violationIndex).toBe(last);
    const shown = last + 1;
    // The case this pins: the engine's count differs from the page's.
    expect(step).not.toBe(shown);
    const html = renderReport([run]);
    const numbers = [...html.matchAll(/<td class="idx">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(run.steps.map((_, i) => i + 1));
    expect(html).toContain(`<button type="button" class="jump">go to step ${shown}</button>`);
    expect(html).toContain(`invariant broken; at step ${shown}, t=`);
    const text = pageText(html);
    expect(text).toContain(`step 1 / ${run.steps.length}`);
    expect(text).not.toMatch(/world step/i);
    const stepNumbers = new Set([...text.matchAll(/\bsteps? (\d+)/gi)].map((m) => Number(m[1])));
    expect(stepNumbers).toEqual(new Set([1, shown]));
    expect(run.violationMessage).toBe("invariant broken");
  });

  it("an eventually deadline row is numbered after the last event, in the banner and the # column", () => {
    const variant = lostUpdate.variants.find((v) => v.name === "read-then-write")!;
    const trace = exploreVariant(lostUpdate, variant, { seed: 1 }).counterexample!;
    const run = reportRunOf(trace, "run", { scenario: lostUpdate, variant });
    const html = renderReport([run]);
    expect(run.violationIndex).toBe(trace.events.length);
    expect(html).toContain(`go to step ${trace.events.length + 1}</button>`);
    expect(html).toContain(`<td class="idx">${trace.events.length + 1}</td>`);
    expect(pageText(html)).not.toMatch(/world step/i);
  });
});

describe("report page: the scenario's source", () => {
  it("is shown as text in <code>, never as a link (a seed file is not in the user's repository)", () => {
    const scenario = { ...lostUpdate, source: "shared/seeds/002_402edf55850632f4.txt" };
    const variant = lostUpdate.variants.find((v) => v.name === "read-then-write")!;
    const trace = exploreVariant(lostUpdate, variant, { seed: 1 }).counterexample!;
    const html = renderReport([reportRunOf(trace, "run", { scenario, variant })]);
    expect(html).toContain(
      '· models <code class="source" title="the incident this scenario models, as the scenario names it">shared/seeds/002_402edf55850632f4.txt</code>',
    );
    expect(html).not.toMatch(/<a[\s>]|href=/);
  });
});

describe("interleave report", () => {
  async function explored(cwd: string, extra: string[] = []) {
    const r = await cli(
      ["explore", "lost-update", "--variant", "read-then-write", "--seed", "1", "--json", ...extra],
      cwd,
      [lostUpdate],
    );
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).results[0] as {
      trace: string;
      originalTrace: string;
      report: string | null;
      mermaid: string | null;
    };
  }

  it("writes one HTML file beside the trace, with the shrunk trace first and the original reachable", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const { trace, originalTrace } = await explored(cwd);
    const r = await cli(["report", trace], cwd, [lostUpdate]);
    expect(r.code).toBe(0);
    const out = join(cwd, trace.replace(/\.json$/, ".html"));
    expect(r.stdout).toContain(`report written: ${out}`);
    const html = readFileSync(out, "utf8");
    const titles = [...html.matchAll(/role="tab" [^>]*>([^<]+)</g)].map((m) => m[1]!.trim());
    expect(titles).toEqual(["shrunk counterexample", "original, as found"]);
    expect(html).toContain(originalTrace);
    expect(html).toContain("store states replayed through the scenario");

    const custom = await cli(["report", trace, "--out", "out/r.html", "--no-original"], cwd, [lostUpdate]);
    expect(custom.code).toBe(0);
    const one = readFileSync(join(cwd, "out/r.html"), "utf8");
    expect(one.match(/role="tab" /g)).toHaveLength(1);
    // Writing again over its own report is fine.
    expect((await cli(["report", trace, "--out", "out/r.html"], cwd, [lostUpdate])).code).toBe(0);
  });

  it("a corrupt or foreign trace, or a foreign --out file, exits 2 with one line and writes nothing", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const { trace } = await explored(cwd);
    const text = readFileSync(join(cwd, trace), "utf8");
    writeFileSync(join(cwd, "truncated.json"), text.slice(0, text.length / 2));
    writeFileSync(join(cwd, "foreign.json"), JSON.stringify({ name: "not a trace", version: 3 }));
    const before = new Set(readdirSync(cwd, { recursive: true }) as string[]);
    for (const [file, message] of [
      ["truncated.json", /truncated.json is not valid JSON \(corrupt or truncated trace\)/],
      ["foreign.json", /foreign.json is not an interleave trace/],
      ["missing.json", /cannot read trace file .*missing.json: ENOENT/],
    ] as const) {
      const r = await cli(["report", file], cwd, [lostUpdate]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
    expect(new Set(readdirSync(cwd, { recursive: true }) as string[])).toEqual(before);

    writeFileSync(join(cwd, "notes.html"), "<p>my notes</p>");
    const refused = await cli(["report", trace, "--out", "notes.html"], cwd, [lostUpdate]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/notes.html exists and is not an interleave report; pass --force/);
    expect(readFileSync(join(cwd, "notes.html"), "utf8")).toBe("<p>my notes</p>");
    const forced = await cli(["report", trace, "--out", "notes.html", "--force"], cwd, [lostUpdate]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(cwd, "notes.html"), "utf8")).toContain(REPORT_GENERATOR);

    const overTrace = await cli(["report", trace, "--out", trace], cwd, [lostUpdate]);
    expect(overTrace.code).toBe(2);
    expect(readFileSync(join(cwd, trace), "utf8")).toBe(text);
  });

  it("a trace of a scenario the registry does not know is still reported, from its recorded changes", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const { trace } = await explored(cwd);
    // someone else's trace: the registry here has no such scenario (editing the file's scenario would change
    // its fingerprint, and an edited trace is refused)
    copyFileSync(join(cwd, trace), join(cwd, "other.json"));
    const r = await cli(["report", "other.json"], cwd, []);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'store states rebuilt from the trace: the registry has no scenario "lost-update"',
    );
    const other = readFileSync(join(cwd, "other.html"), "utf8");
    expect(other).toContain("store states rebuilt from the trace");
    expect(other).not.toContain('class="about"');
  });

  it("--mermaid prints a sequence diagram and writes nothing; replay --mermaid prints the same", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const { trace } = await explored(cwd);
    const files = readdirSync(join(cwd, "traces")).sort();
    const r = await cli(["report", trace, "--mermaid"], cwd, [lostUpdate]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^```mermaid\n[\s\S]*sequenceDiagram[\s\S]*\n```\n$/);
    expect(readdirSync(join(cwd, "traces")).sort()).toEqual(files);
    const both = await cli(["report", trace, "--mermaid", "--out", "x.html"], cwd, [lostUpdate]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--mermaid prints the diagram on stdout/);
    expect(existsSync(join(cwd, "x.html"))).toBe(false);
    const replayed = await cli(["replay", trace, "--mermaid"], cwd, [lostUpdate]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toBe(r.stdout);
  });

  it("explore --html and --mermaid write the report and the diagram beside each counterexample", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const plain = await explored(cwd);
    expect(plain.report).toBeNull();
    expect(plain.mermaid).toBeNull();
    const cwd2 = mkdtempSync(join(tmpdir(), "interleave-report-"));
    const withFiles = await explored(cwd2, ["--html", "--mermaid"]);
    expect(withFiles.report).toBe(withFiles.trace.replace(/\.json$/, ".html"));
    expect(withFiles.mermaid).toBe(withFiles.trace.replace(/\.json$/, ".mmd"));
    const html = readFileSync(join(cwd2, withFiles.report!), "utf8");
    expect(html.match(/role="tab" /g)).toHaveLength(2);
    expect(readFileSync(join(cwd2, withFiles.mermaid!), "utf8")).toMatch(/^sequenceDiagram/);
    const table = await cli(["explore", "lost-update", "--seed", "1", "--html"], cwd2, [lostUpdate]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/report: .*lost-update\.read-then-write\.seed-\d+\.html/);
    expect(existsSync(join(cwd2, "traces"))).toBe(true);
  });
});
