/**
 * The worked example of docs/authoring.md (examples/first-race) stays real: the scenario file is under 50
 * lines, the guide shows it byte for byte, the CLI finds the race in the buggy variant and none in the fixed
 * one, the violated property is the one the guide names, and the guide's vitest snippets hold.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenarios, runCli } from "../src/cli/index.js";
import { assertScenario, assertVariant, readTrace, replayTrace, type Scenario } from "../src/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const example = join(root, "examples/first-race");
const scenarioFile = join(example, "scenarios/nightly-report.ts");
const registry = join(example, "scenarios/index.ts");
const guide = readFileSync(join(root, "docs/authoring.md"), "utf8");

/** The contents of every ```ts fenced block of a Markdown text, each ending with its last newline. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The property sentence the guide names: `The violated property is "…"`. */
function namedProperty(markdown: string): string {
  const m = /The violated property is "([^"]+)"/.exec(markdown);
  if (m === null) throw new Error('docs/authoring.md must say: The violated property is "…"');
  return m[1]!;
}

async function scenario(): Promise<Scenario> {
  const [s] = await loadScenarios(registry);
  if (s === undefined) throw new Error(`${registry} exports no scenario`);
  return s;
}

describe("docs/authoring.md's worked example (examples/first-race)", () => {
  it("the scenario file has fewer than 50 lines, counting every line", () => {
    const text = readFileSync(scenarioFile, "utf8");
    const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
    expect(lines).toBeGreaterThan(10);
    expect(lines).toBeLessThan(50);
  });

  it("the guide presents the scenario file byte for byte in a ts code block", () => {
    const text = readFileSync(scenarioFile, "utf8");
    const blocks = tsBlocks(guide);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks).toContain(text);
  });

  it("interleave explore --scenarios finds the race in the buggy variant, none in the fixed one, and exits 0", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-guide-"));
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      ["explore", "--scenarios", registry, "--seed", "2026", "--json", "--traces-dir", join(cwd, "traces")],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as {
      results: {
        variant: string;
        expect: string;
        verdict: string;
        property: string | null;
        trace: string | null;
      }[];
    };
    expect(doc.results.map((r) => [r.variant, r.expect, r.verdict])).toEqual([
      ["unfenced-write", "violation", "violation"],
      ["fenced-write", "pass", "pass"],
    ]);
    const [buggy, fixed] = doc.results;
    expect(buggy!.property).toBe(namedProperty(guide));
    expect(buggy!.trace).toMatch(/nightly-report\.unfenced-write\.seed-\d+\.json$/);
    expect(fixed!.property).toBeNull();
  });

  it("the guide's assertVariant snippets hold: a violation of the named property, and an exhaustive pass", async () => {
    const s = await scenario();
    const tracesDir = mkdtempSync(join(tmpdir(), "interleave-guide-"));
    const found = assertVariant(s, "unfenced-write", { tracesDir });
    expect(found.property).toBe(namedProperty(guide));
    const searched = assertVariant(s, "fenced-write", { strategy: "exhaustive", tracesDir });
    // The deepening completes; the delays at their "crossings" support make the pass bounded, as the guide says.
    expect(searched.coverage?.complete).toBe(true);
    expect([searched.strength, searched.bound]).toEqual([
      "bounded",
      "delays at their declared exhaustive supports",
    ]);
    expect(guide).toContain(
      `with delays at their declared exhaustive supports: ${searched.schedules.toLocaleString("en")} schedules`,
    );
    expect(() => assertVariant(s, "unfenced-write", { expect: "pass", tracesDir })).toThrow(
      /expected a pass, but "an older lease holder never overwrites a newer holder's report" was violated/,
    );
  });

  it("docs/replay.md's regression tests hold: the trace reproduces on the buggy variant, and its schedule breaks nothing on the fixed one", async () => {
    const s = await scenario();
    const cwd = mkdtempSync(join(tmpdir(), "interleave-guide-"));
    let stdout = "";
    const code = await runCli(
      [
        "explore",
        "nightly-report",
        "--variant",
        "unfenced-write",
        "--scenarios",
        registry,
        "--seed",
        "7",
        "--json",
      ],
      { stdout: (t) => (stdout += t), stderr: () => {}, cwd },
    );
    expect(code).toBe(0);
    const [result] = (JSON.parse(stdout) as { results: { trace: string }[] }).results;
    const trace = readTrace(join(cwd, result!.trace));
    const variant = (name: string) => s.variants.find((v) => v.name === name)!;
    expect(replayTrace(s, variant("unfenced-write"), trace)._tag).toBe("Reproduced");
    const fixed = replayTrace(s, variant("fenced-write"), { ...trace, variant: "fenced-write" });
    if (fixed._tag === "Diverged") throw new Error(fixed.message);
    expect(fixed._tag).toBe("Changed");
    expect(fixed.trace.violation).toBeNull();
    expect(trace.violation?.property).toBe(namedProperty(guide));
  });

  it("the guide's assertScenario snippet finds the race with the lease TTL drawn by fast-check", async () => {
    const s = await scenario();
    const tracesDir = mkdtempSync(join(tmpdir(), "interleave-guide-"));
    const r = assertScenario(s, "unfenced-write", {
      params: fc.record({ leaseTtlMs: fc.integer({ min: 1_000, max: 60_000 }) }),
      seed: 42,
      tracesDir,
    });
    expect(r.property).toBe(namedProperty(guide));
    expect(r.params).toEqual({ leaseTtlMs: 1_000 });
    expect(r.tracePath).toMatch(/nightly-report\.unfenced-write\.fast-check\.json$/);
  });
});
