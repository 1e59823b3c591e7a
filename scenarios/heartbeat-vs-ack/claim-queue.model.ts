/**
 * Explicit-state model of the core `ClaimQueue` (seed 002, ../../shared/seeds/002_402edf55850632f4.txt): S
 * scopes worked by W workers over a discrete clock. The fixed queue (`claim-queue`) is verified; the seed's two
 * buggy behaviours are model variants that reach the queue through this scenario's `reconcileQueue` (the
 * statements of the code before the fixes) and are found with their shortest counterexamples:
 * `claim-queue-updated-at-guard` (the ack guarded by `updated_at`, bumped by the worker's own heartbeat) and
 * `claim-queue-retry-without-recheck` (Retry / AckPermanentlyFailed resolve ownership in a snapshot, then
 * mutate by id). Each model keeps, next to the queue, the claim each worker believes it holds and ghost fields
 * for the properties of a transition.
 */
import { ClaimQueue } from "@interleave/core";
import { defineModel } from "@interleave/sim";
import {
  type CachedStep,
  canonicalKey,
  type FingerprintBuilder,
  type Fingerprinted,
  MachineCache,
  type StateEncoding,
  type StateSpaceModel,
} from "@interleave/sim/statespace";
import { capitalize, sizeOption } from "../model-options.js";
import { type QueueEvent, reconcileQueue } from "./heartbeat-vs-ack.js";

/**
 * What a worker was told by its last Claim / Renewed: the scope (index), its claim token, the claim's
 * expiry (ms), and the item's `updatedAtMs` at claim time (what seed 002's pre-fix ack compared against).
 */
export interface HeldClaim {
  readonly scope: number;
  readonly token: number;
  readonly untilMs: number;
  readonly claimedUpdatedAtMs: number;
  /**
   * `retry: "snapshot-then-mutate"` only: the ownership the worker read in its snapshot step (`true` / `false`),
   * `null` before it read it. Always `null` with `retry: "recheck"`.
   */
  readonly snapshot: boolean | null;
}

/**
 * State of {@link claimQueueModel}: the `ClaimQueue`, the clock, how many enqueues were made (bounded),
 * the claim each worker believes it holds (`null` when none), `pending` — a bit per scope set by an
 * Enqueue and cleared by a Claim of that scope, so it marks an enqueue no claim has covered yet — and
 * `broken`, the transition property the last input broke (ghost).
 */
export interface ClaimQueueModelState {
  /** The queue and its fingerprint, from the model's {@link MachineCache}; `queue.state` is the queue. */
  readonly queue: Fingerprinted<ClaimQueue.State>;
  readonly nowMs: number;
  readonly enqueues: number;
  readonly held: readonly (HeldClaim | null)[];
  readonly pending: number;
  readonly broken: string | null;
}

/** An input of {@link claimQueueModel}: advance the clock, enqueue a scope, or a worker's step. */
export type ClaimQueueInput =
  | { readonly op: "tick" }
  | { readonly op: "enqueue"; readonly scope: number }
  | {
      readonly op: "claim" | "heartbeat" | "ack" | "retry" | "fail" | "release" | "snapshot";
      readonly worker: number;
    };

/** Size and variant of {@link claimQueueModel}; every duration is integer ms. */
export interface ClaimQueueModelOptions {
  /** Scopes `a, b, c, …` (at most 26). Default 1. */
  readonly scopes?: number;
  /** Workers `w1..wW`; each holds at most one claim at a time (batch size 1). Default 2. */
  readonly workers?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here. Default 6,000. */
  readonly horizonMs?: number;
  /** Claims granted in all (fencing tokens 1..claimsMax); Claim is not enabled beyond. Default 4. */
  readonly claimsMax?: number;
  /** Enqueue events in all; Enqueue is not enabled beyond. Default 3. */
  readonly enqueuesMax?: number;
  /**
   * Queue config. Defaults: `leaseTtlMs` 3,000, `heartbeatIntervalMs` 1,000, `attemptsMax` 2,
   * `retryBackoffBaseMs` 1,000, `retryBackoffCapMs` 2,000; `claimBatchSizeMax` 1 and `itemCountMax` =
   * scopes are fixed.
   */
  readonly queue?: Partial<
    Pick<
      ClaimQueue.ResolvedConfig,
      "leaseTtlMs" | "heartbeatIntervalMs" | "attemptsMax" | "retryBackoffBaseMs" | "retryBackoffCapMs"
    >
  >;
  /**
   * `ownership` (the core Ack, seed 002's fix) or `updated-at-guard` (the pre-fix ack: owned and
   * `updated_at` unchanged since the claim, else nothing happens and the result says owned, not deleted).
   * Default `ownership`.
   */
  readonly ack?: "ownership" | "updated-at-guard";
  /**
   * `recheck` (the core Retry / Fail: ownership checked in the transition that mutates, the fix) or
   * `snapshot-then-mutate` (seed 002's review finding: the worker first reads ownership in a step of its own —
   * input `Snapshot w` — and then retries or fails the item by id, trusting that snapshot). Default `recheck`.
   */
  readonly retry?: "recheck" | "snapshot-then-mutate";
  /**
   * Slots of a direct-mapped {@link MachineCache} (a power of two), with states checked as objects. Default:
   * an interning cache (2^19 steps kept) and states packed as 5 + 5 × workers words (`encoding`), faster.
   */
  readonly cacheSlots?: number;
  /**
   * The model's name in reports. Default `claim-queue`, `claim-queue-updated-at-guard` or
   * `claim-queue-retry-without-recheck`.
   */
  readonly name?: string;
}

