import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import {
  defineScenario,
  replayTrace,
  type Scenario,
  type StoreRef,
  sleep,
  type Trace,
  tx,
  uniform,
  writeTrace,
} from "../src/index.js";
import { recordRun } from "../src/search/index.js";
import type { Chooser } from "../src/strategy/index.js";
import { type CounterEvent, type CounterResult, counter } from "./fixtures.js";

/** How the "current code" differs from the code that recorded the trace. */
interface Change {
  /** writer-1 draws an extra delay between its read and its write. */
  readonly think?: boolean;
  /** writer-2 is called author-2. */
  readonly rename?: boolean;
  /** What a write adds to the value read (1 when recorded). */
  readonly delta?: number;
}

/** Two writers, each: a start delay (0, 10 or 20 ms), a read, a write of read + delta. */
function tiny(change: Change = {}): Scenario {
  return defineScenario({
    name: "tiny",
    source: "test",
    description: "two writers, one counter",
    params: {},
    variants: { base: { expect: "violation", why: "read and write are two steps", options: change } },
    build(world, _params, o) {
      const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
      for (const i of [1, 2]) {
        world.process(o.rename === true && i === 2 ? "author-2" : `writer-${i}`, function* () {
          yield* sleep(uniform(0, 20, 10), "start");
          const r = yield* tx(c, { _tag: "Read" });
          if (o.think === true && i === 1) yield* sleep(uniform(0, 10, 5), "think");
          yield* tx(c, { _tag: "Write", value: r.value + (o.delta ?? 1) });
        });
      }
      world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: 100 });
    },
  });
}

/** Takes the given choices in order, then 0. */
function scripted(choices: readonly number[]): Chooser {
  let i = 0;
  return { choose: () => choices[i++] ?? 0 };
}

/**
 * The recorded run: both writers start at t=10 ms (decisions #0, #1); pick writer-1, which reads at step 1
 * (#2); pick writer-2, which reads at step 2 (#3); pick writer-1, which writes 1 at step 3 (#4); writer-2
 * writes 1 at step 4 (the only one left: no decision). The lost update.
 */
function recorded(): Trace {
  const s = tiny();
  return recordRun(s, s.variants[0]!, 0, scripted([1, 1, 0, 1, 0]));
}

function replayOn(change: Change, trace: Trace) {
  const s = tiny(change);
  return replayTrace(s, s.variants[0]!, trace);
}

describe("durable replay", () => {
  it("the recorded run is the one the tests reason about", () => {
    const trace = recorded();
    expect(trace.decisions.map((d) => [d.label, d.choice])).toEqual([
      ["writer-1: start", 1],
      ["writer-2: start", 1],
      ["pick", 0],
      ["pick", 1],
      ["pick", 0],
    ]);
    expect(trace.steps).toBe(4);
    expect(trace.violation?.property).toBe("every increment is counted");
  });

  it("a trace replayed on unchanged code is Reproduced with the same fingerprint", () => {
    const trace = recorded();
    const outcome = replayOn({}, trace);
    expect(outcome._tag).toBe("Reproduced");
    if (outcome._tag !== "Reproduced") return;
    expect(outcome.trace.fingerprint).toBe(trace.fingerprint);
    expect(outcome.trace.decisions).toEqual(trace.decisions);
  });

  it("an inserted sleep(uniform(…)) diverges where the code asks for it, naming both labels", () => {
    const outcome = replayOn({ think: true }, recorded());
    expect(outcome).toMatchObject({
      _tag: "Diverged",
      step: 1,
      t: 10,
      decisionIndex: 3,
      expectedLabel: "pick",
      foundLabel: "writer-1: think",
    });
  });

  it("a renamed process diverges at its first labelled decision", () => {
    const outcome = replayOn({ rename: true }, recorded());
    expect(outcome).toMatchObject({
      _tag: "Diverged",
      step: 0,
      t: 0,
      decisionIndex: 1,
      expectedLabel: "writer-2: start",
      foundLabel: "author-2: start",
    });
    if (outcome._tag === "Diverged") expect(outcome.message).toContain('"author-2: start"');
  });

  it("a changed transition keeps the schedule but is Changed, with the first differing event", () => {
    const trace = recorded();
    const outcome = replayOn({ delta: 2 }, trace);
    expect(outcome._tag).toBe("Changed");
    if (outcome._tag !== "Changed") return;
    expect(outcome.expected).toBe(trace.fingerprint);
    expect(outcome.trace.fingerprint).not.toBe(trace.fingerprint);
    expect(outcome.firstDifference).toEqual({
      index: 4,
      step: 3,
      t: 10,
      expected: "writer-1: tx [counter] Write value=1 → Value value=1",
      found: "writer-1: tx [counter] Write value=2 → Value value=2",
      fields: ["input", "result", "changes"],
    });
  });

  it("a truncated decision list diverges where the run asks past its end", () => {
    const trace = recorded();
    const outcome = replayOn({}, { ...trace, decisions: trace.decisions.slice(0, 3) });
    expect(outcome).toMatchObject({
      _tag: "Diverged",
      step: 1,
      t: 10,
      decisionIndex: 3,
      expectedLabel: null,
      foundLabel: "pick",
    });
  });

  it("decisions the run never asks for are a divergence at the end of the run", () => {
    const trace = recorded();
    const extra = { label: "writer-2: start", count: 3, choice: 2 };
    const outcome = replayOn({}, { ...trace, decisions: [...trace.decisions, extra] });
    expect(outcome).toMatchObject({
      _tag: "Diverged",
      step: 4,
      t: 10,
      decisionIndex: 5,
      expectedLabel: "writer-2: start",
      foundLabel: "end of run",
    });
  });
});

