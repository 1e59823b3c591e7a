/**
 * `pnpm bench --only real-code` (issue 21): what it costs to run the real code under the simulator, side by side
 * in one process. Three harnesses on seed 002's heartbeat-vs-ack:
 * - interleave on the real code: `heartbeat-vs-ack-real` (scenarios/heartbeat-vs-ack/worker-real.ts) — the
 *   runtime's `ClaimQueue` and two `Worker`s as async tasks on the simulated Redis — under
 *   `exploreVariantAsync`, random strategy;
 * - interleave on the model: `heartbeat-vs-ack` (generator processes over the core `ClaimQueue`) under
 *   `exploreVariant`, random strategy;
 * - fast-check's `fc.scheduler()` driving the same real code on the same server machine, with virtual time from
 *   @sinonjs/fake-timers (bench/peer/real-code-fc.ts says how a run goes and how it corresponds to the world).
 *
 * Throughput is schedules per second over `passRuns` schedules of a pass variant from seed 1, the median of
 * `reps` repetitions: every harness is warmed up first (one full-size run), then the repetitions go round-robin
 * over the harnesses, so a change in the shared machine's load hits them alike. fc.scheduler has no pause fault,
 * so the like-for-like comparison is `fenced-handler` with the pause plan off (`countMax: 0`) in both;
 * `fenced-handler` as declared (pauses on) is measured beside fast-check with this harness's pauses. Time to the first violation is over seeds 1..`seeds`, without shrinking:
 * interleave's includes recording the failing run's trace, as in the strategies section; fast-check's stops at
 * the failing run (`endOnFailure`). For fast-check the stall is this harness's own pause on the fake clock
 * (`FcPause`), drawn by fast-check arbitraries.
 */
import { performance } from "node:perf_hooks";
import { exploreVariant, exploreVariantAsync, type Scenario, type ScenarioVariant } from "@interleave/sim";
import { runSeed, runWorldAsync } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import fc from "fast-check";
import heartbeatVsAck from "../scenarios/heartbeat-vs-ack/heartbeat-vs-ack.js";
import real, { params as realParams } from "../scenarios/heartbeat-vs-ack/worker-real.js";
import { type FcPause, fcRealRun } from "./peer/real-code-fc.js";
import { median } from "./support/measure.js";

export interface RealCodeOptions {
  /** Schedules per throughput measurement (interleave real code and fast-check). */
  readonly passRuns: number;
  /** Schedules per throughput measurement of the model (it is ~100× cheaper per schedule). */
  readonly modelRuns: number;
  /** Seeds 1..N for the time to the first violation. */
  readonly seeds: number;
  /** Schedule budget per seed. */
  readonly budgetRuns: number;
  /** Repetitions of each measurement; the median is reported. */
  readonly reps: number;
  /** Run the fast-check harness too (default true; `pnpm bench --no-peer` turns it off). */
  readonly fastCheck?: boolean;
}

/** One row of the table: a harness on a variant, with its medians. */
export interface RealCodeRow {
  harness: string;
  variant: string;
  verdict: string;
  "schedules/s": number | string;
  "steps/schedule": number | string;
  "median schedules to violation": number | string;
  "median ms to violation": number | string;
  reps: string;
}

function variantOf(scenario: Scenario, name: string): ScenarioVariant {
  const v = scenario.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`${scenario.name}: no variant ${name}`);
  return v;
}

/** `variant` with the scenario's pause plan off (`countMax: 0`: no fault decision is drawn at all). */
function withoutPauses(variant: ScenarioVariant): ScenarioVariant {
  const build = variant.buildWith({ ...realParams, pause: { ...realParams.pause, countMax: 0 } });
  return { ...variant, build };
}

const NO_FIGURES = {
  "schedules/s": "—",
  "steps/schedule": "—",
  "median schedules to violation": "—",
  "median ms to violation": "—",
  reps: "—",
} as const;
const REAL = "interleave, real code";
const FC = "fc.scheduler + fake timers, real code";
const MODEL = "interleave, model";
const round = (x: number, digits = 0) => Number(x.toFixed(digits));
const spread = (xs: readonly number[]) =>
  `${xs.length}: ${round(Math.min(...xs), 1)}–${round(Math.max(...xs), 1)}`;

/** One throughput measurement: a warm-up, then one repetition at a time (so repetitions of the harnesses alternate). */
interface Throughput {
  readonly harness: string;
  readonly variant: string;
  warm(): Promise<void>;
  once(): Promise<{ readonly schedules: number; readonly steps: number; readonly verdict: string }>;
}