const CQ_ONE_CLAIM = "no two workers hold live claims on one item";
const CQ_NON_HOLDER = "an ack, retry, fail or release by a non-holder leaves the item alone";
const CQ_ACK_DELETES = "an ack by the holder deletes the item";
const CQ_NOT_LOST = "an enqueue no claim has covered is never lost";
const CQ_FENCING = "fencing tokens strictly increase per grant";

/**
 * The seed-002 work queue: S scopes × W workers × Enqueue / Claim (batch 1) / Heartbeat / Ack / Retry /
 * Fail / Release on one `ClaimQueue`, with a `tick` that advances the clock by `stepMs` up to `horizonMs`.
 * Budgets (`claimsMax`, `enqueuesMax`, the horizon) keep the space finite. A worker acts on the claim it
 * believes it holds — possibly expired and re-claimed by another worker — and forgets it after Ack, Retry,
 * Fail, Release or a refused Heartbeat.
 *
 * Invariants: "no two workers hold live claims on one item" (by what they were told); "an ack, retry,
 * fail or release by a non-holder leaves the item alone"; "an ack by the holder deletes the item" (the
 * seed's `owned=true, deleted=false`); "an enqueue no claim has covered is never lost" (the item exists
 * while an enqueue awaits a claim, e.g. one that arrived during a claim survives its ack); "fencing tokens
 * strictly increase per grant". The transition properties are checked through the ghost field `broken`.
 *
 * Size: the defaults give 139,644 states; `{ horizonMs: 4_000, claimsMax: 3, enqueuesMax: 2 }` 6,153
 * (tests); {@link CLAIM_QUEUE_LARGE} 1,072,396 (the benchmark). Queue transitions go through a
 * {@link MachineCache}. `ack: "updated-at-guard"` breaks "an ack by the holder deletes the item" after 5
 * inputs: Enqueue a, Claim w1, tick, then anything that moves `updated_at` during the claim (Enqueue a, or
 * the seed's own Heartbeat w1), then Ack w1. `retry: "snapshot-then-mutate"` breaks "an ack, retry, fail or
 * release by a non-holder leaves the item alone" after 8 inputs: Enqueue a, Claim w1, Snapshot w1, ticks past
 * the lease, Claim w2, Retry w1 (w1's retry by id releases w2's claim). Both buggy statements are this
 * scenario's `reconcileQueue` (`AckIfUnchanged`, `RetryById`, `FailById`), not copies.
 *
 * @throws `RangeError` naming a size that is not a positive integer (or more than 26 scopes);
 *   `InvalidConfigError` (from the core) for a bad queue config, e.g. `heartbeatIntervalMs` not below
 *   `leaseTtlMs`.
 */
