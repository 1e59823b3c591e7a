// SyncCoordinator's bookkeeping, split from sync-coordinator.ts: the per-MR Mailbox (orders, dispatch as
// RunSync / RunReset effects with a fresh order lease), the lease of the order in flight (grant, reclaim when
// expired), and the MR entries (admission, pruning, the invariants every stored entry keeps). Pure; the types
// are the ones sync-coordinator.ts documents.

import { assert } from "./assert.js";
import { addMs, describeValue, NO_EFFECTS } from "./internal/checks.js";
import { getOwn, withEntry, withoutEntry } from "./internal/record.js";
import * as Mailbox from "./mailbox.js";
import type {
  Effect,
  MrState,
  OrderKind,
  OrderLease,
  Reclaimed,
  ResolvedConfig,
  Result,
  State,
} from "./sync-coordinator.js";

export const MR_LIMIT: Result = { _tag: "Rejected", reason: "mr-limit" };
export const PENDING_FULL: Result = { _tag: "Rejected", reason: "pending-full" };
export const UNKNOWN_SYNC: Result = { _tag: "Unknown", what: "sync" };
export const UNKNOWN_RESET: Result = { _tag: "Unknown", what: "reset" };
export const STALE: Result = { _tag: "Stale" };

export const EMPTY_MR: MrState = {
  scheduledResets: [],
  runningResets: [],
  unapprovedUntilMs: 0,
  lease: null,
};

/** A step of the coordinator before it is returned. */
export interface Step {
  readonly state: State;
  readonly effects: readonly Effect[];
  readonly result: Result;
}

// ---------------------------------------------------------------------------------------------------------
// The per-MR Mailbox

/** The Mailbox order id of sync or reset `id` of `mr`: encodes kind, MR and id (ids are scoped to both). */
export function orderId(kind: OrderKind, mr: string, id: string): string {
  return JSON.stringify([kind, mr, id]);
}

/** Whether the order `kind`/`id` of `mr` is in flight (dispatched, not completed) in the Mailbox. */
export function inFlight(mailbox: Mailbox.State, kind: OrderKind, mr: string, id: string): boolean {
  return getOwn(mailbox.keys, mr)?.inFlight?.order.id === orderId(kind, mr, id);
}

/** The kind and id of `mr`'s order in flight, or `undefined`. */
export function orderInFlight(
  mailbox: Mailbox.State,
  mr: string,
): { readonly kind: OrderKind; readonly id: string } | undefined {
  const order = getOwn(mailbox.keys, mr)?.inFlight?.order;
  if (order === undefined) {
    return undefined;
  }
  assert(typeof order.payload === "string", () => `order payload must be an id, got ${describeValue(order)}`);
  return { kind: order.kind as OrderKind, id: order.payload };
}

/** What a Mailbox step dispatched for `mr`: the RunSync / RunReset effect and the lease it holds. */
export interface Dispatched {
  readonly effects: readonly Effect[];
  /** The fresh lease of the order dispatched; `null` when nothing was dispatched. */
  readonly lease: OrderLease | null;
  readonly lastToken: number;
}

/**
 * The Mailbox's Dispatch effects (at most one: one order of an MR in flight; a FIFO policy never cancels) as a
 * RunSync / RunReset effect carrying a fresh lease: fencing token `lastToken + 1`, expiring `leaseTtlMs` after
 * `atMs`.
 */
export function dispatched(
  state: State,
  mr: string,
  effects: readonly Mailbox.Effect[],
  atMs: number,
): Dispatched {
  if (effects.length === 0) {
    return { effects: NO_EFFECTS, lease: null, lastToken: state.lastToken };
  }
  assert(
    effects.length === 1,
    () => `one order of ${mr} dispatched at a time, got ${describeValue(effects)}`,
  );
  const effect = effects[0]!;
  assert(
    effect._tag === "Dispatch" && effect.key === mr,
    () => `the Mailbox may only dispatch the event's MR, got ${describeValue(effect)}`,
  );
  const { kind, payload } = effect.order;
  assert(typeof payload === "string", () => `order payload must be an id, got ${describeValue(payload)}`);
  const lease = grant(state, atMs);
  return { effects: [runEffect(kind as OrderKind, mr, payload, lease)], lease, lastToken: lease.token };
}

/** A fresh lease at `atMs`: the next fencing token of the coordinator. */
function grant(state: State, atMs: number): OrderLease {
  const token = state.lastToken + 1;
  assert(Number.isSafeInteger(token), `fencing token overflow after ${state.lastToken}`);
  return { token, expiresAtMs: addMs(atMs, state.config.leaseTtlMs) };
}

function runEffect(kind: OrderKind, mr: string, id: string, lease: OrderLease): Effect {
  const { token, expiresAtMs } = lease;
  return kind === "Sync"
    ? { _tag: "RunSync", mr, syncId: id, token, expiresAtMs }
    : { _tag: "RunReset", mr, resetId: id, token, expiresAtMs };
}

