// The Effect API over the Redis SyncCoordinator: a service tag, a layer that opens the coordinator, and two
// effects in the style of the seed's `sync_code_owners!` and the reset worker: `syncCodeOwnersEffect` (start →
// execute → finish → drain, also when the execute effect fails or is interrupted) and `runResetEffect` (entry
// check → fn → finish).

import { Context, Effect, Exit, type Layer } from "effect";
import type { Redis } from "ioredis";
import { openLayer, runner, toError } from "../shared/effect.js";
import {
  RedisSyncCoordinator,
  type ResetRun,
  type SyncCoordinatorOptions,
  type SyncOutcome,
} from "./sync-coordinator.js";

/** A `RedisSyncCoordinator` as an Effect service. Provide it with {@link syncCoordinatorLayer}. */
export class SyncCoordinatorService extends Context.Service<SyncCoordinatorService, RedisSyncCoordinator>()(
  "@interleave/runtime-redis/SyncCoordinatorService",
) {}

/**
 * A layer providing {@link SyncCoordinatorService}: `RedisSyncCoordinator.open(redis, options)`. Fails to
 * build with the core's `InvalidConfigError`, `InvalidNameError`, a `TypeError` for a missing `enqueueReset`
 * or `ConfigMismatchError` (see `RedisSyncCoordinator.open`).
 */
export const syncCoordinatorLayer: (
  redis: Redis,
  options: SyncCoordinatorOptions,
) => Layer.Layer<SyncCoordinatorService, Error> = openLayer(
  SyncCoordinatorService,
  RedisSyncCoordinator.open<Redis>,
);

/** Runs `effect` through a Promise-taking API: the promise rejects iff the effect did not succeed. */
function bridge<A, E, R>(
  body: (run: () => Promise<A>) => Promise<unknown>,
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<{ readonly value: unknown; readonly exit: Exit.Exit<A, E> | undefined }, Error, R> {
  return Effect.gen(function* () {
    const run = yield* runner<R>();
    let exit: Exit.Exit<A, E> | undefined;
    const value = yield* Effect.exit(
      Effect.tryPromise({
        try: (signal) =>
          body(async () => {
            exit = await run(effect, signal);
            if (Exit.isFailure(exit)) throw new Error("the effect failed");
            return exit.value;
          }),
        catch: toError,
      }),
    );
    if (Exit.isFailure(value) && exit === undefined) return yield* Effect.failCause(value.cause);
    return { value: Exit.isSuccess(value) ? value.value : undefined, exit };
  });
}

/**
 * `RedisSyncCoordinator.syncCodeOwners(mr, …)` with an Effect as the sync's work: FinishSync runs (`"ok"`, or
 * `"failed"` when `execute` fails or is interrupted) and the released resets are handed to `enqueueReset`
 * before this effect ends. Fails with `execute`'s error `E` (or its interruption), or with the coordinator's
 * errors (`SyncRejectedError` — `execute` did not run —, `SyncLeaseLostError` — the lease expired before
 * FinishSync —, `CorruptValueError`, a Redis error). The lease is heartbeated while `execute` runs; `execute`
 * is not interrupted when it is lost.
 *
 * @example
 * const program = syncCodeOwnersEffect("!42", rebuildRules("!42"));
 * await Effect.runPromise(Effect.provide(program, syncCoordinatorLayer(redis, options)));
 */
export function syncCodeOwnersEffect<E, R>(
  mr: string,
  execute: Effect.Effect<void, E, R>,
): Effect.Effect<SyncOutcome, E | Error, R | SyncCoordinatorService> {
  return Effect.gen(function* () {
    const coordinator = yield* SyncCoordinatorService;
    const { value, exit } = yield* bridge((run) => coordinator.syncCodeOwners(mr, run), execute);
    if (exit !== undefined && Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause);
    return value as SyncOutcome;
  });
}

/**
 * `RedisSyncCoordinator.runReset(mr, resetId, …, token)` with an Effect as the reset's work: the entry check
 * (fenced by `token`, the `ResetOrder`'s, when given), then (on `Proceed`) `fn` while the lease is
 * heartbeated, then FinishReset — also when `fn` fails. Succeeds with the {@link ResetRun} (`ran: false` when
 * deferred or stale); fails with `fn`'s error `E` or the coordinator's errors (`SyncLeaseLostError` when the
 * lease was lost). `fn` is not interrupted when the lease is lost (only the Promise API's signal is aborted).
 */
export function runResetEffect<E, R>(
  mr: string,
  resetId: string,
  fn: Effect.Effect<void, E, R>,
  token?: number,
): Effect.Effect<ResetRun, E | Error, R | SyncCoordinatorService> {
  return Effect.gen(function* () {
    const coordinator = yield* SyncCoordinatorService;
    const { value, exit } = yield* bridge((run) => coordinator.runReset(mr, resetId, run, token), fn);
    if (exit !== undefined && Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause);
    return value as ResetRun;
  });
}