/** interleave: `runs` schedules of `variant` from seed 1 (warm-up: seed 0), random strategy. */
function interleaveThroughput(
  harness: string,
  label: string,
  scenario: Scenario,
  variant: ScenarioVariant,
  runs: number,
  async: boolean,
): Throughput {
  const explore = (seed: number) => {
    const o = { seed, runs, strategy: "random" as const, swarm: false };
    return async
      ? exploreVariantAsync(scenario, variant, o)
      : Promise.resolve(exploreVariant(scenario, variant, o));
  };
  return {
    harness,
    variant: label,
    warm: async () => void (await explore(0)),
    once: async () => {
      const r = await explore(1);
      if (r.verdict !== "pass") throw new Error(`${scenario.name}/${variant.name}: ${r.verdict} on seed 1`);
      return {
        schedules: r.schedules,
        steps: r.steps,
        verdict: `pass (${r.strength}), ${r.schedules} schedules`,
      };
    },
  };
}

/**
 * fast-check: `runs` runs of the real code's `fenced-handler` from seed 1 (warm-up: seed 0), without faults or
 * with the harness's pauses drawn by {@link pauseArbitrary}.
 */
function fcThroughput(runs: number, pauses: boolean): Throughput {
  let steps = 0;
  const property = fc.asyncProperty(fc.scheduler(), pauseArbitrary(), async (s, drawn) => {
    const r = await fcRealRun(s, true, pauses ? drawn : []);
    steps += r.steps;
    return r.violation === null;
  });
  const check = async (seed: number) => {
    steps = 0;
    const d = await fc.check(property, { seed, numRuns: runs, endOnFailure: true });
    if (d.failed) throw new Error(`fast-check: fenced-handler failed: ${String(d.errorInstance ?? "")}`);
    return { schedules: d.numRuns, steps, verdict: `pass, ${d.numRuns} runs` };
  };
  return {
    harness: FC,
    variant: pauses ? "fenced-handler (harness pauses)" : "fenced-handler, no faults",
    warm: async () => void (await check(0)),
    once: () => check(1),
  };
}

/** One seed's search for the first violation: schedules run (the budget when none was found), and whether it was. */
interface SeedOutcome {
  readonly schedules: number;
  readonly violated: boolean;
}

/**
 * Schedules and ms to the first violation for seeds 1..N, `reps` times: the schedules of the last repetition,
 * each repetition's median ms, and on how many seeds the violation was found. `sameEachRep` (a seeded,
 * deterministic harness) also checks that the repetitions ran the same schedules.
 */
async function toViolation(
  options: RealCodeOptions,
  label: string,
  sameEachRep: boolean,
  runSeed: (seed: number) => Promise<SeedOutcome>,
): Promise<{ schedules: number[]; msMedians: number[]; found: number }> {
  let schedules: number[] = [];
  const msMedians: number[] = [];
  let found = 0;
  for (let rep = 0; rep < options.reps; rep++) {
    const these: number[] = [];
    const ms: number[] = [];
    found = 0;
    for (let seed = 1; seed <= options.seeds; seed++) {
      const t0 = performance.now();
      const r = await runSeed(seed);
      ms.push(performance.now() - t0);
      these.push(r.schedules);
      if (r.violated) found++;
    }
    if (sameEachRep && rep > 0 && these.join() !== schedules.join())
      throw new Error(`${label}: schedules to violation differ between repetitions`);
    schedules = these;
    msMedians.push(median(ms));
  }
  return { schedules, msMedians, found };
}

/** interleave: schedules and ms to the first violation for seeds 1..N (no shrinking), `reps` times. */
function interleaveToViolation(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: RealCodeOptions,
  async: boolean,
): Promise<{ schedules: number[]; msMedians: number[]; found: number }> {
  return toViolation(options, `${scenario.name}/${variant.name}`, true, async (seed) => {
    const o = { seed, runs: options.budgetRuns, strategy: "random" as const, shrink: false, swarm: false };
    const r = async ? await exploreVariantAsync(scenario, variant, o) : exploreVariant(scenario, variant, o);
    return { schedules: r.schedules, violated: r.verdict === "violation" };
  });
}

