// Mailbox: per-key serialisation of orders under a global in-flight bound, with supersession (cancel,
// coalesce, drop) as data, as a pure state machine. Modelled on seed 003 (../shared/seeds/003_feaed94036040d1c.txt):
// two membership orders for one stack raced on the K8s API, so here at most one order per key is in flight,
// later orders wait FIFO, and a policy matrix decides when a newer order supersedes the one in flight. The
// policy builder and its validation are in mailbox-policy.ts, the order and its checks in mailbox-order.ts,
// both re-exported here (`Mailbox.policy`, `Mailbox.Order`, …).

import { assert } from "./assert.js";
import { assertName, configInteger, describeValue, NO_EFFECTS, unknownEvent } from "./internal/checks.js";
import { getOwn, withEntry, withoutEntry } from "./internal/record.js";
import type { Transition } from "./machine.js";
import { assertKey, assertOrder, assertOutcome, type Order } from "./mailbox-order.js";
import { checkConfigPolicy, type Policy, policyCell } from "./mailbox-policy.js";

export type { Order } from "./mailbox-order.js";
export type { Action, Cell, Policy, PolicySpec } from "./mailbox-policy.js";
export { checkPolicy, fifoPolicy, policy } from "./mailbox-policy.js";

/**
 * Mailbox configuration, validated by {@link initial}. Every bound is a positive integer; what happens at
 * each bound is a `Rejected` result (the caller nacks the order so it is redelivered later).
 *
 * - `policy`: the supersession policy, built with {@link policy} or {@link fifoPolicy}.
 * - `inFlightMax`: orders in flight at once across all keys and bypass orders (the worker pool's size;
 *   5 in seed 003).
 * - `pendingPerKeyMax`: pending orders per key, the in-flight one not counted (`pending-full`).
 * - `keylessPendingMax`: bypass orders waiting for a slot (`pending-full`).
 * - `keyCountMax`: keys with work (in flight or pending) at once (`key-limit`).
 */
export interface Config {
  readonly policy: Policy;
  readonly inFlightMax: number;
  readonly pendingPerKeyMax: number;
  readonly keylessPendingMax: number;
  readonly keyCountMax: number;
}

/**
 * An order in flight. `cancelled` becomes `true` once a `Cancel` effect was emitted for it (it stays in
 * flight until its Complete arrives); `cancelledBy` is the id of the order that superseded it, or `null`
 * when it was cancelled by Shutdown or not at all. `cancelledBy` is history: that order may itself have
 * been superseded (coalesced) since.
 */
export interface InFlight {
  readonly order: Order;
  readonly cancelled: boolean;
  readonly cancelledBy: string | null;
}

/**
 * The work of one key: the order in flight (`null` while the key waits in `ready` for a slot) and the
 * pending orders, FIFO. A key with nothing in flight and nothing pending has no entry.
 */
export interface KeyState {
  readonly inFlight: InFlight | null;
  readonly pending: readonly Order[];
}

/** An entry of the dispatch queue: a key with pending work and nothing in flight, or a waiting bypass order. */
export type ReadyEntry =
  | { readonly _tag: "Key"; readonly key: string }
  | { readonly _tag: "Keyless"; readonly order: Order };

/**
 * Mailbox state: plain JSON data.
 *
 * - `keys`: the keys with work, in insertion order.
 * - `keyless`: bypass orders in flight, by order id.
 * - `ready`: the dispatch queue, FIFO; a freed slot goes to its head. It holds each key with pending work
 *   and nothing in flight exactly once, and the bypass orders waiting for a slot.
 * - `inFlightCount`: orders in flight (keyed and bypass), at most `inFlightMax`.
 * - `shuttingDown`: set by Shutdown; from then on nothing is accepted or dispatched.
 *
 * Invariants (asserted on every change where cheap, and checked in full by the property tests):
 * `inFlightCount` counts the in-flight orders and is at most `inFlightMax`; `ready` is empty whenever a slot
 * is free and the mailbox is not shutting down (work-conserving); a key's pending orders number at most
 * `pendingPerKeyMax`; while not shutting down, an order cancelled by a successor has that successor queued
 * (its key's pending is non-empty).
 */
