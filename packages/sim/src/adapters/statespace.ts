/**
 * The test assertion of the explicit-state checker: a test passes when `checkStateSpace` verifies the model,
 * and fails with the shortest counterexample otherwise.
 */
import { checkStateSpace, formatCounterexample } from "../statespace/checker.js";
import type { CheckBounded, CheckOptions, CheckVerified, StateSpaceModel } from "../statespace/model.js";

/**
 * For tests: checks `model` and returns the result when it is `Verified` (or `Bounded` with
 * `allowBounded: true`); otherwise throws an `Error` whose message names the model and either the
 * violated invariant with the shortest counterexample (one line per input, see
 * {@link formatCounterexample}) or the bound that stopped the check.
 *
 * @example
 * it("the claim queue keeps its invariants", () => {
 *   expectStateSpaceVerified(claimQueueModel({ scopes: 1, workers: 2 }));
 * });
 */
export function expectStateSpaceVerified<S, I>(
  model: StateSpaceModel<S, I>,
  options: CheckOptions & { readonly allowBounded?: boolean } = {},
): CheckVerified | CheckBounded {
  const result = checkStateSpace(model, options);
  if (result._tag === "Violation") {
    throw new Error(`state space of ${model.name}: ${formatCounterexample(model, result)}`);
  }
  if (result._tag === "Bounded" && options.allowBounded !== true) {
    throw new Error(`state space of ${model.name} not exhausted: ${result.message}`);
  }
  return result;
}
