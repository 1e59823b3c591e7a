import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exploreVariant, readTrace, type Trace, writeTrace } from "../src/index.js";
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
      /trace format version 99; this interleave reads version 1/,
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