export interface State {
  readonly config: Config;
  readonly keys: Readonly<Record<string, KeyState>>;
  readonly keyless: Readonly<Record<string, InFlight>>;
  readonly ready: readonly ReadyEntry[];
  readonly inFlightCount: number;
  readonly shuttingDown: boolean;
}

/**
 * Mailbox events.
 *
 * - `Submit`: a new order arrived (possibly redelivered: a live id is answered `Duplicate`).
 * - `Complete`: the handler of an in-flight order returned. `key` must be the `key` of the `Dispatch`
 *   effect that started it (`null` for a bypass order, even one whose `order.key` is set); `outcome` is
 *   reported back but changes nothing (the mailbox does not retry failed orders).
 * - `Shutdown`: the parent context was cancelled (seed 003's "parent ctx propagation").
 */
export type Event =
  | { readonly _tag: "Submit"; readonly order: Order }
  | {
      readonly _tag: "Complete";
      readonly key: string | null;
      readonly orderId: string;
      readonly outcome: "done" | "failed" | "cancelled";
    }
  | { readonly _tag: "Shutdown" };

/**
 * What the caller must do (the mailbox holds no worker itself).
 *
 * - `Dispatch`: start a handler for `order`. `key` is the mailbox key it runs under: `order.key` for a
 *   keyed order, `null` for a bypass order. Echo it in the order's `Complete`.
 * - `Cancel`: cancel the handler of in-flight order `orderId` (e.g. abort its context). `reason` is
 *   `"superseded"` (then `by` is the id of the queued successor) or `"shutdown"` (`by` is `null`). The order
 *   stays in flight, holding its slot, until its `Complete` arrives.
 */
export type Effect =
  | { readonly _tag: "Dispatch"; readonly key: string | null; readonly order: Order }
  | {
      readonly _tag: "Cancel";
      readonly key: string | null;
      readonly orderId: string;
      readonly reason: "superseded" | "shutdown";
      readonly by: string | null;
    };

/**
 * Mailbox results. Unless stated otherwise, a result that changes nothing returns the very same state
 * object and no effects.
 *
 * - `Accepted` (Submit): the order is stored. `dispatched` is `true` when it went straight in flight (with a
 *   `Dispatch` effect); `superseded` lists the ids of the pending orders it replaced (coalescing), oldest
 *   first; `cancelled` is the id of the in-flight order it cancelled now, or `null`.
 * - `Dropped` (Submit): discarded as a duplicate of in-flight order `duplicateOf` (an `incoming: "drop"`
 *   cell). State unchanged.
 * - `Rejected` (Submit): not stored and nothing else changed, in particular nothing was cancelled or
 *   coalesced; the caller should nack it for redelivery. `reason`: `"pending-full"` (the key's pending FIFO,
 *   or the bypass waiting line, is at its bound), `"key-limit"` (`keyCountMax` keys have work),
 *   `"shutting-down"`.
 * - `Duplicate` (Submit): an order with this id is already in flight or pending (at-least-once redelivery);
 *   state unchanged.
 * - `Completed` (Complete): the slot is free; `dispatched` is the id of the order dispatched into it (with
 *   a `Dispatch` effect), or `null`.
 * - `NotInFlight` (Complete): no order with that id is in flight under that key; state unchanged.
 * - `ShutDown` (Shutdown): `cancelled` lists every in-flight order's id (keys in `keys` order, then bypass
 *   orders), a `Cancel` effect going out for each one not cancelled before; `pending` hands back every
 *   pending order, removed from the mailbox (FIFO per key, keys in `keys` order, then waiting bypass
 *   orders in `ready` order) so the caller can nack them: nothing is lost.
 * - `AlreadyShutDown` (Shutdown): a second Shutdown; state unchanged.
 */