export function claimQueueModel(
  options: ClaimQueueModelOptions = {},
): StateSpaceModel<ClaimQueueModelState, ClaimQueueInput> {
  const scopeCount = sizeOption(options.scopes, 1, "scopes");
  if (scopeCount > 26) throw new RangeError(`scopes must be at most 26, got ${scopeCount}`);
  const workers = sizeOption(options.workers, 2, "workers");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 6_000, "horizonMs");
  const claimsMax = sizeOption(options.claimsMax, 4, "claimsMax");
  const enqueuesMax = sizeOption(options.enqueuesMax, 3, "enqueuesMax");
  const guardedAck = (options.ack ?? "ownership") === "updated-at-guard";
  const snapshotRetry = (options.retry ?? "recheck") === "snapshot-then-mutate";
  const queue0 = ClaimQueue.initial({
    leaseTtlMs: 3_000,
    heartbeatIntervalMs: 1_000,
    attemptsMax: 2,
    retryBackoffBaseMs: 1_000,
    retryBackoffCapMs: 2_000,
    ...options.queue,
    claimBatchSizeMax: 1,
    itemCountMax: scopeCount,
  });
  const scopes = Array.from({ length: scopeCount }, (_, i) => String.fromCharCode(97 + i));
  const names = Array.from({ length: workers }, (_, i) => `w${i + 1}`);
  // Interned (every queue state once, numbered) unless a direct-mapped cache size is asked for: the
  // numbers let the model pack its states (`encoding`), which needs interning.
  const interned = options.cacheSlots === undefined;
  const queues = new MachineCache(
    ClaimQueue.transition,
    (q: ClaimQueue.State, into) => fingerprintQueue(q, scopes, into),
    interned ? { intern: true, slots: 1 << 19 } : { slots: options.cacheSlots },
  );
  /** The cache code of an event: op (see OP_CODES), worker (Claim), scope, token and time, packed. */
  const code = (op: keyof typeof OP_CODES, worker: number, scope: number, token: number, atMs: number) =>
    (((((atMs / stepMs) | 0) * (claimsMax + 2) + token) * scopeCount + scope) * workers + worker) * 8 +
    OP_CODES[op];
  const alphabet: ClaimQueueInput[] = [{ op: "tick" }];
  for (let scope = 0; scope < scopeCount; scope++) alphabet.push({ op: "enqueue", scope });
  for (const op of ["claim", "heartbeat", "ack", "retry", "fail", "release"] as const) {
    for (let worker = 0; worker < workers; worker++) alphabet.push({ op, worker });
  }
  if (snapshotRetry)
    for (let worker = 0; worker < workers; worker++) alphabet.push({ op: "snapshot", worker });
  const withHeld = (s: ClaimQueueModelState, w: number, claim: HeldClaim | null) => {
    const held = s.held.slice();
    held[w] = claim;
    return held;
  };

  /** A step of the scenario's `reconcileQueue` (the pre-fix statements), uncached: only buggy variants take it. */
  const buggy = (
    from: Fingerprinted<ClaimQueue.State>,
    event: QueueEvent,
  ): CachedStep<ClaimQueue.State, unknown> => {
    const t = reconcileQueue.transition(from.state, event);
    const unchanged = t.state === from.state;
    return { next: unchanged ? from : queues.wrap(t.state), result: t.result, unchanged };
  };

  /**
   * The worker is done with `claim` (Ack, Retry, Fail, Release); checks the step's ownership properties. `null`
   * when the step is not enabled (a snapshot variant's Retry or Fail before the worker read its snapshot).
   */
  const finish = (
    s: ClaimQueueModelState,
    w: number,
    claim: HeldClaim,
    op: "ack" | "retry" | "fail" | "release",
  ): ClaimQueueModelState | null => {
    const scope = scopes[claim.scope]!;
    const { token } = claim;
    const atMs = s.nowMs;
    const before = s.queue.state.items[scope];
    const owned = before?.claim?.token === token;
    let step: CachedStep<ClaimQueue.State, unknown>;
    if (guardedAck && op === "ack") {
      step = buggy(s.queue, {
        _tag: "AckIfUnchanged",
        scope,
        token,
        claimedUpdatedAtMs: claim.claimedUpdatedAtMs,
        atMs,
      });
    } else if (snapshotRetry && (op === "retry" || op === "fail")) {
      if (claim.snapshot === null) return null;
      // The snapshot said the claim was gone: the worker gives up without a mutation.
      step = claim.snapshot
        ? buggy(s.queue, {
            _tag: op === "retry" ? "RetryById" : "FailById",
            scope,
            token,
            error: "error",
            atMs,
          })
        : { next: s.queue, result: { _tag: "NotOwner", scope }, unchanged: true };
    } else {
      step = queues.step(s.queue, code(op, 0, claim.scope, token, atMs), () =>
        ownerEvent(op, scope, token, atMs),
      );
    }
    const after = step.next.state.items[scope];
    let broken: string | null = null;
    if (!owned && !step.unchanged && canonicalKey(after) !== canonicalKey(before)) broken = CQ_NON_HOLDER;
    else if (op === "ack" && owned && step.unchanged) broken = CQ_ACK_DELETES;
    return {
      queue: step.unchanged ? s.queue : step.next,
      nowMs: s.nowMs,
      enqueues: s.enqueues,
      held: withHeld(s, w, null),
      pending: s.pending,
      broken,
    };
  };

  const next = (s: ClaimQueueModelState, input: ClaimQueueInput): ClaimQueueModelState | null => {
    const atMs = s.nowMs;
    switch (input.op) {
      case "tick": {
        const nowMs = atMs + stepMs;
        if (nowMs > horizonMs) return null;
        return {
          queue: s.queue,
          nowMs,
          enqueues: s.enqueues,
          held: s.held,
          pending: s.pending,
          broken: null,
        };
      }
      case "enqueue": {
        if (s.enqueues >= enqueuesMax) return null;
        const scope = scopes[input.scope]!;
        const step = queues.step(s.queue, code("enqueue", 0, input.scope, 0, atMs), () => ({
          _tag: "Enqueue",
          scope,
          atMs,
        }));
        return {
          queue: step.unchanged ? s.queue : step.next,
          nowMs: atMs,
          enqueues: s.enqueues + 1,
          held: s.held,
          pending: s.pending | (1 << input.scope),
          broken: null,
        };
      }
      case "claim": {
        if (s.held[input.worker] !== null || s.queue.state.nextToken > claimsMax) return null;
        const holder = names[input.worker]!;
        const step = queues.step(s.queue, code("claim", input.worker, 0, 0, atMs), () => ({
          _tag: "Claim",
          holder,
          batchSize: 1,
          atMs,
        }));
        const g = step.result._tag === "Claimed" ? step.result.claims[0] : undefined;
        if (g === undefined) return s;
        const scope = scopes.indexOf(g.scope);
        return {
          queue: step.unchanged ? s.queue : step.next,
          nowMs: atMs,
          enqueues: s.enqueues,
          held: withHeld(s, input.worker, {
            scope,
            token: g.token,
            untilMs: g.expiresAtMs,
            claimedUpdatedAtMs: g.updatedAtMs,
            snapshot: null,
          }),
          pending: s.pending & ~(1 << scope),
          broken: g.token >= s.queue.state.nextToken ? null : CQ_FENCING,
        };
      }
      default: {
        const w = input.worker;
        const claim = s.held[w]!;
        if (claim === null) return null;
        if (input.op === "snapshot") {
          if (!snapshotRetry || claim.snapshot !== null) return null;
          // The snapshot CTE: `SELECT id WHERE id = $1 AND claimed_by = me`, in a step of its own.
          const owned = s.queue.state.items[scopes[claim.scope]!]?.claim?.token === claim.token;
          return { ...s, held: withHeld(s, w, { ...claim, snapshot: owned }), broken: null };
        }
        if (input.op !== "heartbeat") return finish(s, w, claim, input.op);
        const scope = scopes[claim.scope]!;
        const token = claim.token;
        const step = queues.step(s.queue, code("heartbeat", 0, claim.scope, token, atMs), () => ({
          _tag: "Heartbeat",
          scope,
          token,
          atMs,
        }));
        const r = step.result;
        const told = r._tag === "Renewed" ? { ...claim, untilMs: r.expiresAtMs } : null;
        if (step.unchanged && told?.untilMs === claim.untilMs) return s;
        return {
          queue: step.unchanged ? s.queue : step.next,
          nowMs: atMs,
          enqueues: s.enqueues,
          held: withHeld(s, w, told),
          pending: s.pending,
          broken: null,
        };
      }
    }
  };

  return {
    name:
      options.name ??
      (guardedAck
        ? "claim-queue-updated-at-guard"
        : snapshotRetry
          ? "claim-queue-retry-without-recheck"
          : "claim-queue"),
    initial: {
      queue: queues.wrap(queue0),
      nowMs: 0,
      enqueues: 0,
      held: Array.from({ length: workers }, () => null),
      pending: 0,
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      {
        name: CQ_ONE_CLAIM,
        holds: (s) => {
          let seen = 0;
          for (const c of s.held) {
            if (c === null || c.untilMs <= s.nowMs) continue;
            const bit = 1 << c.scope;
            if ((seen & bit) !== 0) return false;
            seen |= bit;
          }
          return true;
        },
      },
      { name: CQ_NON_HOLDER, holds: (s) => s.broken !== CQ_NON_HOLDER },
      { name: CQ_ACK_DELETES, holds: (s) => s.broken !== CQ_ACK_DELETES },
      {
        name: CQ_NOT_LOST,
        holds: (s) => {
          for (let i = 0; i < scopeCount; i++) {
            if ((s.pending & (1 << i)) !== 0 && s.queue.state.items[scopes[i]!] === undefined) return false;
          }
          return true;
        },
      },
      { name: CQ_FENCING, holds: (s) => s.broken !== CQ_FENCING },
    ],
    ...(interned ? { encoding: claimQueueEncoding(queues, workers) } : {}),
    fingerprint: (s, into) => {
      into.int(s.queue.hi);
      into.int(s.queue.lo);
      into.int(s.nowMs);
      into.int(s.enqueues);
      into.int(s.pending);
      into.int(s.broken === null ? 0 : 1);
      for (const c of s.held) {
        if (c === null) into.int(-1);
        else {
          into.int(c.scope);
          into.int(c.token);
          into.int(c.untilMs);
          into.int(c.claimedUpdatedAtMs);
          into.int(c.snapshot === null ? -1 : c.snapshot ? 1 : 0);
        }
      }
    },
    describe: (input) => {
      if (input.op === "tick") return `tick +${stepMs}ms`;
      if (input.op === "enqueue") return `Enqueue ${scopes[input.scope]}`;
      return `${capitalize(input.op)} ${names[input.worker]}`;
    },
    describeState: (s) => {
      const items = scopes.map((scope) => {
        const item = s.queue.state.items[scope];
        if (item === undefined) return `${scope}:-`;
        const claim =
          item.claim === null
            ? ""
            : ` claim=${item.claim.holder}#${item.claim.token}<${item.claim.expiresAtMs}`;
        return `${scope}:{upd=${item.updatedAtMs} att=${item.attemptCount}${claim}}`;
      });
      const held = s.held.map(
        (c, w) => `${names[w]}:${c === null ? "-" : `${scopes[c.scope]}#${c.token}<${c.untilMs}`}`,
      );
      return `now=${s.nowMs} ${items.join(" ")} held ${held.join(" ")}`;
    },
  };
}

