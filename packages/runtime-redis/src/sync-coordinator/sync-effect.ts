// The Effect API over the Redis SyncCoordinator: a service tag, a layer that opens the coordinator, and two
// effects in the style of the seed's `sync_code_owners!` and the reset worker: `syncCodeOwnersEffect` (start →
// execute → finish → drain, also when the execute effect fails or is interrupted) and `runResetEffect` (entry
// check → fn → finish). As in the Promise API, the work gets the order's lease (`{ token, signal }`) and the
// lease is heartbeated while it runs; a lost lease interrupts the work and fails with `SyncLeaseLostError`.

import { Cause, Context, Effect, Exit, type Layer } from "effect";
import type { Redis } from "ioredis";
import { openLayer, runner, toError } from "../shared/effect.js";
import {
  type OrderLease,
  RedisSyncCoordinator,
  type ResetRun,
  type SyncCoordinatorOptions,
  SyncLeaseLostError,
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

/**
 * The work of an order as an Effect (`syncCodeOwnersEffect`'s `execute`, `runResetEffect`'s `fn`): a function
 * of the order's {@link OrderLease} — its fencing `token` for fenced writes (e.g.
 * `RedisFencedResource.fencedWrite`) and its `signal` (aborted with a `SyncLeaseLostError` when the lease is
 * lost, for APIs that take an `AbortSignal`) — returning the effect to run; or, when the work needs neither,
 * the effect itself. Either way the effect is interrupted when the lease is lost.
 */
export type OrderEffect<E, R> =
  | Effect.Effect<void, E, R>
  | ((lease: OrderLease) => Effect.Effect<void, E, R>);

/**
 * Runs `work` as the Promise API's work (`body` calls it with the lease): with the caller's context,
 * interrupted when this fiber is or when the lease's signal aborts. The Promise API's work rejects iff the
 * effect did not succeed. Then fails with the `SyncLeaseLostError` when the lease was lost (the effect's
 * failure or interruption is its `cause`), else with the effect's cause when it failed, else with the
 * coordinator's error; succeeds with `body`'s value.
 */
function bridge<E, R>(
  body: (work: (lease: OrderLease) => Promise<void>) => Promise<unknown>,
  work: OrderEffect<E, R>,
): Effect.Effect<unknown, E | Error, R> {
  return Effect.gen(function* () {
    const run = yield* runner<R>();
    let exit: Exit.Exit<void, E> | undefined;
    const value = yield* Effect.exit(
      Effect.tryPromise({
        try: (signal) =>
          body(async (lease) => {
            const effect = Effect.isEffect(work) ? work : work(lease);
            exit = await run(effect, AbortSignal.any([signal, lease.signal]));
            if (Exit.isFailure(exit)) throw toError(Cause.squash(exit.cause));
          }),
        catch: toError,
      }),
    );
    if (Exit.isSuccess(value)) return value.value;
    if (
      Cause.squash(value.cause) instanceof SyncLeaseLostError ||
      exit === undefined ||
      Exit.isSuccess(exit)
    ) {
      return yield* Effect.failCause(value.cause);
    }
    return yield* Effect.failCause(exit.cause);
  });
}

/**
 * `RedisSyncCoordinator.syncCodeOwners(mr, …)` with an Effect as the sync's work: StartSync (waiting for the
 * MR's turn when queued), then `execute` — given the sync's {@link OrderLease} when it is a function — while
 * the lease is heartbeated, then FinishSync with the lease's token (`"ok"`, or `"failed"` when `execute` fails
 * or is interrupted), and the released resets are handed to `enqueueReset` before this effect ends.
 * When a heartbeat answers `Stale` (the lease expired and the sync was reclaimed) `execute` is interrupted
 * and this effect fails with `SyncLeaseLostError` (`cause`: `execute`'s failure or interruption). Otherwise
 * fails with `execute`'s error `E` (or its interruption), or with the coordinator's errors
 * (`SyncRejectedError` — `execute` did not run —, `SyncOrderLostError`, `SyncLeaseLostError` — the
 * FinishSync was `Stale` —, `CorruptValueError`, a Redis error). Interrupting this effect interrupts `execute`.
 *
 * @example
 * const program = syncCodeOwnersEffect("!42", ({ token }) => rebuildRules("!42", token));
 * await Effect.runPromise(Effect.provide(program, syncCoordinatorLayer(redis, options)));
 */
export function syncCodeOwnersEffect<E, R>(
  mr: string,
  execute: OrderEffect<E, R>,
): Effect.Effect<SyncOutcome, E | Error, R | SyncCoordinatorService> {
  return Effect.gen(function* () {
    const coordinator = yield* SyncCoordinatorService;
    return (yield* bridge((work) => coordinator.syncCodeOwners(mr, work), execute)) as SyncOutcome;
  });
}

/**
 * `RedisSyncCoordinator.runReset(mr, resetId, …, token)` with an Effect as the reset's work: the entry check
 * (fenced by `token`, the `ResetOrder`'s, when given), then (on `Proceed`) `fn` — given the reset's
 * {@link OrderLease} when it is a function — while the lease is heartbeated, then FinishReset — also when `fn`
 * fails. Succeeds with the {@link ResetRun} (`ran: false` when deferred or stale). When a heartbeat answers
 * `Stale`, `fn` is interrupted and this effect fails with `SyncLeaseLostError` (as when FinishReset is
 * `Stale`); otherwise fails with `fn`'s error `E` or the coordinator's errors. Without `token` nothing is
 * fenced nor heartbeated: `fn` gets token 0 and is never interrupted for its lease (see the Promise API).
 *
 * @example
 * const program = runResetEffect(order.mr, order.resetId, ({ token }) => deleteApprovals(order.mr, token), order.token);
 */
export function runResetEffect<E, R>(
  mr: string,
  resetId: string,
  fn: OrderEffect<E, R>,
  token?: number,
): Effect.Effect<ResetRun, E | Error, R | SyncCoordinatorService> {
  return Effect.gen(function* () {
    const coordinator = yield* SyncCoordinatorService;
    return (yield* bridge((work) => coordinator.runReset(mr, resetId, work, token), fn)) as ResetRun;
  });
}