export type Result =
  | {
      readonly _tag: "Accepted";
      readonly orderId: string;
      readonly dispatched: boolean;
      readonly superseded: readonly string[];
      readonly cancelled: string | null;
    }
  | { readonly _tag: "Dropped"; readonly orderId: string; readonly duplicateOf: string }
  | {
      readonly _tag: "Rejected";
      readonly orderId: string;
      readonly reason: "pending-full" | "key-limit" | "shutting-down";
    }
  | { readonly _tag: "Duplicate"; readonly orderId: string }
  | {
      readonly _tag: "Completed";
      readonly orderId: string;
      readonly outcome: "done" | "failed" | "cancelled";
      readonly dispatched: string | null;
    }
  | { readonly _tag: "NotInFlight"; readonly orderId: string }
  | { readonly _tag: "ShutDown"; readonly cancelled: readonly string[]; readonly pending: readonly Order[] }
  | { readonly _tag: "AlreadyShutDown" };

type Step = Transition<State, Result, Effect>;

const MACHINE = "Mailbox";

/**
 * The empty mailbox for `config`, after validating every field.
 *
 * @throws `InvalidConfigError` when a bound is not a positive integer (e.g.
 *   `Mailbox config: inFlightMax (0) must be a positive integer`, field `inFlightMax`) or the policy breaks
 *   a rule of {@link checkPolicy} (same message; `field` prefixed with `policy.`, e.g.
 *   `policy.matrix.DeletedStack.ExistingStack`).
 * @example
 * const mailbox = Mailbox.initial({
 *   policy: Mailbox.fifoPolicy(["Sync", "Delete"], ["Delete"]), inFlightMax: 5, pendingPerKeyMax: 16,
 *   keylessPendingMax: 64, keyCountMax: 10_000,
 * });
 */
export function initial(config: Config): State {
  const inFlightMax = configInteger(MACHINE, config, "inFlightMax", 1);
  const pendingPerKeyMax = configInteger(MACHINE, config, "pendingPerKeyMax", 1);
  const keylessPendingMax = configInteger(MACHINE, config, "keylessPendingMax", 1);
  const keyCountMax = configInteger(MACHINE, config, "keyCountMax", 1);
  checkConfigPolicy(config.policy);
  return {
    config: { policy: config.policy, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax },
    keys: {},
    keyless: {},
    ready: [],
    inFlightCount: 0,
    shuttingDown: false,
  };
}

/**
 * Applies one event to the mailbox. Pure: never mutates `state` or the event, performs no effect itself
 * (it returns them), and returns the same `state` object when nothing changed; keys the event did not touch
 * keep their identity.
 *
 * - Submit: refused while shutting down, `Duplicate` for a live id. A bypass order (key `null` or kind
 *   outside the policy) takes a free slot, or waits in `ready`. A keyed order for an idle key takes a free
 *   slot, or waits in `ready` as its key's entry. Behind an in-flight order F, the cell
 *   `matrix[F.kind][order.kind]` decides: drop it (only with nothing pending), or queue it (coalescing
 *   pending orders of its kind for a coalesce cell), cancelling F for a cancel cell unless F is already
 *   cancelled or of a `neverCancel` kind. A key waiting for a slot uses its diagonal cell to coalesce.
 * - Complete: frees the slot of the in-flight order; its key, if it has pending orders, goes to the back of
 *   `ready` (round-robin across keys); then, unless shutting down, the head of `ready` is dispatched.
 * - Shutdown: cancels every in-flight order, hands back every pending order, and stops dispatching.
 *
 * Deterministic: the same state and event always give the same step. Iteration follows the insertion order
 * of `keys` and `keyless` (JavaScript's: keys that are array indices, such as `"7"`, come first in numeric
 * order) and the order of `ready`; nothing is sorted.
 *
 * @throws `AssertionError` on a malformed event: an order whose `id` or `kind` is not a non-empty string or
 *   whose `key` is neither `null` nor a non-empty string; a Complete whose `orderId` is empty, whose `key`
 *   is malformed or whose `outcome` is unknown; an unknown `_tag`.
 * @example
 * const { state, effects, result } = Mailbox.transition(mailbox, {
 *   _tag: "Submit",
 *   order: { id: "o1", key: "stack-1", kind: "ExistingStack" },
 * });
 * // result: { _tag: "Accepted", orderId: "o1", dispatched: true, superseded: [], cancelled: null }
 * // effects: [{ _tag: "Dispatch", key: "stack-1", order: { id: "o1", key: "stack-1", kind: "ExistingStack" } }]
 */
