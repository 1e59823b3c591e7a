/**
 * Small worlds for the simulator's own tests: a counter store and the classic lost update, where a
 * read-then-write in two `tx` steps loses increments and a single-transition increment does not.
 */
import {
  defineScenario,
  type Scenario,
  type ScenarioVariant,
  type StoreRef,
  sleep,
  tx,
  uniform,
  type WorldBuilder,
} from "../src/index.js";

export type CounterEvent =
  | { readonly _tag: "Read" }
  | { readonly _tag: "Write"; readonly value: number }
  | { readonly _tag: "Increment" };
export type CounterResult = { readonly _tag: "Value"; readonly value: number };

export const counter = {
  transition(state: number, event: CounterEvent) {
    const next = event._tag === "Write" ? event.value : event._tag === "Increment" ? state + 1 : state;
    return { state: next, effects: [] as never[], result: { _tag: "Value", value: next } as CounterResult };
  },
};

export function lostUpdateBuild(atomic: boolean, writers = 2) {
  return (world: WorldBuilder) => {
    const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
    for (let i = 1; i <= writers; i++) {
      world.process(`writer-${i}`, function* () {
        yield* sleep(uniform(0, 2, 1), "start");
        if (atomic) {
          yield* tx(c, { _tag: "Increment" });
        } else {
          const r = yield* tx(c, { _tag: "Read" });
          yield* tx(c, { _tag: "Write", value: r.value + 1 });
        }
      });
    }
    world.eventually("every increment is counted", (v) => v.get(c) === writers, { withinMs: 100 });
  };
}

export const lostUpdate = defineScenario({
  name: "lost-update",
  source: "test fixture",
  description: "two writers increment one counter",
  params: { writers: 2 },
  runs: 200,
  variants: {
    "read-then-write": {
      expect: "violation",
      why: "read and write are two steps",
      options: { atomic: false },
    },
    "atomic-increment": { expect: "pass", why: "one transition", options: { atomic: true } },
  },
  build(world, p, { atomic }) {
    lostUpdateBuild(atomic, p.writers)(world);
  },
});

/**
 * A lost update that needs a rare schedule, for `soak`: each writer starts at a millisecond drawn from 0…99, and
 * increments lose a write only when both start at the same millisecond and their read and write interleave
 * (about one run in 200). Its `spread-start` variant is a "fix" that is wrong, as merge-gate/redrive's was: a
 * few dozen runs from one base seed miss it, a soak over several base seeds finds it.
 */
export const rareLostUpdate = defineScenario({
  name: "rare-lost-update",
  source: "test fixture",
  description: "two writers increment one counter, starting at a random millisecond of 0…99",
  params: { startSpreadMs: 99 },
  runs: 50,
  variants: {
    "spread-start": {
      expect: "pass",
      why: "believed safe: the writers seldom start at the same millisecond (wrong, as a soak shows)",
      options: { atomic: false },
    },
    "atomic-increment": { expect: "pass", why: "one transition", options: { atomic: true } },
  },
  build(world, { startSpreadMs }, { atomic }) {
    const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
    for (const name of ["writer-1", "writer-2"]) {
      world.process(name, function* () {
        yield* sleep(uniform(0, startSpreadMs, 1), "start");
        if (atomic) {
          yield* tx(c, { _tag: "Increment" });
        } else {
          const r = yield* tx(c, { _tag: "Read" });
          yield* tx(c, { _tag: "Write", value: r.value + 1 });
        }
      });
    }
    world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: startSpreadMs + 100 });
  },
});

/** The variant `name` of `scenario`; throws naming it when there is none. */
export function variantOf(scenario: Scenario, name: string): ScenarioVariant {
  const v = scenario.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`scenario ${scenario.name} has no variant ${name}`);
  return v;
}