/** Submits the `kind`/`id` order of `mr`; `undefined` when pending-full ({@link admit} made the MR's room). */
export function submit(
  base: State,
  kind: OrderKind,
  mr: string,
  id: string,
):
  | { readonly mailbox: Mailbox.State; readonly effects: readonly Mailbox.Effect[] }
  | "duplicate"
  | undefined {
  const order: Mailbox.Order = { id: orderId(kind, mr, id), key: mr, kind, payload: id };
  const { state: mailbox, effects, result } = Mailbox.transition(base.mailbox, { _tag: "Submit", order });
  if (result._tag === "Duplicate") {
    return "duplicate";
  }
  if (result._tag === "Rejected" && result.reason === "pending-full") {
    return undefined;
  }
  assert(result._tag === "Accepted", () => `the Mailbox answered ${describeValue(result)} to ${order.id}`);
  return { mailbox, effects };
}

/** Completes the in-flight order `kind`/`id` of `mr`, dispatching the MR's next order. */
export function complete(
  state: State,
  kind: OrderKind,
  mr: string,
  id: string,
  outcome: "done" | "failed",
): { readonly mailbox: Mailbox.State; readonly effects: readonly Mailbox.Effect[] } {
  const completed = Mailbox.transition(state.mailbox, {
    _tag: "Complete",
    key: mr,
    orderId: orderId(kind, mr, id),
    outcome,
  });
  assert(completed.result._tag === "Completed", () => `${kind} ${id} of ${mr} must be in flight`);
  return { mailbox: completed.state, effects: completed.effects };
}

/**
 * Completes `mr`'s order in flight (`kind`/`id`, whose entry is `entry` with `change` applied) and dispatches
 * the MR's next order under a fresh lease. The new state (the entry pruned when it can be), the effects.
 */
export function completeOrder(
  state: State,
  mr: string,
  entry: MrState,
  kind: OrderKind,
  id: string,
  outcome: "done" | "failed",
  atMs: number,
): { readonly state: State; readonly effects: readonly Effect[] } {
  const completed = complete(state, kind, mr, id, outcome);
  const next = dispatched(state, mr, completed.effects, atMs);
  const base: State = { ...state, mailbox: completed.mailbox, lastToken: next.lastToken };
  return { state: withMr(base, mr, { ...entry, lease: next.lease }, atMs), effects: next.effects };
}

// ---------------------------------------------------------------------------------------------------------
// The lease of the order in flight

/** What reclaiming an expired order did, for `Expired` and the step that reclaimed it. */
export interface Reclaim {
  readonly state: State;
  readonly effects: readonly Effect[];
  readonly reclaimed: Reclaimed | null;
}

/**
 * Reclaims `mr`'s order in flight when its lease expired by `atMs` (`atMs >= expiresAtMs`): an expired sync is
 * completed as failed (its process is presumed dead; the MR's next order is dispatched under a fresh lease);
 * an expired reset stays in flight, is no longer running and is dispatched again (RunReset) under a fresh
 * lease, so it is not lost. Nothing changes (the same state) when nothing expired.
 */
export function reclaimExpired(state: State, mr: string, atMs: number): Reclaim {
  const entry = getOwn(state.mrs, mr);
  const lease = entry?.lease ?? null;
  if (entry === undefined || lease === null || atMs < lease.expiresAtMs) {
    return { state, effects: NO_EFFECTS, reclaimed: null };
  }
  const order = orderInFlight(state.mailbox, mr);
  assert(order !== undefined, () => `MR ${describeValue(mr)} holds a lease with no order in flight`);
  const reclaimed: Reclaimed = { kind: order.kind, id: order.id, token: lease.token };
  if (order.kind === "Sync") {
    const done = completeOrder(state, mr, entry, "Sync", order.id, "failed", atMs);
    return { ...done, reclaimed };
  }
  const fresh = grant(state, atMs);
  const running: MrState = {
    ...entry,
    runningResets: entry.runningResets.filter((id) => id !== order.id),
    lease: fresh,
  };
  const next = replaceMr({ ...state, lastToken: fresh.token }, mr, running);
  return { state: next, effects: [runEffect("Reset", mr, order.id, fresh)], reclaimed };
}

/** Whether `token` is the lease of `mr`'s order `kind`/`id` in flight; `undefined` tokens always match. */
export function holds(
  state: State,
  mr: string,
  kind: OrderKind,
  id: string,
  token: number | undefined,
): boolean {
  return (
    token === undefined ||
    (inFlight(state.mailbox, kind, mr, id) && getOwn(state.mrs, mr)?.lease?.token === token)
  );
}

// ---------------------------------------------------------------------------------------------------------
// MR entries: admission, pruning, invariants

/** The marker after setting it at `atMs`: `atMs + legacyTtlMs`, never shorter than it was. */
export function markedUntil(config: ResolvedConfig, entry: MrState, atMs: number): number {
  return Math.max(entry.unapprovedUntilMs, addMs(atMs, config.legacyTtlMs));
}