/** The transition properties `broken` names, numbered from 1 in a packed state (0: none). */
const BROKEN = [CQ_NON_HOLDER, CQ_ACK_DELETES, CQ_FENCING] as const;

/**
 * The packed form of a {@link ClaimQueueModelState} (5 + 5 × workers words): the queue's number in the
 * interning cache `queues`, the clock, the enqueue count, `pending`, `broken` (0, or 1 + its index in
 * {@link BROKEN}), then each worker's claim as scope (−1 for none), token, expiry, `claimedUpdatedAtMs`
 * and snapshot (−1 unread, 0 false, 1 true). Canonical, as the model's fingerprint.
 */
function claimQueueEncoding(
  queues: MachineCache<ClaimQueue.State, ClaimQueue.Event, ClaimQueue.Result>,
  workers: number,
): StateEncoding<ClaimQueueModelState> {
  return {
    words: 5 + 5 * workers,
    encode: (s, out, at) => {
      out[at] = queues.id(s.queue);
      out[at + 1] = s.nowMs;
      out[at + 2] = s.enqueues;
      out[at + 3] = s.pending;
      out[at + 4] = s.broken === null ? 0 : 1 + BROKEN.indexOf(s.broken as (typeof BROKEN)[number]);
      for (let w = 0, i = at + 5; w < workers; w++, i += 5) {
        const c = s.held[w]!;
        if (c === null) {
          out[i] = -1;
          out[i + 1] = out[i + 2] = out[i + 3] = out[i + 4] = 0;
        } else {
          out[i] = c.scope;
          out[i + 1] = c.token;
          out[i + 2] = c.untilMs;
          out[i + 3] = c.claimedUpdatedAtMs;
          out[i + 4] = c.snapshot === null ? -1 : c.snapshot ? 1 : 0;
        }
      }
    },
    decode: (words, at) => {
      const held: (HeldClaim | null)[] = [];
      for (let w = 0, i = at + 5; w < workers; w++, i += 5) {
        const snapshot = words[i + 4]!;
        held.push(
          words[i] === -1
            ? null
            : {
                scope: words[i]!,
                token: words[i + 1]!,
                untilMs: words[i + 2]!,
                claimedUpdatedAtMs: words[i + 3]!,
                snapshot: snapshot === -1 ? null : snapshot === 1,
              },
        );
      }
      const broken = words[at + 4]!;
      return {
        queue: queues.byId(words[at]!),
        nowMs: words[at + 1]!,
        enqueues: words[at + 2]!,
        held,
        pending: words[at + 3]!,
        broken: broken === 0 ? null : BROKEN[broken - 1]!,
      };
    },
  };
}

