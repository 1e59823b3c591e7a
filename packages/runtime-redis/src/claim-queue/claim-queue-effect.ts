// The Effect API over the Redis claim queue: a service tag for a `ClaimQueue`, a layer that opens it, and
// `runWorker`, a scoped effect that runs a `Worker` whose handler is an Effect; the handler's fiber is
// interrupted when its claim is lost (the Worker's AbortSignal), and closing the scope closes the worker
// gracefully (waits for handlers, then releases the claims still held).

import { Context, Effect, type Layer, type Scope } from "effect";
import type { Redis } from "ioredis";
import { handlerEnd, openLayer, runner } from "../shared/effect.js";
import { ClaimQueue, type ClaimQueueOptions } from "./claim-queue.js";
import { type HandlerOutcome, Worker, type WorkerOptions, type WorkItem } from "./worker.js";

/** A `ClaimQueue` as an Effect service. Provide it with {@link claimQueueLayer}. */
export class ClaimQueueService extends Context.Service<ClaimQueueService, ClaimQueue>()(
  "@interleave/runtime-redis/ClaimQueueService",
) {}

/**
 * A layer providing {@link ClaimQueueService}: `ClaimQueue.open(redis, options)`. Fails to build with the
 * core's `InvalidConfigError`, `InvalidNameError` or `ConfigMismatchError` (see `ClaimQueue.open`).
 */
export const claimQueueLayer: (
  redis: Redis,
  options: ClaimQueueOptions,
) => Layer.Layer<ClaimQueueService, Error> = openLayer(ClaimQueueService, ClaimQueue.open<Redis>);

/**
 * Starts a {@link Worker} on the provided queue running `handler` per claimed item, for the lifetime of the
 * enclosing `Scope`; returns the Worker. The handler's fiber is interrupted when its claim is lost (or given
 * back at close). A handler failure `E` counts as `{ retry: String(E) }`; an interrupted handler as
 * `{ retry: "interrupted" }` (its claim is gone, so that retry returns NotOwner and changes nothing).
 *
 * @example
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     yield* runWorker((item) => Effect.succeed("ok" as const), { holder: "w1", concurrency: 8 });
 *     yield* Effect.never;
 *   }),
 * );
 * Effect.runFork(Effect.provide(program, claimQueueLayer(redis, { name: "jobs", config })));
 */
export function runWorker<E, R>(
  handler: (item: WorkItem) => Effect.Effect<HandlerOutcome, E, R>,
  options: WorkerOptions,
): Effect.Effect<Worker, never, ClaimQueueService | R | Scope.Scope> {
  return Effect.gen(function* () {
    const queue = yield* ClaimQueueService;
    const run = yield* runner<R>();
    return yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Worker(
            queue,
            async (item, signal) => {
              const end = handlerEnd(await run(handler(item), signal));
              return end.ok ? end.value : { retry: end.why };
            },
            options,
          ),
      ),
      (worker) => Effect.promise(() => worker.close()),
    );
  });
}
