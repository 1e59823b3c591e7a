/**
 * heartbeat-vs-ack — seed 002 (../shared/seeds/002_402edf55850632f4.txt): a reconcile work queue whose ack
 * was guarded by the `updated_at` captured at claim time. The worker's own heartbeat (every 5 s) bumped
 * `updated_at`, so when processing took longer than one heartbeat tick the ack returned owned=true,
 * deleted=false, the item stayed, was re-claimed on every poll with an unchanged attempt count, and cycled
 * for days. The fix acks by ownership (the claim token) only. The review of that fix flagged a second race:
 * Retry / AckPermanentlyFailed resolve ownership in a snapshot CTE and mutate by id in a later step, so a
 * worker stalled past its lease can release or delete the claim of the worker that re-claimed the item.
 * And the seed's test harness drained the queue with a loop that ignored AckSuccess's result: an ack that
 * owned the item but did not delete it counted as processed, the silent leak the fix's OnDropped hook exists
 * to surface.
 */
import { ClaimQueue } from "@interleave/core";
import {
  choose,
  type Distribution,
  defineScenario,
  kill,
  note,
  type ProcessContext,
  type StoreRef,
  sleep,
  spawn,
  tx,
  txAt,
  uniform,
  type View,
} from "@interleave/sim";

/** How the queue behaves; each variant picks one combination. */
export interface Options {
  /** `updated-at-guard`: the pre-fix ack (also requires updated_at unchanged since claim); `ownership`: the fix. */
  readonly ack: "updated-at-guard" | "ownership";
  /** `snapshot-then-mutate`: ownership read in one step, mutation by id in a later one (the review's finding). */
  readonly retry: "snapshot-then-mutate" | "recheck";
  /** Whether the handler can fail (retryable or permanently). */
  readonly handlerErrors: boolean;
  /** Whether workers can stall (a GC pause, a stuck VM) for longer than a lease. */
  readonly pauses: boolean;
  /**
   * `ignores-result`: the seed's DrainQueue loop — it acks and counts the item processed whatever the ack
   * answered. Absent: the worker reads the result and surfaces owned && !deleted (the fix's OnDropped).
   */
  readonly drain?: "ignores-result";
}

/** Scenario parameters: the queue's config, the workload and the deadline of the liveness property. */
export const params = {
  workers: 2,
  pollIntervalMs: 1_000,
  queue: {
    leaseTtlMs: 15_000,
    heartbeatIntervalMs: 5_000,
    attemptsMax: 4,
    retryBackoffBaseMs: 1_000,
    retryBackoffCapMs: 8_000,
    claimBatchSizeMax: 1,
    itemCountMax: 100,
  } satisfies ClaimQueue.Config,
  /** Scopes in enqueue order; processing time depends on the scope's size (integer seconds, so steps coincide). */
  scopes: [
    { scope: "small", processingMs: uniform(1_000, 4_000, 1_000) },
    { scope: "medium", processingMs: uniform(2_000, 9_000, 1_000) },
    { scope: "large", processingMs: uniform(6_000, 12_000, 1_000) },
  ] as readonly { readonly scope: string; readonly processingMs: Distribution }[],
  /** Gap before each enqueue; then one scope is enqueued again, often while it is claimed. */
  enqueueGapMs: uniform(0, 3_000, 1_000),
  reenqueue: { scope: "small", afterMs: uniform(1_000, 8_000, 1_000) },
  /** Handler outcome weights when `handlerErrors` is on. */
  outcomeWeights: { ok: 0.7, retryable: 0.25, permanent: 0.05 },
  /** Pause faults when `pauses` is on: per worker step probability, stall length, at most one per worker. */
  pause: { probability: 0.05, durationMs: uniform(16_000, 30_000, 1_000), countMax: 1 },
  /**
   * Deadline of "every enqueued scope is acked or dead-lettered": the worst case of the fixed system is about
   * 4 jobs × 4 attempts × 12 s spread over 2 workers, plus backoff (≤ 8 s each), polls and one stall + lease
   * expiry per worker (≤ 45 s each) — well under 240 s.
   */
  livenessWithinMs: 240_000,
  horizonMs: 260_000,
};

type QueueState = ClaimQueue.State;

/**
 * The queue as the worker reaches it: the core `ClaimQueue` plus the statements of the code before the fixes.
 * - `AckIfUnchanged`: `DELETE … WHERE claimed_by = me AND updated_at <= claimed_updated_at` (pre-fix ack).
 * - `ReadOwnership`: the snapshot CTE `SELECT id WHERE id = $1 AND claimed_by = me`, as its own step.
 * - `RetryById` / `FailById`: the UPDATE/DELETE `WHERE s.id = t.id` that trusts the snapshot; `token` is the
 *   caller's, carried only so properties can see who acted.
 */
