/**
 * Side-by-side benchmark on the deepest shipped race: seed 000's sync-vs-reset (`coordinator-entry-check`,
 * ../shared/seeds/000_a68bbd6ee7280424.txt), run a second time under fast-check's scheduler
 * (`fc.scheduler()` inside `fc.asyncProperty`), so "schedules to the first violation" can be compared with
 * interleave's explorer on the real scenario (scenarios/sync-vs-reset/sync-vs-reset.ts). Follows
 * bench/peer/lost-update.ts: both tools in one process, each warmed up first, no shrinking timed.
 *
 * The port (bench/peer/sync-vs-reset.port.ts) runs the scenario's own world — its processes, flows, MR model
 * and properties — under fast-check's scheduler; its header argues why both tools explore the same race.
 *
 * Where they differ, besides the draws (see the port):
 * - Seeds. interleave run `i` of base seed `b` uses `runSeed(b, i)` (xoroshiro128+); fast-check uses
 *   `seed: b` and jumps its own generator per run. Same distribution, different samples.
 * - Cost. interleave resumes generators synchronously; fast-check's scheduler goes through promises and at
 *   least 50 microtask ticks per release.
 * - The interleave row of {@link benchSyncVsResetPeer} runs `exploreVariant`, whose time includes re-running
 *   the failing schedule with recording on (one extra run); fast-check runs `endOnFailure: true` (no
 *   shrinking).
 */
import { performance } from "node:perf_hooks";
import { exploreVariant, type Scenario, type ScenarioVariant } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { FeedbackCampaign, feedbackCampaignSeed, RandomChooser } from "@interleave/sim/strategies";
import fc from "fast-check";
import syncVsReset from "../../scenarios/sync-vs-reset/sync-vs-reset.js";
import { ModelError, PORTED_VARIANTS, type PortOutcome, portProperty } from "./sync-vs-reset.port.js";

export {
  type Draws,
  ModelError,
  PORTED_VARIANTS,
  type PortOutcome,
  portProperty,
  runPort,
} from "./sync-vs-reset.port.js";

/** The fast-check version this module runs against (fast-check's own `__version`), e.g. "4.10.2". */
export const FAST_CHECK_VERSION: string = fc.__version;

/** The race the target names: the deepest violation variant of sync-vs-reset. */
export const DEEPEST_VARIANT = "coordinator-entry-check";

const SCENARIO = syncVsReset as Scenario;

// ---- measurements ------------------------------------------------------------------------------------------

function variantOf(name: string): ScenarioVariant {
  const v = SCENARIO.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`scenario sync-vs-reset has no variant "${name}"`);
  return v;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Per-seed outcome of a search for the first violation. */
interface SeedOutcome {
  readonly found: boolean;
  /** 1-based index of the failing schedule, or the budget when nothing was found (a lower bound). */
  readonly schedules: number;
  readonly ms: number;
  /** The search alone, without recording the counterexample (fast-check: the same as `ms`). */
  readonly searchMs: number;
}

async function fastCheckSeed(variant: string, seed: number, budget: number): Promise<SeedOutcome> {
  const started = performance.now();
  const details = await fc.check(portProperty(variant), { seed, numRuns: budget, endOnFailure: true });
  const ms = performance.now() - started;
  if (details.failed && details.errorInstance instanceof ModelError) throw details.errorInstance;
  return details.failed
    ? { found: true, schedules: details.numRuns, ms, searchMs: ms }
    : { found: false, schedules: budget, ms, searchMs: ms };
}

/**
 * `exploreVariant` with base seed `seed` (timed as `ms`, its counterexample recording included), and the same
 * loop bare — run `i` with `runSeed(seed, i)`, stopped at the first violation, no recording (timed as
 * `searchMs`; it must stop at the same schedule, or this throws).
 */
