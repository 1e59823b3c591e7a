/**
 * A test-runner-friendly assertion over one scenario variant with any strategy (vitest, Jest, node:test):
 * explore it, and throw an Error that says what went wrong — and how to replay it — when the verdict is not
 * the expected one, or a pass is weaker than the test requires.
 */
import { resolve } from "node:path";
import { writeTrace } from "../io/trace-file.js";
import { findVariant, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import { type ExploreOptions, exploreVariantGen } from "../search/explore.js";
import { describeStrength, type Strength, type VariantResult } from "../search/verdict.js";

/** Options of {@link assertVariant}: those of `exploreVariant`, with defaults for a test. */
export interface AssertVariantOptions extends Omit<ExploreOptions, "seed" | "stopBefore"> {
  /** Base seed (default 1, so the test is deterministic). */
  readonly seed?: number;
  /** The verdict required (default: the variant's `expect`). */
  readonly expect?: "violation" | "pass";
  /** Where an unexpected counterexample's trace is written (default `traces`, relative to the cwd). */
  readonly tracesDir?: string;
  /**
   * The weakest pass accepted: `verified` (an exhaustive search complete and cut by nothing), `bounded`
   * (complete up to a stated bound, or verified) or `sampled` (anything). Default: `bounded` for the exhaustive
   * strategy — a search stopped before it completed any bound proved nothing — and `sampled` for the seeded
   * ones.
   */
  readonly require?: Strength;
  /** Exhaustive only: the same as `require: "sampled"` — accept a search stopped before any bound completed. */
  readonly allowIncomplete?: boolean;
}

const RANK: Readonly<Record<Strength, number>> = { sampled: 0, bounded: 1, verified: 2 };

/**
 * Explore `scenario`'s variant `variantName` (with the scenario's default strategy unless `options.strategy`
 * is set) and return the result when its verdict is the expected one, with `strength` and `bound` saying what
 * a pass means. Otherwise throw an Error naming the scenario, variant, strategy, verdict and violated property;
 * for an unexpected counterexample the (shrunk) trace is written under `tracesDir` first and the message ends
 * with the command that replays it (`npx interleave replay <path>`). A pass weaker than `require` also throws, saying
 * what the search did (e.g. `sampled — the exhaustive search stopped (time) after 12 schedules before
 * completing any bound`).
 *
 * @example
 * it("serial mode never lets a reset run during a sync", () => {
 *   const r = assertVariant(syncVsReset, "serial", { strategy: "exhaustive" });
 *   // r.strength: "verified" | "bounded"; r.bound: e.g. "≤ 3 deviations"
 * });
 *
 * A variant with async tasks (`world.task`) throws `AsyncTasksError`: use {@link assertVariantAsync}.
 */
export function assertVariant(
  scenario: Scenario,
  variantName: string,
  options: AssertVariantOptions = {},
): VariantResult {
  const { variant } = findVariant([scenario], scenario.name, variantName);
  return runSync(assertVariantGen(scenario, variant, options), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link assertVariant}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps: it rejects where `assertVariant` throws.
 *
 * @example
 * it("the worker honours its lost claim", async () => {
 *   await assertVariantAsync(realWorker, "fenced-handler");
 * });
 */
export async function assertVariantAsync(
  scenario: Scenario,
  variantName: string,
  options: AssertVariantOptions = {},
): Promise<VariantResult> {
  const { variant } = findVariant([scenario], scenario.name, variantName);
  return runAsync(assertVariantGen(scenario, variant, options));
}

function* assertVariantGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: AssertVariantOptions,
): Sim<VariantResult> {
  const {
    expect: wanted = variant.expect,
    tracesDir = "traces",
    allowIncomplete = false,
    require: required,
    ...rest
  } = options;
  const r = yield* exploreVariantGen(scenario, variant, { seed: 1, ...rest });
  const id = `${scenario.name}/${variant.name} (${r.strategy})`;
  if (r.verdict === wanted) {
    const least = required ?? (r.coverage !== null && !allowIncomplete ? "bounded" : "sampled");
    if (r.strength !== null && RANK[r.strength] < RANK[least]) {
      throw new Error(
        `${id}: the pass is weaker than required (${least}): ${describeStrength(r)}; raise the time budget${r.coverage === null ? " or use the exhaustive strategy" : ""}, or lower \`require\``,
      );
    }
    return r;
  }
  if (r.counterexample === null) {
    throw new Error(`${id}: expected a violation, found none (${describeStrength(r)})`);
  }
  const stem = `${scenario.name}.${variant.name}.${r.coverage === null ? `seed-${r.seed}` : "exhaustive"}`;
  const path = writeTrace(resolve(tracesDir, `${stem}.json`), r.counterexample);
  throw new Error(
    `${id}: expected a pass, but "${r.property}" was violated at step ${r.counterexample.violation?.step} (t=${r.counterexample.violation?.t}ms)\n  replay: npx interleave replay ${path}`,
  );
}
