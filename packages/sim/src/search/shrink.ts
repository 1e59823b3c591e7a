/**
 * Shrinking: turn a counterexample into a smaller one that still breaks the same property, so that the trace a
 * person reads holds only the decisions that matter. Delta debugging (Zeller and Hildebrandt, "Simplifying and
 * Isolating Failure-Inducing Input", TSE 2002) over the run's decision stream, in the style of Hypothesis's
 * choice-sequence shrinking (MacIver and Donaldson, "Test-Case Reduction via Test-Case Generation", ECOOP 2020).
 */

import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import type { Build, RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import type { Chooser, Decision, DecisionRequest } from "../strategy/chooser.js";
import { ReplayChooser, ReplayDivergence } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";
import { recordRunGen } from "./record.js";

/** Budget of one shrink. A time budget makes the result depend on machine speed; tests give `runsMax` alone. */
export interface ShrinkOptions {
  /** Candidate runs at most (positive integer). Default {@link SHRINK_RUNS_MAX_DEFAULT}. */
  readonly runsMax?: number;
  /** Wall-clock budget in ms (positive; `Infinity` for none). Default {@link SHRINK_TIME_BUDGET_MS_DEFAULT}. */
  readonly timeBudgetMs?: number;
}

/** What {@link shrinkTrace} returns. */
export interface ShrinkResult {
  /**
   * The shrunk counterexample, recorded: it replays exactly with `ReplayChooser` (same fingerprint), breaks the
   * original's property, and has no more decisions and no more steps than the original. Its `shrunk` field
   * gives the original's decision and step counts and the attempts.
   */
  readonly trace: Trace;
  /** Candidate runs executed (the replay of the original included; the final recording not). */
  readonly attempts: number;
  /** Candidates accepted as the new smallest counterexample. */
  readonly accepted: number;
}

export const SHRINK_RUNS_MAX_DEFAULT = 2_000;
export const SHRINK_TIME_BUDGET_MS_DEFAULT = 5_000;

/** One decision of a candidate: which choice point (`label`) and the index to take there. */
interface Entry {
  readonly label: string;
  readonly choice: number;
}

/**
 * Replays a candidate leniently, by position: the i-th request takes `min(choice_i, count − 1)` while the
 * candidate lasts, then 0. Labels are not checked, so a candidate with decisions removed or lowered still runs.
 */
class PositionalChooser implements Chooser {
  private index = 0;
  constructor(private readonly entries: readonly Entry[]) {}
  choose(request: DecisionRequest): number {
    const e = this.entries[this.index++];
    return e === undefined ? 0 : Math.min(e.choice, request.count - 1);
  }
}

/**
 * Replays a candidate leniently, per label: the k-th request labelled L takes `min(choice, count − 1)` of the
 * k-th entry labelled L, then 0. Removing a crash (and its restart delay) or another process's decision then
 * leaves every other choice point's choices where they were, which a positional replay would shift.
 */
class LabelledChooser implements Chooser {
  private readonly streams = new Map<string, number[]>();
  private readonly cursors = new Map<string, number>();
  constructor(entries: readonly Entry[]) {
    for (const e of entries) {
      const stream = this.streams.get(e.label);
      if (stream === undefined) this.streams.set(e.label, [e.choice]);
      else stream.push(e.choice);
    }
  }
  choose(request: DecisionRequest): number {
    const k = this.cursors.get(request.label) ?? 0;
    this.cursors.set(request.label, k + 1);
    const v = this.streams.get(request.label)?.[k];
    return v === undefined ? 0 : Math.min(v, request.count - 1);
  }
}

/** Trailing zeros are what a lenient chooser gives anyway, so they are dropped from cache keys. */
function trimmed(choices: readonly number[]): string {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return choices.slice(0, end).join(",");
}

function positionalKey(entries: readonly Entry[]): string {
  return `p:${trimmed(entries.map((e) => e.choice))}`;
}

function labelledKey(entries: readonly Entry[]): string {
  const streams = new Map<string, number[]>();
  for (const e of entries) {
    const stream = streams.get(e.label);
    if (stream === undefined) streams.set(e.label, [e.choice]);
    else stream.push(e.choice);
  }
  const parts = [...streams]
    .map(([label, cs]) => `${JSON.stringify(label)}=${trimmed(cs)}`)
    .filter((p) => !p.endsWith("="));
  return `l:${parts.sort().join(";")}`;
}

/** `a` before `b` in shortlex order: fewer decisions first, then the lexicographically smaller choices. */
function shortlexLess(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  for (let i = 0; i < a.length; i++) if (a[i]!.choice !== b[i]!.choice) return a[i]!.choice < b[i]!.choice;
  return false;
}

const isFault = (label: string): boolean => label.startsWith("fault ");
const isDelay = (label: string): boolean => label !== "pick" && !isFault(label);

/**
 * One shrink: the budget, the cache of tried candidates, the best so far, and the passes over it. The passes are
 * generators ({@link Sim}) because each candidate is a run of the world, which may have async tasks.
 */
class Shrinker {
  attempts = 1;
  accepted = 0;
  exhausted = false;
  /** The decisions of the smallest counterexample so far (the canonical form of the best candidate). */
  best: readonly Decision[];
  private readonly tried = new Set<string>();
  private readonly deadline: number;

  constructor(
    private readonly build: Build,
    private readonly property: string,
    private readonly stepsMax: number,
    private readonly runsMax: number,
    private readonly swarm: boolean,
    timeBudgetMs: number,
    baseline: RunResult,
  ) {
    this.deadline = performance.now() + timeBudgetMs;
    this.best = baseline.decisions;
    this.tried.add(positionalKey(this.best));
    this.tried.add(labelledKey(this.best));
  }

  get size(): number {
    return this.best.length;
  }

  /** Try a candidate replayed per label, then (if rejected) by position. Returns whether it was accepted. */
  *attempt(entries: readonly Entry[]): Sim<boolean> {
    if (yield* this.attemptWith(labelledKey(entries), () => new LabelledChooser(entries))) return true;
    return yield* this.attemptWith(positionalKey(entries), () => new PositionalChooser(entries));
  }

  /**
   * Run a candidate (unless tried before or the budget is spent); accept it as the new best iff it breaks the
   * same property within the original's steps and its recorded decisions are shortlex-smaller than the best's.
   */
  private *attemptWith(key: string, chooser: () => Chooser): Sim<boolean> {
    if (this.tried.has(key) || this.exhausted) return false;
    if (this.attempts >= this.runsMax || performance.now() > this.deadline) {
      this.exhausted = true;
      return false;
    }
    this.tried.add(key);
    this.attempts++;
    let run: RunResult;
    try {
      run = yield* runWorldGen(this.build, chooser(), { stepsMax: this.stepsMax + 1, swarm: this.swarm });
    } catch {
      // A candidate schedule on which the scenario throws fails differently: it is not this counterexample.
      return false;
    }
    if (run.violation?.property !== this.property || run.steps > this.stepsMax) return false;
    if (!shortlexLess(run.decisions, this.best)) return false;
    this.best = run.decisions;
    this.tried.add(positionalKey(this.best));
    this.tried.add(labelledKey(this.best));
    this.accepted++;
    return true;
  }

  /** Passes in order, repeated until a whole round accepts nothing or the budget is spent. */
  *run(): Sim<void> {
    for (;;) {
      const before = this.accepted;
      yield* this.zeroFaults();
      yield* this.zeroDelays();
      yield* this.truncate();
      yield* this.deleteChunks();
      yield* this.lowerEach();
      if (this.accepted === before || this.exhausted) return;
    }
  }

  /**
   * Set fault decisions to "none" (index 0), all at once, then one at a time. A pause or crash is followed by
   * its drawn duration (`pause <node> ms` / `restart <node> ms`), which "none" does not ask for, so that
   * decision is removed too (and, failing that, kept).
   */
  private *zeroFaults(): Sim<void> {
    const all = this.best.flatMap((d, i) => (isFault(d.label) && d.choice > 0 ? [i] : []));
    if (all.length === 0) return;
    if (!(yield* this.attempt(this.withFaultsZeroed(all, true))))
      yield* this.attempt(this.withFaultsZeroed(all, false));
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const d = this.best[i]!;
      if (!isFault(d.label) || d.choice === 0) continue;
      if (!(yield* this.attempt(this.withFaultsZeroed([i], true))))
        yield* this.attempt(this.withFaultsZeroed([i], false));
    }
  }

  private withFaultsZeroed(indices: readonly number[], dropDuration: boolean): Entry[] {
    const out: Entry[] = [...this.best];
    for (const i of [...indices].sort((a, b) => b - a)) {
      const label = out[i]!.label;
      out[i] = { label, choice: 0 };
      const node = label.slice("fault ".length);
      const next = out[i + 1]?.label;
      if (dropDuration && (next === `pause ${node} ms` || next === `restart ${node} ms`))
        out.splice(i + 1, 1);
    }
    return out;
  }

  /** Draw every delay (and `choose`) at its first option — the shortest delay of a `uniform` — at once. */
  private *zeroDelays(): Sim<void> {
    const ds = this.best;
    if (!ds.some((d) => isDelay(d.label) && d.choice > 0)) return;
    yield* this.attempt(ds.map((d) => (isDelay(d.label) ? { label: d.label, choice: 0 } : d)));
  }

  /**
   * Cut the tail: the shortest prefix (binary search, then zeros after it) that still fails. The run stops at
   * its violation, so decisions after it are never asked for; this finds tails that do not matter either.
   */
  private *truncate(): Sim<void> {
    let lo = 0;
    let hi = this.size;
    while (lo < hi && !this.exhausted) {
      const mid = (lo + hi) >> 1;
      if (yield* this.attempt(this.best.slice(0, mid))) hi = Math.min(mid, this.size);
      else lo = mid + 1;
    }
  }

  /** ddmin-style removal of aligned chunks of decisions: halves, quarters, …, single decisions; tail first. */
  private *deleteChunks(): Sim<void> {
    for (let size = this.size >> 1; size >= 1 && !this.exhausted; size >>= 1) {
      for (let i = this.size - size; i >= 0 && !this.exhausted; ) {
        const ds = this.best;
        yield* this.attempt([...ds.slice(0, i), ...ds.slice(i + size)]);
        i = Math.min(i - size, this.size - size);
      }
    }
  }

  /** Lower each decision: to 0, else to choice − 1 and then binary search for the lowest that still fails. */
  private *lowerEach(): Sim<void> {
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const v = this.best[i]!.choice;
      if (v === 0 || (yield* this.attempt(this.withChoice(i, 0))) || v < 2) continue;
      if (!(yield* this.attempt(this.withChoice(i, v - 1)))) continue;
      let lo = 0;
      let hi = v - 1;
      while (hi - lo > 1 && !this.exhausted) {
        const mid = (lo + hi) >> 1;
        if (yield* this.attempt(this.withChoice(i, mid))) hi = mid;
        else lo = mid;
      }
    }
  }

  private withChoice(i: number, choice: number): Entry[] {
    const out: Entry[] = [...this.best];
    out[i] = { label: out[i]!.label, choice };
    return out;
  }
}

