import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { exploreVariant, readTrace, type Trace, writeTrace } from "../src/index.js";
import { fingerprint, TRACE_VERSION } from "../src/trace/index.js";
import { lostUpdate } from "./fixtures.js";

function counterexample(): Trace {
  const variant = lostUpdate.variants.find((v) => v.name === "read-then-write")!;
  const r = exploreVariant(lostUpdate, variant, { seed: 1 });
  expect(r.verdict).toBe("violation");
  return r.counterexample!;
}

describe("trace files", () => {
  const dir = mkdtempSync(join(tmpdir(), "interleave-trace-"));

  it("round-trips through writeTrace/readTrace", () => {
    const trace = counterexample();
    const path = writeTrace(join(dir, "rt.json"), trace);
    expect(readTrace(path)).toEqual(trace);
  });

  it("never overwrites: an identical trace is left alone, a different one goes to a numbered sibling", () => {
    const trace = counterexample();
    const path = join(dir, "same.json");
    expect(writeTrace(path, trace)).toBe(path);
    expect(writeTrace(path, trace)).toBe(path);
    const other = { ...trace, seed: trace.seed + 1 };
    expect(writeTrace(path, other)).toBe(join(dir, "same.1.json"));
    expect(readTrace(path).seed).toBe(trace.seed);
  });

  const cases: [string, string, RegExp][] = [
    ["missing", "", /cannot read trace file .*ENOENT/],
    ["corrupt", "{ not json", /is not valid JSON \(corrupt or truncated trace\)/],
    ["truncated", JSON.stringify({ format: "interleave-trace", version: 1 }).slice(0, 30), /not valid JSON/],
    ["foreign", JSON.stringify({ name: "some-package", version: "1.0.0" }), /is not an interleave trace/],
    [
      "future",
      JSON.stringify({ format: "interleave-trace", version: 99 }),
      /trace format version 99; this interleave reads versions 1 and 2/,
    ],
    [
      "damaged",
      JSON.stringify({ format: "interleave-trace", version: 1, scenario: "x" }),
      /is a damaged interleave trace: variant/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`rejects a ${name} trace with one clear line`, () => {
      const path = join(dir, `${name}.json`);
      if (name !== "missing") writeFileSync(path, text);
      expect(() => readTrace(path)).toThrow(message);
      if (name !== "missing") expect(readFileSync(path, "utf8")).toBe(text);
    });
  }

  it("rejects a trace whose decisions are not well-formed", () => {
    const trace = counterexample();
    const path = join(dir, "bad-decision.json");
    writeFileSync(path, JSON.stringify({ ...trace, decisions: [{ label: "pick", count: 1, choice: 0 }] }));
    expect(() => readTrace(path)).toThrow(/decisions\.0\.count/);
    expect(readdirSync(dir)).toContain("bad-decision.json");
  });
});

/** `trace` with the first event that has a result given another one, as someone editing the file would. */
function withEditedEvent(trace: Trace): Trace {
  const i = trace.events.findIndex((e) => e.result !== undefined);
  expect(i).toBeGreaterThanOrEqual(0);
  const events = trace.events.map((e, j) => (j === i ? { ...e, result: { edited: "by hand" } } : e));
  return { ...trace, events };
}

describe("the fingerprint covers the recorded run and is checked on load", () => {
  const dir = mkdtempSync(join(tmpdir(), "interleave-fingerprint-"));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
    return path;
  };

  it("is deterministic: the same seed gives the same trace and the same fingerprint", () => {
    const a = counterexample();
    const b = counterexample();
    expect(b).toEqual(a);
    expect(a.version).toBe(TRACE_VERSION);
    expect(a.fingerprint).toBe(fingerprint(a));
  });

  const edits: [string, (t: Trace) => Trace][] = [
    ["one recorded event (its result)", withEditedEvent],
    ["the processes", (t) => ({ ...t, processes: [...t.processes, "intruder"] })],
    ["the violation's message", (t) => ({ ...t, violation: { ...t.violation!, message: "all fine" } })],
    ["the recorded fingerprint itself", (t) => ({ ...t, fingerprint: "0".repeat(64) })],
  ];
  for (const [what, edit] of edits) {
    it(`refuses a trace with ${what} edited: "was modified: fingerprint mismatch"`, () => {
      const path = write("edited.json", edit(counterexample()));
      expect(() => readTrace(path)).toThrow(
        new RegExp(
          `^trace ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} was modified: fingerprint mismatch \\(recorded [0-9a-f]{12}…, content [0-9a-f]{12}…\\)`,
        ),
      );
    });
  }

  it("leaves the decisions to replay: an edited decision loads, and replay reports the divergence (exit 1)", async () => {
    const trace = counterexample();
    const d = trace.decisions[0]!;
    const edited = {
      ...trace,
      decisions: [{ ...d, label: `${d.label}-renamed` }, ...trace.decisions.slice(1)],
    };
    const path = write("edited-decision.json", edited);
    expect(readTrace(path).decisions[0]!.label).toBe(`${d.label}-renamed`);
    let stderr = "";
    const code = await runCli(
      ["replay", path],
      { stdout: () => {}, stderr: (t) => (stderr += t), cwd: dir },
      { scenarios: [lostUpdate] },
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/no longer applies to the current code/);
  });

  it("does not depend on key order: a trace re-serialised with its keys sorted still loads", () => {
    const trace = counterexample();
    const sorted = JSON.stringify(trace, (_k, v) =>
      v === null || typeof v !== "object" || Array.isArray(v)
        ? v
        : Object.fromEntries(
            Object.keys(v)
              .sort()
              .reverse()
              .map((k) => [k, v[k]]),
          ),
    );
    const path = join(dir, "reordered.json");
    writeFileSync(path, sorted);
    expect(readTrace(path).fingerprint).toBe(trace.fingerprint);
  });

  it("reads a version-1 trace whose events match its events-only fingerprint, as version 2, with a note", () => {
    const trace = counterexample();
    const v1 = {
      ...trace,
      version: 1,
      fingerprint: createHash("sha256").update(JSON.stringify(trace.events)).digest("hex"),
    };
    const notes: string[] = [];
    const read = readTrace(write("v1.json", v1), (line) => notes.push(line));
    expect(read).toEqual(trace);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/is a version-1 trace: its fingerprint covers the events only, and they match/);
    const edited = withEditedEvent(trace);
    const path = write("v1-edited.json", { ...edited, version: 1, fingerprint: v1.fingerprint });
    expect(() => readTrace(path)).toThrow(/was modified: fingerprint mismatch/);
  });

  it("replay and report refuse an edited trace with exit 2 and one line, and write no report", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-edited-"));
    const path = join(cwd, "edited.json");
    writeFileSync(path, JSON.stringify(withEditedEvent(counterexample()), null, 2));
    for (const argv of [
      ["replay", path],
      ["replay", path, "--json"],
      ["report", path],
      ["report", path, "--mermaid"],
    ]) {
      let stdout = "";
      let stderr = "";
      const code = await runCli(
        argv,
        { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
        { scenarios: [lostUpdate] },
      );
      expect(code, argv.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^interleave: trace .*edited\.json was modified: fingerprint mismatch .*\n$/);
      expect(stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(existsSync(join(cwd, "edited.html"))).toBe(false);
  });

  it("replay of the unedited trace still reproduces it (exit 0)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-unedited-"));
    const path = writeTrace(join(cwd, "t.json"), counterexample());
    const code = await runCli(
      ["replay", path],
      { stdout: () => {}, stderr: () => {}, cwd },
      { scenarios: [lostUpdate] },
    );
    expect(code).toBe(0);
  });
});
