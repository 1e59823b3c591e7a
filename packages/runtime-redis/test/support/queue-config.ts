// The claim-queue config of the runtime's queue and worker tests: small backoffs and bounds so retries and
// dead letters happen within a test; each test file sets the TTLs (and what else it needs) on top.

import type { ClaimQueue } from "@interleave/core";

/** A core `ClaimQueue.ResolvedConfig` for tests: `overrides` on top of a 400 ms lease, a 50 ms heartbeat, 3 attempts. */
export function queueConfig(overrides: Partial<ClaimQueue.ResolvedConfig> = {}): ClaimQueue.ResolvedConfig {
  return {
    leaseTtlMs: 400,
    heartbeatIntervalMs: 50,
    attemptsMax: 3,
    retryBackoffBaseMs: 10,
    retryBackoffCapMs: 20,
    claimBatchSizeMax: 8,
    itemCountMax: 1000,
    ...overrides,
  };
}

/** Resolves after `ms` ms. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
