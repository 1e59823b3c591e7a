// ClaimQueue configuration: the fields, their documented defaults (modelled on BullMQ's), and the validation
// that reports every invalid field at once. Split from claim-queue.ts so the transition reads on its own; the
// types and CONFIG_DEFAULTS are re-exported there as `ClaimQueue.Config`, `ClaimQueue.CONFIG_DEFAULTS`, ….

import { InvalidConfigError } from "./assert.js";
import { ConfigProblems, configInteger, describeValue, renamedConfigInteger } from "./internal/checks.js";

const MACHINE = "ClaimQueue";

/**
 * ClaimQueue configuration as `initial` takes it: any of the fields of {@link ResolvedConfig}; a field
 * left out (or `undefined`) takes its default ({@link CONFIG_DEFAULTS}). `attemptsMax` may still be given under
 * its deprecated old name `maxAttempts` (docs/deprecations.md).
 */
export type Config = {
  readonly [K in Exclude<keyof ResolvedConfig, "attemptsMax">]?: ResolvedConfig[K] | undefined;
} & {
  readonly attemptsMax?: number | undefined;
  /** @deprecated use `attemptsMax` (docs/deprecations.md); if both are given they must be equal. */
  readonly maxAttempts?: number | undefined;
};

/**
 * The default of every config field, modelled on BullMQ's worker and job defaults:
 *
 * - `leaseTtlMs` 30 000: BullMQ's `lockDuration` (30 s).
 * - `heartbeatIntervalMs` 15 000: BullMQ's `lockRenewTime`, half the lease. When `leaseTtlMs` is given and
 *   `heartbeatIntervalMs` is not, the default is `floor(leaseTtlMs / 2)` (at least 1), so a shorter lease
 *   still heartbeats twice per lease.
 * - `attemptsMax` 3: BullMQ's default `attempts` is 1 (never retry); 3 is the retry count of BullMQ's
 *   "Retrying failing jobs" guide, and a claim queue exists to retry.
 * - `retryBackoffBaseMs` 1 000 and `retryBackoffCapMs` 60 000: BullMQ's exponential backoff
 *   (`delay * 2^(attempt - 1)`, its guide's `delay: 1000`), with a cap BullMQ does not have. When only
 *   `retryBackoffBaseMs` is given, the cap defaults to `max(60 000, retryBackoffBaseMs)`.
 * - `claimBatchSizeMax` 100: a bound on one Claim's work (BullMQ has no batch claim).
 * - `itemCountMax` 100 000: a bound on the queue (BullMQ's queues are unbounded; ours never are).
 */
export const CONFIG_DEFAULTS: ResolvedConfig = Object.freeze({
  leaseTtlMs: 30_000,
  heartbeatIntervalMs: 15_000,
  attemptsMax: 3,
  retryBackoffBaseMs: 1_000,
  retryBackoffCapMs: 60_000,
  claimBatchSizeMax: 100,
  itemCountMax: 100_000,
});

/** ClaimQueue configuration as stored in {@link State}: validated by `initial`. All durations are integer ms. */
export interface ResolvedConfig {
  /** How long a claim stays live after Claim or Heartbeat, in ms. Positive integer. */
  readonly leaseTtlMs: number;
  /** How often holders are expected to heartbeat, in ms. Positive integer, below `leaseTtlMs`. */
  readonly heartbeatIntervalMs: number;
  /** Attempts allowed per item, `>= 1`; the Retry whose attempt count reaches it dead-letters the item. */
  readonly attemptsMax: number;
  /** Backoff after the first failed attempt, in ms; doubles per attempt (see {@link backoffMs}). `>= 0`. */
  readonly retryBackoffBaseMs: number;
  /** Upper bound of the retry backoff, in ms. `>= retryBackoffBaseMs`. */
  readonly retryBackoffCapMs: number;
  /** Largest `batchSize` a Claim may ask for. Positive integer. */
  readonly claimBatchSizeMax: number;
  /** Most items the queue holds; an Enqueue of a new scope beyond it returns `QueueFull`. Positive integer. */
  readonly itemCountMax: number;
}

/**
 * Validates `config` and resolves every field left out to its default ({@link CONFIG_DEFAULTS}); the
 * validation of the core's `ClaimQueue.initial`, which documents the errors.
 *
 * @throws `InvalidConfigError` listing every invalid field at once (see `initial`).
 */
export function resolveConfig(config: Config): ResolvedConfig {
  if (typeof config !== "object" || config === null) {
    throw new InvalidConfigError("config", `${MACHINE} config (${describeValue(config)}) must be an object`);
  }
  const given = config as Readonly<Record<string, unknown>>;
  const problems = new ConfigProblems(MACHINE);
  const field = (name: keyof ResolvedConfig, min: number, fallback: number): number =>
    given[name] === undefined
      ? fallback
      : problems.read(() => configInteger(MACHINE, given, name, min), fallback);
  const leaseTtlMs = field("leaseTtlMs", 1, CONFIG_DEFAULTS.leaseTtlMs);
  const heartbeatIntervalMs = field(
    "heartbeatIntervalMs",
    1,
    given.leaseTtlMs === undefined
      ? CONFIG_DEFAULTS.heartbeatIntervalMs
      : Math.max(1, Math.floor(leaseTtlMs / 2)),
  );
  const attemptsMax =
    given.attemptsMax === undefined && given.maxAttempts === undefined
      ? CONFIG_DEFAULTS.attemptsMax
      : problems.read(
          () => renamedConfigInteger(MACHINE, given, "attemptsMax", "maxAttempts", 1),
          CONFIG_DEFAULTS.attemptsMax,
        );
  const retryBackoffBaseMs = field("retryBackoffBaseMs", 0, CONFIG_DEFAULTS.retryBackoffBaseMs);
  const retryBackoffCapMs = field(
    "retryBackoffCapMs",
    0,
    Math.max(CONFIG_DEFAULTS.retryBackoffCapMs, retryBackoffBaseMs),
  );
  const claimBatchSizeMax = field("claimBatchSizeMax", 1, CONFIG_DEFAULTS.claimBatchSizeMax);
  const itemCountMax = field("itemCountMax", 1, CONFIG_DEFAULTS.itemCountMax);
  const valid = (name: string) => !problems.failed.has(name);
  if (valid("heartbeatIntervalMs") && valid("leaseTtlMs") && heartbeatIntervalMs >= leaseTtlMs) {
    problems.add(
      "heartbeatIntervalMs",
      `${MACHINE} config: heartbeatIntervalMs (${describeValue(heartbeatIntervalMs)}) must be below ` +
        `leaseTtlMs (${describeValue(leaseTtlMs)})`,
    );
  }
  if (valid("retryBackoffCapMs") && valid("retryBackoffBaseMs") && retryBackoffCapMs < retryBackoffBaseMs) {
    problems.add(
      "retryBackoffCapMs",
      `${MACHINE} config: retryBackoffCapMs (${describeValue(retryBackoffCapMs)}) must be at least ` +
        `retryBackoffBaseMs (${describeValue(retryBackoffBaseMs)})`,
    );
  }
  problems.throwIfAny();
  return {
    leaseTtlMs,
    heartbeatIntervalMs,
    attemptsMax,
    retryBackoffBaseMs,
    retryBackoffCapMs,
    claimBatchSizeMax,
    itemCountMax,
  };
}
