/**
 * Side-by-side benchmark: interleave's seeded random-schedule explorer against fast-check's scheduler
 * (`fc.scheduler()` inside `fc.asyncProperty`) on the same race model, the classic lost update — `writers`
 * processes each add 1 to a shared counter `increments` times, either as a read-then-write in two steps
 * (buggy: increments get lost) or as one atomic increment (correct).
 *
 * It measures, per tool, in one process:
 * - schedules per second on the PASS variant (atomic increment): raw exploration throughput, no failure;
 * - schedules and wall-clock ms to the first violation on the BUGGY variant (read-then-write), median over
 *   seeds 1..N (option `seeds`): how quickly each tool's random scheduling finds the race;
 * - on how many of those seeds the violation was found within the run budget.
 *
 * Why: both tools explore interleavings at random; this gives a like-for-like figure for the cost of one
 * schedule and for how many schedules a shallow race needs, so claims about interleave's speed have a
 * reference point.
 *
 * Equivalence of the two models: every shared operation is a scheduling point followed by an atomic step.
 * - interleave: all writers start at virtual time 0 with no sleeps, so every `tx` is enabled at once and the
 *   world's `pick` decision chooses uniformly among the writers that have a pending `tx`; the `tx` then
 *   applies atomically.
 * - fast-check: each read, write or increment is preceded by `await s.schedule(Promise.resolve(label))`
 *   (a gate); the shared counter is touched only after the scheduler releases the gate, so the read happens
 *   at release time, like a `tx`. `s.waitIdle()` lets the released writer's continuation schedule its next
 *   gate before the next pick (it flushes microtasks first), and the scheduler then picks uniformly among all
 *   pending gates — one per unfinished writer, exactly the set interleave picks from.
 * Both check the property once all writers are done: the counter equals writers × increments. Measured
 * per-schedule failure rates agree (20,000 schedules each: 2×1 ≈ 0.50, 3×2 ≈ 0.985, 2×3 ≈ 0.935 for both
 * tools), so the models are equivalent in distribution, not just in intent.
 *
 * Note: the lost update is a shallow race (at 3 writers × 2 increments ~98.5% of random schedules lose an
 * update), so "schedules to violation" is ~1 for both tools there; the throughput and ms figures carry the
 * comparison. Seeds: interleave run `i` of base seed `b` uses `runSeed(b, i)`, as `exploreVariant` does;
 * fast-check uses `seed: b` with its own per-run derivation.
 */
import { performance } from "node:perf_hooks";
import {
  defineScenario,
  exploreVariant,
  type Scenario,
  type ScenarioVariant,
  type StoreRef,
  tx,
  type WorldBuilder,
} from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import fc from "fast-check";

export interface PeerFigures {
  tool: "interleave" | "fast-check";
  /** e.g. "lost-update, 3 writers × 2 increments, read-then-write". */
  model: string;
  /** On the PASS (atomic increment) variant: runs/second over `passRuns` runs. */
  schedulesPerSecond: number;
  /**
   * Over seeds 1..N, BUGGY (read-then-write) variant: 1-based index of the first failing schedule. A seed
   * that finds nothing within the budget counts as `budgetRuns` (a lower bound), see `foundOnSeeds`.
   */
  medianSchedulesToViolation: number;
  /** Wall-clock ms to the first violation (or to exhausting the budget), same seeds. */
  medianMsToViolation: number;
  /** Mean schedules to the first violation over the same seeds. */
  meanSchedulesToViolation: number;
  /** How many of the seeds found the violation within `budgetRuns` schedules, as "found/seeds". */
  foundOnSeeds: string;
}

export interface LostUpdateOptions {
  readonly writers: number;
  readonly increments: number;
  /**
   * Scheduled no-op steps writer-1 takes before its increments (default 0). Each is a scheduling point, so the
   * others must wait out all of them for the writes to collide: the race's probability falls like 2^-prefix,
   * a race of known depth where "schedules to violation" measures the search, not the per-run cost.
   */
  readonly prefix?: number;
  /** Schedules for the PASS-variant throughput measurement. */
  readonly passRuns: number;
  /** Schedule budget per seed on the BUGGY variant. */
  readonly budgetRuns: number;
  /** Seeds 1..N for the time-to-violation medians (default 20; a deep race needs ~100 for a stable median). */
  readonly seeds?: number;
}

/** Per-seed outcome on the buggy variant. */
interface SeedOutcome {
  readonly found: boolean;
  readonly schedules: number;
  readonly ms: number;
}

// ---- the model, interleave side -----------------------------------------------------------------------

// The counter store: the same machine as the simulator tests' (packages/sim/test/fixtures.ts), kept here because
// bench imports other packages through their entry points only.

type CounterEvent =
  | { readonly _tag: "Read" }
  | { readonly _tag: "Write"; readonly value: number }
  | { readonly _tag: "Increment" };
type CounterResult = { readonly _tag: "Value"; readonly value: number };

