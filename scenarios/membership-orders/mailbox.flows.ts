/**
 * The caller of the Mailbox models (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt): it submits,
 * redelivers, reports and shuts down the way the seed's dispatcher does, carries out the mailbox's effects,
 * and keeps the ledger of what it was told (results and effects), finding the transition properties an answer
 * breaks; and the fixed parts of a model it reads. Used by ./mailbox.space.ts; the promises are in
 * ./mailbox.promises.ts.
 */
import type { Mailbox } from "@interleave/core";
import type { CachedStep, Fingerprinted } from "@interleave/sim/statespace";
import {
  MB_BOUNDS,
  MB_BYPASS,
  MB_CANCEL_WITH_SUCCESSOR,
  MB_DUPLICATE,
  MB_FIFO,
  MB_GLOBAL_BOUND,
  MB_NOT_LOST,
  MB_ONE_PER_KEY,
  MB_POLICY,
  MB_REPORTS,
  MB_ROUND_ROBIN,
  MB_SHUTDOWN,
  MB_WORK_CONSERVING,
} from "./mailbox.promises.js";
import type { MailboxInput, MailboxModelState, OrderStatus, TrackedOrder } from "./mailbox.state.js";
import {
  ARRIVING,
  CANCELLED,
  GONE,
  MODEL_KINDS,
  NON_STACK,
  PENDING,
  RUNNING,
  UNKNOWN,
} from "./mailbox.state.js";

/** Codes of the events in the model's {@link MachineCache}. */
const SUBMIT = 0;
const COMPLETE = 1;
const SHUTDOWN = 2;
export const OUTCOMES = ["done", "failed", "cancelled"] as const;

/** What the cache records per step: the machine's result and effects. */
export interface Outcome {
  readonly result: Mailbox.Result;
  readonly effects: readonly Mailbox.Effect[];
}

/**
 * The fixed parts of one `mailboxModel` (./mailbox.space.ts) that its caller ({@link mailboxCaller}) and its
 * promises (./mailbox.promises.ts) read: the sizes and bounds, the policy, the stack and order names, the
 * mailbox step through the model's cache, and the helpers over tracked orders. Built once per model.
 */
export interface MailboxSpace {
  readonly stackCount: number;
  readonly ordersMax: number;
  /** The index of the bypass orders' queue in `queues`. */
  readonly bypassQueue: number;
  readonly inFlightMax: number;
  readonly pendingPerKeyMax: number;
  readonly keylessPendingMax: number;
  readonly keyCountMax: number;
  readonly policy: Mailbox.Policy;
  /** `cancellation: "captured"`: handlers read the context of the order dispatched last. */
  readonly captured: boolean;
  readonly stacks: readonly string[];
  readonly ids: readonly string[];
  readonly stepMailbox: (
    from: Fingerprinted<Mailbox.State>,
    eventCode: number,
    event: () => Mailbox.Event,
  ) => CachedStep<Mailbox.State, Outcome>;
  readonly isBypass: (kind: number) => boolean;
  readonly dispatchKey: (kind: number, stack: number) => string | null;
  readonly queueOf: (o: TrackedOrder) => number;
  readonly orderObject: (i: number, o: TrackedOrder) => Mailbox.Order;
  readonly indexOf: (id: string) => number;
  readonly code: (op: number, i: number, kind: number, stack: number, key: number, outcome: number) => number;
  readonly tracked: (kind: number, stack: number, status: OrderStatus) => TrackedOrder;
  readonly live: (o: TrackedOrder) => boolean;
  readonly inFlight: (o: TrackedOrder) => boolean;
  readonly sees: (s: MailboxModelState, i: number) => boolean;
  readonly runningCount: (d: { readonly orders: readonly TrackedOrder[] }) => number;
}

/**
 * The `next` of a {@link MailboxSpace}'s model: the caller's step for each input, with the mailbox's answer
 * checked against its ledger (`null` when the input is not enabled).
 */
export function mailboxCaller(
  space: MailboxSpace,
): (s: MailboxModelState, input: MailboxInput) => MailboxModelState | null {
  const { stackCount, ordersMax, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax } = space;
  const { policy, captured, stacks, ids, stepMailbox, isBypass, dispatchKey, queueOf, orderObject } = space;
  const { indexOf, code, tracked, live, inFlight, sees, runningCount } = space;

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

  return next;
}

function cellOf(
  policy: Mailbox.Policy,
  inFlightKind: number,
  incomingKind: number,
): Mailbox.Cell | undefined {
  return policy.matrix[MODEL_KINDS[inFlightKind] ?? ""]?.[MODEL_KINDS[incomingKind] ?? ""];
}
