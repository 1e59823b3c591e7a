// The Effect API over the Redis keyed mailbox: a service tag for a `KeyedMailbox`, a layer that opens it,
// and `runMailbox`, a scoped effect that runs this instance's dispatcher loop with an Effect handler; the
// handler's fiber is interrupted when its order is cancelled (a supersession or Shutdown Cancel effect, even
// one emitted in another process) or its lease is lost. Closing the scope stops the loop gracefully.

import type { Mailbox as Core } from "@interleave/core";
import { Context, Effect, type Layer, type Scope } from "effect";
import type { Cluster, Redis } from "ioredis";
import { handlerEnd, openLayer, runner, toError } from "../shared/effect.js";
import { type DispatcherOptions, KeyedMailbox, type KeyedMailboxOptions } from "./mailbox.js";

/** A `KeyedMailbox` as an Effect service. Provide it with {@link keyedMailboxLayer}. */
export class KeyedMailboxService extends Context.Service<KeyedMailboxService, KeyedMailbox>()(
  "@interleave/runtime-redis/KeyedMailboxService",
) {}

/**
 * A layer providing {@link KeyedMailboxService}: `KeyedMailbox.open(redis, options)`. Fails to build with
 * the core's `InvalidConfigError`, `InvalidNameError` or `ConfigMismatchError` (see `open`).
 */
export const keyedMailboxLayer: (
  redis: Redis | Cluster,
  options: KeyedMailboxOptions,
) => Layer.Layer<KeyedMailboxService, Error> = openLayer(KeyedMailboxService, KeyedMailbox.open);

/**
 * Runs the provided mailbox's dispatcher loop with `handler` for the lifetime of the enclosing `Scope`. A
 * handler that succeeds completes its order "done"; one that fails, "failed"; one interrupted (its order
 * was cancelled or its lease lost), "cancelled". Closing the scope waits for running handlers and
 * completes them.
 *
 * @example
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     yield* runMailbox((order) => Effect.log(`apply ${order.id}`), { subscriber: redis.duplicate() });
 *     yield* Effect.never;
 *   }),
 * );
 * Effect.runFork(Effect.provide(program, keyedMailboxLayer(redis, { name: "membership", config })));
 */
export function runMailbox<E, R>(
  handler: (order: Core.Order) => Effect.Effect<void, E, R>,
  options: DispatcherOptions = {},
): Effect.Effect<KeyedMailbox, Error, KeyedMailboxService | R | Scope.Scope> {
  return Effect.gen(function* () {
    const mailbox = yield* KeyedMailboxService;
    const run = yield* runner<R>();
    return yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          await mailbox.start(async (order, signal) => {
            const end = handlerEnd(await run(handler(order), signal));
            if (!end.ok) throw new Error(end.why);
          }, options);
          return mailbox;
        },
        catch: toError,
      }),
      (m) => Effect.promise(() => m.stop()),
    );
  });
}