/**
 * The stall, drawn by fast-check as interleave draws it: for each worker at most one pause of the scenario's
 * length, striking each of its events with the scenario's probability (0.02) until one does — so the event it
 * strikes at is geometric, drawn here from an unbiased uniform integer by the inverse of its distribution
 * function (fast-check's default bias would favour the first events).
 */
export function pauseArbitrary(): fc.Arbitrary<FcPause[]> {
  const p = realParams.pause.probability;
  const durationMs = realParams.pause.durationMs.values[0]!; // constant(6_000)
  const RANGE = 2 ** 30;
  const one = (worker: FcPause["worker"]) =>
    fc.noBias(fc.integer({ min: 1, max: RANGE })).map((k) => ({
      worker,
      atEvent: Math.floor(Math.log(k / RANGE) / Math.log(1 - p)),
      durationMs,
    }));
  return fc.tuple(one("worker-1"), one("worker-2"));
}

/** The fast-check harness went wrong (as opposed to the property failing). */
class HarnessError extends Error {}

/** fast-check: runs (and ms) to the first violation of `unfenced-handler` with drawn pauses, seeds 1..N. */
function fcToViolation(
  options: RealCodeOptions,
): Promise<{ schedules: number[]; msMedians: number[]; found: number }> {
  const property = fc.asyncProperty(fc.scheduler(), pauseArbitrary(), async (s, pauses) => {
    const r = await fcRealRun(s, false, pauses).catch((error: unknown) => {
      throw new HarnessError(String(error), { cause: error });
    });
    return r.violation === null;
  });
  return toViolation(options, "fast-check unfenced-handler", false, async (seed) => {
    const d = await fc.check(property, { seed, numRuns: options.budgetRuns, endOnFailure: true });
    if (d.errorInstance instanceof HarnessError) throw d.errorInstance;
    return { schedules: d.failed ? d.numRuns : options.budgetRuns, violated: d.failed };
  });
}

/**
 * The violation's rate per schedule in both harnesses (`unfenced-handler`, pauses on; interleave from seed 1,
 * fast-check from seed 1 with its drawn pauses): equal rates say the two draw the stall alike, so their
 * schedules-to-violation are comparable. A run that throws is counted apart.
 */
export async function violationRates(runs: number): Promise<Record<string, string | number>[]> {
  const unfenced = variantOf(real, "unfenced-handler");
  let violations = 0;
  let errors = 0;
  for (let i = 0; i < runs; i++) {
    try {
      const r = await runWorldAsync(unfenced.build, new RandomChooser(runSeed(1, i)));
      if (r.violation !== null) violations++;
    } catch {
      errors++;
    }
  }
  const rows: Record<string, string | number>[] = [
    {
      harness: REAL,
      schedules: runs,
      violating: violations,
      "rate %": round((100 * violations) / runs, 1),
      threw: errors,
    },
  ];
  violations = 0;
  errors = 0;
  const property = fc.asyncProperty(fc.scheduler(), pauseArbitrary(), async (s, pauses) => {
    try {
      if ((await fcRealRun(s, false, pauses)).violation !== null) violations++;
    } catch {
      errors++;
    }
    return true;
  });
  await fc.check(property, { seed: 1, numRuns: runs });
  rows.push({
    harness: FC,
    schedules: runs,
    violating: violations,
    "rate %": round((100 * violations) / runs, 1),
    threw: errors,
  });
  return rows;
}

