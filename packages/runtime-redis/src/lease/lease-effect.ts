// The Effect API over LeaseManager: a service tag, a layer that builds the manager, and `withLeaseEffect`,
// which runs a handler effect under an auto-renewed lease and interrupts the handler's fiber when the lease is
// lost (a renew answers NotOwner/Expired or the local deadline passes), as `withLease` aborts its signal.

import { Context, Effect, Layer } from "effect";
import type { Redis } from "ioredis";
import { runner } from "../shared/effect.js";
import { type LeaseGrant, LeaseLostError, LeaseManager, type LeaseManagerConfig } from "./lease.js";

/** The `LeaseManager` as an Effect service. Provide it with {@link layer}. */
export class LeaseManagerService extends Context.Service<LeaseManagerService, LeaseManager>()(
  "@interleave/runtime-redis/LeaseManagerService",
) {}

/**
 * A layer providing {@link LeaseManagerService}: `new LeaseManager(redis, config)`, built once per layer use.
 * An invalid config is a defect (the core's `InvalidConfigError`, naming the field) when the layer is built.
 */
export function layer(redis: Redis, config: LeaseManagerConfig): Layer.Layer<LeaseManagerService> {
  return Layer.sync(LeaseManagerService)(() => new LeaseManager(redis, config));
}

/**
 * Runs `handler(grant)` while holding lease `name` as `holder` (`LeaseManager.withLease`): acquired first,
 * renewed every `heartbeatIntervalMs`, released when the handler ends (a lost lease is not released). When the lease
 * is lost the handler's fiber is interrupted and the effect fails with `LeaseLostError`; interrupting the
 * calling fiber interrupts the handler and releases the lease.
 *
 * Fails with `LeaseBusyError` when another holder has a valid lease (the handler does not run), with the
 * handler's own error `E`, or with the manager's errors (`CorruptValueError`, `InvalidNameError`, a Redis
 * error). The handler needs the grant's `token` for fenced storage: a handler that runs on after the loss (an
 * uninterruptible region) can still write, and only fencing stops that write.
 *
 * @example
 * const program = withLeaseEffect("nightly-report", "worker-a", (grant) => buildReport(grant.token));
 * await Effect.runPromise(Effect.provide(program, layer(redis, { leaseTtlMs: 15_000 })));
 */
export function withLeaseEffect<A, E, R>(
  name: string,
  holder: string,
  handler: (grant: LeaseGrant) => Effect.Effect<A, E, R>,
): Effect.Effect<A, E | Error, R | LeaseManagerService> {
  return Effect.gen(function* () {
    const manager = yield* LeaseManagerService;
    const run = yield* runner<R>();
    const exit = yield* Effect.tryPromise({
      try: (outer) =>
        manager.withLease(name, holder, (signal, grant) =>
          run(handler(grant), AbortSignal.any([signal, outer])),
        ),
      catch: (error): Error =>
        error instanceof Error ? error : new LeaseLostError(name, 0, `unexpected rejection ${String(error)}`),
    });
    return yield* exit;
  });
}
