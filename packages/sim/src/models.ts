/**
 * State-space models of the core machines for the breadth-first checker (./statespace.ts): a `Lease`
 * shared by N holders and a `ClaimQueue` (seed 002) worked by W workers, each over a discrete clock, with a
 * buggy variant of each (a holder-unaware release; the seed's `updated_at`-guarded ack) whose shortest
 * counterexample the checker finds. Each model keeps, next to the machine state, what its holders or
 * workers believe (the token and expiry they were told) and ghost fields for properties of a transition.
 */
import { ClaimQueue, Lease } from "@interleave/core";
import type { CheckOptions, CheckResult, StateSpaceModel } from "./statespace.js";
import {
  type CachedStep,
  canonicalKey,
  checkStateSpace,
  describeState,
  type FingerprintBuilder,
  type Fingerprinted,
  formatCounterexample,
  MachineCache,
} from "./statespace.js";

// --- lease ---------------------------------------------------------------------------------------------

/** What a holder was told by its last Granted / Renewed: its fencing token and the expiry (ms). */
export interface LeaseBelief {
  readonly token: number;
  readonly untilMs: number;
}

/**
 * State of {@link leaseModel}: the `Lease`, the clock (`nowMs`), each holder's belief (`null` when it
 * holds nothing), and `broken`, the name of a transition property the last input broke (a ghost field).
 */
export interface LeaseModelState {
  /** The lease and its fingerprint, from the model's {@link MachineCache}; `lease.state` is the lease. */
  readonly lease: Fingerprinted<Lease.State>;
  readonly nowMs: number;
  readonly beliefs: readonly (LeaseBelief | null)[];
  readonly broken: string | null;
}

/** An input of {@link leaseModel}: advance the clock, or a holder (index) acquires, renews or releases. */
export type LeaseInput =
  | { readonly op: "tick" }
  | { readonly op: "acquire" | "renew" | "release"; readonly holder: number };

/** Size and variant of {@link leaseModel}; every duration is integer ms. */
export interface LeaseModelOptions {
  /** Holders `h1..hN`. Default 3. */
  readonly holders?: number;
  /** The lease's `leaseTtlMs`. Default 3,000. */
  readonly leaseTtlMs?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here (no `tick` beyond). Default 12,000. */
  readonly horizonMs?: number;
  /** Grants allowed (fencing tokens 1..grantsMax); an Acquire granting beyond is not enabled. Default 6. */
  readonly grantsMax?: number;
  /**
   * `holder-aware` (the core `Release`: holder and token must match) or `unguarded`: a release deletes
   * whatever grant is current, like a Redis `DEL` without a compare — the classic bug where a holder whose
   * lease expired frees its successor's lease. Default `holder-aware`.
   */
  readonly release?: "holder-aware" | "unguarded";
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `lease`, or `lease-unguarded-release`. */
  readonly name?: string;
}

const LEASE_ONE_HOLDER = "at most one holder has a live lease";
const LEASE_FENCING = "fencing tokens strictly increase per grant";
const LEASE_BACKED = "a holder's live lease is the grant the lease records";

/**
 * N holders × acquire / renew / release on one `Lease`, with a `tick` that advances the clock by `stepMs`
 * up to `horizonMs`. A holder renews and releases with the token it was granted; it forgets its grant when
 * it releases or a renewal is refused. Invariants: "at most one holder has a live lease" (live = its
 * belief's expiry is after now), "a holder's live lease is the grant the lease records" (same holder and
 * token), and "fencing tokens strictly increase per grant" (each new grant's token is above every earlier
 * one; checked on the transition through the ghost field `broken`).
 *
 * Size: the defaults give 95,047 states; `{ holders: 2, horizonMs: 8_000, grantsMax: 4 }` 2,181 (tests);
 * {@link LEASE_LARGE} 1,134,299 (the benchmark). Lease transitions go through a {@link MachineCache}.
 * `release: "unguarded"` breaks "a holder's live lease is the grant the lease records" after
 * `leaseTtlMs / stepMs + 3` inputs (acquire, ticks to expiry, the successor's acquire, the stale release),
 * and "at most one holder has a live lease" one input later (the stale holder acquires again).
 *
 * @throws `RangeError` naming a size that is not a positive integer; `InvalidConfigError` (from the
 *   core) for a bad `leaseTtlMs`.
 */
