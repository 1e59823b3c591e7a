/**
 * The state of the Mailbox models (./mailbox.space.ts): the order kinds the model submits, what the caller
 * knows of each order, the model state and its inputs, and a mailbox state's canonical key and one-line
 * description (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt).
 */
import type { Mailbox } from "@interleave/core";
import type { FingerprintBuilder, Fingerprinted } from "@interleave/sim/statespace";

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

export const UNKNOWN = 4;
export const NON_STACK = 5;
/** Index of the first kind that is not a stack kind. */
export const STACK_KINDS = 4;

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
export const ARRIVING = 0;
export const PENDING = 1;
export const RUNNING = 2;
export const CANCELLED = 3;
export const GONE = 4;

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

const SHORT_KINDS: Readonly<Record<string, string>> = {
  ExistingStack: "E",
  DeletedStack: "D",
  EnabledStack: "En",
  DisabledStack: "Dis",
  Unknown: "U",
  NonStack: "N",
};

/** One line: each key's in-flight order (`!` cancelled) and pending FIFO, bypass orders, waiting line, shutdown. */
export function describeMailboxState(s: MailboxModelState, ids: readonly string[]): string {
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
export function fingerprintMailbox(
  m: Mailbox.State,
  stacks: readonly string[],
  into: FingerprintBuilder,
): void {
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
