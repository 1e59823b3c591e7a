/**
 * The determinism self-check: run one seed twice, recorded, and compare fingerprints. A run must be a pure
 * function of its decisions; a scenario that reads a clock, `Math.random` or shared mutable state fails it.
 */
import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { replaySeed } from "./replay.js";

/**
 * Determinism self-check: run `seed` twice, recorded, and compare fingerprints (FoundationDB's unseed check,
 * madsim's CHECK_DETERMINISM). Returns both fingerprints.
 */
export function checkDeterminism(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
): { readonly first: string; readonly second: string; readonly deterministic: boolean } {
  const first = replaySeed(scenario, variant, seed).fingerprint;
  const second = replaySeed(scenario, variant, seed).fingerprint;
  return { first, second, deterministic: first === second };
}