export function leaseModel(options: LeaseModelOptions = {}): StateSpaceModel<LeaseModelState, LeaseInput> {
  const holders = sizeOption(options.holders, 3, "holders");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 12_000, "horizonMs");
  const grantsMax = sizeOption(options.grantsMax, 6, "grantsMax");
  const unguarded = (options.release ?? "holder-aware") === "unguarded";
  const leases = new MachineCache(
    Lease.transition,
    (l: Lease.State, into) => {
      if (l.holder === null) into.int(-1);
      else into.string(l.holder);
      into.int(l.token);
      into.int(l.expiresAtMs);
    },
    options.cacheSlots === undefined ? {} : { slots: options.cacheSlots },
  );
  const initialLease = leases.wrap(Lease.initial({ leaseTtlMs: options.leaseTtlMs ?? 3_000 }));
  /** Cache code of an event: op (0 acquire, 1 renew, 2 release, 3 unguarded release), holder, token, time. */
  const code = (op: number, h: number, token: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * (grantsMax + 2) + token) * holders + h) * 4 + op;
  const names = Array.from({ length: holders }, (_, i) => `h${i + 1}`);
  const alphabet: LeaseInput[] = [{ op: "tick" }];
  for (const op of ["acquire", "renew", "release"] as const) {
    for (let holder = 0; holder < holders; holder++) alphabet.push({ op, holder });
  }
  const withBelief = (s: LeaseModelState, h: number, belief: LeaseBelief | null) => {
    const beliefs = s.beliefs.slice();
    beliefs[h] = belief;
    return beliefs;
  };

  const next = (s: LeaseModelState, input: LeaseInput): LeaseModelState | null => {
    if (input.op === "tick") {
      const nowMs = s.nowMs + stepMs;
      return nowMs > horizonMs ? null : { lease: s.lease, nowMs, beliefs: s.beliefs, broken: null };
    }
    const h = input.holder;
    const holder = names[h]!;
    const belief = s.beliefs[h]!;
    const atMs = s.nowMs;
    const lease = s.lease.state;
    if (input.op === "acquire") {
      const step = leases.step(s.lease, code(0, h, 0, atMs), () => ({ _tag: "Acquire", holder, atMs }));
      const r = step.result;
      if (r._tag !== "Granted") {
        return step.unchanged ? s : { lease: step.next, nowMs: atMs, beliefs: s.beliefs, broken: null };
      }
      if (r.token > grantsMax) return null;
      const wasValid = lease.holder === holder && atMs < lease.expiresAtMs;
      const fenced = wasValid ? r.token === lease.token : r.token > lease.token;
      if (step.unchanged && belief?.token === r.token && belief.untilMs === r.expiresAtMs) return s;
      return {
        lease: step.unchanged ? s.lease : step.next,
        nowMs: s.nowMs,
        beliefs: withBelief(s, h, { token: r.token, untilMs: r.expiresAtMs }),
        broken: fenced ? null : LEASE_FENCING,
      };
    }
    if (belief === null) return null;
    if (input.op === "renew") {
      const token = belief.token;
      const step = leases.step(s.lease, code(1, h, token, atMs), () => ({
        _tag: "Renew",
        holder,
        token,
        atMs,
      }));
      const r = step.result;
      const told = r._tag === "Renewed" ? { token: belief.token, untilMs: r.expiresAtMs } : null;
      if (step.unchanged && told?.untilMs === belief.untilMs) return s;
      return {
        lease: step.unchanged ? s.lease : step.next,
        nowMs: s.nowMs,
        beliefs: withBelief(s, h, told),
        broken: null,
      };
    }
    // release: the holder is done with its grant, whatever the lease answers.
    const currentHolder = lease.holder;
    const step =
      unguarded && currentHolder !== null
        ? leases.step(s.lease, code(3, 0, 0, atMs), () => ({
            _tag: "Release",
            holder: currentHolder,
            token: lease.token,
            atMs,
          }))
        : leases.step(s.lease, code(2, h, belief.token, atMs), () => ({
            _tag: "Release",
            holder,
            token: belief.token,
            atMs,
          }));
    return {
      lease: step.unchanged ? s.lease : step.next,
      nowMs: s.nowMs,
      beliefs: withBelief(s, h, null),
      broken: null,
    };
  };

  return {
    name: options.name ?? (unguarded ? "lease-unguarded-release" : "lease"),
    initial: {
      lease: initialLease,
      nowMs: 0,
      beliefs: Array.from({ length: holders }, () => null),
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      {
        name: LEASE_ONE_HOLDER,
        holds: (s) => {
          let live = 0;
          for (const b of s.beliefs) if (b !== null && b.untilMs > s.nowMs) live++;
          return live <= 1;
        },
      },
      {
        name: LEASE_BACKED,
        holds: (s) =>
          s.beliefs.every(
            (b, h) =>
              b === null ||
              b.untilMs <= s.nowMs ||
              (s.lease.state.holder === names[h] && s.lease.state.token === b.token),
          ),
      },
      { name: LEASE_FENCING, holds: (s) => s.broken !== LEASE_FENCING },
    ],
    fingerprint: (s, into) => {
      into.int(s.lease.hi);
      into.int(s.lease.lo);
      into.int(s.nowMs);
      into.int(s.broken === null ? 0 : 1);
      for (const b of s.beliefs) {
        if (b === null) into.int(-1);
        else {
          into.int(b.token);
          into.int(b.untilMs);
        }
      }
    },
    describe: (input) =>
      input.op === "tick" ? `tick +${stepMs}ms` : `${cap(input.op)} ${names[input.holder]}`,
    describeState: (s) => {
      const l = s.lease.state;
      const lease =
        l.holder === null ? `free (token ${l.token})` : `${l.holder} token ${l.token} until ${l.expiresAtMs}`;
      const beliefs = s.beliefs
        .map((b, h) => `${names[h]}:${b === null ? "-" : `${b.token}@${b.untilMs}`}`)
        .join(" ");
      return `now=${s.nowMs} lease=${lease} believed ${beliefs}`;
    },
  };
}

