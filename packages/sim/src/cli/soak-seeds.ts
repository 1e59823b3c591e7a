/**
 * The soak's plan: its defaults and bounds, its flags, and how one root seed becomes the base seeds a budget of
 * schedules is spread over (deterministically: the same root gives the same seeds and shares).
 */
import { runSeed } from "../search/explore.js";

/** Schedules per pass variant when `--schedules` is not given. */
export const SOAK_SCHEDULES_DEFAULT = 1_000_000;
/** Base seeds the schedules are spread over when `--seeds` is not given. */
export const SOAK_SEEDS_DEFAULT = 20;
/** Most base seeds a soak takes (each is held, printed in `--json`, and explored in turn). */
export const SOAK_SEEDS_MAX = 100_000;
/**
 * Mixed into the root seed for base seeds 1, 2, … ("soak" in ASCII), so that no base seed is one of base seed 0's
 * own run seeds (`runSeed(root, i)`), whose schedules would then be run twice.
 */
export const SOAK_SEED_SALT = 0x736f616b;

/** The strategies a soak can run: the seeded ones (exhaustive search has no seeds to spread a budget over). */
export type SoakStrategy = "random" | "pct";

/** The flags of `interleave soak`. */
export interface SoakFlags {
  /** True with `--typecheck`, false with `--no-typecheck`, else undefined (checked when possible). */
  typecheck?: boolean;
  variant?: string;
  schedules?: number;
  seeds?: number;
  seed?: number;
  strategy?: SoakStrategy;
  pctDepth?: number;
  swarm?: boolean;
  shrink: boolean;
  workers?: number;
  timeBudgetMs?: number;
  json?: boolean;
  /** False with `--no-progress`. */
  progress: boolean;
  /** `--quiet`: no progress either. */
  quiet?: boolean;
  tracesDir: string;
  scenarios?: string;
}

/**
 * Base seed `i` (0-based) of a soak from root seed `root` (uint32 → uint32): the root itself for `i = 0` (so a
 * soak over one base seed runs exactly the runs of `explore --seed root --runs N`), then explore's run-seed hash
 * of the salted root, `runSeed(root ^ SOAK_SEED_SALT, i)`. Deterministic: the same root gives the same seeds.
 */
export function baseSeedOf(root: number, i: number): number {
  return i === 0 ? root >>> 0 : runSeed((root ^ SOAK_SEED_SALT) >>> 0, i);
}

/**
 * Schedules base seed `i` of `seeds` runs when a variant soaks `total` schedules: ⌊total/seeds⌋, plus one for
 * each of the first `total mod seeds` base seeds — so the first ones run ⌈total/seeds⌉ and the sum is `total`.
 */
export function schedulesOfSeed(total: number, seeds: number, i: number): number {
  return Math.floor(total / seeds) + (i < total % seeds ? 1 : 0);
}