/**
 * Shrink a counterexample trace of `scenario`/`variant` to a smaller schedule that breaks the same property.
 *
 * A candidate is a sequence of labelled choices, run leniently: first per label (the k-th request labelled L
 * takes the k-th choice recorded for L, clamped to `count − 1`, else 0), and when that run is rejected, by
 * position (the i-th request takes `min(choices[i], count − 1)`, else 0). Per label, dropping a crash or a
 * process's decision leaves the other choice points' choices in place; by position is the classic encoding.
 * The decisions the run records are the candidate's canonical form. A candidate is accepted iff its run
 * violates the original's property within the original's step count and its canonical choices come before
 * the best so far in shortlex order (fewer decisions first, then lexicographically smaller) — a well-founded
 * order, so shrinking always terminates. Passes, repeated to a fixpoint or until the budget is spent: every
 * fault decision set to "none" at once, then one at a time (with the pause or restart delay it drew);
 * every delay (and `choose`) at its first option at once; the tail cut (shortest failing prefix); ddmin
 * removal of chunks of decisions (halves, quarters, …, single ones, tail first); each decision lowered (to 0,
 * to choice − 1, then binary search). Delays are compared by index: for `uniform` a lower index is a shorter
 * delay; for `weighted`, an earlier-declared point (decisions do not carry the values).
 *
 * The result is recorded with `recordRun(…, new ReplayChooser(canonical), original.strategy)` under the
 * original's seed (and `params`, and swarm mode), so it replays exactly; it is never larger than the original (decisions and
 * steps); when nothing shrinks it is the original re-recorded (same fingerprint). `trace.shrunk` carries the
 * original's decision and step counts (those of the first original, when `original` was itself shrunk) and
 * the attempts. Deterministic for a given trace and `runsMax` when the time budget is not what stops it.
 *
 * Throws an Error naming the problem when `original` has no violation, belongs to another scenario or variant,
 * or no longer reproduces its violation on the current code (replay it to see where it diverges), or when
 * `options` are out of range; `AsyncTasksError` when the world has async tasks (use {@link shrinkTraceAsync}).
 *
 * @example
 * const { counterexample } = exploreVariant(scenario, variant, { seed: 1 });
 * const { trace, attempts } = shrinkTrace(scenario, variant, counterexample!, { runsMax: 500 });
 * writeTrace(`traces/${scenario.name}.${variant.name}.seed-${trace.seed}.json`, trace);
 */
