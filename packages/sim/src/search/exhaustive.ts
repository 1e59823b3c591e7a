/**
 * Exhaustive search: stateless depth-first enumeration of every schedule of a world within bounds, with
 * dynamic partial-order reduction by sleep sets (Godefroid, "Partial-Order Methods for the Verification of
 * Concurrent Systems", LNCS 1032, 1996; as used stateless by VeriSoft and CHESS). Each schedule is a fresh
 * run of the world driven by a {@link DfsChooser} that replays the current path of the search tree and then
 * extends it; after a run the search backtracks to the deepest decision with an untried alternative.
 *
 * What is enumerated: every decision of a run — which process steps next (`pick`), each delay over its
 * distribution's finite support (`Distribution.exhaustive`), each fault and `choose` — up to these bounds:
 * - `depth`: only the first `depth` decisions of a schedule branch; later decisions take their default, the
 *   first alternative (for a pick: the process that stepped last if it can go on, else the first enabled
 *   one; for a delay: the smallest value in its support; for a fault: none; for `choose`: the first option).
 * - `deviations`: at most this many decisions per schedule differ from their default — delay-bounded
 *   scheduling (Emmi, Qadeer & Rakamarić, POPL 2011) extended from picks to every decision. The search runs
 *   with 0, 1, … up to the bound deviations in turn (iterative deepening), so the counterexample it finds
 *   first is one with the fewest deviations.
 * - `preemptions`: at most this many picks per schedule switch away from the process that stepped last
 *   while it could still go on (context bounding, Musuvathi & Qadeer, PLDI 2007).
 * - time (`timeBudgetMs`) and `schedulesMax`: the search stops and says it is incomplete.
 * - `deepen`: with no finite deviation bound, the deviation budget is raised 0, 1, 2, … by itself until a level
 *   cuts nothing (the whole tree is explored: complete) or the time budget ends; the result names the deepest
 *   level completed.
 *
 * Other cuts the result reports: a delay enumerated over a reduced support (`crossings`, `bounds` or an explicit
 * list smaller than the distribution's values: `delayBound`) and a run that hit the world's step bound
 * (`stepsBound`). A search is a complete one — every schedule within the world's own parameters — only when it
 * was not stopped and nothing cut it.
 *
 * Sleep sets: once the subtree of a pick's option `a` is explored, `a` is put to sleep in its later
 * siblings' subtrees, and stays asleep until a step that does not commute with `a`'s step runs (steps on
 * different store keys commute; see `Footprint`). A pick where every enabled process sleeps ends the run:
 * every continuation is the reordering of one already explored. Sleep sets alone keep every reachable state
 * (Godefroid 1996, Theorem 6.2), so invariants are checked on all of them. Combined with a finite preemption
 * or deviation bound they are not sound (the explored equivalent of a pruned schedule may need more
 * preemptions: Coons, Musuvathi & McKinley, OOPSLA 2013), so such a bound turns them off.
 *
 * Assumption behind the reduction: processes share nothing but the store, and observer state kept in local
 * code (ledgers that properties read) does not depend on the relative order of steps on different keys.
 * Steps that reach further (effects, kills, a top-level process ending, `until` predicates, faults) are
 * treated as touching everything.
 */

