/**
 * `read(ref)`: a process reads the store in one atomic step. Pins what the issue asked for (issue 20,
 * "Authoring"): the check-then-act race written with a read instead of a shared closure is found, a run
 * with reads is deterministic and replays, the read is on the timeline and in the trace file, and its
 * footprint is a read (reads of one key commute under partial-order reduction, a read and a write do not).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defineScenario,
  exploreVariant,
  read,
  readTrace,
  replayTrace,
  type StoreRef,
  sleep,
  tx,
  uniform,
  type WorldBuilder,
  writeTrace,
} from "../src/index.js";
import { exhaustiveSearch, recordRun, runWorld } from "../src/search/index.js";
import { type Footprint, RandomChooser } from "../src/strategy/index.js";
import { renderMermaid, renderReport, reportRunOf } from "../src/view/index.js";
import { renderTimeline } from "../src/view/timeline.js";
import { type CounterEvent, type CounterResult, counter } from "./fixtures.js";

/** Two writers: each reads the counter with `read`, then writes what it read plus one. */
function readThenWrite(world: WorldBuilder): void {
  const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
  for (const i of [1, 2]) {
    world.process(`writer-${i}`, function* () {
      yield* sleep(uniform(0, 20, 10), "start");
      const value: number = yield* read(c);
      yield* tx(c, { _tag: "Write", value: value + 1 });
    });
  }
  world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: 100 });
}

const scenario = defineScenario({
  name: "read-then-write",
  source: "test",
  description: "two writers read the counter with read(ref), then write it",
  params: {},
  runs: 200,
  variants: { base: { expect: "violation", why: "the read and the write are two steps", options: {} } },
  build: (world) => readThenWrite(world),
});

/** `readers` processes that only read one key, and `writers` that only write it. */
function readersAndWriters(readers: number, writers: number) {
  return (world: WorldBuilder) => {
    const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
    for (let i = 1; i <= readers; i++) {
      world.process(`reader-${i}`, function* () {
        yield* read(c);
      });
    }
    for (let i = 1; i <= writers; i++) {
      world.process(`writer-${i}`, function* () {
        yield* tx(c, { _tag: "Increment" });
      });
    }
  };
}

describe("read(ref)", () => {
  it("finds the lost update of a read-then-write, and records the read with its key and the state read", () => {
    const result = exploreVariant(scenario, scenario.variants[0]!, { runs: 200, seed: 1 });
    expect(result.verdict).toBe("violation");
    const trace = result.counterexample!;
    const reads = trace.events.filter((e) => e.op === "read");
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const e of reads) {
      expect(e.key).toBe("counter");
      expect(e.result).toBe(0);
    }
  });

  it("is deterministic: the same seed gives the same decisions and events", () => {
    for (const seed of [0, 1, 2, 3]) {
      const a = runWorld(readThenWrite, new RandomChooser(seed), { record: true });
      const b = runWorld(readThenWrite, new RandomChooser(seed), { record: true });
      expect(JSON.stringify(b.decisions)).toBe(JSON.stringify(a.decisions));
      expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    }
  });

  it("replays a trace with reads, also after a round trip through the trace file", () => {
    const trace = recordRun(scenario, scenario.variants[0]!, 5, new RandomChooser(5));
    expect(trace.events.some((e) => e.op === "read")).toBe(true);
    const outcome = replayTrace(scenario, scenario.variants[0]!, trace);
    expect(outcome._tag).toBe("Reproduced");
    const path = join(mkdtempSync(join(tmpdir(), "interleave-read-")), "trace.json");
    writeTrace(path, trace);
    const loaded = readTrace(path);
    expect(loaded.events).toEqual(trace.events);
    expect(replayTrace(scenario, scenario.variants[0]!, loaded)._tag).toBe("Reproduced");
  });

  it("shows the read on the timeline, with its key and the value read", () => {
    const trace = recordRun(scenario, scenario.variants[0]!, 5, new RandomChooser(5));
    const text = renderTimeline(trace, { width: 160 });
    expect(text).toContain("○ read [counter] → 0");
  });

  it("shows the read in the Mermaid diagram and the HTML report", () => {
    const trace = recordRun(scenario, scenario.variants[0]!, 5, new RandomChooser(5));
    const mermaid = renderMermaid(trace);
    expect(mermaid).toMatch(/p\d+->>k\d+: read/);
    const html = renderReport([reportRunOf(trace, "run", { scenario, variant: scenario.variants[0]! })]);
    expect(html).toContain("○");
    expect(html).toContain("read counter");
  });

  it("reports a read footprint: reads of one key commute, a read and a write of it do not", () => {
    const seen: Footprint[] = [];
    runWorld(readersAndWriters(1, 1), {
      choose: () => 0,
      observe: (event) => {
        if (event !== "time") seen.push(event);
      },
    });
    expect(seen).toEqual([
      { key: "counter", write: false },
      { key: "counter", write: true },
    ]);
    // Three readers: every order is equivalent, so sleep sets leave one schedule; with one writer among
    // them, the writer's position relative to the reads matters.
    const readsOnly = exhaustiveSearch(readersAndWriters(3, 0), { depth: Number.POSITIVE_INFINITY });
    expect(readsOnly.schedules).toBe(1);
    const withWriter = exhaustiveSearch(readersAndWriters(2, 1), { depth: Number.POSITIVE_INFINITY });
    expect(withWriter.schedules).toBeGreaterThan(1);
    const full = exhaustiveSearch(readersAndWriters(3, 0), {
      depth: Number.POSITIVE_INFINITY,
      sleepSets: false,
    });
    expect(full.schedules).toBe(6);
  });
});