export type QueueEvent =
  | ClaimQueue.Event
  | {
      readonly _tag: "AckIfUnchanged";
      readonly scope: string;
      readonly token: number;
      readonly claimedUpdatedAtMs: number;
      readonly atMs: number;
    }
  | { readonly _tag: "ReadOwnership"; readonly scope: string; readonly token: number }
  | {
      readonly _tag: "RetryById";
      readonly scope: string;
      readonly token: number;
      readonly error: string;
      readonly atMs: number;
    }
  | {
      readonly _tag: "FailById";
      readonly scope: string;
      readonly token: number;
      readonly error: string;
      readonly atMs: number;
    };

export type QueueResult = ClaimQueue.Result | { readonly _tag: "Ownership"; readonly owned: boolean };

/** The store machine of this scenario: core transitions, plus the pre-fix statements above. */
export const reconcileQueue = {
  transition(
    state: QueueState,
    event: QueueEvent,
  ): { state: QueueState; effects: readonly never[]; result: QueueResult } {
    switch (event._tag) {
      case "AckIfUnchanged": {
        const item = state.items[event.scope];
        const owned = item?.claim?.token === event.token;
        if (owned && item !== undefined && item.updatedAtMs > event.claimedUpdatedAtMs) {
          return {
            state,
            effects: [],
            result: { _tag: "Acked", owned: true, deleted: false, requeued: false },
          };
        }
        return ClaimQueue.transition(state, {
          _tag: "Ack",
          scope: event.scope,
          token: event.token,
          atMs: event.atMs,
        });
      }
      case "ReadOwnership":
        return {
          state,
          effects: [],
          result: { _tag: "Ownership", owned: state.items[event.scope]?.claim?.token === event.token },
        };
      case "RetryById":
      case "FailById": {
        const current = state.items[event.scope]?.claim?.token;
        if (current === undefined)
          return { state, effects: [], result: { _tag: "NotOwner", scope: event.scope } };
        const tag = event._tag === "RetryById" ? "Retry" : "Fail";
        return ClaimQueue.transition(state, {
          _tag: tag,
          scope: event.scope,
          token: current,
          error: event.error,
          atMs: event.atMs,
        });
      }
      default:
        return ClaimQueue.transition(state, event);
    }
  },
};

type Queue = StoreRef<QueueState, QueueEvent, QueueResult>;

type Params = typeof params;

function* producer(queue: Queue, p: Params) {
  for (const { scope } of p.scopes) {
    yield* sleep(p.enqueueGapMs, "enqueue gap");
    yield* txAt(queue)((atMs) => ({ _tag: "Enqueue", scope, atMs }));
  }
  yield* sleep(p.reenqueue.afterMs, "re-enqueue after");
  yield* txAt(queue)((atMs) => ({ _tag: "Enqueue", scope: p.reenqueue.scope, atMs }));
}

function* heartbeat(queue: Queue, p: Params, claim: ClaimQueue.Granted) {
  for (;;) {
    yield* sleep(p.queue.heartbeatIntervalMs);
    const r = yield* txAt(queue)((atMs) => ({
      _tag: "Heartbeat",
      scope: claim.scope,
      token: claim.token,
      atMs,
    }));
    if (r._tag === "NotOwner") {
      yield* note("heartbeat rejected: the claim was lost");
      return;
    }
  }
}

/** What the workers counted as processed: scope → the claim token of the ack that counted it. */
type Processed = Map<string, number>;

function* worker(
  queue: Queue,
  p: Params,
  options: Options,
  index: number,
  processed: Processed,
  ctx: ProcessContext,
) {
  for (;;) {
    const r = yield* txAt(queue)((atMs) => ({ _tag: "Claim", holder: ctx.name, batchSize: 1, atMs }));
    if (r._tag !== "Claimed" || r.claims.length === 0) {
      yield* sleep(p.pollIntervalMs);
      continue;
    }
    for (const claim of r.claims) yield* handle(queue, p, options, index, processed, claim);
  }
}

