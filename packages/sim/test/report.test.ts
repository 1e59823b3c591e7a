/**
 * The HTML counterexample report without a browser: its data (store states replayed through the scenario, or
 * rebuilt from the trace's changes — the two must agree on every field the run changed), the page it renders,
 * and the `report` command: default and explicit output paths, the original as a second run, bad input (a
 * corrupt or foreign trace, a foreign `--out` file) exiting 2 with nothing written, `--mermaid`, and
 * `explore --html` / `--mermaid`. The page in a real browser: report.browser.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import scenarios from "../../../scenarios/index.js";
import { runCli } from "../src/cli/index.js";
import { exploreVariant, replaySeed, type Scenario, type Trace } from "../src/index.js";
import {
  escapeHtml,
  REPORT_GENERATOR,
  rebuildStore,
  renderReport,
  replayStore,
  reportRun,
  reportRunOf,
} from "../src/view/index.js";
import { lostUpdate } from "./fixtures.js";

function counterexample(scenarioName: string, variantName: string, seed: number) {
  const scenario = scenarios.find((s) => s.name === scenarioName)!;
  const variant = scenario.variants.find((v) => v.name === variantName)!;
  const r = exploreVariant(scenario, variant, { seed });
  expect(r.verdict).toBe("violation");
  return { scenario, variant, trace: r.counterexample!, original: r.original };
}

/** The value at a dot path ("" = the whole value), undefined when absent. */
function at(value: unknown, path: string): unknown {
  if (path === "") return value;
  let v = value;
  for (const k of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** The state of `key` after row `index` of a report run. */
function stateAt(
  states: Record<string, readonly (readonly [number, unknown])[]>,
  key: string,
  index: number,
) {
  let s: unknown;
  for (const [i, v] of states[key] ?? []) if (i <= index) s = v;
  return s;
}

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
  it("replays the store through the scenario, and the states rebuilt from the trace agree on every changed field", () => {
    const { variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const replayed = replayStore(variant, trace);
    expect("store" in replayed).toBe(true);
    if (!("store" in replayed)) return;
    const exact = reportRun(trace, { title: "t", store: replayed.store });
    const rebuilt = reportRun(trace, { title: "t", store: rebuildStore(trace), rebuiltBecause: "test" });
    expect(exact.storeSource._tag).toBe("Replayed");
    expect(rebuilt.storeSource).toMatchObject({ _tag: "Rebuilt", partial: true });
    expect(exact.keys).toEqual(["queue"]);
    const paths = new Set(trace.events.flatMap((e) => (e.changes ?? []).map((c) => `${e.key}|${c.path}`)));
    expect(paths.size).toBeGreaterThan(3);
    let compared = 0;
    for (const step of exact.steps) {
      for (const kp of paths) {
        const [key, path] = kp.split("|") as [string, string];
        expect(at(stateAt(rebuilt.states, key, step.index), path)).toEqual(
          at(stateAt(exact.states, key, step.index), path),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
    // Each tx's row has its key's state after it: the diff's `after` values are there.
    for (const step of exact.steps.filter((s) => s.op === "tx")) {
      for (const c of step.changes ?? [])
        expect(at(stateAt(exact.states, step.key!, step.index), c.path)).toEqual(c.after);
    }
  });

  it("marks the violating step (the last tx of the violation's step), faults and idle repeats", () => {
    const { variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const run = reportRunOf(trace, "shrunk counterexample", { scenario: scenarios[0]!, variant });
    const v = trace.violation!;
    expect(v.kind).toBe("always");
    const marked = run.steps.filter((s) => s.violation);
    expect(marked).toHaveLength(1);
    expect(marked[0]!.index).toBe(run.violationIndex);
    expect(marked[0]).toMatchObject({ op: "tx", step: v.step });
    expect(run.steps.slice(marked[0]!.index + 1).some((s) => s.op === "tx" && s.step === v.step)).toBe(false);
    const faults = run.steps.filter((s) => s.fault).map((s) => s.op);
    expect(faults).toEqual(
      trace.events.filter((e) => ["pause", "crash", "restart"].includes(e.op)).map((e) => e.op),
    );
    expect(faults.length).toBeGreaterThan(0);
    expect(run.steps).toHaveLength(trace.events.length);
  });

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
  });

  it("falls back to rebuilt states, with the reason, when the code no longer replays the trace", () => {
    const { scenario, variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const tampered: Trace = {
      ...trace,
      decisions: trace.decisions.map((d, i) => (i === 0 ? { ...d, label: "something else" } : d)),
    };
    const run = reportRunOf(tampered, "run", { scenario, variant });
    expect(run.storeSource._tag).toBe("Rebuilt");
    expect(run.storeSource._tag === "Rebuilt" && run.storeSource.reason).toMatch(/no longer replays/);
  });
});

describe("report page", () => {
  it("has a lane per process and per store key, a row per step, the violation marked and faults marked", () => {
    const { scenario, variant, trace, original } = counterexample(
      "heartbeat-vs-ack",
      "retry-without-recheck",
      1,
    );
    const runs = [
      reportRunOf(trace, "shrunk counterexample", { scenario, variant }),
      reportRunOf(original!, "original, as found", { scenario, variant }),
    ];
    const html = renderReport(runs);
    expect(html).toContain(`<meta name="generator" content="${REPORT_GENERATOR}">`);
    for (const p of trace.processes) expect(html).toContain(`>${p}</th>`);
    expect(html).toContain(">▣ queue</th>");
    const firstRun = html.slice(html.indexOf('id="run-0"'), html.indexOf('id="run-1"'));
    expect(firstRun.match(/<tr class="row /g)).toHaveLength(trace.events.length);
    expect(firstRun.match(/class="row [^"]*\bfault\b/g)?.length).toBe(
      trace.events.filter((e) => e.op === "pause").length,
    );
    expect(firstRun).toContain(`✗ violated here: ${trace.violation!.property}`);
    expect(html.match(/role="tab" /g)).toHaveLength(2);
    // What the variant models and why it is expected to fail, from the registry.
    expect(html).toContain(`expects violation: ${escapeHtml(variant.why)}`);
    expect(html).toContain(escapeHtml(scenario.description));
    // Self-contained: no external scripts, styles, images or fonts.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(|@import|https?:\/\//);
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!,
    );
    expect(data.runs).toHaveLength(2);
    expect(data.runs[0].steps).toHaveLength(trace.events.length);
  });

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

  it("is a pure function of its runs", () => {
    const { scenario, variant, trace } = counterexample("sync-vs-reset", "coordinator-no-entry-check", 3);
    const a = renderReport([reportRunOf(trace, "x", { scenario, variant })]);
    const b = renderReport([reportRunOf(trace, "x", { scenario, variant })]);
    expect(a).toBe(b);
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
    const renamed = JSON.parse(readFileSync(join(cwd, trace), "utf8"));
    renamed.scenario = "someone-elses-race";
    writeFileSync(join(cwd, "other.json"), JSON.stringify(renamed));
    const r = await cli(["report", "other.json"], cwd, [lostUpdate]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'store states rebuilt from the trace: the registry has no scenario "someone-elses-race"',
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
