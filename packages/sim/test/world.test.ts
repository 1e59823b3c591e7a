import { describe, expect, it } from "vitest";
import {
  choose,
  constant,
  defineScenario,
  exploreVariant,
  kill,
  note,
  sleep,
  spawn,
  tx,
  txAt,
  uniform,
  until,
  type WorldBuilder,
} from "../src/index.js";
import { runWorld } from "../src/search/index.js";
import { type Decision, RandomChooser, ReplayChooser } from "../src/strategy/index.js";
import { type CounterEvent, type CounterResult, counter, lostUpdateBuild } from "./fixtures.js";

function findViolation(
  build: (w: WorldBuilder) => void,
  runs: number,
): { seed: number; decisions: readonly Decision[] } | null {
  for (let seed = 0; seed < runs; seed++) {
    const r = runWorld(build, new RandomChooser(seed));
    if (r.violation !== null) return { seed, decisions: r.decisions };
  }
  return null;
}

describe("runWorld", () => {
  it("finds the lost update when read and write are two steps, and not when the increment is one", () => {
    const found = findViolation(lostUpdateBuild(false), 200);
    expect(found).not.toBeNull();
    expect(findViolation(lostUpdateBuild(true), 200)).toBeNull();
  });

  it("is a pure function of its decisions: replaying them gives the same events", () => {
    const found = findViolation(lostUpdateBuild(false), 200)!;
    const a = runWorld(lostUpdateBuild(false), new ReplayChooser(found.decisions), { record: true });
    const b = runWorld(lostUpdateBuild(false), new ReplayChooser(found.decisions), { record: true });
    expect(a.violation?.property).toBe("every increment is counted");
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
  });

  it("records a pick only when more than one process is enabled, with the options named", () => {
    const r = runWorld(
      (w) => {
        const c = w.store("c", counter, 0);
        w.process("a", function* () {
          yield* tx(c, { _tag: "Increment" });
        });
        w.process("b", function* () {
          yield* sleep(5);
          yield* tx(c, { _tag: "Increment" });
        });
      },
      new RandomChooser(1),
      { record: true },
    );
    expect(r.decisions).toEqual([]);
    expect(r.events?.map((e) => [e.t, e.process])).toEqual([
      [0, "a"],
      [5, "b"],
    ]);
    expect(r.endReason).toBe("quiescent");
  });

  it("draws delays from a distribution as labelled decisions and advances virtual time", () => {
    const r = runWorld((w) => {
      w.process("p", function* () {
        yield* sleep(uniform(10, 30, 10), "think");
        yield* sleep(constant(5));
      });
    }, new RandomChooser(7));
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]).toMatchObject({ label: "p: think", count: 3 });
    expect(r.endMs).toBe([10, 20, 30][r.decisions[0]!.choice]! + 5);
  });

  it("blocks `until` a predicate holds, and `choose` returns one of the options", () => {
    const r = runWorld(
      (w) => {
        const c = w.store("c", counter, 0);
        w.process("waiter", function* () {
          yield* until((v) => v.get(c) >= 2);
          const pick = yield* choose("colour", ["red", "blue"]);
          yield* note(`saw two, chose ${pick}`);
        });
        w.process("incrementer", function* () {
          for (let i = 0; i < 2; i++) {
            yield* sleep(10);
            yield* tx(c, { _tag: "Increment" });
          }
        });
      },
      new RandomChooser(3),
      { record: true },
    );
    const n = r.events?.find((e) => e.op === "note");
    expect(n?.t).toBe(20);
    expect(String(n?.input)).toMatch(/^saw two, chose (red|blue)$/);
  });

  it("kills spawned children with `kill` and when the parent ends", () => {
    const r = runWorld((w) => {
      const c = w.store("c", counter, 0);
      w.process("parent", function* () {
        const child = yield* spawn("ticker", function* () {
          for (;;) {
            yield* sleep(10);
            yield* tx(c, { _tag: "Increment" });
          }
        });
        yield* sleep(35);
        yield* kill(child);
        yield* sleep(100);
      });
    }, new RandomChooser(1));
    expect(r.endReason).toBe("quiescent");
    expect(r.endMs).toBe(135);
  });

  it("fails an `always` at the step that breaks it and names the property", () => {
    const r = runWorld((w) => {
      const c = w.store("c", counter, 0);
      w.process("p", function* () {
        yield* tx(c, { _tag: "Increment" });
        yield* tx(c, { _tag: "Increment" });
      });
      w.always("the counter stays below 2", (v) => v.get(c) < 2);
    }, new RandomChooser(1));
    expect(r.violation).toMatchObject({ property: "the counter stays below 2", kind: "always", step: 2 });
  });

  it("fails an `eventually` at its deadline in virtual time, and passes one met in time", () => {
    const build = (delayMs: number) => (w: WorldBuilder) => {
      const c = w.store("c", counter, 0);
      w.process("p", function* () {
        yield* sleep(delayMs);
        yield* tx(c, { _tag: "Increment" });
        yield* sleep(1_000);
      });
      w.eventually("the counter reaches 1 within 50 ms", (v) => v.get(c) === 1, { withinMs: 50 });
    };
    expect(runWorld(build(80), new RandomChooser(1)).violation).toMatchObject({ kind: "eventually", t: 50 });
    expect(runWorld(build(50), new RandomChooser(1)).violation).toBeNull();
  });

  it("sees a process that ends right after a sleep as finished: eventually and finishWhen hold (issue 17, no false alarm)", () => {
    const build = (w: WorldBuilder) => {
      w.process("p", function* () {
        yield* sleep(1_000, "nap");
      });
      const done = (v: { finished(name: string): boolean }) => v.finished("p");
      w.eventually("p finishes within 10 s", done, { withinMs: 10_000 });
      w.finishWhen(done);
    };
    const r = runWorld(build, new RandomChooser(1));
    expect(r.violation).toBeNull();
    expect([r.endReason, r.endMs]).toEqual(["finished", 1_000]);
  });

  it("checks `always` after code run on wake-up, even when no step follows it", () => {
    let flag = false;
    const build = (w: WorldBuilder) => {
      flag = false;
      w.process("p", function* () {
        yield* sleep(1_000, "nap");
        flag = true;
        yield* sleep(60_000, "long nap");
      });
      w.always("the flag stays down", () => !flag);
      w.horizon(30_000);
    };
    const r = runWorld(build, new RandomChooser(1));
    expect(r.violation).toMatchObject({ property: "the flag stays down", kind: "always", t: 1_000 });
  });

  it("ends at the horizon and when finishWhen holds", () => {
    const forever = (w: WorldBuilder) => {
      const c = w.store("c", counter, 0);
      w.process("p", function* () {
        for (;;) {
          yield* sleep(10);
          yield* tx(c, { _tag: "Increment" });
        }
      });
      return c;
    };
    const h = runWorld((w) => {
      forever(w);
      w.horizon(95);
    }, new RandomChooser(1));
    expect([h.endReason, h.endMs, h.steps]).toEqual(["horizon", 95, 9]);
    const f = runWorld((w) => {
      const c = forever(w);
      w.finishWhen((v) => v.get(c) === 3);
    }, new RandomChooser(1));
    expect([f.endReason, f.endMs]).toEqual(["finished", 30]);
  });

  it("pauses a faultable process and its children; time goes on for others", () => {
    const build = (w: WorldBuilder) => {
      const c = w.store("c", counter, 0);
      w.faults({ pause: { probability: 1, durationMs: constant(1_000), countMax: 1 } });
      w.process(
        "stalls",
        function* () {
          yield* tx(c, { _tag: "Increment" });
        },
        { faults: true },
      );
    };
    const r = runWorld(build, new RandomChooser(1), { record: true });
    expect(r.events?.map((e) => [e.t, e.op])).toEqual([
      [0, "pause"],
      [1_000, "tx"],
    ]);
  });

  it("txAt stamps the event with the time the step executes, even after a pause; tx keeps what was captured", () => {
    const stamps = { tx: -1, txAt: -1 };
    const clock = {
      transition(state: number, event: { via: "tx" | "txAt"; atMs: number }) {
        stamps[event.via] = event.atMs;
        return { state, effects: [] as never[], result: null };
      },
    };
    runWorld((w) => {
      const c = w.store("clock", clock, 0);
      w.faults({ pause: { probability: 1, durationMs: constant(500), countMax: 2 } });
      w.process(
        "p",
        function* (ctx) {
          yield* tx(c, { via: "tx", atMs: ctx.now() });
          yield* txAt(c)((atMs) => ({ via: "txAt", atMs }));
        },
        { faults: true },
      );
    }, new RandomChooser(1));
    expect(stamps).toEqual({ tx: 0, txAt: 1_000 });
  });

  it("crashes a faultable process: children die, it restarts from its entry, the store survives", () => {
    const build = (w: WorldBuilder) => {
      const c = w.store<number, CounterEvent, CounterResult>("c", counter, 0);
      w.faults({ crash: { probability: 0.5, restartDelayMs: constant(100), countMax: 1 } });
      w.process(
        "worker",
        function* () {
          yield* spawn("child", function* () {
            yield* sleep(1);
            yield* note("child ran");
          });
          yield* tx(c, { _tag: "Increment" });
          yield* tx(c, { _tag: "Increment" });
        },
        { faults: true },
      );
    };
    let crashed = false;
    for (let seed = 0; seed < 50 && !crashed; seed++) {
      const r = runWorld(build, new RandomChooser(seed), { record: true });
      const ops = r.events?.map((e) => e.op) ?? [];
      if (!ops.includes("crash")) continue;
      crashed = true;
      expect(ops).toContain("restart");
      const crashAt = ops.indexOf("crash");
      const txsBefore = ops.slice(0, crashAt).filter((o) => o === "tx").length;
      // After restarting from the entry the worker does both increments again on top of what survived.
      expect(r.events?.filter((e) => e.op === "tx").length).toBe(txsBefore + 2);
    }
    expect(crashed).toBe(true);
  });

  it("rejects a duplicate store key or process name, naming it", () => {
    expect(() =>
      runWorld((w) => {
        w.store("k", counter, 0);
        w.store("k", counter, 0);
      }, new RandomChooser(1)),
    ).toThrow(/store key "k" is declared twice/);
    expect(() =>
      runWorld((w) => {
        w.process("p", function* () {});
        w.process("p", function* () {});
      }, new RandomChooser(1)),
    ).toThrow(/process "p" is declared twice/);
  });

  it("rejects a fault plan whose probabilities are out of range, naming the field", () => {
    const run = (plan: Parameters<WorldBuilder["faults"]>[0]) => () =>
      runWorld((w) => w.faults(plan), new RandomChooser(1));
    expect(run({ pause: { probability: 1.5, durationMs: constant(1), countMax: 1 } })).toThrow(
      /pause\.probability must be within \[0, 1\], got 1\.5/,
    );
    expect(
      run({
        pause: { probability: 0.6, durationMs: constant(1), countMax: 1 },
        crash: { probability: 0.6, restartDelayMs: constant(1), countMax: 1 },
      }),
    ).toThrow(/must be at most 1, got 1\.2/);
    expect(run({ crash: { probability: 0.1, restartDelayMs: constant(1), countMax: -1 } })).toThrow(
      /crash\.countMax must be a non-negative integer/,
    );
  });

  it("refuses to spawn a second live process with the same name", () => {
    expect(() =>
      runWorld((w) => {
        w.process("p", function* () {
          yield* spawn("child", function* () {
            yield* sleep(10);
          });
          yield* spawn("child", function* () {});
        });
      }, new RandomChooser(1)),
    ).toThrow(/cannot spawn "child": a live process already has that name/);
  });

  it("names the scenario, variant and run seed when a process throws during exploration", () => {
    const broken = defineScenario({
      name: "broken",
      source: "test",
      description: "a process that throws on some schedules",
      params: {},
      variants: { only: { expect: "pass", why: "-", options: {} } },
      build(w) {
        w.process("p", function* () {
          const n = yield* sleep(uniform(0, 3), "wait");
          if (n === 3) throw new Error("boom");
        });
      },
    });
    expect(() => exploreVariant(broken, broken.variants[0]!, { seed: 1, runs: 100 })).toThrow(
      /broken\/only threw in the run with seed \d+ \(replay: --variant only --seed \d+\): process "p" threw at t=3ms: boom/,
    );
  });

  it("bounds the steps of a run", () => {
    const r = runWorld(
      (w) => {
        const c = w.store("c", counter, 0);
        w.process("spin", function* () {
          for (;;) yield* tx(c, { _tag: "Increment" });
        });
      },
      new RandomChooser(1),
      { stepsMax: 500 },
    );
    expect([r.endReason, r.steps]).toEqual(["steps", 500]);
  });

  describe("effects", () => {
    // A tiny dispatcher: Submit returns a Dispatch effect for the job; Done counts finished jobs.
    type JobEvent = { readonly _tag: "Submit"; readonly job: string } | { readonly _tag: "Done" };
    type JobEffect = { readonly _tag: "Dispatch"; readonly job: string };
    const jobs = {
      transition(state: number, event: JobEvent) {
        return event._tag === "Submit"
          ? { state, result: "accepted", effects: [{ _tag: "Dispatch", job: event.job } as JobEffect] }
          : { state: state + 1, result: "counted", effects: [] as JobEffect[] };
      },
    };

    it("carries out a tx's effects at the end of its step: spawned processes outlive the submitter", () => {
      const r = runWorld(
        (w) => {
          const ref = w.store("jobs", jobs, 0, {
            effects: (effect, io) => {
              // The submitter has already run to its next shared operation: its note precedes the spawn.
              io.spawn(`worker-${effect.job}`, function* () {
                yield* sleep(10);
                yield* tx(ref, { _tag: "Done" });
              });
            },
          });
          w.process("submitter", function* () {
            yield* tx(ref, { _tag: "Submit", job: "a" });
            yield* note("submitted a");
            yield* tx(ref, { _tag: "Submit", job: "b" });
          });
          w.finishWhen((view) => view.get(ref) === 2);
        },
        new RandomChooser(3),
        { record: true },
      );
      expect(r.endReason).toBe("finished");
      expect(r.endMs).toBe(10);
      const ops = r.events!.map(
        (e) => `${e.process}:${e.op}${e.op === "spawn" ? `:${(e.input as { name: string }).name}` : ""}`,
      );
      expect(ops.slice(0, 3)).toEqual(["submitter:tx", "submitter:note", "submitter:spawn:worker-a"]);
      expect(r.events![0]!.effects).toEqual([{ _tag: "Dispatch", job: "a" }]);
      expect(r.processes).toEqual(["submitter", "worker-a", "worker-b"]);
    });

    it("lets a finished effect-spawned process's name be reused by the next one", () => {
      const r = runWorld((w) => {
        const ref = w.store("jobs", jobs, 0, {
          effects: (_effect, io) => {
            io.spawn("worker", function* () {
              yield* tx(ref, { _tag: "Done" });
            });
          },
        });
        w.process("submitter", function* () {
          for (let i = 0; i < 3; i++) {
            yield* tx(ref, { _tag: "Submit", job: String(i) });
            yield* sleep(5);
          }
        });
      }, new RandomChooser(1));
      expect(r.endReason).toBe("quiescent");
    });

    it("fails the run when a store returns effects without an effects handler", () => {
      expect(() =>
        runWorld((w) => {
          const ref = w.store("jobs", jobs, 0);
          w.process("submitter", function* () {
            yield* tx(ref, { _tag: "Submit", job: "a" });
          });
        }, new RandomChooser(1)),
      ).toThrow(/store "jobs" returned effects but was declared without an effects handler/);
    });
  });
});
