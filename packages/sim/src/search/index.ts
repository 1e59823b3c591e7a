/**
 * @interleave/sim/search — the engine under `exploreVariant`: running one world under a chooser
 * ({@link runWorld}), the seeds of an exploration's runs, the exhaustive search, recording a run as a trace,
 * shrinking a counterexample, and the strength of a verdict. For tools and benchmarks that drive the
 * simulator themselves; a scenario's tests need only `@interleave/sim`.
 */

export { diff } from "../model/diff.js";
export { SWARM_RATES } from "../model/world/faults.js";
export type { Build, RunOptions, RunResult, StoreSnapshots } from "../model/world/types.js";
export { runWorld } from "../model/world/world.js";
export type { Shard } from "../strategy/dfs.js";
export { EXPLORE_SHRINK_RUNS } from "./counterexample.js";
export { type ExhaustiveBounds, type ExhaustiveResult, exhaustiveSearch } from "./exhaustive.js";
export { type Partition, runSeed } from "./explore.js";
export { recordRun } from "./record.js";
export {
  SHRINK_RUNS_MAX_DEFAULT,
  SHRINK_TIME_BUDGET_MS_DEFAULT,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkTrace,
} from "./shrink.js";
export { strengthOf } from "./verdict.js";
