/**
 * Explicit-state model of the core `Mailbox` (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt): a caller
 * submits membership orders for a few stacks, plus bypass orders, in any order; it carries out the mailbox's
 * effects the way the seed's dispatcher does (a `Dispatch` starts a handler that later reports `Complete`, a
 * `Cancel` cancels that handler's context), redelivers orders that are still live, sends stale and
 * misaddressed reports, and shuts the mailbox down. The fixed policies (`mailbox`, `mailbox-fifo`,
 * `mailbox-dedupe`) are verified; the seed's buggy behaviours that live at the machine's level are model
 * variants found with their shortest counterexamples. Every property is checked against what the caller was
 * told (results and effects, kept in ghost fields), not against the mailbox's own bookkeeping alone, so a
 * mailbox bug cannot hide behind its own state.
 */
import { Mailbox } from "@interleave/core";
import { type CheckedModel, defineModel } from "@interleave/sim";
import {
  type CachedStep,
  type FingerprintBuilder,
  type Fingerprinted,
  MachineCache,
  type StateSpaceModel,
} from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";
import { cancelWithoutSuccessorMailbox } from "./membership-orders.js";
import { membershipPolicy } from "./policy.js";

/**
 * The order kinds the model submits, by index: the seed's four stack kinds (0–3, serialised per stack by
 * every policy here), `Unknown` (4: a kind outside the policy, sent with a stack key — it bypasses the
 * mailbox) and `NonStack` (5: an order with key `null` — it bypasses the mailbox too).
 */
export const MODEL_KINDS = [
  "ExistingStack",
  "DeletedStack",
  "EnabledStack",
  "DisabledStack",
  "Unknown",
  "NonStack",
] as const;

const UNKNOWN = 4;
const NON_STACK = 5;
/** Index of the first kind that is not a stack kind. */
const STACK_KINDS = 4;

/**
 * Where an order stands, as its caller knows it from results and effects:
 * - `ARRIVING`: being submitted (only during the Submit's own step). A refused order is not kept: the broker
 *   redelivers it later, which is a Submit of the same order again — an input the model has anyway;
 * - `PENDING`: accepted, waiting in its key's FIFO (a bypass order: in the waiting line for a slot);
 * - `RUNNING`: dispatched, its handler runs, its context is not cancelled;
 * - `CANCELLED`: dispatched, a `Cancel` named it (its context is cancelled), its handler has not reported;
 * - `GONE`: left the mailbox for good (completed, superseded by coalescing, dropped, or handed back by
 *   Shutdown — nacked, and refused if redelivered).
 */
export type OrderStatus = 0 | 1 | 2 | 3 | 4;
const ARRIVING = 0;
const PENDING = 1;
const RUNNING = 2;
const CANCELLED = 3;
const GONE = 4;

/** An order the caller submitted: its kind (index into {@link MODEL_KINDS}), its stack (index, −1 for none), its status. */
export interface TrackedOrder {
  readonly kind: number;
  readonly stack: number;
  readonly status: OrderStatus;
}

/**
 * State of {@link mailboxModel}.
 *
 * - `mailbox`: the Mailbox and its fingerprint, from the model's {@link MachineCache}.
 * - `orders`: every order submitted so far; order `i` has id `o${i + 1}`.
 * - `queues`: per stack, the ids (indices) of its pending orders in the order the caller was told they were
 *   queued (after coalescing); the last entry is the bypass orders waiting for a slot.
 * - `ready`: the work waiting for a slot in the order it became ready, as the caller can tell from results:
 *   a stack (its index) that has pending orders and nothing in flight, or a bypass order (`stacks + i`).
 * - `lastDispatched`, `sharedCancelled`: `cancellation: "captured"` only (else −1 and `false`): the order
 *   dispatched last and whether its context — the one variable every handler reads — is cancelled.
 * - `broken`: the transition property the last input broke, or `null` (a ghost field).
 */
export interface MailboxModelState {
  readonly mailbox: Fingerprinted<Mailbox.State>;
  readonly orders: readonly TrackedOrder[];
  readonly queues: readonly (readonly number[])[];
  readonly ready: readonly number[];
  readonly lastDispatched: number;
  readonly sharedCancelled: boolean;
  readonly broken: string | null;
}

/**
 * An input of {@link mailboxModel}:
 * - `submit`: a new order of `kind` for `stack` (−1 for `NonStack`), id `o${n + 1}`;
 * - `redeliver`: the broker delivers live order `order` again (at-least-once); a refused order comes back as a
 *   `submit` of the same order (see `ARRIVING`);
 * - `complete`: the running handler of `order` returns `outcome` (`cancelled` only once it saw a cancellation);
 * - `report`: a stale or premature Complete for `order`, whose handler is not running (it already reported,
 *   or it never ran);
 * - `misreport`: the running handler of `order` reports under the wrong key (not the Dispatch's);
 * - `shutdown`: the parent context is cancelled.
 */
export type MailboxInput =
  | { readonly op: "submit"; readonly kind: number; readonly stack: number }
  | { readonly op: "redeliver" | "report" | "misreport"; readonly order: number }
  | { readonly op: "complete"; readonly order: number; readonly outcome: "done" | "failed" | "cancelled" }
  | { readonly op: "shutdown" };