const counter = {
  transition(state: number, event: CounterEvent) {
    const next = event._tag === "Write" ? event.value : event._tag === "Increment" ? state + 1 : state;
    return { state: next, effects: [] as never[], result: { _tag: "Value", value: next } as CounterResult };
  },
};

export function lostUpdateScenario(writers: number, increments: number, prefix = 0): Scenario {
  return defineScenario({
    name: "peer-lost-update",
    source: "bench/peer",
    description: `${writers} writers each increment one counter ${increments} times`,
    params: { writers, increments, prefix },
    variants: {
      "read-then-write": {
        expect: "violation",
        why: "read and write are two steps",
        options: { atomic: false },
      },
      "atomic-increment": { expect: "pass", why: "one transition", options: { atomic: true } },
    },
    build(world: WorldBuilder, p, { atomic }) {
      const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
      const names: string[] = [];
      for (let i = 1; i <= p.writers; i++) {
        const name = `writer-${i}`;
        names.push(name);
        // No sleeps: everything happens at t=0 and only the `pick` decisions make the interleavings.
        world.process(name, function* () {
          for (let k = 0; i === 1 && k < p.prefix; k++) yield* tx(c, { _tag: "Read" });
          for (let k = 0; k < p.increments; k++) {
            if (atomic) {
              yield* tx(c, { _tag: "Increment" });
            } else {
              const r = yield* tx(c, { _tag: "Read" });
              yield* tx(c, { _tag: "Write", value: r.value + 1 });
            }
          }
        });
      }
      // Checked when all writers are done: the world goes quiet at t=0, and an unsatisfied `eventually` is
      // then a violation ("the run went quiet and it never held").
      const total = p.writers * p.increments;
      world.eventually(
        "every increment is counted",
        (v) => names.every((n) => v.finished(n)) && v.get(c) === total,
        { withinMs: 1 },
      );
    },
  });
}

function variantOf(scenario: Scenario, name: string): ScenarioVariant {
  const v = scenario.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`no variant ${name}`);
  return v;
}

/** Throughput: `runs` schedules of the pass variant; throws if any of them fails. Returns elapsed ms. */
function interleavePass(variant: ScenarioVariant, runs: number, seed: number): number {
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const run = runWorld(variant.build, new RandomChooser(runSeed(seed, i)));
    if (run.violation !== null) {
      throw new Error(`interleave: pass variant failed on run ${i}: ${run.violation.message}`);
    }
  }
  return performance.now() - started;
}

/**
 * The loop of `exploreVariant` (run `i` uses `runSeed(seed, i)`), stopped at the first violation, but
 * without its counterexample recording (a re-run with the event log on): fast-check's side likewise skips
 * shrinking via `endOnFailure`, so neither tool's post-failure work is timed.
 */
function interleaveBuggy(variant: ScenarioVariant, seed: number, budget: number): SeedOutcome {
  const started = performance.now();
  for (let i = 0; i < budget; i++) {
    const run = runWorld(variant.build, new RandomChooser(runSeed(seed, i)));
    if (run.violation !== null) return { found: true, schedules: i + 1, ms: performance.now() - started };
  }
  return { found: false, schedules: budget, ms: performance.now() - started };
}

// ---- the model, fast-check side -----------------------------------------------------------------------

/** The fast-check model went wrong (as opposed to the property failing). */
class ModelError extends Error {}

/**
 * One scheduled run: `writers` async writers over a plain shared counter, each shared operation gated by
 * a scheduled promise. Resolves to true when the final count is right.
 */
async function fastCheckRun(
  s: fc.Scheduler,
  writers: number,
  increments: number,
  atomic: boolean,
  prefix: number,
): Promise<boolean> {
  const shared = { value: 0 };
  let finished = 0;
  const writer = async (id: number): Promise<void> => {
    for (let k = 0; id === 1 && k < prefix; k++) await s.schedule(Promise.resolve(`w${id} prefix ${k}`));
    for (let k = 0; k < increments; k++) {
      if (atomic) {
        await s.schedule(Promise.resolve(`w${id} increment`));
        shared.value += 1;
      } else {
        await s.schedule(Promise.resolve(`w${id} read`));
        const r = shared.value;
        await s.schedule(Promise.resolve(`w${id} write`));
        shared.value = r + 1;
      }
    }
    finished++;
  };
  const all: Promise<void>[] = [];
  for (let i = 1; i <= writers; i++) all.push(writer(i));
  // `waitIdle` (fast-check ≥ 4.2; `waitAll` is deprecated) releases one pending gate at a time, letting
  // microtasks settle in between, until nothing is scheduled or reachable.
  await s.waitIdle();
  if (finished !== writers)
    throw new ModelError(`fast-check model: only ${finished}/${writers} writers finished`);
  await Promise.all(all);
  return shared.value === writers * increments;
}