function interleaveSeed(variant: ScenarioVariant, seed: number, budget: number): SeedOutcome {
  let started = performance.now();
  let bare = budget;
  for (let i = 0; i < budget; i++) {
    if (runWorld(variant.build, new RandomChooser(runSeed(seed, i))).violation !== null) {
      bare = i + 1;
      break;
    }
  }
  const searchMs = performance.now() - started;
  started = performance.now();
  const r = exploreVariant(SCENARIO, variant, { seed, runs: budget });
  const ms = performance.now() - started;
  if (r.schedules !== bare) {
    throw new Error(
      `interleave: exploreVariant stopped at ${r.schedules} schedules, the bare loop at ${bare}`,
    );
  }
  return { found: r.verdict === "violation", schedules: r.schedules, ms, searchMs };
}

/**
 * The same as {@link interleaveSeed} for the feedback strategy: the bare loop is the campaign itself (its
 * chooser per run, learning from each run), stopped at the first violation.
 */
function interleaveFeedbackSeed(variant: ScenarioVariant, seed: number, budget: number): SeedOutcome {
  let started = performance.now();
  let bare = budget;
  const campaign = new FeedbackCampaign(feedbackCampaignSeed(seed, { index: 0, count: 1 }));
  for (let i = 0; i < budget; i++) {
    const chooser = campaign.chooser(runSeed(seed, i));
    const run = runWorld(variant.build, chooser);
    if (run.violation !== null) {
      bare = i + 1;
      break;
    }
    campaign.learn(chooser, run.decisions);
  }
  const searchMs = performance.now() - started;
  started = performance.now();
  const r = exploreVariant(SCENARIO, variant, { seed, runs: budget, strategy: "feedback" });
  const ms = performance.now() - started;
  if (r.schedules !== bare) {
    throw new Error(
      `interleave feedback: exploreVariant stopped at ${r.schedules} schedules, the bare loop at ${bare}`,
    );
  }
  return { found: r.verdict === "violation", schedules: r.schedules, ms, searchMs };
}

/** One row of {@link benchSyncVsResetPeer}: one tool on one variant, over the given seeds. */
export interface SyncVsResetPeerRow {
  /**
   * `interleave random` or `interleave feedback` (exploreVariant on the real scenario), or `fast-check <version>
   * fc.scheduler`.
   */
  readonly tool: string;
  readonly variant: string;
  /** Median over seeds of the 1-based index of the first failing schedule (the budget when none failed). */
  readonly medianSchedulesToViolation: number;
  /**
   * Median wall-clock ms to the first violation (or to the end of the budget), same seeds; interleave's
   * includes `exploreVariant` recording the counterexample's trace (one more run, with event log and
   * fingerprint).
   */
  readonly medianMsToViolation: number;
  /** The same without recording the counterexample: the search alone (fast-check: equal to the above). */
  readonly medianSearchMs: number;
  readonly meanSchedulesToViolation: number;
  readonly maxSchedulesToViolation: number;
  /** Seeds that found the violation within the budget, as "found/seeds"; a miss counts as the budget. */
  readonly foundOnSeeds: string;
  /** On `serial` (the fix): schedules/second over `passRuns` runs, all of which must pass. */
  readonly serialSchedulesPerSecond: number;
}

function row(
  tool: string,
  variant: string,
  outcomes: readonly SeedOutcome[],
  serialPerSecond: number,
): SyncVsResetPeerRow {
  const schedules = outcomes.map((o) => o.schedules);
  return {
    tool,
    variant,
    medianSchedulesToViolation: median(schedules),
    medianMsToViolation: round(median(outcomes.map((o) => o.ms)), 1),
    medianSearchMs: round(median(outcomes.map((o) => o.searchMs)), 1),
    meanSchedulesToViolation: round(schedules.reduce((a, b) => a + b, 0) / schedules.length, 1),
    maxSchedulesToViolation: Math.max(...schedules),
    foundOnSeeds: `${outcomes.filter((o) => o.found).length}/${outcomes.length}`,
    serialSchedulesPerSecond: Math.round(serialPerSecond),
  };
}

/**
 * The fix must hold in the port too: `runs` fast-check runs of `serial`, every one passing, or this throws
 * naming the property and the seed to re-run. Returns schedules/second.
 */
