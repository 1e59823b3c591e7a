/**
 * @interleave/sim/statespace — explicit-state checking: the model shape ({@link StateSpaceModel}), the
 * breadth-first checker and its results, canonical state keys, 64-bit fingerprints and the machine cache
 * that models of large spaces use. For writing the models `interleave check` runs (register them with
 * `defineModel` from `@interleave/sim`) and for benchmarks of the checker.
 */

export { isCheckedModel } from "../model/checked-model.js";
export { canonicalKey } from "./canonical.js";
export { checkStateSpace, describeInput, describeState, formatCounterexample } from "./checker.js";
export type { FingerprintBuilder } from "./fingerprint.js";
export {
  type CachedStep,
  type Fingerprinted,
  MACHINE_CACHE_SLOTS_DEFAULT,
  MachineCache,
} from "./machine-cache.js";
export {
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  type CheckVerified,
  type CheckViolation,
  MAX_STATES_DEFAULT,
  type ModelReduction,
  type PathStep,
  type StateEncoding,
  type StateInvariant,
  type StateSpaceModel,
} from "./model.js";
