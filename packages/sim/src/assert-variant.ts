/**
 * A test-runner-friendly assertion over one scenario variant with any strategy (vitest, Jest, node:test):
 * explore it, and throw an Error that says what went wrong — and how to replay it — when the verdict is not
 * the expected one.
 */
import { resolve } from "node:path";
import { type ExploreOptions, exploreVariant, type VariantResult } from "./explore.js";
import { findVariant, type Scenario } from "./scenario.js";
import { writeTrace } from "./trace.js";

/** Options of {@link assertVariant}: those of `exploreVariant`, with defaults for a test. */
export interface AssertVariantOptions extends Omit<ExploreOptions, "seed" | "stopBefore"> {
  /** Base seed (default 1, so the test is deterministic). */
  readonly seed?: number;
  /** The verdict required (default: the variant's `expect`). */
  readonly expect?: "violation" | "pass";
  /** Where an unexpected counterexample's trace is written (default `traces`, relative to the cwd). */
  readonly tracesDir?: string;
  /** Exhaustive only: accept a `pass` from a search that a time budget stopped (default false). */
  readonly allowIncomplete?: boolean;
}

/**
 * Explore `scenario`'s variant `variantName` (with the scenario's default strategy unless `options.strategy`
 * is set) and return the result when its verdict is the expected one. Otherwise throw an Error naming the
 * scenario, variant, strategy, verdict and violated property; for an unexpected counterexample the (shrunk)
 * trace is written under `tracesDir` first and the message ends with the command that replays it
 * (`pnpm replay <path>`). An exhaustive `pass` whose search did not complete also throws, unless
 * `allowIncomplete` — it verified nothing.
 *
 * @example
 * it("serial mode never lets a reset run during a sync", () => {
 *   assertVariant(syncVsReset, "serial", { strategy: "exhaustive" });
 * });
 */
export function assertVariant(
  scenario: Scenario,
  variantName: string,
  options: AssertVariantOptions = {},
): VariantResult {
  const { variant } = findVariant([scenario], scenario.name, variantName);
  const { expect: wanted = variant.expect, tracesDir = "traces", allowIncomplete = false, ...rest } = options;
  const r = exploreVariant(scenario, variant, { seed: 1, ...rest });
  const id = `${scenario.name}/${variant.name} (${r.strategy})`;
  if (r.verdict === wanted) {
    if (r.verdict === "pass" && r.coverage !== null && !r.coverage.complete && !allowIncomplete) {
      throw new Error(
        `${id}: not verified — the search stopped (${r.coverage.stoppedBy}) after ${r.schedules} schedules within ${r.coverage.bounds}; raise the time budget or pass allowIncomplete`,
      );
    }
    return r;
  }
  if (r.counterexample === null) {
    const within =
      r.coverage === null ? `${r.schedules} schedules` : `${r.coverage.bounds}, ${r.schedules} schedules`;
    throw new Error(`${id}: expected a violation, found none (${within}, base seed ${r.seed})`);
  }
  const stem = `${scenario.name}.${variant.name}.${r.coverage === null ? `seed-${r.seed}` : "exhaustive"}`;
  const path = writeTrace(resolve(tracesDir, `${stem}.json`), r.counterexample);
  throw new Error(
    `${id}: expected a pass, but "${r.property}" was violated at step ${r.counterexample.violation?.step} (t=${r.counterexample.violation?.t}ms)\n  replay: pnpm replay ${path}`,
  );
}