describe("interleave replay <trace.json> after a code change", () => {
  function setup(trace: Trace = recorded()) {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-replay-"));
    writeTrace(join(cwd, "t.json"), trace);
    return cwd;
  }

  async function replay(cwd: string, change: Change, ...flags: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      ["replay", "t.json", ...flags],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
      { scenarios: [tiny(change)] },
    );
    return { code, stdout, stderr };
  }

  it("a divergence prints one block naming the trace, step, time and both labels, exits 1, no timeline", async () => {
    const r = await replay(setup(), { think: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^interleave: t\.json \(tiny\/base, seed 0\) no longer applies/);
    expect(r.stderr).toContain(
      'diverged at step 1 (t=10ms), decision #3: the trace expected "pick", the code asked for "writer-1: think"',
    );
    expect(r.stderr).not.toContain("Legend");
  });

  it("--json on a divergence prints { reproduced: false, divergence } and exits 1", async () => {
    const r = await replay(setup(), { rename: true }, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      reproduced: false,
      divergence: {
        step: 0,
        t: 0,
        decisionIndex: 1,
        expectedLabel: "writer-2: start",
        foundLabel: "author-2: start",
        message: expect.stringContaining("decision #1"),
      },
    });
  });

  it("unused decisions say the code ended the run", async () => {
    const trace = recorded();
    const extra = { label: "pick", count: 2, choice: 0 };
    const r = await replay(setup({ ...trace, decisions: [...trace.decisions, extra] }), {});
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      'diverged at step 4 (t=10ms), decision #5: the trace expected "pick", the code ended the run',
    );
  });

  it("a changed run prints the first differing event and exits 1; the timeline only with --show-current", async () => {
    const cwd = setup();
    const r = await replay(cwd, { delta: 2 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "first difference at step 3 (t=10ms), event #4 (input, result, changes differ)",
    );
    expect(r.stderr).toContain("expected: writer-1: tx [counter] Write value=1 → Value value=1");
    expect(r.stderr).toContain("found:    writer-1: tx [counter] Write value=2 → Value value=2");
    const shown = await replay(cwd, { delta: 2 }, "--show-current");
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain("Legend");
    expect(shown.stdout).toContain("Write value=2");
  });

  it("a trace that reproduces prints its timeline and exits 0", async () => {
    const r = await replay(setup(), {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Legend");
  });

  it("a trace file edited by hand is still read and its divergence reported", async () => {
    const cwd = setup();
    const trace = recorded();
    writeFileSync(
      join(cwd, "t.json"),
      JSON.stringify({
        ...trace,
        decisions: trace.decisions.map((d, i) => (i === 0 ? { ...d, count: 4 } : d)),
      }),
    );
    const r = await replay(cwd, {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'diverged at step 0 (t=0ms), decision #0: the trace expected "writer-1: start", the code asked for "writer-1: start" with a different number of options',
    );
  });
});