function fastCheckProperty(writers: number, increments: number, atomic: boolean, prefix: number) {
  return fc.asyncProperty(fc.scheduler(), (s) => fastCheckRun(s, writers, increments, atomic, prefix));
}

/** Throughput: `runs` schedules of the pass variant; throws if any fails. Returns elapsed ms. */
async function fastCheckPass(
  writers: number,
  increments: number,
  prefix: number,
  runs: number,
  seed: number,
): Promise<number> {
  const property = fastCheckProperty(writers, increments, true, prefix);
  const started = performance.now();
  const details = await fc.check(property, { seed, numRuns: runs, endOnFailure: true });
  const ms = performance.now() - started;
  if (details.failed || details.numRuns !== runs) {
    if (details.errorInstance instanceof ModelError) throw details.errorInstance;
    throw new Error(`fast-check: pass variant failed or stopped early after ${details.numRuns} runs`);
  }
  return ms;
}

/**
 * `endOnFailure: true`: stop at the first failing run without shrinking, so shrinking time is not counted.
 * On failure `numRuns` is the number of runs up to and including the failing one.
 */
async function fastCheckBuggy(
  writers: number,
  increments: number,
  prefix: number,
  seed: number,
  budget: number,
): Promise<SeedOutcome> {
  const property = fastCheckProperty(writers, increments, false, prefix);
  const started = performance.now();
  const details = await fc.check(property, { seed, numRuns: budget, endOnFailure: true });
  const ms = performance.now() - started;
  // A failure must be the property returning false, not the model itself breaking.
  if (details.failed && details.errorInstance instanceof ModelError) throw details.errorInstance;
  return details.failed
    ? { found: true, schedules: details.numRuns, ms }
    : { found: false, schedules: budget, ms };
}

// ---- the benchmark ------------------------------------------------------------------------------------

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function figures(
  tool: PeerFigures["tool"],
  model: string,
  passRuns: number,
  passMs: number,
  outcomes: readonly SeedOutcome[],
): PeerFigures {
  return {
    tool,
    model,
    schedulesPerSecond: Math.round(passRuns / (passMs / 1000)),
    medianSchedulesToViolation: median(outcomes.map((o) => o.schedules)),
    medianMsToViolation: Math.round(median(outcomes.map((o) => o.ms)) * 100) / 100,
    meanSchedulesToViolation: Math.round(outcomes.reduce((a, o) => a + o.schedules, 0) / outcomes.length),
    foundOnSeeds: `${outcomes.filter((o) => o.found).length}/${outcomes.length}`,
  };
}

/** Run both tools on the lost-update model in this process; each is warmed up once before timing. */
export async function benchLostUpdate(options: LostUpdateOptions): Promise<PeerFigures[]> {
  const { writers, increments, passRuns, budgetRuns } = options;
  const SEEDS = Array.from({ length: options.seeds ?? 20 }, (_, i) => i + 1);
  const prefix = options.prefix ?? 0;
  const model = `lost-update, ${writers} writers × ${increments} increments${prefix > 0 ? `, writer-1 ${prefix} steps late` : ""}`;
  const scenario = lostUpdateScenario(writers, increments, prefix);
  const buggy = variantOf(scenario, "read-then-write");
  const atomic = variantOf(scenario, "atomic-increment");
  // One full-size warm-up per tool (both variants), so the JIT has seen the hot paths before timing.
  const warmRuns = passRuns;

  // interleave: warm up, then measure.
  interleavePass(atomic, warmRuns, 0);
  interleaveBuggy(buggy, 0, budgetRuns);
  const interleavePassMs = interleavePass(atomic, passRuns, 1);
  const interleaveOutcomes = SEEDS.map((seed) => interleaveBuggy(buggy, seed, budgetRuns));
  // Cross-check (untimed): the real explorer reports the same schedule counts as the timed loop.
  for (const [i, seed] of SEEDS.entries()) {
    const r = exploreVariant(scenario, buggy, { seed, runs: budgetRuns });
    const mine = interleaveOutcomes[i]!;
    if (r.schedules !== mine.schedules || (r.verdict === "violation") !== mine.found) {
      throw new Error(
        `interleave: exploreVariant disagrees on seed ${seed}: ${r.schedules} vs ${mine.schedules}`,
      );
    }
  }

  // fast-check: warm up, then measure.
  await fastCheckPass(writers, increments, prefix, warmRuns, 0);
  await fastCheckBuggy(writers, increments, prefix, 0, budgetRuns);
  const fastCheckPassMs = await fastCheckPass(writers, increments, prefix, passRuns, 1);
  const fastCheckOutcomes: SeedOutcome[] = [];
  for (const seed of SEEDS)
    fastCheckOutcomes.push(await fastCheckBuggy(writers, increments, prefix, seed, budgetRuns));

  return [
    figures("interleave", model, passRuns, interleavePassMs, interleaveOutcomes),
    figures("fast-check", model, passRuns, fastCheckPassMs, fastCheckOutcomes),
  ];
}
