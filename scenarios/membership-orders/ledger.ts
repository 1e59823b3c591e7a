/**
 * The ledger of the membership-orders scenario (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt): what
 * the runtime observed — arrivals, dispatches, cancels and completions — kept per run for the properties of
 * ./membership-orders.ts, with the desired state of each stack after its orders and the convergence check
 * against the cluster.
 */
import type { Mailbox } from "@interleave/core";
import type { View } from "@interleave/sim";
import { type ClusterState, OBJECTS, objectOf } from "./cluster.js";
import type { ClusterRef, Payload, params } from "./membership-orders.js";

type Status = "pending" | "in-flight" | "completed" | "superseded" | "dropped";

interface Tracked {
  readonly order: Mailbox.Order;
  readonly payload: Payload;
  /** Arrival position among all orders (the listener's receive order). */
  readonly seq: number;
  /** Virtual time of its arrival at the mailbox, in ms. */
  readonly arrivedAtMs: number;
  status: Status;
}

/** Per-run bookkeeping of the runtime (plain memory, rebuilt by `build` for every run), kept incrementally so
 * the properties checked after every step cost O(stacks). */
export class Ledger {
  readonly orders = new Map<string, Tracked>();
  /** Per stack: its orders in arrival order. */
  private readonly byStack = new Map<string, Tracked[]>();
  /** Per stack: orders pending or in flight. */
  private readonly outstanding = new Map<string, number>();
  /** Per stack: orders whose handler is running. */
  private readonly running = new Map<string, number>();
  /** Per stack: the desired state after its orders so far. */
  private readonly desired = new Map<string, Desired>();
  /** Per stack: the arrival seq of the DeletedStack that began (superseded the in-flight order or was dispatched). */
  readonly deleteBegan = new Map<string, number>();
  /** History checks that failed when the runtime saw the event: two handlers of one stack at once, a dispatch
   * out of arrival order, a Delete cancelled. */
  concurrent: string | null = null;
  outOfOrder: string | null = null;
  deleteCancelled: string | null = null;
  private readonly all: Tracked[] = [];
  /** Index in `all` of the oldest order that may still be outstanding. */
  private head = 0;
  private outstandingTotal = 0;
  /** Bumped by every change, so checks can skip work when nothing changed. */
  version = 0;

  arrive(order: Mailbox.Order, payload: Payload, result: Mailbox.Result, atMs: number): void {
    this.version++;
    const tracked: Tracked = { order, payload, seq: this.all.length, arrivedAtMs: atMs, status: "pending" };
    this.orders.set(order.id, tracked);
    this.all.push(tracked);
    const stack = payload.stack;
    this.byStack.set(stack, [...(this.byStack.get(stack) ?? []), tracked]);
    this.desired.set(stack, desiredState([{ kind: order.kind, payload }], this.desiredOf(stack)));
    if (result._tag === "Dropped") {
      tracked.status = "dropped";
      return;
    }
    this.count(stack, 1);
    if (result._tag === "Accepted") {
      for (const id of result.superseded) this.settle(id, "superseded");
      if (order.kind === "DeletedStack" && result.cancelled !== null)
        this.deleteBegan.set(stack, tracked.seq);
    }
  }

  dispatched(orderId: string): void {
    this.version++;
    const t = this.get(orderId);
    const stack = t.payload.stack;
    const earlier = this.ofStack(stack).find(
      (o) => o.seq < t.seq && (o.status === "pending" || o.status === "in-flight"),
    );
    if (earlier !== undefined && this.outOfOrder === null)
      this.outOfOrder = `${t.order.id} dispatched while ${earlier.order.id} was ${earlier.status}`;
    const running = (this.running.get(stack) ?? 0) + 1;
    this.running.set(stack, running);
    if (running > 1 && this.concurrent === null)
      this.concurrent = `${t.order.id} dispatched while another order of ${stack} was running`;
    t.status = "in-flight";
    if (t.order.kind === "DeletedStack" && !this.deleteBegan.has(stack)) this.deleteBegan.set(stack, t.seq);
  }