export function transition(state: State, event: Event): Step {
  switch (event._tag) {
    case "Submit":
      return submit(state, event.order);
    case "Complete":
      return complete(state, event.key, event.orderId, event.outcome);
    case "Shutdown":
      return shutdown(state);
    default:
      return unknownEvent(event);
  }
}

function submit(state: State, order: Order): Step {
  assertOrder(order);
  if (state.shuttingDown) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "shutting-down" });
  }
  if (isLive(state, order.id)) {
    return unchanged(state, { _tag: "Duplicate", orderId: order.id });
  }
  const { key } = order;
  if (key === null || !state.config.policy.kinds.includes(order.kind)) {
    return submitBypass(state, order);
  }
  const entry = getOwn(state.keys, key);
  if (entry === undefined) {
    return submitIdleKey(state, order, key);
  }
  if (entry.inFlight !== null) {
    return submitBehind(state, order, key, entry.inFlight, entry.pending);
  }
  return submitWaiting(state, order, key, entry.pending);
}

/** Whether an order with `id` is in flight or pending anywhere in the mailbox. */
function isLive(state: State, id: string): boolean {
  if (getOwn(state.keyless, id) !== undefined) {
    return true;
  }
  for (const entry of Object.values(state.keys)) {
    if (entry.inFlight?.order.id === id || entry.pending.some((order) => order.id === id)) {
      return true;
    }
  }
  return state.ready.some((entry) => entry._tag === "Keyless" && entry.order.id === id);
}

/** Whether a new order may go straight in flight: a slot is free and nobody waits for one. */
function canDispatchNow(state: State): boolean {
  return state.inFlightCount < state.config.inFlightMax && state.ready.length === 0;
}

function running(order: Order): InFlight {
  return { order, cancelled: false, cancelledBy: null };
}

function accepted(
  orderId: string,
  dispatched: boolean,
  superseded: readonly string[],
  cancelled: string | null,
): Result {
  return { _tag: "Accepted", orderId, dispatched, superseded, cancelled };
}

function submitBypass(state: State, order: Order): Step {
  if (canDispatchNow(state)) {
    const next: State = {
      ...state,
      keyless: withEntry(state.keyless, order.id, running(order)),
      inFlightCount: state.inFlightCount + 1,
    };
    return changed(state, next, [{ _tag: "Dispatch", key: null, order }], accepted(order.id, true, [], null));
  }
  const { keylessPendingMax } = state.config;
  const waiting = state.ready.filter((entry) => entry._tag === "Keyless").length;
  assert(
    waiting <= keylessPendingMax,
    () => `${waiting} bypass orders wait, above keylessPendingMax ${keylessPendingMax}`,
  );
  if (waiting === keylessPendingMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  const next: State = { ...state, ready: [...state.ready, { _tag: "Keyless", order }] };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, [], null));
}

function submitIdleKey(state: State, order: Order, key: string): Step {
  const { keyCountMax } = state.config;
  const keyCount = Object.keys(state.keys).length;
  assert(keyCount <= keyCountMax, () => `${keyCount} keys have work, above keyCountMax ${keyCountMax}`);
  if (keyCount === keyCountMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "key-limit" });
  }
  if (canDispatchNow(state)) {
    const next: State = {
      ...state,
      keys: withEntry(state.keys, key, keyState(state.config, running(order), [])),
      inFlightCount: state.inFlightCount + 1,
    };
    return changed(state, next, [{ _tag: "Dispatch", key, order }], accepted(order.id, true, [], null));
  }
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, [order])),
    ready: [...state.ready, { _tag: "Key", key }],
  };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, [], null));
}

/** `pending` with `order` appended; for a coalescing cell, without the pending orders of `order.kind`. */
function appendPending(
  pending: readonly Order[],
  order: Order,
  coalesce: boolean,
): { readonly pending: readonly Order[]; readonly superseded: readonly string[] } {
  if (!coalesce) {
    return { pending: [...pending, order], superseded: [] };
  }
  const kept = pending.filter((queued) => queued.kind !== order.kind);
  const superseded = pending.filter((queued) => queued.kind === order.kind).map((queued) => queued.id);
  return { pending: [...kept, order], superseded };
}

