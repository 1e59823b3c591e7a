/**
 * @interleave/sim/search — the engine under `exploreVariant`: running one world under a chooser
 * ({@link runWorld}), the seeds of an exploration's runs, the exhaustive search, recording a run as a trace,
 * shrinking a counterexample, and the strength of a verdict. For tools and benchmarks that drive the
 * simulator themselves; a scenario's tests need only `@interleave/sim`.
 *
 * Each function that runs worlds has an `…Async` twin (for worlds with async tasks) and a `…Gen` form: a
 * {@link Sim} generator to compose with `yield*` and drive with {@link runSync} or {@link runAsync}.
 */

export { diff } from "../model/diff.js";
export {
  AsyncTasksError,
  runAsync,
  runSync,
  SETTLE,
  type Settle,
  type Sim,
  settle,
} from "../model/world/drive.js";
export { SWARM_RATES } from "../model/world/faults.js";
export type { Build, RunOptions, RunResult, StoreSnapshots } from "../model/world/types.js";
export { runWorld, runWorldGen } from "../model/world/world.js";
export { checkDeterminismGen } from "../replay/determinism.js";
export { replaySeedGen, replayTraceGen } from "../replay/replay.js";
export type { Shard } from "../strategy/dfs.js";
export { counterexampleOfGen, EXPLORE_SHRINK_RUNS } from "./counterexample.js";
export {
  type ExhaustiveBounds,
  type ExhaustiveResult,
  exhaustiveSearch,
  exhaustiveSearchAsync,
  exhaustiveSearchGen,
} from "./exhaustive.js";
export { exploreVariantGen, type Partition, runSeed } from "./explore.js";
export { recordRun, recordRunAsync, recordRunGen } from "./record.js";
export { runWorldAsync } from "./run-world.js";
export {
  SHRINK_RUNS_MAX_DEFAULT,
  SHRINK_TIME_BUDGET_MS_DEFAULT,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkTrace,
  shrinkTraceAsync,
  shrinkTraceGen,
} from "./shrink.js";
export { strengthOf } from "./verdict.js";
