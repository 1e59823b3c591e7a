// ClaimQueue: a work queue of items keyed by scope, claimed in batches under per-item leases with fencing
// tokens, as a pure state machine. Modelled on seed 002 (../shared/seeds/002_402edf55850632f4.txt): an ack
// guarded by `updated_at` failed silently after the worker's own heartbeat, so here every mutation checks
// ownership (the claim token) and nothing else, in the same transition as the mutation it guards.

import { assert } from "./assert.js";
import { type Config, type ResolvedConfig, resolveConfig } from "./claim-queue-config.js";
import {
  addMs,
  assertName,
  assertTime,
  assertToken,
  cappedDoublingMs,
  describeValue,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
import { getOwn, withEntry, withoutEntry } from "./internal/record.js";
import type { Transition } from "./machine.js";

export { CONFIG_DEFAULTS, type Config, type ResolvedConfig } from "./claim-queue-config.js";

/**
 * A claim on an item: `holder` owns it through fencing token `token` (queue-wide, strictly increasing).
 * Live while `atMs < expiresAtMs`; once expired it stays recorded (and still owned, as the seed's
 * `claimed_by = me`) until another Claim takes the item over.
 */
export interface Claim {
  readonly holder: string;
  readonly token: number;
  readonly claimedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * One unit of work, keyed by `scope`; enqueues of the same scope merge into it.
 *
 * - `eventCount`: enqueues merged into this item (>= 1).
 * - `enqueuedAtMs`: time of the first enqueue of this item.
 * - `updatedAtMs`: the seed's `updated_at`, bumped by enqueue, claim, heartbeat, retry and release. It is
 *   informational only: no ownership check reads it (that guard was the seed's bug).
 * - `attemptCount`: failed attempts so far; only Retry (and Fail, on its way to the dead-letters) raises it.
 * - `notBeforeMs`: the item is not claimable before this time (retry backoff).
 * - `claim`: the current claim, `null` when unclaimed.
 * - `enqueuedWhileClaimed`: an Enqueue arrived during the current claim, so the work must run again after
 *   it; only ever `true` while `claim !== null`.
 * - `lastError`: the error of the last Retry, `null` if none.
 */
export interface Item {
  readonly scope: string;
  readonly eventCount: number;
  readonly enqueuedAtMs: number;
  readonly updatedAtMs: number;
  readonly attemptCount: number;
  readonly notBeforeMs: number;
  readonly claim: Claim | null;
  readonly enqueuedWhileClaimed: boolean;
  readonly lastError: string | null;
}

/** The record of an item that ran out of attempts or failed permanently, at `atMs`. */
export interface DeadLetter {
  readonly scope: string;
  readonly attemptCount: number;
  readonly lastError: string | null;
  readonly atMs: number;
}

/**
 * ClaimQueue state: live `items` and `deadLetters`, both keyed by scope, and `nextToken`, the fencing token
 * the next claim will receive (starts at 1; token 0 is never granted).
 *
 * `items` is bounded by `itemCountMax`. `deadLetters` keeps one record per dead-lettered scope (a later
 * dead-letter of the same scope overwrites it; enqueueing the scope again starts a new item and leaves the
 * record). Known limitation: no event prunes `deadLetters`, so it grows with the number of distinct
 * dead-lettered scopes; callers that keep a queue for long must trim it themselves.
 */
export interface State {
  readonly config: ResolvedConfig;
  readonly items: Readonly<Record<string, Item>>;
  readonly deadLetters: Readonly<Record<string, DeadLetter>>;
  readonly nextToken: number;
}

/**
 * One claim granted by a Claim event. The holder must present `token` to Heartbeat, Ack, Retry, Fail and
 * Release, and heartbeat before `expiresAtMs` (ms). `attemptCount` is the item's failed attempts so far,
 * `updatedAtMs` its `updatedAtMs` after the claim (the value seed 002 captured and wrongly guarded the ack
 * with). `reclaimed` is `true` when an expired claim (of any holder) was taken over.
 */
export interface Granted {
  readonly scope: string;
  readonly token: number;
  readonly expiresAtMs: number;
  readonly attemptCount: number;
  readonly updatedAtMs: number;
  readonly reclaimed: boolean;
}

/**
 * ClaimQueue events, each carrying its time `atMs` (non-negative integer ms). `token` is the fencing
 * token of the claim the caller believes it owns.
 *
 * - `Enqueue`: there is (more) work for `scope`.
 * - `Claim`: `holder` takes up to `batchSize` claimable items.
 * - `Heartbeat`: extend a claim.
 * - `Ack`: the work succeeded; delete the item.
 * - `Retry`: the attempt failed with `error`; try again after a backoff, or dead-letter.
 * - `Fail`: the work failed permanently with `error`; dead-letter (the seed's `AckPermanentlyFailed`).
 * - `Release`: graceful shutdown; give the claim back without counting an attempt.
 */
export type Event =
  | { readonly _tag: "Enqueue"; readonly scope: string; readonly atMs: number }
  | { readonly _tag: "Claim"; readonly holder: string; readonly batchSize: number; readonly atMs: number }
  | { readonly _tag: "Heartbeat"; readonly scope: string; readonly token: number; readonly atMs: number }
  | { readonly _tag: "Ack"; readonly scope: string; readonly token: number; readonly atMs: number }
  | {
      readonly _tag: "Retry";
      readonly scope: string;
      readonly token: number;
      readonly error: string;
      readonly atMs: number;
    }
  | {
      readonly _tag: "Fail";
      readonly scope: string;
      readonly token: number;
      readonly error: string;
      readonly atMs: number;
    }
  | { readonly _tag: "Release"; readonly scope: string; readonly token: number; readonly atMs: number };

/**
 * ClaimQueue results.
 *
 * - `Enqueued` (Enqueue): `merged` is `true` when an item for the scope already existed.
 * - `QueueFull` (Enqueue): a new scope would exceed `itemCountMax`; nothing was stored.
 * - `Claimed` (Claim): the grants, in claim order; empty when nothing was claimable.
 * - `Renewed` (Heartbeat): the claim now lasts until `expiresAtMs`.
 * - `Acked` (Ack): `owned` tells whether the token owned the item, `deleted` whether it was deleted (always
 *   equal to `owned`: the seed's silent `owned=true, deleted=false` cannot happen), `requeued` whether a
 *   successor item was inserted for an Enqueue that arrived during the claim.
 * - `Retried` (Retry): the item is claimable again from `notBeforeMs`.
 * - `DeadLettered` (Retry at `attemptsMax`, Fail): the item moved to `deadLetters`.
 * - `Released` (Release): the claim was given back.
 * - `NotOwner` (Heartbeat, Retry, Fail, Release): no item for the scope, the item is unclaimed, or its
 *   claim token differs from the event's; the state is unchanged (the same object).
 */
export type Result =
  | { readonly _tag: "Enqueued"; readonly scope: string; readonly merged: boolean }
  | { readonly _tag: "QueueFull"; readonly scope: string; readonly itemCountMax: number }
  | { readonly _tag: "Claimed"; readonly claims: readonly Granted[] }
  | { readonly _tag: "Renewed"; readonly scope: string; readonly expiresAtMs: number }
  | { readonly _tag: "Acked"; readonly owned: boolean; readonly deleted: boolean; readonly requeued: boolean }
  | {
      readonly _tag: "Retried";
      readonly scope: string;
      readonly attemptCount: number;
      readonly notBeforeMs: number;
    }
  | { readonly _tag: "DeadLettered"; readonly scope: string; readonly attemptCount: number }
  | { readonly _tag: "Released"; readonly scope: string }
  | { readonly _tag: "NotOwner"; readonly scope: string };

/** The queue has no effects: holders act on the results. */
export type Effect = never;

type Step = Transition<State, Result, Effect>;

/**
 * The empty queue for `config`, after validating every field. A field left out takes its default
 * ({@link CONFIG_DEFAULTS}); `initial()` and `initial({})` give the all-defaults queue.
 *
 * `maxAttempts`, the deprecated name of `attemptsMax`, is still accepted; the state's config has only
 * `attemptsMax`.
 *
 * @throws `InvalidConfigError` listing every invalid field at once (in `problems`: each field's own check in
 *   field order, then the relations; `field` is the first) when a field is not an integer in range or a
 *   relation fails: `heartbeatIntervalMs < leaseTtlMs`, `retryBackoffCapMs >= retryBackoffBaseMs` (a relation
 *   is checked only when both of its fields are valid). It names `maxAttempts` when that is the name the caller used, or when both names are
 *   given with different values. One invalid field gives that field's message, e.g. `ClaimQueue config:
 *   heartbeatIntervalMs (15000) must be below leaseTtlMs (15000)`; several give `ClaimQueue config has 2
 *   invalid fields:` and one line per field.
 * @example
 * const queue = ClaimQueue.initial({ leaseTtlMs: 15_000, attemptsMax: 5 }); // heartbeat 7 500, the rest defaults
 */
export function initial(config: Config = {}): State {
  return { config: resolveConfig(config), items: {}, deadLetters: {}, nextToken: 1 };
}

/**
 * The backoff (ms) before an item may be claimed again after its `attemptCount`-th failed attempt:
 * `min(retryBackoffCapMs, retryBackoffBaseMs * 2^(attemptCount - 1))`. With base 1000 and cap 8000:
 * 1000, 2000, 4000, 8000, 8000, ... Never overflows, whatever the attempt count.
 *
 * @throws `AssertionError` when `attemptCount` is not an integer `>= 1`.
 */
export function backoffMs(
  config: Pick<ResolvedConfig, "retryBackoffBaseMs" | "retryBackoffCapMs">,
  attemptCount: number,
): number {
  return cappedDoublingMs(config.retryBackoffBaseMs, config.retryBackoffCapMs, attemptCount, "attemptCount");
}

/** Whether `item` has a claim that is live at `atMs`: `claim !== null && atMs < claim.expiresAtMs`. */
export function isClaimLive(item: Item, atMs: number): boolean {
  return item.claim !== null && atMs < item.claim.expiresAtMs;
}

/**
 * Applies one event to the queue. Pure: never mutates `state`; returns the same `state` object when
 * nothing changed, and items the event did not touch keep their identity.
 *
 * Ownership of an item means `item.claim !== null && item.claim.token === event.token` (an expired claim
 * that nobody has taken over is still owned, like the seed's `claimed_by = me`); it is checked in the same
 * transition as the mutation it guards, and `updatedAtMs` never takes part in it.
 *
 * - Enqueue: a new scope creates an item (or `QueueFull` at `itemCountMax`); an existing one merges
 *   (`eventCount + 1`) and, when claimed, is marked `enqueuedWhileClaimed` so the event is not lost.
 * - Claim: takes up to `batchSize` items with `notBeforeMs <= atMs` and no live claim, ordered by
 *   (`notBeforeMs`, `enqueuedAtMs`, `scope`), giving each the next fencing token. Does not count an attempt.
 * - Heartbeat (owner): `expiresAtMs = atMs + leaseTtlMs`.
 * - Ack (owner): deletes the item; inserts a fresh successor if `enqueuedWhileClaimed`.
 * - Retry (owner): `attemptCount + 1`; dead-letters at `attemptsMax`, else unclaims with backoff.
 * - Fail (owner): `attemptCount + 1` and dead-letters.
 * - Release (owner): unclaims without counting an attempt.
 *
 * Deterministic: the same state and event always give the same step, and Claim order is total. Events
 * are expected in nondecreasing `atMs`; the queue does not check that (it keeps no clock), and takes an
 * earlier `atMs` at face value.
 *
 * @throws `AssertionError` when `atMs` is not a non-negative integer, `scope` or `holder` is empty,
 *   `token` is not an integer, or `batchSize` is not an integer in `[1, claimBatchSizeMax]`.
 * @example
 * const { state, result } = ClaimQueue.transition(queue, { _tag: "Ack", scope: "s1", token: 7, atMs: 7_000 });
 * // result: { _tag: "Acked", owned: true, deleted: true, requeued: false }
 */
export function transition(state: State, event: Event): Step {
  assertTime(event.atMs);
  switch (event._tag) {
    case "Enqueue":
      assertName("scope", event.scope);
      return enqueue(state, event.scope, event.atMs);
    case "Claim":
      return claim(state, event.holder, event.batchSize, event.atMs);
    case "Heartbeat": {
      const item = ownedItem(state, event);
      return item === undefined ? notOwner(state, event.scope) : heartbeat(state, item, event.atMs);
    }
    case "Ack": {
      const item = ownedItem(state, event);
      return item === undefined ? unchanged(state, NOT_OWNED_ACK) : ack(state, item, event.atMs);
    }
    case "Retry": {
      assertError(event.error);
      const item = ownedItem(state, event);
      return item === undefined ? notOwner(state, event.scope) : retry(state, item, event.error, event.atMs);
    }
    case "Fail": {
      assertError(event.error);
      const item = ownedItem(state, event);
      return item === undefined
        ? notOwner(state, event.scope)
        : deadLetter(state, item, item.attemptCount + 1, event.error, event.atMs);
    }
    case "Release": {
      const item = ownedItem(state, event);
      return item === undefined ? notOwner(state, event.scope) : release(state, item, event.atMs);
    }
    default:
      return unknownEvent(event);
  }
}

/** An item together with the claim its owner holds. */
type OwnedItem = Item & { readonly claim: Claim };

/** The events that act on a claim the caller believes it owns. */
type OwnerEvent = Extract<Event, { readonly token: number }>;

const NOT_OWNED_ACK: Result = { _tag: "Acked", owned: false, deleted: false, requeued: false };

/**
 * The item for `event.scope` if `event.token` owns it (its claim, live or expired, carries that token),
 * else `undefined`. The only ownership check in the queue: no timestamp takes part (seed 002).
 */
function ownedItem(state: State, event: OwnerEvent): OwnedItem | undefined {
  assertName("scope", event.scope);
  assertToken(event.token);
  const item = getOwn(state.items, event.scope);
  if (item === undefined || item.claim === null || item.claim.token !== event.token) {
    return undefined;
  }
  return item as OwnedItem;
}

function assertError(error: string): void {
  assert(typeof error === "string", () => `error must be a string, got ${describeValue(error)}`);
}

/** Asserts the invariants every stored item keeps; called on each item a transition writes. */
function assertItem(item: Item, config: ResolvedConfig): Item {
  assert(item.eventCount >= 1, () => `item ${item.scope}: eventCount ${item.eventCount} must be >= 1`);
  assert(
    item.attemptCount >= 0 && item.attemptCount < config.attemptsMax,
    () =>
      `item ${item.scope}: attemptCount ${item.attemptCount} must be in [0, attemptsMax ${config.attemptsMax})`,
  );
  assert(
    !item.enqueuedWhileClaimed || item.claim !== null,
    () => `item ${item.scope}: enqueuedWhileClaimed must be false while unclaimed`,
  );
  assert(
    item.claim === null || item.claim.claimedAtMs <= item.claim.expiresAtMs,
    () => `item ${item.scope}: claim must not end before it starts`,
  );
  return item;
}

function enqueue(state: State, scope: string, atMs: number): Step {
  const existing = getOwn(state.items, scope);
  if (existing !== undefined) {
    const merged: Item = {
      ...existing,
      eventCount: existing.eventCount + 1,
      updatedAtMs: atMs,
      enqueuedWhileClaimed: existing.enqueuedWhileClaimed || existing.claim !== null,
    };
    return changed(state, withItem(state, merged), { _tag: "Enqueued", scope, merged: true });
  }
  const { itemCountMax } = state.config;
  const itemCount = Object.keys(state.items).length;
  assert(itemCount <= itemCountMax, () => `item count ${itemCount} exceeds itemCountMax ${itemCountMax}`);
  if (itemCount === itemCountMax) {
    return unchanged(state, { _tag: "QueueFull", scope, itemCountMax });
  }
  return changed(state, withItem(state, freshItem(scope, atMs)), { _tag: "Enqueued", scope, merged: false });
}

/** A new, unclaimed item for `scope` holding one enqueue at `atMs`. */
function freshItem(scope: string, atMs: number): Item {
  return {
    scope,
    eventCount: 1,
    enqueuedAtMs: atMs,
    updatedAtMs: atMs,
    attemptCount: 0,
    notBeforeMs: atMs,
    claim: null,
    enqueuedWhileClaimed: false,
    lastError: null,
  };
}

/** Whether `item` may be claimed at `atMs`: its backoff has passed and it has no live claim. */
function isClaimable(item: Item, atMs: number): boolean {
  return item.notBeforeMs <= atMs && !isClaimLive(item, atMs);
}

/** Claim order: `notBeforeMs`, then `enqueuedAtMs`, then `scope` (code-unit order); total and deterministic. */
function compareClaimOrder(a: Item, b: Item): number {
  if (a.notBeforeMs !== b.notBeforeMs) {
    return a.notBeforeMs - b.notBeforeMs;
  }
  if (a.enqueuedAtMs !== b.enqueuedAtMs) {
    return a.enqueuedAtMs - b.enqueuedAtMs;
  }
  return a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0;
}

function claim(state: State, holder: string, batchSize: number, atMs: number): Step {
  assertName("holder", holder);
  const { claimBatchSizeMax, leaseTtlMs } = state.config;
  assert(
    Number.isSafeInteger(batchSize) && batchSize >= 1 && batchSize <= claimBatchSizeMax,
    () => `batchSize must be an integer in [1, ${claimBatchSizeMax}], got ${describeValue(batchSize)}`,
  );
  // The first `batchSize` claimable items in claim order (a stable sort, skipped for a single item).
  const candidates: Item[] = [];
  for (const item of Object.values(state.items)) if (isClaimable(item, atMs)) candidates.push(item);
  if (candidates.length > 1) candidates.sort(compareClaimOrder);
  if (candidates.length > batchSize) candidates.length = batchSize;
  if (candidates.length === 0) {
    return unchanged(state, { _tag: "Claimed", claims: [] });
  }
  const expiresAtMs = addMs(atMs, leaseTtlMs);
  const claimedItems: [string, Item][] = [];
  const claims: Granted[] = [];
  let nextToken = state.nextToken;
  for (const candidate of candidates) {
    const token = nextToken;
    nextToken += 1;
    assert(Number.isSafeInteger(nextToken), `fencing token overflow after ${token}`);
    // Taking over an expired claim: the new holder processes the latest state, so a pending enqueue is covered.
    const claimed: Item = {
      ...candidate,
      updatedAtMs: atMs,
      claim: { holder, token, claimedAtMs: atMs, expiresAtMs },
      enqueuedWhileClaimed: false,
    };
    claimedItems.push([candidate.scope, assertItem(claimed, state.config)]);
    claims.push({
      scope: candidate.scope,
      token,
      expiresAtMs,
      attemptCount: claimed.attemptCount,
      updatedAtMs: atMs,
      reclaimed: candidate.claim !== null,
    });
  }
  // Spreading and computed keys define data properties, so even a "__proto__" scope stays an ordinary entry.
  const only = claimedItems.length === 1 ? claimedItems[0]! : undefined;
  const items =
    only === undefined
      ? { ...state.items, ...Object.fromEntries(claimedItems) }
      : withEntry(state.items, only[0], only[1]);
  return changed(state, { ...state, items, nextToken }, { _tag: "Claimed", claims });
}

function heartbeat(state: State, item: OwnedItem, atMs: number): Step {
  const expiresAtMs = addMs(atMs, state.config.leaseTtlMs);
  const result: Result = { _tag: "Renewed", scope: item.scope, expiresAtMs };
  if (expiresAtMs === item.claim.expiresAtMs && atMs === item.updatedAtMs) {
    return unchanged(state, result);
  }
  const renewed: Item = { ...item, updatedAtMs: atMs, claim: { ...item.claim, expiresAtMs } };
  return changed(state, withItem(state, renewed), result);
}

/** Deletes the acked item by ownership alone (the seed's fix), keeping a pending enqueue as a successor. */
function ack(state: State, item: OwnedItem, atMs: number): Step {
  const requeued = item.enqueuedWhileClaimed;
  const result: Result = { _tag: "Acked", owned: true, deleted: true, requeued };
  return changed(state, { ...state, items: withoutItem(state, item, atMs) }, result);
}

function retry(state: State, item: OwnedItem, error: string, atMs: number): Step {
  const attemptCount = item.attemptCount + 1;
  if (attemptCount >= state.config.attemptsMax) {
    return deadLetter(state, item, attemptCount, error, atMs);
  }
  const notBeforeMs = addMs(atMs, backoffMs(state.config, attemptCount));
  const retried: Item = {
    ...item,
    attemptCount,
    notBeforeMs,
    updatedAtMs: atMs,
    claim: null,
    // The retry processes the latest state, so a pending enqueue is covered.
    enqueuedWhileClaimed: false,
    lastError: error,
  };
  return changed(state, withItem(state, retried), {
    _tag: "Retried",
    scope: item.scope,
    attemptCount,
    notBeforeMs,
  });
}

/** Moves the item to `deadLetters` (overwriting an older record), keeping a pending enqueue as a successor. */
function deadLetter(state: State, item: OwnedItem, attemptCount: number, error: string, atMs: number): Step {
  const record: DeadLetter = { scope: item.scope, attemptCount, lastError: error, atMs };
  return changed(
    state,
    {
      ...state,
      items: withoutItem(state, item, atMs),
      deadLetters: withEntry(state.deadLetters, item.scope, record),
    },
    { _tag: "DeadLettered", scope: item.scope, attemptCount },
  );
}

/** Gives the claim back; the next claim processes the latest state, so a pending enqueue is covered. */
function release(state: State, item: OwnedItem, atMs: number): Step {
  const released: Item = { ...item, updatedAtMs: atMs, claim: null, enqueuedWhileClaimed: false };
  return changed(state, withItem(state, released), { _tag: "Released", scope: item.scope });
}

/** `state.items` with `item` stored under its scope. */
function withItem(state: State, item: Item): State {
  return { ...state, items: withEntry(state.items, item.scope, assertItem(item, state.config)) };
}

/**
 * `state.items` without the finished `item`; when an Enqueue arrived during its claim, a fresh successor
 * for the same scope takes its place so that event is processed too.
 */
function withoutItem(state: State, item: OwnedItem, atMs: number): Readonly<Record<string, Item>> {
  if (item.enqueuedWhileClaimed) {
    return withEntry(state.items, item.scope, freshItem(item.scope, atMs));
  }
  return withoutEntry(state.items, item.scope);
}

function notOwner(state: State, scope: string): Step {
  return unchanged(state, { _tag: "NotOwner", scope });
}

function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/** A step that changed the state; checks the postconditions every state must keep. */
function changed(before: State, after: State, result: Result): Step {
  assert(after !== before, "a changed step must return a new state");
  assert(after.nextToken >= before.nextToken, "nextToken must never decrease");
  return { state: after, effects: NO_EFFECTS, result };
}