export function shrinkTrace(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): ShrinkResult {
  return runSync(shrinkTraceGen(scenario, variant, original, options), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link shrinkTrace}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps. Rejects with the errors `shrinkTrace` throws.
 */
export function shrinkTraceAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): Promise<ShrinkResult> {
  return runAsync(shrinkTraceGen(scenario, variant, original, options));
}

/** {@link shrinkTrace} as a {@link Sim}, to `yield*` from another one. */
export function* shrinkTraceGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): Sim<ShrinkResult> {
  const runsMax = options.runsMax ?? SHRINK_RUNS_MAX_DEFAULT;
  const timeBudgetMs = options.timeBudgetMs ?? SHRINK_TIME_BUDGET_MS_DEFAULT;
  if (!Number.isInteger(runsMax) || runsMax < 1)
    throw new RangeError(`shrink: runsMax must be a positive integer, got ${runsMax}`);
  if (!(timeBudgetMs > 0))
    throw new RangeError(`shrink: timeBudgetMs must be positive (Infinity for none), got ${timeBudgetMs}`);
  if (original.scenario !== scenario.name || original.variant !== variant.name) {
    throw new Error(
      `shrink: the trace is of ${original.scenario}/${original.variant}, not ${scenario.name}/${variant.name}`,
    );
  }
  const violation = original.violation;
  if (violation === null)
    throw new Error("shrink: the trace has no violation, so there is nothing to shrink");
  const build = original.params === undefined ? variant.build : variant.buildWith(original.params);
  const swarm = original.swarm === true;
  const where = `${original.scenario}/${original.variant} seed ${original.seed}`;

  let baseline: RunResult;
  try {
    baseline = yield* runWorldGen(build, new ReplayChooser(original.decisions), {
      stepsMax: original.steps + 1,
      swarm,
    });
  } catch (error) {
    if (!(error instanceof ReplayDivergence)) throw error;
    throw new Error(`shrink: the trace of ${where} no longer replays on the current code: ${error.message}`, {
      cause: error,
    });
  }
  if (baseline.violation?.property !== violation.property) {
    throw new Error(
      `shrink: the trace of ${where} no longer reproduces "${violation.property}" on the current code (got ${
        baseline.violation === null ? "no violation" : `"${baseline.violation.property}"`
      })`,
    );
  }

  const shrinker = new Shrinker(
    build,
    violation.property,
    original.steps,
    runsMax,
    swarm,
    timeBudgetMs,
    baseline,
  );
  yield* shrinker.run();

  const recorded = yield* recordRunGen(
    scenario,
    { ...variant, build },
    original.seed,
    new ReplayChooser(shrinker.best),
    original.strategy,
    { swarm },
  );
  if (recorded.violation?.property !== violation.property) {
    throw new Error(
      `nondeterminism in ${where}: re-running the shrunk decisions gave ${
        recorded.violation === null ? "no violation" : `"${recorded.violation.property}"`
      } instead of "${violation.property}"`,
    );
  }
  const trace: Trace = {
    ...recorded,
    ...(original.params === undefined ? {} : { params: original.params }),
    shrunk: {
      originalDecisions: original.shrunk?.originalDecisions ?? original.decisions.length,
      originalSteps: original.shrunk?.originalSteps ?? original.steps,
      attempts: shrinker.attempts,
    },
  };
  return { trace, attempts: shrinker.attempts, accepted: shrinker.accepted };
}