/** Size and variant of {@link mailboxModel}. The Mailbox has no clock (no TTL, lease or backoff), so neither has the model. */
export interface MailboxModelOptions {
  /** Stacks `s1..sK`, each receiving every stack kind (`s1` also the `Unknown` order). Default 2. */
  readonly stacks?: number;
  /**
   * Further stacks, after those, that receive only ExistingStack orders: a third stack reaches `keyCountMax`
   * (2) without the cost of a third stack of every kind. Default 1.
   */
  readonly snapshotOnlyStacks?: number;
  /** Orders submitted in all (fresh ids `o1..oN`); redeliveries do not count. Default 4. */
  readonly ordersMax?: number;
  /** Mailbox bounds. Defaults: `inFlightMax` 2, `pendingPerKeyMax` 2, `keylessPendingMax` 1, `keyCountMax` 2. */
  readonly inFlightMax?: number;
  readonly pendingPerKeyMax?: number;
  readonly keylessPendingMax?: number;
  readonly keyCountMax?: number;
  /**
   * The supersession policy: `membership` ({@link membershipPolicy} from ./policy.ts, seed 003's matrix), `fifo`
   * (`Mailbox.fifoPolicy` with DeletedStack never cancelled: the scenario's `mailbox-fifo`) or `dedupe`
   * ({@link DEDUPE_POLICY}: every cell form, drop and keep+coalesce included). Default `membership`.
   */
  readonly policy?: "membership" | "fifo" | "dedupe";
  /**
   * `mailbox`: stack orders carry their stack as key (the fix); `pool`: every order is sent with key `null`, so
   * the mailbox hands it straight to the pool (seed 003 before the fix: the scenario's `pool-without-mailbox`).
   * Default `mailbox`.
   */
  readonly routing?: "mailbox" | "pool";
  /**
   * `core`: `Mailbox.transition`; `cancel-without-successor`: the scenario's `cancelWithoutSuccessorMailbox`
   * (a newer ExistingStack cancels the in-flight one and is dropped). Default `core`.
   */
  readonly machine?: "core" | "cancel-without-successor";
  /**
   * A machine to run instead of the one `machine` names: for tests that feed the model a mutant of the
   * Mailbox and expect its invariants to catch it. Never a mode of the core.
   */
  readonly transition?: (
    state: Mailbox.State,
    event: Mailbox.Event,
  ) => {
    readonly state: Mailbox.State;
    readonly effects: readonly Mailbox.Effect[];
    readonly result: Mailbox.Result;
  };
  /**
   * Called with every mailbox step the model takes (cached or not): the state before, the event, the result
   * and the effects. For coverage tests (every Result and Effect reached); it must not change anything.
   */
  readonly observe?: (
    before: Mailbox.State,
    event: Mailbox.Event,
    result: Mailbox.Result,
    effects: readonly Mailbox.Effect[],
  ) => void;
  /**
   * How handlers see a `Cancel`: `checked` (each reads its own context, the fix), `ignored` (never: the
   * scenario's `no-cancel-check`) or `captured` (each reads the context of the order dispatched last: the
   * scenario's `captured-ctx`, the seed's reviewer note). Default `checked`.
   */
  readonly cancellation?: "checked" | "ignored" | "captured";
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `mailbox`. */
  readonly name?: string;
}

/**
 * A policy over the seed's four kinds that uses every cell form the core accepts: the membership matrix, plus
 * `drop` on the diagonal of DeletedStack, EnabledStack and DisabledStack (a repeat of the in-flight order with
 * nothing pending is a duplicate) and `coalesce` (keep the in-flight order, replace pending snapshots) for an
 * ExistingStack behind an EnabledStack or DisabledStack. Built and validated by `Mailbox.policy`.
 */