/** All rows of the section, and the ratios between them. */
export async function benchRealCode(options: RealCodeOptions): Promise<{
  rows: RealCodeRow[];
  ratios: Record<string, number>[];
}> {
  const { reps } = options;
  const withFc = options.fastCheck ?? true;
  const fenced = variantOf(real, "fenced-handler");
  const unfenced = variantOf(real, "unfenced-handler");
  const rows: RealCodeRow[] = [];
  const pass = (
    harness: string,
    variant: string,
    r: { perSecond: number[]; stepsPerSchedule: number; verdict: string },
  ) =>
    rows.push({
      harness,
      variant,
      verdict: r.verdict,
      "schedules/s": round(median(r.perSecond), 1),
      "steps/schedule": round(r.stepsPerSchedule, 1),
      "median schedules to violation": "—",
      "median ms to violation": "—",
      reps: spread(r.perSecond),
    });
  const fail = (
    harness: string,
    variant: string,
    r: { schedules: number[]; msMedians: number[]; found: number },
  ) =>
    rows.push({
      harness,
      variant,
      verdict: `violation on ${r.found}/${options.seeds} seeds (budget ${options.budgetRuns})`,
      "schedules/s": "—",
      "steps/schedule": "—",
      "median schedules to violation": median(r.schedules),
      "median ms to violation": round(median(r.msMedians), 1),
      reps: spread(r.msMedians),
    });

  /** Runs one measurement; a harness or scenario that throws gives a row saying so instead of the figures. */
  const attempt = async <T>(harness: string, variant: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!.slice(0, 240);
      rows.push({ harness, variant, verdict: `error: ${message}`, ...NO_FIGURES });
      return null;
    }
  };
  const ownership = variantOf(heartbeatVsAck, "ownership-only");
  const measures = [
    interleaveThroughput(
      REAL,
      "fenced-handler, no faults",
      real,
      withoutPauses(fenced),
      options.passRuns,
      true,
    ),
    fcThroughput(options.passRuns, false),
    interleaveThroughput(REAL, "fenced-handler (pauses on)", real, fenced, options.passRuns, true),
    fcThroughput(options.passRuns, true),
    interleaveThroughput(
      MODEL,
      "ownership-only (pauses on)",
      heartbeatVsAck,
      ownership,
      options.modelRuns,
      false,
    ),
  ];
  // Warm-ups first, then the repetitions round-robin: a change in the machine's load hits every harness alike.
  const results = new Map<Throughput, { perSecond: number[]; stepsPerSchedule: number; verdict: string }>();
  const broken = new Set<Throughput>(withFc ? [] : measures.filter((m) => m.harness === FC));
  for (const m of measures) {
    if (!broken.has(m) && (await attempt(m.harness, m.variant, () => m.warm())) === null) broken.add(m);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const m of measures) {
      if (broken.has(m)) continue;
      const t0 = performance.now();
      const r = await attempt(m.harness, m.variant, () => m.once());
      const ms = performance.now() - t0;
      if (r === null) {
        broken.add(m);
        continue;
      }
      const into = results.get(m) ?? { perSecond: [], stepsPerSchedule: 0, verdict: "" };
      into.perSecond.push(r.schedules / (ms / 1000));
      into.stepsPerSchedule = r.steps / r.schedules;
      into.verdict = r.verdict;
      results.set(m, into);
    }
  }
  for (const m of measures) {
    const r = results.get(m);
    if (r !== undefined && !broken.has(m)) pass(m.harness, m.variant, r);
  }
  const [iNoFaults, fcReal, iReal, fcPauses, iModel] = measures.map((m) =>
    broken.has(m) ? undefined : results.get(m),
  );

  const iRealBug = await attempt(REAL, "unfenced-handler (pauses on)", () =>
    interleaveToViolation(real, unfenced, options, true),
  );
  if (iRealBug !== null) fail(REAL, "unfenced-handler (pauses on)", iRealBug);
  const fcBug = withFc
    ? await attempt(FC, "unfenced-handler (harness pauses)", () => fcToViolation(options))
    : null;
  if (fcBug !== null) fail(FC, "unfenced-handler (harness pauses)", fcBug);
  for (const name of ["updated-at-guard", "retry-without-recheck"]) {
    const r = await attempt(MODEL, name, () =>
      interleaveToViolation(heartbeatVsAck, variantOf(heartbeatVsAck, name), options, false),
    );
    if (r !== null) fail(MODEL, name, r);
  }

  const ratio = (a: number[] | undefined, b: number[] | undefined, digits: number) =>
    a === undefined || b === undefined ? Number.NaN : round(median(a) / median(b), digits);
  const ratios = [
    {
      "interleave real (no faults) / fc.scheduler real, schedules/s": ratio(
        iNoFaults?.perSecond,
        fcReal?.perSecond,
        2,
      ),
      "interleave real (pauses on) / fc.scheduler real (harness pauses), schedules/s": ratio(
        iReal?.perSecond,
        fcPauses?.perSecond,
        2,
      ),
      "interleave model / interleave real (no faults), schedules/s": ratio(
        iModel?.perSecond,
        iNoFaults?.perSecond,
        1,
      ),
      "interleave model / interleave real (pauses on), schedules/s": ratio(
        iModel?.perSecond,
        iReal?.perSecond,
        1,
      ),
      "fc.scheduler / interleave, median ms to violation (real code)": ratio(
        fcBug?.msMedians,
        iRealBug?.msMedians,
        2,
      ),
    },
  ];
  return { rows, ratios };
}