export async function fastCheckSerialPasses(runs: number, seed: number): Promise<number> {
  const started = performance.now();
  const details = await fc.check(portProperty("serial"), { seed, numRuns: runs, endOnFailure: true });
  const ms = performance.now() - started;
  if (details.failed) {
    if (details.errorInstance instanceof ModelError) throw details.errorInstance;
    throw new Error(`fast-check port: serial failed on run ${details.numRuns} of seed ${seed}`);
  }
  if (details.numRuns !== runs)
    throw new Error(`fast-check port: serial stopped after ${details.numRuns} runs`);
  return runs / (ms / 1000);
}

/** `runs` interleave runs of `serial`, every one passing (throws otherwise). Returns schedules/second. */
function interleaveSerialPasses(
  runs: number,
  seed: number,
  strategy: "random" | "feedback" = "random",
): number {
  const started = performance.now();
  const r = exploreVariant(SCENARIO, variantOf("serial"), { seed, runs, strategy });
  const ms = performance.now() - started;
  if (r.verdict !== "pass" || r.schedules !== runs) {
    throw new Error(`interleave: serial gave ${r.verdict} (${r.property}) after ${r.schedules} schedules`);
  }
  return runs / (ms / 1000);
}

/**
 * Schedules and ms to the first violation of sync-vs-reset `variant` (default `coordinator-entry-check`, the
 * deepest race): fast-check's `fc.scheduler()` on the port in this file against interleave's random strategy
 * on the real scenario (`exploreVariant`, base seed = the seed), one search per seed in `opts.seeds`, each
 * stopped at its first violation or after `opts.budgetRuns` schedules (a miss counts as the budget: a lower
 * bound). First, both tools must pass `opts.passRuns` (default 2,000) schedules of `serial` — the fix — which
 * also gives each tool's throughput; a failure there throws. Each tool is warmed up before timing.
 *
 * Returns three rows: interleave random, interleave feedback (strategy/feedback.ts, the same loop with its
 * campaign), then fast-check; `tool` names the fast-check version ({@link FAST_CHECK_VERSION}).
 * Schedule counts are deterministic per seed; the ms and schedules/s columns vary ±30 % or more with load.
 * Throws on bad options (empty `seeds` or one not a uint32, a non-positive budget, a variant that is not a violation variant),
 * when `serial` fails in either tool, or when the fast-check port breaks ({@link ModelError}).
 *
 * @example
 * const rows = await benchSyncVsResetPeer({ seeds: [1, 2, 3], budgetRuns: 100_000 });
 * console.table(rows);
 */
export async function benchSyncVsResetPeer(opts: {
  readonly seeds: readonly number[];
  readonly budgetRuns: number;
  readonly variant?: string;
  readonly passRuns?: number;
}): Promise<SyncVsResetPeerRow[]> {
  const variantName = opts.variant ?? DEEPEST_VARIANT;
  const passRuns = opts.passRuns ?? 2_000;
  if (opts.seeds.length === 0) throw new Error("benchSyncVsResetPeer: seeds must not be empty");
  for (const seed of opts.seeds) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
      throw new Error(`benchSyncVsResetPeer: a seed must be a uint32, got ${seed}`);
  }
  for (const [field, n] of [
    ["budgetRuns", opts.budgetRuns],
    ["passRuns", passRuns],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`benchSyncVsResetPeer: ${field} must be a positive integer, got ${n}`);
  }
  if (PORTED_VARIANTS[variantName]?.expect !== "violation") {
    throw new Error(`benchSyncVsResetPeer: "${variantName}" is not a violation variant of sync-vs-reset`);
  }
  const variant = variantOf(variantName);

  // interleave: warm up (a full-size pass: the JIT needs a few thousand schedules), the fix, then the searches.
  exploreVariant(SCENARIO, variantOf("serial"), { seed: 0, runs: passRuns });
  interleaveSeed(variant, 0, opts.budgetRuns);
  const interleaveSerial = interleaveSerialPasses(passRuns, 1);
  const interleaveOutcomes = opts.seeds.map((seed) => interleaveSeed(variant, seed, opts.budgetRuns));

  // interleave's feedback strategy: the same, after its own warm-up.
  exploreVariant(SCENARIO, variantOf("serial"), { seed: 0, runs: passRuns, strategy: "feedback" });
  interleaveFeedbackSeed(variant, 0, opts.budgetRuns);
  const feedbackSerial = interleaveSerialPasses(passRuns, 1, "feedback");
  const feedbackOutcomes = opts.seeds.map((seed) => interleaveFeedbackSeed(variant, seed, opts.budgetRuns));

  // fast-check: the same.
  await fastCheckSerialPasses(passRuns, 0);
  await fastCheckSeed(variantName, 0, opts.budgetRuns);
  const fastCheckSerial = await fastCheckSerialPasses(passRuns, 1);
  const fastCheckOutcomes: SeedOutcome[] = [];
  for (const seed of opts.seeds)
    fastCheckOutcomes.push(await fastCheckSeed(variantName, seed, opts.budgetRuns));

  return [
    row("interleave random", variantName, interleaveOutcomes, interleaveSerial),
    row("interleave feedback", variantName, feedbackOutcomes, feedbackSerial),
    row(`fast-check ${FAST_CHECK_VERSION} fc.scheduler`, variantName, fastCheckOutcomes, fastCheckSerial),
  ];
}