/** Whether `mr`'s entry may be removed at `atMs`: no reset, no live marker, no Mailbox work. */
function isPrunable(state: State, mr: string, entry: MrState, atMs: number): boolean {
  return (
    entry.scheduledResets.length === 0 &&
    entry.unapprovedUntilMs <= atMs &&
    getOwn(state.mailbox.keys, mr) === undefined
  );
}

/**
 * Room for `mr`: its entry and the state to build on. A new MR gets an empty entry; at `mrCountMax` MRs the
 * prunable entries are swept first. `undefined` when no room is left (`mr-limit`).
 */
export function admit(
  state: State,
  mr: string,
  atMs: number,
): { readonly state: State; readonly entry: MrState } | undefined {
  const existing = getOwn(state.mrs, mr);
  if (existing !== undefined) {
    return { state, entry: existing };
  }
  const { mrCountMax } = state.config;
  const mrCount = Object.keys(state.mrs).length;
  assert(mrCount <= mrCountMax, () => `${mrCount} MRs have state, above mrCountMax ${mrCountMax}`);
  if (mrCount < mrCountMax) {
    return { state, entry: EMPTY_MR };
  }
  const kept = Object.entries(state.mrs).filter(([key, entry]) => !isPrunable(state, key, entry, atMs));
  if (kept.length === mrCount) {
    return undefined;
  }
  // Object.fromEntries defines data properties, so a "__proto__" MR stays an ordinary entry.
  return { state: { ...state, mrs: Object.fromEntries(kept) }, entry: EMPTY_MR };
}

/** `base` with `mr`'s entry set to `entry`, or removed when prunable at `atMs`; `base` when unchanged. */
export function withMr(base: State, mr: string, entry: MrState, atMs: number): State {
  const current = getOwn(base.mrs, mr);
  if (isPrunable(base, mr, entry, atMs)) {
    return current === undefined ? base : { ...base, mrs: withoutEntry(base.mrs, mr) };
  }
  if (current !== undefined && sameMr(current, entry)) {
    return base;
  }
  return { ...base, mrs: withEntry(base.mrs, mr, checkMr(base, mr, entry)) };
}

/** `state` with `mr`'s existing entry replaced (no pruning: the change keeps a reset scheduled). */
export function replaceMr(state: State, mr: string, entry: MrState): State {
  return { ...state, mrs: withEntry(state.mrs, mr, checkMr(state, mr, entry)) };
}

function sameMr(a: MrState, b: MrState): boolean {
  const { scheduledResets, runningResets, unapprovedUntilMs, lease } = a;
  return (
    scheduledResets === b.scheduledResets &&
    runningResets === b.runningResets &&
    unapprovedUntilMs === b.unapprovedUntilMs &&
    (lease === b.lease ||
      (lease !== null &&
        b.lease !== null &&
        lease.token === b.lease.token &&
        lease.expiresAtMs === b.lease.expiresAtMs))
  );
}

function unique(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

/** Asserts what every stored entry keeps (`state` is the state it is stored into); returns `entry`. */
function checkMr(state: State, mr: string, entry: MrState): MrState {
  const { pendingPerMrMax } = state.config;
  const { scheduledResets: scheduled, runningResets: running, lease } = entry;
  const label = () => `MR ${describeValue(mr)}: ${describeValue(entry)}`;
  assert(unique(scheduled) && unique(running), () => `${label()}: ids repeat`);
  assert(
    running.every((id) => scheduled.includes(id)),
    () => `${label()}: running resets must be a subset of the scheduled ones`,
  );
  assert(
    scheduled.length <= pendingPerMrMax + 1,
    () => `${label()}: above pendingPerMrMax ${pendingPerMrMax} + 1 in flight`,
  );
  assert(
    running.every((id) => inFlight(state.mailbox, "Reset", mr, id)),
    () => `${label()}: a running reset must be in flight`,
  );
  assert(
    (lease !== null) === (orderInFlight(state.mailbox, mr) !== undefined),
    () => `${label()}: an MR holds a lease exactly while it has an order in flight`,
  );
  assert(
    lease === null || (lease.token >= 1 && lease.token <= state.lastToken),
    () => `${label()}: the lease's token must have been issued (last token ${state.lastToken})`,
  );
  return entry;
}

export function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/** A step that may have changed the state; checks the global bound on what changed. */
export function step(before: State, after: State, effects: readonly Effect[], result: Result): Step {
  if (after !== before) {
    const { mrCountMax } = after.config;
    const mrCount = Object.keys(after.mrs).length;
    assert(mrCount <= mrCountMax, () => `${mrCount} MRs have state, above mrCountMax ${mrCountMax}`);
    const { mailbox } = after;
    assert(
      Object.keys(mailbox.keys).every((mr) => getOwn(after.mrs, mr) !== undefined),
      "every MR with Mailbox work must have an entry",
    );
    assert(mailbox.ready.length === 0, "MRs never wait for each other in the Mailbox");
  }
  return { state: after, effects, result };
}