export const DEDUPE_POLICY: Mailbox.Policy = Mailbox.policy({
  name: "dedupe",
  kinds: ["ExistingStack", "DeletedStack", "EnabledStack", "DisabledStack"],
  neverCancel: ["DeletedStack"],
  matrix: {
    ExistingStack: {
      ExistingStack: "cancel+coalesce",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    DeletedStack: {
      ExistingStack: "queue",
      DeletedStack: "drop",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    EnabledStack: {
      ExistingStack: "coalesce",
      DeletedStack: "cancel",
      EnabledStack: "drop",
      DisabledStack: "queue",
    },
    DisabledStack: {
      ExistingStack: "coalesce",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "drop",
    },
  },
});

// The promises, as sentences (the names the checker reports).
export const MB_ONE_PER_KEY = "at most one order in flight per key";
export const MB_GLOBAL_BOUND = "the global in-flight bound is never exceeded";
export const MB_DELETE_NEVER_CANCELLED = "an in-flight Delete is never cancelled (Shutdown aside)";
export const MB_CANCEL_WITH_SUCCESSOR = "a cancel fires only when a successor is queued";
export const MB_HANDLER_SEES_OWN_CANCEL = "every handler sees exactly its own order's cancellation";
export const MB_BYPASS = "keyless orders bypass the mailbox";
export const MB_WORK_CONSERVING = "no slot stays idle while an order waits for one";
export const MB_FIFO = "orders of one key are dispatched in FIFO order (after coalescing)";
export const MB_ROUND_ROBIN =
  "a freed slot goes to the work that became ready first (round-robin across keys, bypass orders in line)";
export const MB_NOT_LOST =
  "no submitted order is lost: each is dispatched, coalesced, dropped or handed back exactly once";
export const MB_POLICY = "a Submit follows its policy cell: queue, coalesce, drop or cancel as the cell says";
export const MB_BOUNDS =
  "orders are rejected only at a stated bound, a rejection changes nothing, and no bound is exceeded";
export const MB_DUPLICATE = "a redelivered live order is answered Duplicate and changes nothing";
export const MB_REPORTS = "a running handler's report completes its order; any other report changes nothing";
export const MB_SHUTDOWN = "Shutdown cancels every in-flight order once and hands back every pending order";

/** Codes of the events in the model's {@link MachineCache}. */
const SUBMIT = 0;
const COMPLETE = 1;
const SHUTDOWN = 2;
const OUTCOMES = ["done", "failed", "cancelled"] as const;

/** What the cache records per step: the machine's result and effects. */
interface Outcome {
  readonly result: Mailbox.Result;
  readonly effects: readonly Mailbox.Effect[];
}

/**
 * The seed-003 mailbox under a caller that may do anything the Mailbox accepts (its events are Submit,
 * Complete and Shutdown; it has no clock): Submit of every stack kind for each stack, of an `Unknown` kind with
 * a stack key and of a `NonStack` order with key `null` (both bypass); redelivery of a live order (at-least-once;
 * a refused order comes back as a Submit of the same order); Complete from each running handler — `done` or
 * `failed`, or `cancelled` once it saw a cancellation (it stops at its next context check); stale Completes
 * (a handler that already reported, or an order that never ran) and misaddressed ones (a running handler
 * reporting under the wrong key); Shutdown, twice. Bounded by the stacks and `ordersMax`, with mailbox bounds
 * small enough that every `Rejected` reason is reached.
 *
 * Invariants (sentences, `MB_*`), checked against what the caller was told: one order in flight per key, the
 * global bound, an in-flight Delete never cancelled, a cancel only with a successor queued, each handler seeing
 * exactly its own cancellation, bypass orders outside every key, no idle slot while an order waits, FIFO
 * dispatch per key, slots served in the order work became ready, no order lost or handled twice (and the
 * mailbox holding exactly the orders its caller believes live), every Submit following its policy cell,
 * rejections only at a bound, Duplicate for live redeliveries only, reports, and Shutdown. Properties of a
 * transition are kept in the ghost field `broken`.
 *
 * Size: the defaults (policy `membership`) give 70,866 states; `{ snapshotOnlyStacks: 0 }` with policy `fifo`
 * 40,206 and with `dedupe` 43,898; `{ stacks: 1, snapshotOnlyStacks: 1, ordersMax: 3 }` 2,210 (tests). The
 * buggy variants are found in 2 or 3 inputs. Mailbox transitions go through a {@link MachineCache}; its
 * default is small (2^10 slots) because the ledger follows the mailbox almost one to one, so few steps repeat
 * far apart and a large cache only keeps the heap (and the garbage collector) busy.
 *
 * @throws `RangeError` naming a size that is not a positive integer (or more than 9 stacks or 9 orders);
 *   `InvalidConfigError` (from the core) for bad mailbox bounds.
 */
export function mailboxModel(
  options: MailboxModelOptions = {},
): StateSpaceModel<MailboxModelState, MailboxInput> {
  const fullStacks = sizeOption(options.stacks, 2, "stacks");
  const snapshotOnlyStacks = options.snapshotOnlyStacks ?? 1;
  if (!Number.isSafeInteger(snapshotOnlyStacks) || snapshotOnlyStacks < 0)
    throw new RangeError(`snapshotOnlyStacks must be a non-negative integer, got ${snapshotOnlyStacks}`);
  const stackCount = fullStacks + snapshotOnlyStacks;
  const ordersMax = sizeOption(options.ordersMax, 4, "ordersMax");
  if (stackCount > 9) throw new RangeError(`stacks must be at most 9, got ${stackCount}`);
  if (ordersMax > 9) throw new RangeError(`ordersMax must be at most 9, got ${ordersMax}`);
  const inFlightMax = sizeOption(options.inFlightMax, 2, "inFlightMax");
  const pendingPerKeyMax = sizeOption(options.pendingPerKeyMax, 2, "pendingPerKeyMax");
  const keylessPendingMax = sizeOption(options.keylessPendingMax, 1, "keylessPendingMax");
  const keyCountMax = sizeOption(options.keyCountMax, 2, "keyCountMax");
  const policyName = options.policy ?? "membership";
  const policy =
    policyName === "membership"
      ? membershipPolicy
      : policyName === "fifo"
        ? Mailbox.fifoPolicy(membershipPolicy.kinds, ["DeletedStack"])
        : DEDUPE_POLICY;
  const pool = (options.routing ?? "mailbox") === "pool";
  const buggyMachine = (options.machine ?? "core") === "cancel-without-successor";
  const cancellation = options.cancellation ?? "checked";
  const captured = cancellation === "captured";
  const machine = options.transition ?? (buggyMachine ? cancelWithoutSuccessorMailbox : Mailbox).transition;
  const { observe } = options;
  const stacks = Array.from({ length: stackCount }, (_, i) => `s${i + 1}`);
  const ids = Array.from({ length: ordersMax }, (_, i) => `o${i + 1}`);
  const bypassQueue = stackCount;

  const mailboxes = new MachineCache(
    (state: Mailbox.State, event: Mailbox.Event) => {
      const t = machine(state, event);
      return { state: t.state, result: { result: t.result, effects: t.effects } satisfies Outcome };
    },
    (m: Mailbox.State, into) => fingerprintMailbox(m, stacks, into),
    { slots: options.cacheSlots ?? 1 << 10 },
  );
  /** A mailbox step through the cache, shown to `observe`. */
  const stepMailbox = (
    from: Fingerprinted<Mailbox.State>,
    eventCode: number,
    event: () => Mailbox.Event,
  ): CachedStep<Mailbox.State, Outcome> => {
    const step = mailboxes.step(from, eventCode, event);
    observe?.(from.state, event(), step.result.result, step.result.effects);
    return step;
  };
  const initialMailbox = mailboxes.wrap(
    Mailbox.initial({ policy, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax }),
  );

  // Per order: the key it is submitted with, the key it runs under (null: a bypass order), its queue.
  const orderKey = (kind: number, stack: number): string | null =>
    kind === NON_STACK || (pool && kind < STACK_KINDS) ? null : stacks[stack]!;
  const isBypass = (kind: number) => kind >= STACK_KINDS || pool;
  const dispatchKey = (kind: number, stack: number): string | null =>
    isBypass(kind) ? null : stacks[stack]!;
  const queueOf = (o: TrackedOrder) => (isBypass(o.kind) ? bypassQueue : o.stack);
  const orderObjects = new Map<number, Mailbox.Order>();
  const orderObject = (i: number, o: TrackedOrder): Mailbox.Order => {
    const code = (i * MODEL_KINDS.length + o.kind) * (stackCount + 1) + o.stack + 1;
    let order = orderObjects.get(code);
    if (order === undefined) {
      order = { id: ids[i]!, key: orderKey(o.kind, o.stack), kind: MODEL_KINDS[o.kind]! };
      orderObjects.set(code, order);
    }
    return order;
  };
  /** The index of order id `o<n>`. */
  const indexOf = (id: string) => Number(id.slice(1)) - 1;
  /** Cache code of an event: op, order, its kind and stack, the key sent, the outcome. */
  const code = (op: number, i: number, kind: number, stack: number, key: number, outcome: number) =>
    ((((i * MODEL_KINDS.length + kind) * (stackCount + 1) + stack + 1) * (stackCount + 2) + key + 1) * 3 +
      outcome) *
      3 +
    op;
  /** Tracked orders are shared objects: one per (kind, stack, status). */
  const trackedTable = new Map<number, TrackedOrder>();
  const tracked = (kind: number, stack: number, status: OrderStatus): TrackedOrder => {
    const key = ((kind * (stackCount + 1) + stack + 1) << 3) | status;
    let t = trackedTable.get(key);
    if (t === undefined) {
      t = { kind, stack, status };
      trackedTable.set(key, t);
    }
    return t;
  };
  const live = (o: TrackedOrder) => o.status === PENDING || o.status === RUNNING || o.status === CANCELLED;
  const inFlight = (o: TrackedOrder) => o.status === RUNNING || o.status === CANCELLED;
  /** Whether the handler of `i` (in flight) sees a cancellation: its own context, none, or the shared one. */
  const sees = (s: MailboxModelState, i: number): boolean =>
    cancellation === "checked" ? s.orders[i]!.status === CANCELLED : captured && s.sharedCancelled;

  // ---- the caller's ledger, updated from results and effects ----------------------------------------------

  /**
   * The ghost part of a state during one transition, copied on its first write (`own`): most inputs (stale
   * reports, redeliveries, a second Shutdown) change nothing, and then nothing is allocated.
   */
  interface Draft {
    orders: readonly TrackedOrder[];
    queues: readonly (readonly number[])[];
    ready: readonly number[];
    copied: boolean;
    lastDispatched: number;
    sharedCancelled: boolean;
    broken: string | null;
  }
  const draftOf = (s: MailboxModelState): Draft => ({
    orders: s.orders,
    queues: s.queues,
    ready: s.ready,
    copied: false,
    lastDispatched: s.lastDispatched,
    sharedCancelled: s.sharedCancelled,
    broken: null,
  });
  const own = (d: Draft): { orders: TrackedOrder[]; queues: number[][]; ready: number[] } => {
    if (!d.copied) {
      d.orders = d.orders.slice();
      d.queues = d.queues.map((q) => q.slice());
      d.ready = d.ready.slice();
      d.copied = true;
    }
    return d as unknown as { orders: TrackedOrder[]; queues: number[][]; ready: number[] };
  };
  /** The `ready` entry of order `i`: its stack, or the order itself for a bypass order. */
  const readyEntry = (i: number, o: TrackedOrder) => (isBypass(o.kind) ? stackCount + i : o.stack);
  const removeQueued = (d: Draft, q: number, i: number): boolean => {
    const at = d.queues[q]!.indexOf(i);
    if (at >= 0) own(d).queues[q]!.splice(at, 1);
    return at >= 0;
  };
  const fail = (d: Draft, property: string) => {
    d.broken ??= property;
  };
  /**
   * Sets the status of order `i`. An order that is gone keeps only what a stale report needs — its stack and
   * whether it bypassed the mailbox — so histories that differ only in the kinds of finished orders meet.
   */
  const setStatus = (d: Draft, i: number, status: OrderStatus) => {
    const o = d.orders[i]!;
    const kind = status !== GONE ? o.kind : !isBypass(o.kind) ? 0 : o.stack < 0 ? NON_STACK : UNKNOWN;
    const t = tracked(kind, o.stack, status);
    if (t !== o) own(d).orders[i] = t;
  };
  /** The in-flight order of `stack`'s key (by the ledger), or −1. */
  const inFlightOf = (d: Draft, stack: number): number =>
    d.orders.findIndex((o) => inFlight(o) && !isBypass(o.kind) && o.stack === stack);
  const runningCount = (d: { readonly orders: readonly TrackedOrder[] }) =>
    d.orders.reduce((n, o) => n + (inFlight(o) ? 1 : 0), 0);
  /** Keys with work (an order in flight or pending), by the ledger. */
  const keysWithWork = (d: Draft) => {
    let n = 0;
    for (let k = 0; k < stackCount; k++) if (d.queues[k]!.length > 0 || inFlightOf(d, k) >= 0) n++;
    return n;
  };

  /** A Dispatch effect: the order must be the head of its queue (FIFO), pending, under the right key. */
  const applyDispatch = (d: Draft, effect: Extract<Mailbox.Effect, { _tag: "Dispatch" }>) => {
    const i = indexOf(effect.order.id);
    const o = d.orders[i];
    if (o === undefined || o.status !== PENDING) {
      fail(d, MB_NOT_LOST);
      return;
    }
    if (effect.key !== dispatchKey(o.kind, o.stack)) fail(d, isBypass(o.kind) ? MB_BYPASS : MB_ONE_PER_KEY);
    const q = queueOf(o);
    if (d.queues[q]![0] !== i) fail(d, MB_FIFO);
    removeQueued(d, q, i);
    const entry = readyEntry(i, o);
    if (d.ready[0] !== entry) fail(d, MB_ROUND_ROBIN);
    const at = d.ready.indexOf(entry);
    if (at >= 0) own(d).ready.splice(at, 1);
    setStatus(d, i, RUNNING);
    if (captured) {
      d.lastDispatched = i;
      d.sharedCancelled = false;
    }
  };

  /** A Cancel effect: it must name an order in flight under its key, not cancelled before. */
  const applyCancel = (d: Draft, effect: Extract<Mailbox.Effect, { _tag: "Cancel" }>) => {
    const i = indexOf(effect.orderId);
    const o = d.orders[i];
    if (o === undefined || o.status !== RUNNING || effect.key !== dispatchKey(o.kind, o.stack)) {
      fail(d, o !== undefined && o.status === CANCELLED ? MB_SHUTDOWN : MB_NOT_LOST);
      return;
    }
    if (effect.reason === "superseded") {
      if (isBypass(o.kind)) fail(d, MB_BYPASS);
      const by = effect.by === null ? -1 : indexOf(effect.by);
      if (by < 0 || !d.queues[o.stack]!.includes(by)) fail(d, MB_CANCEL_WITH_SUCCESSOR);
    }
    setStatus(d, i, CANCELLED);
    if (captured && i === d.lastDispatched) d.sharedCancelled = true;
  };

  const finish = (
    s: MailboxModelState,
    step: CachedStep<Mailbox.State, Outcome>,
    d: Draft,
  ): MailboxModelState => {
    if (
      step.unchanged &&
      d.broken === null &&
      !d.copied &&
      s.lastDispatched === d.lastDispatched &&
      s.sharedCancelled === d.sharedCancelled
    )
      return s;
    return {
      mailbox: step.unchanged ? s.mailbox : step.next,
      orders: d.orders,
      queues: d.queues,
      ready: d.ready,
      lastDispatched: d.lastDispatched,
      sharedCancelled: d.sharedCancelled,
      broken: d.broken,
    };
  };

  /**
   * Submit (or redeliver) order `i`, already in `s.orders`; checks the result against the ledger and the
   * policy. `parent` is the state before a fresh order was added (the successor when it is refused).
   */
  const arrive = (parent: MailboxModelState, s: MailboxModelState, i: number): MailboxModelState => {
    const o = s.orders[i]!;
    const order = orderObject(i, o);
    const keyIndex = order.key === null ? -1 : stacks.indexOf(order.key);
    const step = stepMailbox(s.mailbox, code(SUBMIT, i, o.kind, o.stack, keyIndex, 0), () => ({
      _tag: "Submit",
      order,
    }));
    const { result: r, effects } = step.result;
    const wasLive = live(o);
    const shuttingDown = s.mailbox.state.shuttingDown;
    const quiet = step.unchanged && effects.length === 0;
    // The usual redelivery: a live order, answered Duplicate, nothing changed.
    if (r._tag === "Duplicate" && wasLive && !shuttingDown && quiet) return s;
    const d = draftOf(s);
    const bypass = isBypass(o.kind);
    const q = queueOf(o);
    const queue = s.queues[q]!;
    const f = bypass ? -1 : inFlightOf(d, o.stack);
    const running = runningCount(d);
    switch (r._tag) {
      case "Duplicate":
        if (!wasLive || shuttingDown) fail(d, MB_DUPLICATE);
        if (!quiet) fail(d, MB_DUPLICATE);
        return finish(s, step, d);
      case "Rejected": {
        const atBound =
          r.reason === "shutting-down"
            ? shuttingDown
            : !shuttingDown &&
              (r.reason === "pending-full"
                ? queue.length >= (bypass ? keylessPendingMax : pendingPerKeyMax)
                : !bypass && f < 0 && queue.length === 0 && keysWithWork(d) === keyCountMax);
        if (!atBound || !quiet || (wasLive && !shuttingDown)) fail(d, MB_BOUNDS);
        // Nacked: the order is not kept (see ARRIVING).
        return d.broken === null ? parent : finish(s, step, d);
      }
      case "Dropped": {
        const cell = f < 0 ? undefined : cellOf(policy, d.orders[f]!.kind, o.kind);
        if (
          wasLive ||
          shuttingDown ||
          bypass ||
          cell?.incoming !== "drop" ||
          r.duplicateOf !== ids[f] ||
          queue.length > 0 ||
          !quiet
        )
          fail(d, MB_POLICY);
        setStatus(d, i, GONE);
        // A buggy machine may still have emitted effects: the caller carries them out.
        for (const e of effects) {
          if (e._tag === "Cancel") applyCancel(d, e);
          else applyDispatch(d, e);
        }
        return finish(s, step, d);
      }
      case "Accepted": {
        if (wasLive || shuttingDown || r.orderId !== ids[i]) fail(d, MB_NOT_LOST);
        // Not rejected below every bound? Only the key-limit rejection is forced; check it.
        if (!bypass && f < 0 && queue.length === 0 && keysWithWork(d) >= keyCountMax) fail(d, MB_BOUNDS);
        // Straight in flight exactly when its stack is idle (or it bypasses) and a slot is free.
        const idle = bypass || (f < 0 && queue.length === 0);
        if (r.dispatched && running >= inFlightMax) fail(d, MB_GLOBAL_BOUND);
        else if (r.dispatched && !idle) fail(d, f >= 0 ? MB_ONE_PER_KEY : MB_FIFO);
        else if (!r.dispatched && idle && running < inFlightMax) fail(d, MB_WORK_CONSERVING);
        // Coalescing: exactly the pending orders of the incoming kind, under a coalescing cell.
        const fKind = f < 0 ? o.kind : d.orders[f]!.kind;
        const cell = bypass || (f < 0 && queue.length === 0) ? undefined : cellOf(policy, fKind, o.kind);
        const expected =
          cell?.incoming === "coalesce" ? queue.filter((j) => d.orders[j]!.kind === o.kind) : [];
        const superseded = r.superseded.map(indexOf);
        if (superseded.length !== expected.length || superseded.some((j, n) => j !== expected[n]))
          fail(d, bypass ? MB_BYPASS : MB_POLICY);
        for (const j of superseded) {
          if (d.orders[j]?.status !== PENDING || !removeQueued(d, q, j)) fail(d, MB_NOT_LOST);
          if (d.orders[j] !== undefined) setStatus(d, j, GONE);
        }
        // Cancelling: the in-flight order, exactly when the cell cancels and it may still be cancelled.
        const fOrder = f < 0 ? undefined : d.orders[f]!;
        const cancels =
          fOrder !== undefined &&
          cell?.inFlight === "cancel" &&
          fOrder.status === RUNNING &&
          !policy.neverCancel.includes(MODEL_KINDS[fOrder.kind]!);
        if (r.cancelled !== (cancels ? ids[f]! : null)) fail(d, bypass ? MB_BYPASS : MB_POLICY);
        own(d).queues[q]!.push(i);
        // An order for an idle stack, or a bypass order, is ready work (dispatched now if a slot is free).
        if (idle) own(d).ready.push(readyEntry(i, o));
        setStatus(d, i, PENDING);
        // The effects: a Dispatch of this order iff dispatched, a Cancel of `cancelled` iff any, nothing else.
        const dispatches = effects.filter((e) => e._tag === "Dispatch");
        const cancelEffects = effects.filter((e) => e._tag === "Cancel");
        if (
          dispatches.length !== (r.dispatched ? 1 : 0) ||
          (r.dispatched && dispatches[0]!.order.id !== ids[i]) ||
          cancelEffects.length !== (r.cancelled === null ? 0 : 1) ||
          (r.cancelled !== null &&
            (cancelEffects[0]!.orderId !== r.cancelled ||
              cancelEffects[0]!.reason !== "superseded" ||
              cancelEffects[0]!.by !== ids[i]))
        )
          fail(d, MB_NOT_LOST);
        for (const e of effects) {
          if (e._tag === "Cancel") applyCancel(d, e);
          else applyDispatch(d, e);
        }
        return finish(s, step, d);
      }
      default:
        fail(d, MB_NOT_LOST);
        return finish(s, step, d);
    }
  };

  /** Complete of order `i` under `key` (index, −1 for null): a report of the running handler, or a stale one. */
  const report = (
    s: MailboxModelState,
    i: number,
    key: number,
    outcome: (typeof OUTCOMES)[number],
  ): MailboxModelState => {
    const o = s.orders[i]!;
    const step = stepMailbox(
      s.mailbox,
      code(COMPLETE, i, o.kind, o.stack, key, OUTCOMES.indexOf(outcome)),
      () => ({ _tag: "Complete", key: key < 0 ? null : stacks[key]!, orderId: ids[i]!, outcome }),
    );
    const { result: r, effects } = step.result;
    const genuine = inFlight(o) && key === (isBypass(o.kind) ? -1 : o.stack);
    if (!genuine && r._tag === "NotInFlight" && step.unchanged && effects.length === 0) return s;
    const d = draftOf(s);
    if (!genuine) {
      if (r._tag !== "NotInFlight" || !step.unchanged || effects.length > 0) fail(d, MB_REPORTS);
      return finish(s, step, d);
    }
    if (r._tag !== "Completed" || r.orderId !== ids[i] || r.outcome !== outcome) {
      fail(d, MB_REPORTS);
      return finish(s, step, d);
    }
    setStatus(d, i, GONE);
    // The freed stack goes to the back of the line if it has pending orders (round-robin across stacks).
    if (!isBypass(o.kind) && d.queues[o.stack]!.length > 0) own(d).ready.push(o.stack);
    const dispatched = effects.filter((e) => e._tag === "Dispatch");
    if (
      effects.length !== dispatched.length ||
      dispatched.length > 1 ||
      r.dispatched !== (dispatched[0]?.order.id ?? null)
    )
      fail(d, MB_REPORTS);
    for (const e of dispatched) applyDispatch(d, e);
    return finish(s, step, d);
  };

  const shutdown = (s: MailboxModelState): MailboxModelState => {
    const step = stepMailbox(s.mailbox, SHUTDOWN, () => ({ _tag: "Shutdown" }));
    const { result: r, effects } = step.result;
    if (
      s.mailbox.state.shuttingDown &&
      r._tag === "AlreadyShutDown" &&
      step.unchanged &&
      effects.length === 0
    )
      return s;
    const d = draftOf(s);
    if (s.mailbox.state.shuttingDown) {
      if (r._tag !== "AlreadyShutDown" || !step.unchanged || effects.length > 0) fail(d, MB_SHUTDOWN);
      return finish(s, step, d);
    }
    if (r._tag !== "ShutDown") {
      fail(d, MB_SHUTDOWN);
      return finish(s, step, d);
    }
    const cancelled = r.cancelled.map(indexOf).sort((a, b) => a - b);
    const inFlightNow = d.orders.flatMap((o, i) => (inFlight(o) ? [i] : []));
    if (cancelled.length !== inFlightNow.length || cancelled.some((j, n) => j !== inFlightNow[n]))
      fail(d, MB_SHUTDOWN);
    const toCancel = d.orders.flatMap((o, i) => (o.status === RUNNING ? [ids[i]!] : [])).sort();
    const cancels = effects
      .flatMap((e) => (e._tag === "Cancel" && e.reason === "shutdown" && e.by === null ? [e.orderId] : []))
      .sort();
    if (
      effects.length !== cancels.length ||
      cancels.length !== toCancel.length ||
      cancels.some((id, n) => id !== toCancel[n])
    )
      fail(d, MB_SHUTDOWN);
    // Handed back: exactly the pending orders, each queue's in its FIFO order.
    const handedBack = r.pending.map((order) => indexOf(order.id));
    const pendingNow = d.orders.flatMap((o, i) => (o.status === PENDING ? [i] : []));
    if (
      handedBack.length !== pendingNow.length ||
      !pendingNow.every((j) => handedBack.includes(j)) ||
      d.queues.some((queue) => {
        const order = handedBack.filter((j) => queue.includes(j));
        return order.some((j, n) => j !== queue[n]);
      })
    )
      fail(d, MB_SHUTDOWN);
    for (const j of pendingNow) setStatus(d, j, GONE); // handed back: the caller nacks them
    for (const queue of own(d).queues) queue.length = 0;
    own(d).ready.length = 0;
    for (const e of effects) if (e._tag === "Cancel") applyCancel(d, e);
    return finish(s, step, d);
  };

  const next = (s: MailboxModelState, input: MailboxInput): MailboxModelState | null => {
    switch (input.op) {
      case "submit": {
        const i = s.orders.length;
        if (i >= ordersMax) return null;
        const orders = [...s.orders, tracked(input.kind, input.stack, ARRIVING)];
        return arrive(s, { ...s, orders }, i);
      }
      case "redeliver": {
        const o = s.orders[input.order];
        if (o === undefined || !live(o)) return null;
        return arrive(s, s, input.order);
      }
      case "complete": {
        const o = s.orders[input.order];
        if (o === undefined || !inFlight(o)) return null;
        const seen = sees(s, input.order);
        // A handler that saw a cancellation stops at its next check; one that did not finishes or fails.
        if (seen !== (input.outcome === "cancelled")) return null;
        return report(s, input.order, isBypass(o.kind) ? -1 : o.stack, input.outcome);
      }
      case "report": {
        const o = s.orders[input.order];
        if (o === undefined || inFlight(o)) return null;
        return report(s, input.order, isBypass(o.kind) ? -1 : o.stack, "done");
      }
      case "misreport": {
        const o = s.orders[input.order];
        if (o === undefined || !inFlight(o)) return null;
        // The wrong key: a keyed order reported under null; a bypass order under its order's key (or s1).
        const wrong = isBypass(o.kind) ? Math.max(0, o.stack) : -1;
        return report(s, input.order, wrong, "done");
      }
      case "shutdown":
        return shutdown(s);
    }
  };

  const alphabet: MailboxInput[] = [];
  for (let stack = 0; stack < stackCount; stack++)
    for (let kind = 0; kind < (stack < fullStacks ? STACK_KINDS : 1); kind++)
      alphabet.push({ op: "submit", kind, stack });
  alphabet.push({ op: "submit", kind: UNKNOWN, stack: 0 });
  alphabet.push({ op: "submit", kind: NON_STACK, stack: -1 });
  for (let order = 0; order < ordersMax; order++) {
    for (const outcome of OUTCOMES) alphabet.push({ op: "complete", order, outcome });
    alphabet.push({ op: "redeliver", order });
    alphabet.push({ op: "report", order });
    alphabet.push({ op: "misreport", order });
  }
  alphabet.push({ op: "shutdown" });

  // ---- state invariants -----------------------------------------------------------------------------------

  const broken = (name: string) => (s: MailboxModelState) => s.broken !== name;
  /** What the mailbox itself holds agrees with the ledger: nothing lost, nothing invented. */
  const mailboxAgrees = (s: MailboxModelState): boolean => {
    const m = s.mailbox.state;
    let inFlightSeen = 0;
    for (let i = 0; i < s.orders.length; i++) {
      const o = s.orders[i]!;
      if (!inFlight(o)) continue;
      inFlightSeen++;
      const key = dispatchKey(o.kind, o.stack);
      const held = key === null ? m.keyless[ids[i]!] : m.keys[key]?.inFlight;
      if (held === undefined || held === null || held.order.id !== ids[i]) return false;
      if (held.cancelled !== (o.status === CANCELLED)) return false;
    }
    if (m.inFlightCount !== inFlightSeen) return false;
    for (let k = 0; k < stackCount; k++) {
      const pending = m.keys[stacks[k]!]?.pending ?? [];
      const queue = s.queues[k]!;
      if (pending.length !== queue.length || pending.some((order, n) => order.id !== ids[queue[n]!]))
        return false;
    }
    const waiting = m.ready.flatMap((e) => (e._tag === "Keyless" ? [e.order.id] : []));
    const queue = s.queues[bypassQueue]!;
    return waiting.length === queue.length && waiting.every((id, n) => id === ids[queue[n]!]);
  };

  return {
    name:
      options.name ??
      (pool
        ? "mailbox-pool-without-mailbox"
        : buggyMachine
          ? "mailbox-cancel-without-successor"
          : cancellation === "ignored"
            ? "mailbox-no-cancel-check"
            : captured
              ? "mailbox-captured-ctx"
              : policyName === "membership"
                ? "mailbox"
                : `mailbox-${policyName}`),
    initial: {
      mailbox: initialMailbox,
      orders: [],
      queues: Array.from({ length: stackCount + 1 }, () => []),
      ready: [],
      lastDispatched: -1,
      sharedCancelled: false,
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      {
        name: MB_ONE_PER_KEY,
        holds: (s) => {
          let seen = 0;
          for (const o of s.orders) {
            if (!inFlight(o) || o.kind >= STACK_KINDS) continue;
            const bit = 1 << o.stack;
            if ((seen & bit) !== 0) return false;
            seen |= bit;
          }
          return s.broken !== MB_ONE_PER_KEY;
        },
      },
      { name: MB_GLOBAL_BOUND, holds: (s) => s.broken !== MB_GLOBAL_BOUND && runningCount(s) <= inFlightMax },
      {
        name: MB_DELETE_NEVER_CANCELLED,
        holds: (s) =>
          s.mailbox.state.shuttingDown ||
          s.orders.every(
            (o) => o.status !== CANCELLED || !policy.neverCancel.includes(MODEL_KINDS[o.kind] ?? ""),
          ),
      },
      {
        name: MB_CANCEL_WITH_SUCCESSOR,
        holds: (s) =>
          s.broken !== MB_CANCEL_WITH_SUCCESSOR &&
          (s.mailbox.state.shuttingDown ||
            s.orders.every(
              (o) => o.status !== CANCELLED || isBypass(o.kind) || s.queues[o.stack]!.length > 0,
            )),
      },
      {
        name: MB_HANDLER_SEES_OWN_CANCEL,
        holds: (s) => s.orders.every((o, i) => !inFlight(o) || sees(s, i) === (o.status === CANCELLED)),
      },
      { name: MB_BYPASS, holds: broken(MB_BYPASS) },
      {
        name: MB_WORK_CONSERVING,
        holds: (s) => {
          if (s.broken === MB_WORK_CONSERVING) return false;
          if (s.mailbox.state.shuttingDown || runningCount(s) >= inFlightMax) return true;
          if (s.queues[bypassQueue]!.length > 0) return false;
          for (let k = 0; k < stackCount; k++) {
            if (s.queues[k]!.length === 0) continue;
            if (!s.orders.some((o) => inFlight(o) && !isBypass(o.kind) && o.stack === k)) return false;
          }
          return true;
        },
      },
      { name: MB_FIFO, holds: broken(MB_FIFO) },
      { name: MB_ROUND_ROBIN, holds: broken(MB_ROUND_ROBIN) },
      { name: MB_NOT_LOST, holds: (s) => s.broken !== MB_NOT_LOST && mailboxAgrees(s) },
      { name: MB_POLICY, holds: broken(MB_POLICY) },
      {
        name: MB_BOUNDS,
        holds: (s) => {
          if (s.broken === MB_BOUNDS) return false;
          if (s.queues[bypassQueue]!.length > keylessPendingMax) return false;
          let keys = 0;
          for (let k = 0; k < stackCount; k++) {
            const queue = s.queues[k]!;
            if (queue.length > pendingPerKeyMax) return false;
            if (queue.length > 0 || s.orders.some((o) => inFlight(o) && !isBypass(o.kind) && o.stack === k))
              keys++;
          }
          return keys <= keyCountMax;
        },
      },
      { name: MB_DUPLICATE, holds: broken(MB_DUPLICATE) },
      { name: MB_REPORTS, holds: broken(MB_REPORTS) },
      { name: MB_SHUTDOWN, holds: broken(MB_SHUTDOWN) },
    ],
    fingerprint: (s, into) => {
      into.int(s.mailbox.hi);
      into.int(s.mailbox.lo);
      into.int(s.lastDispatched);
      into.int(s.sharedCancelled ? 1 : 0);
      into.int(s.broken === null ? 0 : 1);
      for (const o of s.orders) into.int(((o.kind * (stackCount + 1) + o.stack + 1) << 3) | o.status);
      into.int(-1);
      for (const queue of s.queues) {
        for (const j of queue) into.int(j);
        into.int(-1);
      }
      for (const entry of s.ready) into.int(entry);
    },
    describe: (input) => {
      switch (input.op) {
        case "submit":
          return input.kind === NON_STACK
            ? "Submit NonStack"
            : `Submit ${MODEL_KINDS[input.kind]} ${stacks[input.stack]}`;
        case "redeliver":
          return `Redeliver ${ids[input.order]}`;
        case "complete":
          return `Complete ${ids[input.order]} ${input.outcome}`;
        case "report":
          return `Stale report ${ids[input.order]}`;
        case "misreport":
          return `Misaddressed report ${ids[input.order]}`;
        case "shutdown":
          return "Shutdown";
      }
    },
    describeState: (s) => describeMailboxState(s, ids),
  };
}

function cellOf(
  policy: Mailbox.Policy,
  inFlightKind: number,
  incomingKind: number,
): Mailbox.Cell | undefined {
  return policy.matrix[MODEL_KINDS[inFlightKind] ?? ""]?.[MODEL_KINDS[incomingKind] ?? ""];
}

const SHORT_KINDS: Readonly<Record<string, string>> = {
  ExistingStack: "E",
  DeletedStack: "D",
  EnabledStack: "En",
  DisabledStack: "Dis",
  Unknown: "U",
  NonStack: "N",
};

/** One line: each key's in-flight order (`!` cancelled) and pending FIFO, bypass orders, waiting line, shutdown. */
function describeMailboxState(s: MailboxModelState, ids: readonly string[]): string {
  const m = s.mailbox.state;
  const short = (order: Mailbox.Order) => `${order.id}:${SHORT_KINDS[order.kind] ?? order.kind}`;
  const keys = Object.entries(m.keys).map(([key, entry]) => {
    const running =
      entry.inFlight === null ? "-" : `${short(entry.inFlight.order)}${entry.inFlight.cancelled ? "!" : ""}`;
    return `${key}{${running}${entry.pending.map((o) => ` <${short(o)}`).join("")}}`;
  });
  const keyless = Object.values(m.keyless).map((f) => `${short(f.order)}${f.cancelled ? "!" : ""}`);
  const waiting = m.ready.flatMap((e) => (e._tag === "Keyless" ? [short(e.order)] : []));
  const gone = s.orders.flatMap((o, i) => (o.status === GONE ? [ids[i]!] : []));
  return [
    `in flight ${m.inFlightCount}`,
    keys.length === 0 ? "keys -" : keys.join(" "),
    keyless.length === 0 ? "" : `bypass ${keyless.join(" ")}`,
    waiting.length === 0 ? "" : `waiting ${waiting.join(" ")}`,
    gone.length === 0 ? "" : `gone ${gone.join(",")}`,
    m.shuttingDown ? "SHUT DOWN" : "",
    s.broken === null ? "" : `BROKEN: ${s.broken}`,
  ]
    .filter((part) => part !== "")
    .join(" · ");
}

/**
 * Feeds a canonical key of a mailbox state to `into`: the count in flight and the shutdown flag; each key with
 * work in the mailbox's insertion order (which decides Shutdown's result order) with its in-flight order and
 * pending FIFO; the bypass orders in flight in insertion order; the `ready` queue. An order is its id, kind and
 * key (one id may carry different orders on different paths). The config is fixed per model, so it is left out.
 */
function fingerprintMailbox(m: Mailbox.State, stacks: readonly string[], into: FingerprintBuilder): void {
  const order = (o: Mailbox.Order) => {
    into.string(o.id);
    into.string(o.kind);
    into.int(o.key === null ? -1 : stacks.indexOf(o.key));
  };
  const running = (f: Mailbox.InFlight) => {
    order(f.order);
    into.int(f.cancelled ? 1 : 0);
    if (f.cancelledBy === null) into.int(-1);
    else into.string(f.cancelledBy);
  };
  into.int(m.inFlightCount);
  into.int(m.shuttingDown ? 1 : 0);
  for (const [key, entry] of Object.entries(m.keys)) {
    into.int(stacks.indexOf(key));
    if (entry.inFlight === null) into.int(-2);
    else running(entry.inFlight);
    into.int(entry.pending.length);
    for (const o of entry.pending) order(o);
  }
  into.int(-3);
  for (const f of Object.values(m.keyless)) running(f);
  into.int(-3);
  for (const e of m.ready) {
    if (e._tag === "Key") into.int(stacks.indexOf(e.key));
    else order(e.order);
  }
}

const SOURCE = "shared/seeds/003_feaed94036040d1c.txt";

/**
 * What the environment of every registered mailbox model may do, in words (the bounds a `verified` holds
 * within). The Mailbox has no clock — no TTL, lease or backoff — so there are no ticks.
 */
const ENVIRONMENT =
  "Submit of ExistingStack / DeletedStack / EnabledStack / DisabledStack for 2 stacks, an Unknown-kind order on s1 and a keyless NonStack order (both bypass); 4 orders in all; handlers Complete done / failed / cancelled; live redeliveries; stale and misaddressed Completes; Shutdown twice; inFlightMax 2, pendingPerKeyMax 2, keylessPendingMax 1, keyCountMax 2; no clock (the Mailbox has no deadline)";

/** Options of the registered `mailbox`: the defaults (2 stacks of every kind + 1 of snapshots, 4 orders). */
export const MAILBOX_OPTIONS: MailboxModelOptions = { name: "mailbox" };
/** Options of `mailbox-fifo`: the registered environment without the third stack, policy fifo. */
export const MAILBOX_FIFO_OPTIONS: MailboxModelOptions = {
  snapshotOnlyStacks: 0,
  policy: "fifo",
  name: "mailbox-fifo",
};
/** Options of `mailbox-dedupe`: the registered environment without the third stack, policy dedupe. */
export const MAILBOX_DEDUPE_OPTIONS: MailboxModelOptions = {
  snapshotOnlyStacks: 0,
  policy: "dedupe",
  name: "mailbox-dedupe",
};

/** Seed 003's fix: the membership matrix. Verified, every Result and Effect of the Mailbox reached. */
export const mailboxChecked = defineModel({
  name: "mailbox",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; a 3rd stack receives ExistingStack only (to reach keyCountMax); policy membership (membershipPolicy, ./policy.ts)`,
  source: SOURCE,
  expect: "pass",
  why: "one order in flight per stack, FIFO after coalescing, the global bound, Delete never cancelled, cancel only with a successor queued, bypass orders outside every key, no order lost",
  build: () => mailboxModel(MAILBOX_OPTIONS),
});

/** The scenario's `mailbox-fifo`: serialisation without supersession. */
export const mailboxFifoChecked = defineModel({
  name: "mailbox-fifo",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; policy fifo (Mailbox.fifoPolicy, DeletedStack never cancelled)`,
  source: SOURCE,
  expect: "pass",
  why: "every cell queues: nothing is cancelled, coalesced or dropped, and every promise of the mailbox holds",
  build: () => mailboxModel(MAILBOX_FIFO_OPTIONS),
});

/** A policy with every cell form (drop, keep+coalesce): reaches `Dropped`. */
export const mailboxDedupeChecked = defineModel({
  name: "mailbox-dedupe",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; policy dedupe (the membership matrix plus drop on the Delete / Enabled / Disabled diagonal and coalesce for a snapshot behind Enabled / Disabled)`,
  source: SOURCE,
  expect: "pass",
  why: "a repeat of the in-flight order is dropped only with nothing pending; coalescing keeps the in-flight order; every promise holds",
  build: () => mailboxModel(MAILBOX_DEDUPE_OPTIONS),
});

/** Seed 003 before the fix: orders go straight to the pool. Found in 2 inputs. */
export const mailboxPoolWithoutMailboxChecked = defineModel({
  name: "mailbox-pool-without-mailbox",
  machine: "Mailbox",
  description: "the same environment (membership policy), every order sent with key null, as before the fix",
  source: SOURCE,
  expect: "violation",
  why: "two orders of one stack run on the pool at once (the race on the K8s API)",
  build: () => mailboxModel({ routing: "pool" }),
});

/** The scenario's `cancel-without-successor` dispatcher: found in 2 inputs. */
export const mailboxCancelWithoutSuccessorChecked = defineModel({
  name: "mailbox-cancel-without-successor",
  machine: "Mailbox",
  description:
    "the same environment through the scenario's cancelWithoutSuccessorMailbox (ExistingStack × ExistingStack = cancel + drop)",
  source: SOURCE,
  expect: "violation",
  why: "a newer snapshot cancels the in-flight one and is dropped, so nothing is queued to reconcile the stack",
  build: () => mailboxModel({ machine: "cancel-without-successor" }),
});

/** The scenario's `no-cancel-check`: handlers ignore their context. Found in 2 inputs. */
export const mailboxNoCancelCheckChecked = defineModel({
  name: "mailbox-no-cancel-check",
  machine: "Mailbox",
  description: "the same environment with handlers that never look at their context",
  source: SOURCE,
  expect: "violation",
  why: "a superseded handler never sees its Cancel and runs on, creating what its successor will replace or tear down",
  build: () => mailboxModel({ cancellation: "ignored" }),
});

/** The scenario's `captured-ctx` (the seed's reviewer note): found in 3 inputs. */
export const mailboxCapturedCtxChecked = defineModel({
  name: "mailbox-captured-ctx",
  machine: "Mailbox",
  description:
    "the same environment with handlers that read the one ctx variable the dispatch loop reassigns per order",
  source: SOURCE,
  expect: "violation",
  why: "a superseded handler reads the ctx of the order dispatched after it, so it misses its own Cancel (or sees another's)",
  build: () => mailboxModel({ cancellation: "captured" }),
});

/** Every mailbox model, in the order `interleave check` lists them (registered in ../models.ts). */
export const mailboxModels: readonly CheckedModel[] = [
  mailboxChecked,
  mailboxFifoChecked,
  mailboxDedupeChecked,
  mailboxPoolWithoutMailboxChecked,
  mailboxCancelWithoutSuccessorChecked,
  mailboxNoCancelCheckChecked,
  mailboxCapturedCtxChecked,
];