import { runAsync, runSync, SETTLE, type Sim } from "../model/world/drive.js";
import type { Build, RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import {
  DfsChooser,
  type SearchNode,
  SHARD_LEVEL,
  type Shard,
  SleepBlocked,
  shardOf,
} from "../strategy/dfs.js";

/** Bounds of an exhaustive search. */
export interface ExhaustiveBounds {
  /** Decisions that branch per schedule (≥ 0); later decisions take their first alternative. */
  readonly depth: number;
  /** Preemptions per schedule (≥ 0), or `Infinity` (default) for no bound; a finite bound turns sleep sets off. */
  readonly preemptions?: number;
  /** Non-default decisions per schedule (≥ 0), or `Infinity` (default); a finite bound turns sleep sets off. */
  readonly deviations?: number;
  /** Wall-clock budget (ms); the search stops, incomplete, when it is spent. */
  readonly timeBudgetMs?: number;
  /** Stop, incomplete, after this many schedules. */
  readonly schedulesMax?: number;
  /** Checked between schedules: stop, incomplete, when it returns true (another worker found a violation). */
  readonly shouldStop?: () => boolean;
  /** Called with every schedule run to its end that this shard owns (tests: compare shards' unions). */
  readonly onSchedule?: (run: RunResult) => void;
  /** Async drivers only: called after every run; true awaits one macrotask turn (see `ExploreOptions.pause`). */
  readonly pause?: () => boolean;
  /** Partial-order reduction by sleep sets (default true; ignored with a finite preemption bound). */
  readonly sleepSets?: boolean;
  /**
   * Raise the deviation budget 0, 1, 2, … by itself (default false). With `deviations` finite it stops there
   * (as without `deepen`); with `deviations` `Infinity` it goes on until a level cuts nothing or the time
   * budget ends. Each level is a bounded search, so sleep sets are off.
   */
  readonly deepen?: boolean;
}

/** What an exhaustive search did. */
export interface ExhaustiveResult {
  /** The first violating schedule in depth-first order (its decisions), or null. */
  readonly violation: RunResult | null;
  /** Schedules run to their end (a violation, the workload finishing, the horizon …). */
  readonly schedules: number;
  /** Runs cut short because every enabled process slept (redundant reorderings). */
  readonly pruned: number;
  /** Total steps over all runs. */
  readonly steps: number;
  /** True when the whole bounded tree (of this shard) was explored. */
  readonly complete: boolean;
  /** Why an incomplete search stopped. */
  readonly stoppedBy: "time" | "schedules" | "violation" | "cancelled" | null;
  /** Whether some schedule had more decisions than `depth` (the depth bound cut the tree). */
  readonly depthBound: boolean;
  /** Whether the preemption bound cut some alternative. */
  readonly preemptionBound: boolean;
  /** Whether the deviation bound cut some alternative. */
  readonly deviationBound: boolean;
  /** Deviations of the violating schedule (with a finite deviation bound), else null. */
  readonly violationDeviations: number | null;
  /**
   * With a deviation budget (finite, or `deepen`): the largest budget whose level was explored to its end
   * (every schedule with at most that many deviations), or null when none was (or the search was unbounded).
   */
  readonly deepestComplete: number | null;
  /**
   * Schedules run (by this shard) up to the end of each completed level of the deviation budget: entry `k` counts
   * every schedule with at most `k` deviations. Empty without a deviation budget.
   */
  readonly levelSchedules: readonly number[];
  /** Whether some delay was enumerated over fewer values than its distribution has (a reduced support). */
  readonly delayBound: boolean;
  /** Whether some run ended at the world's step bound (`stepsMax`) instead of its own end. */
  readonly stepsBound: boolean;
  /** Whether sleep sets were on. */
  readonly sleepSets: boolean;
  readonly elapsedMs: number;
}

/**
 * Explore every schedule of `build` within `bounds` (see the module comment), depth-first, stopping at the
 * first violation. With `shard`, only that part of the tree: the shards of one search are disjoint and their
 * union covers the whole tree (the runs above the split level are shared and counted by their owner only).
 * Throws if the world is nondeterministic (a decision differs when its path is replayed) or a process throws,
 * a RangeError for bounds or a shard out of range, and `AsyncTasksError` when the world has async tasks (use
 * {@link exhaustiveSearchAsync}).
 */
export function exhaustiveSearch(
  build: Build,
  bounds: ExhaustiveBounds,
  shard: Shard | null = null,
  runOptions: { readonly swarm?: boolean } = {},
): ExhaustiveResult {
  return runSync(exhaustiveSearchGen(build, bounds, shard, runOptions), "this world");
}

/**
 * The same as {@link exhaustiveSearch}, but runs worlds with async tasks (`world.task`), awaiting a macrotask
 * turn between their steps. `bounds`' callbacks (`onSchedule`, `shouldStop`) stay synchronous.
 */
export function exhaustiveSearchAsync(
  build: Build,
  bounds: ExhaustiveBounds,
  shard: Shard | null = null,
  runOptions: { readonly swarm?: boolean } = {},
): Promise<ExhaustiveResult> {
  return runAsync(exhaustiveSearchGen(build, bounds, shard, runOptions));
}

/** {@link exhaustiveSearch} as a {@link Sim}, to `yield*` from another one. */
export function* exhaustiveSearchGen(
  build: Build,
  bounds: ExhaustiveBounds,
  shard: Shard | null = null,
  runOptions: { readonly swarm?: boolean } = {},
): Sim<ExhaustiveResult> {
  const { depth } = bounds;
  if (!(depth === Number.POSITIVE_INFINITY || (Number.isInteger(depth) && depth >= 0)))
    throw new RangeError(`exhaustive: depth must be a non-negative integer or Infinity, got ${depth}`);
  const preemptions = checkBound("preemptions", bounds.preemptions);
  const deviations = checkBound("deviations", bounds.deviations);
  if (
    shard !== null &&
    !(Number.isInteger(shard.count) && shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)
  )
    throw new RangeError(`exhaustive: shard ${shard.index}/${shard.count} is not a valid shard`);
  const deepen = bounds.deepen === true;
  // A deviation budget: a finite bound, or one raised by itself (`deepen`).
  const budgeted = deviations !== Number.POSITIVE_INFINITY || deepen;
  const unbounded = preemptions === Number.POSITIVE_INFINITY && !budgeted;
  const useSleep = (bounds.sleepSets ?? true) && unbounded;
  const started = performance.now();
  const deadline =
    bounds.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : started + bounds.timeBudgetMs;
  const totals = {
    schedules: 0,
    pruned: 0,
    steps: 0,
    depthBound: false,
    preemptionBound: false,
    deviationBound: false,
    delayBound: false,
    stepsBound: false,
  };
  let violation: RunResult | null = null;
  let violationDeviations: number | null = null;
  let deepestComplete: number | null = null;
  const levelSchedules: number[] = [];
  let stoppedBy: ExhaustiveResult["stoppedBy"] = null;
  const schedulesMax = bounds.schedulesMax ?? Number.POSITIVE_INFINITY;
  // iterative deepening over the deviation budget: 0, 1, …, deviations (with `deepen` and no finite bound:
  // until a level cuts nothing); a single pass when there is no budget
  const last = budgeted ? deviations : 0;
  for (let budget = 0; budget <= last && stoppedBy === null; budget++) {
    const full = {
      depth,
      preemptions,
      deviations: budgeted ? budget : deviations,
    };
    const stack: SearchNode[] = [];
    totals.deviationBound = false;
    for (;;) {
      const path: number[] = [];
      const chooser = new DfsChooser(stack, full, useSleep, shard, path);
      let run: RunResult | null = null;
      try {
        run = yield* runWorldGen(build, chooser, runOptions);
      } catch (error) {
        if (!(error instanceof SleepBlocked)) throw error;
      }
      totals.depthBound ||= chooser.depthCut;
      totals.preemptionBound ||= chooser.preemptionCut;
      totals.deviationBound ||= chooser.deviationCut;
      totals.delayBound ||= chooser.delayCut;
      totals.stepsBound ||= run?.endReason === "steps";
      // A run that ends above the shard split level belongs to one shard only. With iterative deepening,
      // a schedule with fewer deviations than the budget was counted in an earlier pass.
      const owned =
        !chooser.foreign &&
        (shard === null || path.length >= SHARD_LEVEL || shardOf(path, shard.count) === shard.index);
      const fresh = !budgeted || chooser.deviations === budget;
      if (run !== null) {
        if (owned && fresh) {
          bounds.onSchedule?.(run);
          totals.schedules++;
          totals.steps += run.steps;
          if (run.violation !== null) {
            violation = run;
            violationDeviations = budgeted ? chooser.deviations : null;
            stoppedBy = "violation";
            break;
          }
        }
      } else if (owned && fresh) {
        totals.pruned++;
      }
      // backtrack to the deepest decision with an untried alternative
      let top = stack.length - 1;
      while (top >= 0 && stack[top]!.k + 1 >= stack[top]!.alts.length) top--;
      if (top < 0) break;
      stack.length = top + 1;
      stack[top]!.k++;
      if (performance.now() > deadline) {
        stoppedBy = "time";
        break;
      }
      if (totals.schedules >= schedulesMax) {
        stoppedBy = "schedules";
        break;
      }
      if (bounds.pause?.() === true) yield SETTLE;
      if (bounds.shouldStop?.() === true) {
        stoppedBy = "cancelled";
        break;
      }
    }
    if (stoppedBy === null && budgeted) {
      deepestComplete = budget;
      levelSchedules.push(totals.schedules);
    }
    // no alternative was cut by the budget: a larger budget explores nothing new
    if (!totals.deviationBound) break;
  }
  return {
    violation,
    ...totals,
    complete: stoppedBy === null,
    stoppedBy,
    violationDeviations,
    deepestComplete,
    levelSchedules,
    sleepSets: useSleep,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function checkBound(name: string, value: number | undefined): number {
  const v = value ?? Number.POSITIVE_INFINITY;
  if (!(v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && v >= 0)))
    throw new RangeError(`exhaustive: ${name} must be a non-negative integer or Infinity, got ${value}`);
  return v;
}
