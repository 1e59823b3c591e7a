/**
 * The promises of the Mailbox models, as the invariant names the checker reports, and the state invariants
 * that check them against what the caller was told (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt).
 * The transition properties are found by the caller (./mailbox.flows.ts) and kept in the ghost field
 * `broken`. Used by ./mailbox.space.ts.
 */
import type { StateInvariant } from "@interleave/sim/statespace";
import type { MailboxSpace } from "./mailbox.flows.js";
import { CANCELLED, type MailboxModelState, MODEL_KINDS, STACK_KINDS } from "./mailbox.state.js";

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

/** The state invariants of a {@link MailboxSpace}, one per promise, in the order the checker tries them. */
export function mailboxInvariants(space: MailboxSpace): readonly StateInvariant<MailboxModelState>[] {
  const { stackCount, bypassQueue, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax } = space;
  const { policy, stacks, ids, isBypass, dispatchKey, inFlight, sees, runningCount } = space;

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

  return [
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
          s.orders.every((o) => o.status !== CANCELLED || isBypass(o.kind) || s.queues[o.stack]!.length > 0)),
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
  ];
}