/** Submit for a key with `inFlight` running: the policy cell decides drop, queue, coalesce and cancel. */
function submitBehind(
  state: State,
  order: Order,
  key: string,
  inFlight: InFlight,
  pending: readonly Order[],
): Step {
  const { policy: p, pendingPerKeyMax } = state.config;
  const cell = policyCell(p, inFlight.order.kind, order.kind);
  if (cell.incoming === "drop" && pending.length === 0) {
    return unchanged(state, { _tag: "Dropped", orderId: order.id, duplicateOf: inFlight.order.id });
  }
  const queued = appendPending(pending, order, cell.incoming === "coalesce");
  if (queued.pending.length > pendingPerKeyMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  // Defence in depth: checkPolicy already forbids a cancelling cell in a neverCancel row.
  const cancelNow =
    cell.inFlight === "cancel" && !inFlight.cancelled && !p.neverCancel.includes(inFlight.order.kind);
  const nextInFlight: InFlight = cancelNow
    ? { ...inFlight, cancelled: true, cancelledBy: order.id }
    : inFlight;
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, nextInFlight, queued.pending)),
  };
  const effects: readonly Effect[] = cancelNow
    ? [{ _tag: "Cancel", key, orderId: inFlight.order.id, reason: "superseded", by: order.id }]
    : NO_EFFECTS;
  return changed(
    state,
    next,
    effects,
    accepted(order.id, false, queued.superseded, cancelNow ? inFlight.order.id : null),
  );
}

/** Submit for a key waiting in `ready` with nothing in flight: only the diagonal cell's coalescing applies. */
function submitWaiting(state: State, order: Order, key: string, pending: readonly Order[]): Step {
  const cell = policyCell(state.config.policy, order.kind, order.kind);
  const queued = appendPending(pending, order, cell.incoming === "coalesce");
  if (queued.pending.length > state.config.pendingPerKeyMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, queued.pending)),
  };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, queued.superseded, null));
}

function complete(
  state: State,
  key: string | null,
  orderId: string,
  outcome: "done" | "failed" | "cancelled",
): Step {
  assertKey(key);
  assertName("orderId", orderId);
  assertOutcome(outcome);
  const freed = free(state, key, orderId);
  if (freed === undefined) {
    return unchanged(state, { _tag: "NotInFlight", orderId });
  }
  const filled = dispatchHead(freed);
  const dispatched = filled.effects[0]?.order.id ?? null;
  return changed(state, filled.state, filled.effects, { _tag: "Completed", orderId, outcome, dispatched });
}

/**
 * `state` with the in-flight order `orderId` of `key` (a bypass order when `key` is null) removed and its
 * slot free; a key with pending orders goes to the back of `ready`. `undefined` when no such order is in flight.
 */
function free(state: State, key: string | null, orderId: string): State | undefined {
  const inFlightCount = state.inFlightCount - 1;
  if (key === null) {
    if (getOwn(state.keyless, orderId) === undefined) {
      return undefined;
    }
    return { ...state, keyless: withoutEntry(state.keyless, orderId), inFlightCount };
  }
  const entry = getOwn(state.keys, key);
  if (entry === undefined || entry.inFlight?.order.id !== orderId) {
    return undefined;
  }
  if (entry.pending.length === 0) {
    return { ...state, keys: withoutEntry(state.keys, key), inFlightCount };
  }
  return {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, entry.pending)),
    ready: [...state.ready, { _tag: "Key", key }],
    inFlightCount,
  };
}

type DispatchEffect = Extract<Effect, { readonly _tag: "Dispatch" }>;

/**
 * Dispatches the head of `ready` into a free slot, unless shutting down or nothing waits or no slot is
 * free. Called after one slot was freed, so it dispatches at most one order.
 */