// --- claim queue ---------------------------------------------------------------------------------------

/**
 * What a worker was told by its last Claim / Renewed: the scope (index), its claim token, the claim's
 * expiry (ms), and the item's `updatedAtMs` at claim time (what seed 002's pre-fix ack compared against).
 */
export interface HeldClaim {
  readonly scope: number;
  readonly token: number;
  readonly untilMs: number;
  readonly claimedUpdatedAtMs: number;
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
      readonly op: "claim" | "heartbeat" | "ack" | "retry" | "fail" | "release";
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
   * Queue config. Defaults: `leaseTtlMs` 3,000, `heartbeatIntervalMs` 1,000, `maxAttempts` 2,
   * `retryBackoffBaseMs` 1,000, `retryBackoffCapMs` 2,000; `claimBatchSizeMax` 1 and `itemCountMax` =
   * scopes are fixed.
   */
  readonly queue?: Partial<
    Pick<
      ClaimQueue.Config,
      "leaseTtlMs" | "heartbeatIntervalMs" | "maxAttempts" | "retryBackoffBaseMs" | "retryBackoffCapMs"
    >
  >;
  /**
   * `ownership` (the core Ack, seed 002's fix) or `updated-at-guard` (the pre-fix ack: owned and
   * `updated_at` unchanged since the claim, else nothing happens and the result says owned, not deleted).
   * Default `ownership`.
   */
  readonly ack?: "ownership" | "updated-at-guard";
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `claim-queue`, or `claim-queue-updated-at-guard`. */
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
 * the seed's own Heartbeat w1), then Ack w1.
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
  const queue0 = ClaimQueue.initial({
    leaseTtlMs: 3_000,
    heartbeatIntervalMs: 1_000,
    maxAttempts: 2,
    retryBackoffBaseMs: 1_000,
    retryBackoffCapMs: 2_000,
    ...options.queue,
    claimBatchSizeMax: 1,
    itemCountMax: scopeCount,
  });
  const scopes = Array.from({ length: scopeCount }, (_, i) => String.fromCharCode(97 + i));
  const names = Array.from({ length: workers }, (_, i) => `w${i + 1}`);
  const queues = new MachineCache(
    ClaimQueue.transition,
    (q: ClaimQueue.State, into) => fingerprintQueue(q, scopes, into),
    options.cacheSlots === undefined ? {} : { slots: options.cacheSlots },
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
  const withHeld = (s: ClaimQueueModelState, w: number, claim: HeldClaim | null) => {
    const held = s.held.slice();
    held[w] = claim;
    return held;
  };

  /** The worker is done with `claim` (Ack, Retry, Fail, Release); checks the step's ownership properties. */
  const finish = (
    s: ClaimQueueModelState,
    w: number,
    claim: HeldClaim,
    op: "ack" | "retry" | "fail" | "release",
  ): ClaimQueueModelState => {
    const scope = scopes[claim.scope]!;
    const { token } = claim;
    const atMs = s.nowMs;
    const before = s.queue.state.items[scope];
    const owned = before?.claim?.token === token;
    let step: CachedStep<ClaimQueue.State, ClaimQueue.Result>;
    if (guardedAck && op === "ack" && owned && before!.updatedAtMs > claim.claimedUpdatedAtMs) {
      step = {
        next: s.queue,
        result: { _tag: "Acked", owned: true, deleted: false, requeued: false },
        unchanged: true,
      };
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
            untilMs: g.claimedUntilMs,
            claimedUpdatedAtMs: g.updatedAtMs,
          }),
          pending: s.pending & ~(1 << scope),
          broken: g.token >= s.queue.state.nextToken ? null : CQ_FENCING,
        };
      }
      default: {
        const w = input.worker;
        const claim = s.held[w]!;
        if (claim === null) return null;
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
        const told = r._tag === "Renewed" ? { ...claim, untilMs: r.claimedUntilMs } : null;
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
    name: options.name ?? (guardedAck ? "claim-queue-updated-at-guard" : "claim-queue"),
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
        }
      }
    },
    describe: (input) => {
      if (input.op === "tick") return `tick +${stepMs}ms`;
      if (input.op === "enqueue") return `Enqueue ${scopes[input.scope]}`;
      return `${cap(input.op)} ${names[input.worker]}`;
    },
    describeState: (s) => {
      const items = scopes.map((scope) => {
        const item = s.queue.state.items[scope];
        if (item === undefined) return `${scope}:-`;
        const claim =
          item.claim === null
            ? ""
            : ` claim=${item.claim.holder}#${item.claim.token}<${item.claim.claimedUntilMs}`;
        return `${scope}:{upd=${item.updatedAtMs} att=${item.attemptCount}${claim}}`;
      });
      const held = s.held.map(
        (c, w) => `${names[w]}:${c === null ? "-" : `${scopes[c.scope]}#${c.token}<${c.untilMs}`}`,
      );
      return `now=${s.nowMs} ${items.join(" ")} held ${held.join(" ")}`;
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
        into.int(c.claimedUntilMs);
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

/** {@link leaseModel} with over a million distinct states (1,134,299): the benchmark's lease instance. */
export const LEASE_LARGE: LeaseModelOptions = { horizonMs: 18_000, grantsMax: 7, name: "lease-large" };

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

// --- the shipped models ----------------------------------------------------------------------------------

/** One step of a shipped model's counterexample, rendered: the input and a one-line state summary. */
export interface RenderedStep {
  readonly input: string;
  readonly state: string;
}

/**
 * A model the CLI (`interleave check`) and the benchmark run: its name, what it shows, the source it
 * models, and the verdict it must get (`pass`: the checker verifies it; `violation`: it finds a
 * counterexample).
 */
export interface ShippedModel {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly expect: "violation" | "pass";
  /**
   * Builds the model afresh and checks it. `path` is the rendered counterexample of a `Violation` (the
   * initial state first, with input `initial`), `counterexample` the same as text (see
   * `formatCounterexample`); both `null` otherwise.
   */
  check(options?: CheckOptions): {
    readonly result: CheckResult<unknown>;
    readonly path: readonly RenderedStep[] | null;
    readonly counterexample: string | null;
  };
}

function shipped<S, I>(
  name: string,
  meta: Omit<ShippedModel, "check" | "name">,
  build: () => StateSpaceModel<S, I>,
): ShippedModel {
  return {
    name,
    ...meta,
    check(options) {
      const model = build();
      const result = checkStateSpace(model, options);
      if (result._tag !== "Violation") return { result, path: null, counterexample: null };
      const path = [
        { input: "initial", state: describeState(model, result.initial) },
        ...result.path.map((step) => ({ input: step.input, state: describeState(model, step.state) })),
      ];
      return { result, path, counterexample: formatCounterexample(model, result) };
    },
  };
}

const SEED_002 = "shared/seeds/002_402edf55850632f4.txt";
const KLEPPMANN = "Kleppmann 2016, How to do distributed locking (fencing tokens)";

/** The models `interleave check` knows, in the order it lists them. */
export const STATE_SPACE_MODELS: readonly ShippedModel[] = [
  shipped(
    "lease",
    {
      description: "3 holders acquire/renew/release one Lease; 1 s ticks to 12 s, TTL 3 s, 6 grants",
      source: KLEPPMANN,
      expect: "pass",
    },
    () => leaseModel(),
  ),
  shipped(
    "lease-unguarded-release",
    {
      description: "the same with a release that frees whatever grant is current (DEL without compare)",
      source: KLEPPMANN,
      expect: "violation",
    },
    () => leaseModel({ release: "unguarded" }),
  ),
  shipped(
    "claim-queue",
    {
      description: "1 scope, 2 workers on one ClaimQueue; 1 s ticks to 6 s, TTL 3 s, 4 claims, 3 enqueues",
      source: SEED_002,
      expect: "pass",
    },
    () => claimQueueModel(),
  ),
  shipped(
    "claim-queue-updated-at-guard",
    {
      description: "the same with seed 002's pre-fix ack, guarded by updated_at",
      source: SEED_002,
      expect: "violation",
    },
    () => claimQueueModel({ ack: "updated-at-guard" }),
  ),
  shipped(
    "lease-large",
    {
      description: "lease with ticks to 18 s and 7 grants: 1.13 million states",
      source: KLEPPMANN,
      expect: "pass",
    },
    () => leaseModel(LEASE_LARGE),
  ),
  shipped(
    "claim-queue-large",
    {
      description: "1 scope, 3 workers; ticks to 7 s, 4 claims, 4 enqueues: 1.07 million states",
      source: SEED_002,
      expect: "pass",
    },
    () => claimQueueModel(CLAIM_QUEUE_LARGE),
  ),
];

function sizeOption(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