/** Op codes of the claim-queue model's events in its {@link MachineCache}. */
const OP_CODES = { enqueue: 0, claim: 1, heartbeat: 2, ack: 3, retry: 4, fail: 5, release: 6 } as const;

/**
 * Feeds a canonical key of a queue state to `into`: for each of the model's `scopes` in order (so the
 * history-dependent insertion order of `items` does not matter) its item and dead letter, then
 * `nextToken`. The config is fixed per model, so it is left out; so are scopes the model never uses.
 */
function fingerprintQueue(q: ClaimQueue.State, scopes: readonly string[], into: FingerprintBuilder): void {
  into.int(q.nextToken);
  for (const scope of scopes) {
    const item = q.items[scope];
    if (item === undefined) into.int(-1);
    else {
      into.int(item.eventCount);
      into.int(item.enqueuedAtMs);
      into.int(item.updatedAtMs);
      into.int(item.attemptCount);
      into.int(item.notBeforeMs);
      into.int(item.enqueuedWhileClaimed ? 1 : 0);
      if (item.lastError === null) into.int(-1);
      else into.string(item.lastError);
      const c = item.claim;
      if (c === null) into.int(-1);
      else {
        into.string(c.holder);
        into.int(c.token);
        into.int(c.claimedAtMs);
        into.int(c.expiresAtMs);
      }
    }
    const dead = q.deadLetters[scope];
    if (dead === undefined) into.int(-1);
    else {
      into.int(dead.attemptCount);
      into.int(dead.atMs);
      if (dead.lastError === null) into.int(-1);
      else into.string(dead.lastError);
    }
  }
}