function dispatchHead(state: State): { readonly state: State; readonly effects: readonly DispatchEffect[] } {
  const head = state.ready[0];
  if (state.shuttingDown || head === undefined || state.inFlightCount >= state.config.inFlightMax) {
    return { state, effects: NO_EFFECTS };
  }
  const ready = state.ready.slice(1);
  const inFlightCount = state.inFlightCount + 1;
  if (head._tag === "Keyless") {
    const { order } = head;
    return {
      state: { ...state, keyless: withEntry(state.keyless, order.id, running(order)), ready, inFlightCount },
      effects: [{ _tag: "Dispatch", key: null, order }],
    };
  }
  const entry = getOwn(state.keys, head.key);
  const order = entry?.pending[0];
  assert(
    entry !== undefined && entry.inFlight === null && order !== undefined,
    () => `ready key ${describeValue(head.key)} must have pending orders and nothing in flight`,
  );
  const dispatched = keyState(state.config, running(order), entry.pending.slice(1));
  return {
    state: { ...state, keys: withEntry(state.keys, head.key, dispatched), ready, inFlightCount },
    effects: [{ _tag: "Dispatch", key: head.key, order }],
  };
}

function shutdown(state: State): Step {
  if (state.shuttingDown) {
    return unchanged(state, { _tag: "AlreadyShutDown" });
  }
  const cancelled: string[] = [];
  const pending: Order[] = [];
  const effects: Effect[] = [];
  /** `inFlight` cancelled for shutdown (a Cancel effect) unless it was cancelled before. */
  const cancel = (key: string | null, inFlight: InFlight): InFlight => {
    cancelled.push(inFlight.order.id);
    if (inFlight.cancelled) {
      return inFlight;
    }
    effects.push({ _tag: "Cancel", key, orderId: inFlight.order.id, reason: "shutdown", by: null });
    return { ...inFlight, cancelled: true };
  };
  const keys: [string, KeyState][] = [];
  for (const [key, entry] of Object.entries(state.keys)) {
    pending.push(...entry.pending);
    if (entry.inFlight !== null) {
      const inFlight = cancel(key, entry.inFlight);
      const same = inFlight === entry.inFlight && entry.pending.length === 0;
      keys.push([key, same ? entry : { inFlight, pending: [] }]);
    }
  }
  const keyless = Object.entries(state.keyless).map(
    ([id, inFlight]) => [id, cancel(null, inFlight)] as const,
  );
  for (const entry of state.ready) {
    if (entry._tag === "Keyless") {
      pending.push(entry.order);
    }
  }
  const next: State = {
    ...state,
    // Object.fromEntries defines data properties, so a "__proto__" key stays an ordinary entry.
    keys: Object.fromEntries(keys),
    keyless: Object.fromEntries(keyless),
    ready: [],
    shuttingDown: true,
  };
  return changed(state, next, effects, { _tag: "ShutDown", cancelled, pending });
}

/** A key's entry, asserting what every stored entry keeps. */
function keyState(config: Config, inFlight: InFlight | null, pending: readonly Order[]): KeyState {
  assert(inFlight !== null || pending.length > 0, "a key entry must have an order in flight or pending");
  assert(
    pending.length <= config.pendingPerKeyMax,
    () => `${pending.length} pending orders, above pendingPerKeyMax ${config.pendingPerKeyMax}`,
  );
  assert(
    inFlight === null || inFlight.cancelledBy === null || pending.length > 0,
    () => `in-flight order ${describeValue(inFlight?.order.id)} was superseded, but no successor is queued`,
  );
  return { inFlight, pending };
}

function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/** A step that changed the state; checks the cheap global invariants. */
function changed(before: State, after: State, effects: readonly Effect[], result: Result): Step {
  assert(after !== before, "a changed step must return a new state");
  const { inFlightMax } = after.config;
  assert(
    after.inFlightCount >= 0 && after.inFlightCount <= inFlightMax,
    () => `inFlightCount ${after.inFlightCount} must be in [0, inFlightMax ${inFlightMax}]`,
  );
  assert(
    after.shuttingDown || after.inFlightCount === inFlightMax || after.ready.length === 0,
    () => `a slot is free but ${after.ready.length} ready entries wait`,
  );
  assert(!after.shuttingDown || after.ready.length === 0, "nothing may wait in ready after Shutdown");
  return { state: after, effects, result };
}