/** Per-schedule statistics of one tool on one variant, over many independent schedules. */
export interface ViolationRateRow {
  readonly tool: string;
  readonly variant: string;
  readonly runs: number;
  readonly violations: number;
  /** violations / runs, in %. */
  readonly ratePercent: number;
  /** A 95 % Wilson interval for the rate, in %, as "lo–hi". */
  readonly ci95Percent: string;
  /** How many runs each property failed in (the first property to fail counts), by sentence. */
  readonly byProperty: Readonly<Record<string, number>>;
  readonly meanSteps: number;
  /** Mean virtual time at which a run ended (ms). */
  readonly meanEndMs: number;
}

function wilson(k: number, n: number): string {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `${round(Math.max(0, c - h) * 100, 3)}–${round(Math.min(1, c + h) * 100, 3)}`;
}

function rateRow(
  tool: string,
  variant: string,
  outcomes: readonly { violation: string | null; steps: number; endMs: number }[],
): ViolationRateRow {
  const byProperty: Record<string, number> = {};
  let violations = 0;
  for (const o of outcomes) {
    if (o.violation === null) continue;
    violations++;
    byProperty[o.violation] = (byProperty[o.violation] ?? 0) + 1;
  }
  const n = outcomes.length;
  return {
    tool,
    variant,
    runs: n,
    violations,
    ratePercent: round((violations / n) * 100, 3),
    ci95Percent: wilson(violations, n),
    byProperty,
    meanSteps: round(outcomes.reduce((a, o) => a + o.steps, 0) / n, 2),
    meanEndMs: Math.round(outcomes.reduce((a, o) => a + o.endMs, 0) / n),
  };
}

/**
 * The per-schedule violation rate of sync-vs-reset `variant` in both tools, over `runs` independent schedules
 * each (no stopping at the first violation): interleave random on the real scenario (run `i` uses
 * `runSeed(seed, i)`, as `exploreVariant` does) and the fast-check port (`fc.check` with `seed`). With the
 * mean steps and end time per run, the evidence that the two models sample the same distribution. Returns
 * two rows, interleave first.
 */
export async function syncVsResetViolationRates(opts: {
  readonly variant: string;
  readonly runs: number;
  readonly seed: number;
}): Promise<ViolationRateRow[]> {
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    throw new Error(`syncVsResetViolationRates: runs must be a positive integer, got ${opts.runs}`);
  }
  const variant = variantOf(opts.variant);
  const mine: { violation: string | null; steps: number; endMs: number }[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = runWorld(variant.build, new RandomChooser(runSeed(opts.seed, i)));
    mine.push({ violation: r.violation?.property ?? null, steps: r.steps, endMs: r.endMs });
  }
  const theirs: PortOutcome[] = [];
  const details = await fc.check(
    portProperty(opts.variant, (o) => theirs.push(o), true),
    { seed: opts.seed, numRuns: opts.runs },
  );
  if (details.failed) {
    throw details.errorInstance instanceof Error
      ? details.errorInstance
      : new Error("fast-check port failed");
  }
  return [
    rateRow("interleave random", opts.variant, mine),
    rateRow(`fast-check ${FAST_CHECK_VERSION} fc.scheduler`, opts.variant, theirs),
  ];
}