function ownerEvent(
  op: "ack" | "retry" | "fail" | "release",
  scope: string,
  token: number,
  atMs: number,
): ClaimQueue.Event {
  switch (op) {
    case "ack":
      return { _tag: "Ack", scope, token, atMs };
    case "retry":
      return { _tag: "Retry", scope, token, error: "error", atMs };
    case "fail":
      return { _tag: "Fail", scope, token, error: "error", atMs };
    case "release":
      return { _tag: "Release", scope, token, atMs };
  }
}

/**
 * {@link claimQueueModel} with over a million distinct states (1,072,396): one scope, three workers, the
 * clock to 7 s, 4 claims and 4 enqueues. The benchmark's claim-queue instance.
 */
export const CLAIM_QUEUE_LARGE: ClaimQueueModelOptions = {
  scopes: 1,
  workers: 3,
  horizonMs: 7_000,
  claimsMax: 4,
  enqueuesMax: 4,
  name: "claim-queue-large",
};

const SOURCE = "shared/seeds/002_402edf55850632f4.txt";

/** The fixed queue (seed 002's fix and the review's re-check): every invariant in every state. */
export const claimQueueChecked = defineModel({
  name: "claim-queue",
  machine: "ClaimQueue",
  description:
    "1 scope, 2 workers: Enqueue, Claim, Heartbeat, Ack, Retry, Fail, Release in any order; 1 s ticks to 6 s; TTL 3 s; 4 claims; 3 enqueues",
  source: SOURCE,
  expect: "pass",
  why: "one live claim per item; only the holder mutates it; the holder's ack deletes it; no enqueue is lost; tokens increase",
  build: () => claimQueueModel(),
});

/** Seed 002's pre-fix ack: found in 5 inputs. */
export const claimQueueUpdatedAtGuardChecked = defineModel({
  name: "claim-queue-updated-at-guard",
  machine: "ClaimQueue",
  description: "the same with seed 002's pre-fix ack, guarded by updated_at",
  source: SOURCE,
  expect: "violation",
  why: "the worker's own heartbeat moves updated_at, so its ack answers owned=true, deleted=false",
  build: () => claimQueueModel({ ack: "updated-at-guard" }),
});

/** The review's finding on seed 002's fix: ownership read in a snapshot, mutation by id later. */
export const claimQueueRetryWithoutRecheckChecked = defineModel({
  name: "claim-queue-retry-without-recheck",
  machine: "ClaimQueue",
  description: "the same with Retry / Fail that trust an ownership snapshot read in an earlier step",
  source: SOURCE,
  expect: "violation",
  why: "a worker stalled past its lease retries by id and releases the claim of the worker that re-claimed the item",
  build: () => claimQueueModel({ retry: "snapshot-then-mutate" }),
});