function* handle(
  queue: Queue,
  p: Params,
  options: Options,
  index: number,
  processed: Processed,
  claim: ClaimQueue.Granted,
) {
  const hb = yield* spawn(`heartbeat-${index}`, () => heartbeat(queue, p, claim));
  const workload = p.scopes.find((s) => s.scope === claim.scope);
  yield* sleep(workload?.processingMs ?? 1_000, "processing");
  const { ok, retryable, permanent } = p.outcomeWeights;
  const outcome = options.handlerErrors
    ? yield* choose("outcome", ["ok", "retryable", "permanent"], [ok, retryable, permanent])
    : "ok";
  yield* kill(hb);
  const { scope, token } = claim;
  if (outcome === "ok") {
    const a =
      options.ack === "updated-at-guard"
        ? yield* txAt(queue)((atMs) => ({
            _tag: "AckIfUnchanged",
            scope,
            token,
            claimedUpdatedAtMs: claim.updatedAtMs,
            atMs,
          }))
        : yield* txAt(queue)((atMs) => ({ _tag: "Ack", scope, token, atMs }));
    if (options.drain === "ignores-result") {
      // DrainQueue: `queue.AckSuccess(ctx, …)` with its result discarded; the item counts as processed.
      processed.set(scope, token);
      return;
    }
    // The seed's fix also surfaces owned && !deleted (OnDropped) instead of a silent success.
    if (a._tag === "Acked" && a.owned && !a.deleted)
      yield* note("dropped: ack owned the item but did not delete it");
    else if (a._tag === "Acked" && a.deleted) processed.set(scope, token);
    return;
  }
  const error = `${outcome} error`;
  if (options.retry === "recheck") {
    const tag = outcome === "retryable" ? "Retry" : "Fail";
    yield* txAt(queue)((atMs) => ({ _tag: tag, scope, token, error, atMs }));
    return;
  }
  const snapshot = yield* tx(queue, { _tag: "ReadOwnership", scope, token });
  if (snapshot._tag === "Ownership" && snapshot.owned) {
    const tag = outcome === "retryable" ? "RetryById" : "FailById";
    yield* txAt(queue)((atMs) => ({ _tag: tag, scope, token, error, atMs }));
  }
}

/** True when the last step changed an item using a claim token that was not the item's current one. */
function mutatedByNonHolder(view: View, queue: Queue): boolean {
  const last = view.lastOn(queue);
  if (last === null) return false;
  const event = last.event;
  if (!("scope" in event) || !("token" in event)) return false;
  const before = last.before.items[event.scope];
  const after = last.after.items[event.scope];
  if (before === after || before?.claim == null) return false;
  return before.claim.token !== event.token;
}

/** True when an item counted as processed is still held by the very claim whose ack counted it. */
function countedButKept(state: QueueState, processed: Processed): boolean {
  for (const [scope, token] of processed) if (state.items[scope]?.claim?.token === token) return true;
  return false;
}

export default defineScenario<typeof params, Options>({
  name: "heartbeat-vs-ack",
  // Random sampling finds every violation variant here fastest (docs/benchmarks.md). Exhaustive search
  // declares no deviation bound: it deepens by itself until complete or out of time, and says how deep it got.
  strategy: "random",
  source: "shared/seeds/002_402edf55850632f4.txt",
  description:
    "Workers claim scopes, heartbeat every 5 s while processing, then ack; a producer enqueues scopes, one of them again while it may be claimed.",
  params,
  variants: {
    "updated-at-guard": {
      expect: "violation",
      why: "before the fix: ack also requires updated_at unchanged, and the worker's own heartbeat changes it",
      options: { ack: "updated-at-guard", retry: "recheck", handlerErrors: false, pauses: false },
    },
    "ownership-only": {
      expect: "pass",
      why: "the fix: ack deletes by claim token only; explored with workers stalling past their lease",
      options: { ack: "ownership", retry: "recheck", handlerErrors: false, pauses: true },
    },
    "retry-without-recheck": {
      expect: "violation",
      why: "Retry / AckPermanentlyFailed read ownership in a snapshot and mutate by id in a later step",
      options: { ack: "ownership", retry: "snapshot-then-mutate", handlerErrors: true, pauses: true },
    },
    "retry-with-recheck": {
      expect: "pass",
      why: "Retry / AckPermanentlyFailed check the claim token in the same transition as the mutation",
      options: { ack: "ownership", retry: "recheck", handlerErrors: true, pauses: true },
    },
    "drain-ignores-ack-result": {
      expect: "violation",
      why: "the seed's DrainQueue: the pre-fix ack answers owned=true, deleted=false after a heartbeat, and the loop counts the item processed anyway (a silent leak)",
      options: {
        ack: "updated-at-guard",
        retry: "recheck",
        handlerErrors: false,
        pauses: false,
        drain: "ignores-result",
      },
    },
  },
  build(world, p, options) {
    const queue: Queue = world.store("queue", reconcileQueue, ClaimQueue.initial(p.queue));
    world.process("producer", () => producer(queue, p));
    const processed: Processed = new Map();
    for (let i = 1; i <= p.workers; i++) {
      world.process(`worker-${i}`, (ctx) => worker(queue, p, options, i, processed, ctx), { faults: true });
    }
    if (options.pauses) world.faults({ pause: p.pause });
    const allDone = (view: View) =>
      view.finished("producer") && Object.keys(view.get(queue).items).length === 0;
    world.always(
      "a claimed item is only mutated by its current holder",
      (view) => !mutatedByNonHolder(view, queue),
    );
    world.always(
      "an item counted as processed was deleted by its ack (no silent leak)",
      (view) => !countedButKept(view.get(queue), processed),
    );
    world.eventually(
      `every enqueued scope is acked or dead-lettered within ${p.livenessWithinMs / 1000} s`,
      allDone,
      { withinMs: p.livenessWithinMs },
    );
    world.horizon(p.horizonMs);
    world.finishWhen(allDone);
  },
});