  cancelled(orderId: string): void {
    const t = this.get(orderId);
    if (t.order.kind === "DeletedStack" && this.deleteCancelled === null) this.deleteCancelled = orderId;
  }

  settle(orderId: string, status: "completed" | "superseded"): void {
    this.version++;
    const t = this.get(orderId);
    if (t.status === "in-flight")
      this.running.set(t.payload.stack, (this.running.get(t.payload.stack) ?? 1) - 1);
    if (t.status === "pending" || t.status === "in-flight") this.count(t.payload.stack, -1);
    t.status = status;
  }

  get(orderId: string): Tracked {
    const t = this.orders.get(orderId);
    if (t === undefined) throw new Error(`ledger: unknown order ${orderId}`);
    return t;
  }

  /** Orders of `stack` in arrival order. */
  ofStack(stack: string): readonly Tracked[] {
    return this.byStack.get(stack) ?? [];
  }

  /** The desired state of `stack` after every order that arrived for it. */
  desiredOf(stack: string): Desired {
    return this.desired.get(stack) ?? NOTHING;
  }

  busy(stack: string): boolean {
    return (this.outstanding.get(stack) ?? 0) > 0;
  }

  /** The order outstanding (pending or in flight) the longest, with its age at `nowMs`; null if none. */
  oldestOutstanding(nowMs: number): { id: string; ageMs: number } | null {
    while (this.head < this.all.length) {
      const o = this.all[this.head]!;
      if (o.status === "pending" || o.status === "in-flight")
        return { id: o.order.id, ageMs: nowMs - o.arrivedAtMs };
      this.head++;
    }
    return null;
  }

  allSettled(): boolean {
    return this.outstandingTotal === 0;
  }

  private count(stack: string, delta: number): void {
    this.outstanding.set(stack, (this.outstanding.get(stack) ?? 0) + delta);
    this.outstandingTotal += delta;
  }
}

/** The desired state of a stack: whether it exists, its snapshot version, and whether its modules are enabled. */
export interface Desired {
  readonly exists: boolean;
  readonly version: number;
  readonly enabled: boolean;
}

const NOTHING: Desired = { exists: false, version: 0, enabled: true };

/**
 * The desired state of a stack after `orders`, in arrival order, starting from `from` (a stack that does not
 * exist). Dropped orders count: they were the latest word. A snapshot sets everything; a Delete removes the
 * stack; Enabled / Disabled apply only to a stack that exists.
 */
export function desiredState(
  orders: readonly { readonly kind: string; readonly payload: Payload }[],
  from: Desired = NOTHING,
): Desired {
  let { exists, version, enabled } = from;
  for (const { kind, payload } of orders) {
    if (kind === "ExistingStack") {
      exists = true;
      version = payload.version;
      enabled = payload.enabled;
    } else if (kind === "DeletedStack") {
      exists = false;
    } else if (exists) {
      enabled = kind === "EnabledStack";
    }
  }
  return { exists, version, enabled };
}

/** Whether the cluster holds exactly the desired state of `stack`. */
function converged(state: ClusterState, stack: string, ledger: Ledger): boolean {
  const desired = ledger.desiredOf(stack);
  return OBJECTS.every((object) => {
    const current = objectOf(state, stack, object);
    if (!desired.exists) return current === undefined;
    return (
      current !== undefined &&
      current.version === desired.version &&
      (object !== "modules" || current.enabled === desired.enabled)
    );
  });
}

/**
 * "When a stack's last order has completed, the cluster holds that order's desired state", for every stack
 * with nothing pending or in flight. Its verdict depends only on the cluster state (a new object after each
 * write) and the ledger (its `version` counts changes), so it is recomputed only when either changed.
 */
export function convergenceCheck(p: typeof params, api: ClusterRef, ledger: Ledger): (view: View) => boolean {
  let seenState: ClusterState | null = null;
  let seenVersion = -1;
  let verdict = true;
  return (view) => {
    const state = view.get(api);
    if (state === seenState && ledger.version === seenVersion) return verdict;
    seenState = state;
    seenVersion = ledger.version;
    verdict = p.stacks.every((stack) => ledger.busy(stack) || converged(state, stack, ledger));
    return verdict;
  };
}
