/**
 * The determinism self-check: run one seed twice, recorded, and compare fingerprints. A run must be a pure
 * function of its decisions; a scenario that reads a clock, `Math.random` or shared mutable state fails it.
 */
import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import { replaySeedGen } from "./replay.js";

/** What {@link checkDeterminism} returns: both runs' trace fingerprints, and whether they are equal. */
export interface DeterminismCheck {
  readonly first: string;
  readonly second: string;
  readonly deterministic: boolean;
}

/**
 * Determinism self-check: run `seed` twice, recorded, and compare fingerprints (FoundationDB's unseed check,
 * madsim's CHECK_DETERMINISM). Returns both fingerprints. Throws what a run throws, and `AsyncTasksError` when
 * the variant has async tasks (use {@link checkDeterminismAsync}).
 */
export function checkDeterminism(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
): { readonly first: string; readonly second: string; readonly deterministic: boolean } {
  return runSync(checkDeterminismGen(scenario, variant, seed), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link checkDeterminism}, but runs worlds with async tasks (`world.task`), awaiting a macrotask
 * turn between their steps.
 */
export function checkDeterminismAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
): Promise<DeterminismCheck> {
  return runAsync(checkDeterminismGen(scenario, variant, seed));
}

/** {@link checkDeterminism} as a {@link Sim}, to `yield*` from another one. */
export function* checkDeterminismGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
): Sim<DeterminismCheck> {
  const first = (yield* replaySeedGen(scenario, variant, seed)).fingerprint;
  const second = (yield* replaySeedGen(scenario, variant, seed)).fingerprint;
  return { first, second, deterministic: first === second };
}
