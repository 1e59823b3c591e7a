// A Worker over the Redis claim queue (issue 7, seed 002): claims items in batches up to its concurrency,
// runs a handler per item with an AbortSignal, heartbeats each claim, and acks / retries / dead-letters by
// claim token. The signal fires when a heartbeat reports the claim lost or the claim's validity passes
// without a renewal; no peer stops a handler. Seed 002's silent `owned && !deleted` ack is surfaced as an
// OwnedNotDeletedError through a hook and the logger, and the loop keeps running.

import type { ClaimQueue as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { CorruptValueError } from "../shared/errors.js";
import { renamedOption } from "../shared/options.js";
import type { ClaimedItem, ClaimOutcome, ClaimQueue, Timed } from "./claim-queue.js";

/** What a handler decides: `"ok"` acks; `{ retry }` retries with backoff (or dead-letters at the queue's attemptsMax); `{ fail }` dead-letters. */
export type HandlerOutcome = "ok" | { readonly retry: string } | { readonly fail: string };

/** A claimed item handed to a handler: the grant (scope, fencing token, validity, attempts, payload) and the holder. */
export interface WorkItem extends ClaimedItem {
  readonly holder: string;
}

/**
 * A handler: does the work of `item`, watching `signal` (aborted when the claim is lost, its validity passes,
 * or the worker gives the claim back at close). A thrown error counts as `{ retry: message }`.
 */
export type Handler = (item: WorkItem, signal: AbortSignal) => Promise<HandlerOutcome>;

/** Seed 002's bug class: an ack reported the caller as owner but did not delete the item. */
export class OwnedNotDeletedError extends Error {
  override readonly name = "OwnedNotDeletedError";
  constructor(
    readonly scope: string,
    readonly token: number,
  ) {
    super(
      `ack of ${JSON.stringify(scope)} with token ${token} returned owned=true, deleted=false: the item was not deleted`,
    );
  }
}

/** One queue operation the worker performed, with the server time it took effect (`atMs`) and its result. */
export interface WorkerRecord {
  readonly holder: string;
  readonly kind: "claim" | "heartbeat" | "ack" | "retry" | "fail" | "release";
  readonly scope: string;
  readonly token: number;
  readonly atMs: number;
  readonly result: Core.Result;
}

/** A minimal logger (`console` fits). */
export interface WorkerLogger {
  error(message: string, details?: unknown): void;
  warn(message: string, details?: unknown): void;
}

/**
 * Worker options.
 *
 * - `holder`: this worker's name in claims (non-empty; unique per worker by convention).
 * - `concurrency`: handlers running at once, default 1.
 * - `batchSize`: most items per claim, default `min(concurrency, claimBatchSizeMax)`.
 * - `heartbeatIntervalMs`: heartbeat period per claim in ms, default the queue's `heartbeatIntervalMs`;
 *   `null` sends none (fault drills and tests: the claim then lasts one `leaseTtlMs`). `heartbeatEveryMs` is
 *   its deprecated old name, still accepted.
 * - `pollIntervalMs`: wait after a claim that found nothing, default 100 ms (deprecated old name
 *   `pollEveryMs`, still accepted).
 * - `closeTimeoutMs`: how long `close()` waits for running handlers before giving their claims back, default
 *   10 000 ms.
 * - hooks: `onOwnedNotDeleted`, `onCorrupt` (a malformed item was moved aside), `onClaimLost` (a heartbeat or
 *   an ack found the claim taken over, or its validity passed), `onError` (a Redis call failed; the loop
 *   retries), `onRecord` (every queue operation, for history checks and metrics); `logger` for the errors.
 */
export interface WorkerOptions {
  readonly holder: string;
  readonly concurrency?: number;
  readonly batchSize?: number;
  readonly heartbeatIntervalMs?: number | null;
  readonly pollIntervalMs?: number;
  /** @deprecated use `heartbeatIntervalMs` (docs/deprecations.md). */
  readonly heartbeatEveryMs?: number | null;
  /** @deprecated use `pollIntervalMs` (docs/deprecations.md). */
  readonly pollEveryMs?: number;
  readonly closeTimeoutMs?: number;
  readonly onOwnedNotDeleted?: (error: OwnedNotDeletedError) => void;
  readonly onCorrupt?: (error: CorruptValueError) => void;
  readonly onClaimLost?: (item: WorkItem, reason: string) => void;
  readonly onError?: (error: unknown) => void;
  readonly onRecord?: (record: WorkerRecord) => void;
  readonly logger?: WorkerLogger;
}

/** What one ack of a batch came back with: its result, and the claimed item (if any) that takes its slot. */
interface AckShare {
  readonly timed?: Timed<Core.Result> | undefined;
  readonly next?: { readonly outcome: ClaimOutcome; readonly sentAt: number };
}

interface PendingAck {
  readonly item: WorkItem;
  readonly resolve: (share: AckShare) => void;
}

interface Running {
  readonly item: WorkItem;
  readonly controller: AbortController;
  readonly done: Promise<void>;
  released: boolean;
  stopTimers(): void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Worker option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Runs `handler` over `queue` from construction until {@link Worker.close}.
 *
 * Guarantees: each handler runs under a claim with a fencing token; its signal aborts when the claim is lost
 * (heartbeat `NotOwner`) or its validity passes locally (measured on the monotonic clock from before the
 * claim was sent, so never later than the server's expiry); acks, retries and fails carry the token, so a
 * handler that lost its claim cannot finish an item another worker now holds (its ack returns `owned: false`).
 *
 * @throws `RangeError` for a non-positive `concurrency`, `batchSize` (or above `claimBatchSizeMax`),
 *   `heartbeatIntervalMs`, `pollIntervalMs` or a negative `closeTimeoutMs`.
 * @example
 * const worker = new Worker(queue, async (item, signal) => {
 *   await reconcile(item.scope, { signal, fencingToken: item.token });
 *   return "ok";
 * }, { holder: `reconciler-${process.pid}`, concurrency: 16 });
 * // ... on SIGTERM:
 * await worker.close();
 */
export class Worker<R extends Redis | Cluster = Redis> {
  readonly holder: string;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly heartbeatIntervalMs: number | null;
  readonly pollIntervalMs: number;
  readonly closeTimeoutMs: number;
  private readonly running = new Map<number, Running>();
  private nextRunId = 0;
  private closing = false;
  private wakeUp: (() => void) | null = null;
  private readonly loopDone: Promise<void>;
  private closed: Promise<void> | null = null;
  /** The acks of handlers that returned "ok" in this tick, sent together at its end (see `settle`). */
  private ackBatch: PendingAck[] = [];

  /** @deprecated use {@link Worker.heartbeatIntervalMs} (docs/deprecations.md). */
  get heartbeatEveryMs(): number | null {
    return this.heartbeatIntervalMs;
  }

  /** @deprecated use {@link Worker.pollIntervalMs} (docs/deprecations.md). */
  get pollEveryMs(): number {
    return this.pollIntervalMs;
  }

  constructor(
    readonly queue: ClaimQueue<R>,
    private readonly handler: Handler,
    private readonly options: WorkerOptions,
  ) {
    if (typeof options.holder !== "string" || options.holder.length === 0) {
      throw new RangeError("Worker option holder must be a non-empty string");
    }
    this.holder = options.holder;
    this.concurrency = positiveInteger("concurrency", options.concurrency ?? 1);
    this.batchSize = positiveInteger(
      "batchSize",
      options.batchSize ?? Math.min(this.concurrency, queue.config.claimBatchSizeMax),
    );
    if (this.batchSize > queue.config.claimBatchSizeMax) {
      throw new RangeError(
        `Worker option batchSize (${this.batchSize}) must be at most claimBatchSizeMax (${queue.config.claimBatchSizeMax})`,
      );
    }
    const hb = renamedOption(options, "heartbeatIntervalMs", "heartbeatEveryMs");
    const heartbeat = hb.value === undefined ? queue.config.heartbeatIntervalMs : hb.value;
    this.heartbeatIntervalMs = heartbeat === null ? null : positiveInteger(hb.field, heartbeat);
    const poll = renamedOption(options, "pollIntervalMs", "pollEveryMs");
    this.pollIntervalMs = positiveInteger(poll.field, poll.value ?? 100);
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    if (!Number.isSafeInteger(this.closeTimeoutMs) || this.closeTimeoutMs < 0) {
      throw new RangeError(
        `Worker option closeTimeoutMs must be an integer >= 0, got ${String(this.closeTimeoutMs)}`,
      );
    }
    this.loopDone = this.loop();
  }

  /** Handlers running now. */
  get activeCount(): number {
    return this.running.size;
  }

  /**
   * Graceful shutdown: stops claiming, waits up to `timeoutMs` (default `closeTimeoutMs`) for running handlers
   * (their claims keep being heartbeated, nothing is aborted), then gives back the claims still held
   * (`Release`: ready again, no attempt counted) and aborts those handlers' signals. Idempotent.
   */
  close(timeoutMs: number = this.closeTimeoutMs): Promise<void> {
    this.closed ??= this.shutdown(timeoutMs);
    return this.closed;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.wake();
    await this.loopDone;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...this.running.values()].map((r) => r.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all(
      [...this.running.values()].map(async (r) => {
        r.released = true;
        r.stopTimers();
        r.controller.abort(new Error("the worker is closing: the claim was given back"));
        await this.call("release", r.item, () => this.queue.release(r.item.scope, r.item.token));
      }),
    );
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.closing) {
      const free = this.concurrency - this.running.size;
      if (free <= 0) {
        await this.pause(this.pollIntervalMs);
        continue;
      }
      const sentAt = performance.now();
      let outcome: Awaited<ReturnType<ClaimQueue["claim"]>>;
      try {
        outcome = await this.queue.claim(this.holder, Math.min(free, this.batchSize));
      } catch (error) {
        this.reportError(error);
        await this.pause(this.pollIntervalMs);
        continue;
      }
      this.startClaimed(outcome, sentAt);
      if (outcome.items.length === 0 && !this.closing) {
        await this.pause(this.pollIntervalMs);
      }
    }
  }

  /** Reports the claim's malformed items, records its grants and starts their handlers. */
  private startClaimed(outcome: ClaimOutcome, sentAt: number): void {
    for (const corrupt of outcome.corrupt) {
      this.options.logger?.error(`claim queue ${this.queue.name}: ${corrupt.message}`, corrupt);
      this.hook(() => this.options.onCorrupt?.(corrupt));
    }
    for (const granted of outcome.items) {
      const item: WorkItem = { ...granted, holder: this.holder };
      this.record({
        holder: this.holder,
        kind: "claim",
        scope: item.scope,
        token: item.token,
        atMs: outcome.atMs,
        result: outcome.result,
      });
      this.start(item, sentAt + (item.expiresAtMs - outcome.atMs));
    }
  }

  /** Runs the handler of `item`, whose claim is valid until `deadline` on the local monotonic clock. */
  private start(item: WorkItem, deadline: number): void {
    // Keyed by a per-worker id, not the claim token: tokens restart at 1 when Redis loses its data, and a
    // handler from before such a restart must not collide with a new claim.
    const id = this.nextRunId++;
    const controller = new AbortController();
    // Set once the handler has returned: a heartbeat reply arriving later must not re-arm the validity timer
    // (it would abort the signal of a claim already settled and report a false "claim lost").
    let settled = false;
    let validity: ReturnType<typeof setTimeout> | undefined;
    let heartbeats: ReturnType<typeof setInterval> | undefined;
    const lose = (reason: string) => {
      if (controller.signal.aborted) return;
      controller.abort(
        new Error(`claim of ${JSON.stringify(item.scope)} (token ${item.token}) lost: ${reason}`),
      );
      this.hook(() => this.options.onClaimLost?.(item, reason));
    };
    const armValidity = (at: number) => {
      if (settled) return;
      clearTimeout(validity);
      validity = setTimeout(
        () => lose("its validity passed without a renewal"),
        Math.max(0, at - performance.now()),
      );
    };
    armValidity(deadline);
    if (this.heartbeatIntervalMs !== null) {
      heartbeats = setInterval(() => {
        if (controller.signal.aborted) return;
        const sentAt = performance.now();
        void this.call("heartbeat", item, () => this.queue.heartbeat(item.scope, item.token)).then(
          (timed) => {
            if (timed === undefined || settled || controller.signal.aborted || running.released) return;
            if (timed.result._tag === "Renewed") {
              armValidity(sentAt + (timed.result.expiresAtMs - timed.atMs));
            } else {
              lose("a heartbeat found another claim (NotOwner)");
            }
          },
        );
      }, this.heartbeatIntervalMs);
    }
    const stopTimers = () => {
      clearTimeout(validity);
      clearInterval(heartbeats);
    };
    const running: Running = {
      item,
      controller,
      released: false,
      stopTimers,
      done: this.runHandler(item, controller.signal).then(async (outcome) => {
        settled = true;
        stopTimers();
        const next = running.released ? undefined : await this.settle(item, outcome, lose);
        this.running.delete(id);
        if (next !== undefined && (next.outcome.items.length > 0 || next.outcome.corrupt.length > 0)) {
          if (this.closing) {
            // The worker started closing while the ack was in flight: give the new claims back at once.
            await Promise.all(
              next.outcome.items.map((granted) => {
                const claimed: WorkItem = { ...granted, holder: this.holder };
                this.record({
                  holder: this.holder,
                  kind: "claim",
                  scope: claimed.scope,
                  token: claimed.token,
                  atMs: next.outcome.atMs,
                  result: next.outcome.result,
                });
                return this.call("release", claimed, () => this.queue.release(claimed.scope, claimed.token));
              }),
            );
          } else {
            // A claimed item takes this one's slot: the loop has nothing new to do. (Malformed items the
            // claim moved aside are reported here too.)
            this.startClaimed(next.outcome, next.sentAt);
            if (next.outcome.items.length > 0) return;
          }
        }
        this.wake();
      }),
    };
    this.running.set(id, running);
  }

  private async runHandler(item: WorkItem, signal: AbortSignal): Promise<HandlerOutcome> {
    try {
      const outcome = await this.handler(item, signal);
      if (outcome === "ok") return outcome;
      if (typeof outcome === "object" && outcome !== null) {
        if ("retry" in outcome && typeof outcome.retry === "string") return outcome;
        if ("fail" in outcome && typeof outcome.fail === "string") return outcome;
      }
      return {
        retry: `the handler returned an invalid outcome: ${JSON.stringify(outcome) ?? String(outcome)}`,
      };
    } catch (error) {
      return { retry: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Acks, retries or fails the item by its claim token. An ack joins the acks of the other handlers that
   * returned "ok" in the same tick: at the tick's end one script acks them all and claims as many items as
   * were acked (at most `batchSize`), each taking an acked item's slot (`ClaimQueue.ackManyAndClaim`; with
   * concurrency `c`, up to `c` jobs per script call). Unless the worker is closing or `queue.ack` was
   * replaced on the instance (an instrumented queue keeps its own ack): then the ack is sent alone. The claim
   * that takes this item's slot, if any, is returned with the time it was sent.
   */
  private async settle(
    item: WorkItem,
    outcome: HandlerOutcome,
    lose: (reason: string) => void,
  ): Promise<{ readonly outcome: ClaimOutcome; readonly sentAt: number } | undefined> {
    if (outcome === "ok") {
      let next: { readonly outcome: ClaimOutcome; readonly sentAt: number } | undefined;
      let timed: Timed<Core.Result> | undefined;
      if (!this.closing && !Object.hasOwn(this.queue, "ack")) {
        const share = await this.batchAck(item);
        timed = share.timed;
        next = share.next;
        if (timed !== undefined) {
          this.record({
            holder: this.holder,
            kind: "ack",
            scope: item.scope,
            token: item.token,
            atMs: timed.atMs,
            result: timed.result,
          });
        }
      } else {
        timed = await this.call("ack", item, () => this.queue.ack(item.scope, item.token));
      }
      if (timed?.result._tag !== "Acked") return next;
      if (timed.result.owned && !timed.result.deleted) {
        const error = new OwnedNotDeletedError(item.scope, item.token);
        this.options.logger?.error(error.message, error);
        this.hook(() => this.options.onOwnedNotDeleted?.(error));
      } else if (!timed.result.owned) {
        lose("the ack found another claim (owned=false)");
      }
      return next;
    }
    const timed =
      "retry" in outcome
        ? await this.call("retry", item, () => this.queue.retry(item.scope, item.token, outcome.retry))
        : await this.call("fail", item, () => this.queue.fail(item.scope, item.token, outcome.fail));
    if (timed?.result._tag === "NotOwner")
      lose(`the ${"retry" in outcome ? "retry" : "fail"} found another claim`);
    return undefined;
  }

  /** Adds `item`'s ack to this tick's batch (sent by {@link flushAcks} when the tick ends); resolves with its share. */
  private batchAck(item: WorkItem): Promise<AckShare> {
    return new Promise((resolve) => {
      if (this.ackBatch.length === 0) process.nextTick(() => void this.flushAcks());
      this.ackBatch.push({ item, resolve });
    });
  }

  /**
   * Sends the batch of acks as one `ackManyAndClaim`, claiming one item per ack (at most `batchSize`); when the
   * worker started closing meanwhile, each ack goes alone and nothing is claimed. A failed call is reported and
   * its acks are not applied (their claims expire and the items are claimed again), except for a malformed item
   * among several acks: then each ack is sent alone, so that the others still count.
   */
  private async flushAcks(): Promise<void> {
    const batch = this.ackBatch;
    this.ackBatch = [];
    if (this.closing) {
      await Promise.all(batch.map(async (p) => p.resolve({ timed: await this.ackAlone(p.item) })));
      return;
    }
    const acks = batch.map(({ item }) => ({ scope: item.scope, token: item.token }));
    const sentAt = performance.now();
    try {
      const { acks: results, claim } = await this.queue.ackManyAndClaim(
        acks,
        this.holder,
        Math.min(batch.length, this.batchSize),
      );
      batch.forEach((p, i) => {
        p.resolve({ timed: results[i], next: { outcome: shareOf(claim, i), sentAt } });
      });
    } catch (error) {
      this.reportError(error);
      if (error instanceof CorruptValueError && batch.length > 1) {
        await Promise.all(batch.map(async (p) => p.resolve({ timed: await this.ackAlone(p.item) })));
      } else {
        for (const p of batch) p.resolve({});
      }
    }
  }

  /** `queue.ack` of `item` alone; a failure is reported, not thrown. */
  private async ackAlone(item: WorkItem): Promise<Timed<Core.Result> | undefined> {
    try {
      return await this.queue.ack(item.scope, item.token);
    } catch (error) {
      this.reportError(error);
      return undefined;
    }
  }

  /** Runs one queue call for `item`, records it, and reports (not throws) a failure. */
  private async call(
    kind: WorkerRecord["kind"],
    item: WorkItem,
    fn: () => Promise<{ readonly atMs: number; readonly result: Core.Result }>,
  ): Promise<{ readonly atMs: number; readonly result: Core.Result } | undefined> {
    try {
      const timed = await fn();
      this.record({
        holder: this.holder,
        kind,
        scope: item.scope,
        token: item.token,
        atMs: timed.atMs,
        result: timed.result,
      });
      return timed;
    } catch (error) {
      this.reportError(error);
      return undefined;
    }
  }

  private record(record: WorkerRecord): void {
    this.hook(() => this.options.onRecord?.(record));
  }

  private reportError(error: unknown): void {
    this.options.logger?.error(
      `claim queue ${this.queue.name}: worker ${this.holder}: Redis call failed`,
      error,
    );
    this.hook(() => this.options.onError?.(error));
  }

  /** Runs a user hook; a throwing hook is logged, never allowed to stop the loop. */
  private hook(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger?.warn(`worker ${this.holder}: a hook threw`, error);
    }
  }
}

/** The share of a batch's claim that takes the slot of the batch's `i`-th ack: its `i`-th grant, if any. */
function shareOf(claim: ClaimOutcome, i: number): ClaimOutcome {
  const granted = claim.result.claims[i];
  const item = claim.items[i];
  return {
    atMs: claim.atMs,
    result: { _tag: "Claimed", claims: granted === undefined ? [] : [granted] },
    items: item === undefined ? [] : [item],
    corrupt: i === 0 ? claim.corrupt : [],
  };
}
