/**
 * membership-orders — seed 003 (../shared/seeds/003_feaed94036040d1c.txt): a listener hands membership
 * orders (ExistingStack snapshots, DeletedStack, EnabledStack, DisabledStack) to a worker pool of 5. Two
 * orders for one stack landed on different workers and raced on the Kubernetes API, so the slower handler's
 * PATCH silently overwrote the newer snapshot. The fix routes every stack order through a per-stack mailbox
 * (core `Mailbox`): one order in flight per stack, pending orders FIFO, distinct stacks concurrent, and a
 * supersession matrix — a newer ExistingStack cancels and coalesces an in-flight one, a DeletedStack cancels
 * any non-Delete in flight, a Delete is never cancelled, and cancellation only fires when a successor is
 * queued. The handler checks its context between its four sub-syncs.
 *
 * Model of the runtime around the mailbox (what the seed's dispatcher does with the mailbox's effects):
 * - `Dispatch` starts a handler on a free worker of the pool (`worker-1` … `worker-5`), at the end of the
 *   step that decided it; the handler ends with `Complete`, which frees the stack and dispatches the next order.
 * - `Cancel` cancels the handler's context (an in-memory flag, as Go's `cancel()`); it does not stop the
 *   handler: a handler that honours cancellation checks `ctx.Err()` between sub-syncs and passes its context
 *   to every API request, which the client then refuses to send (`Canceled` in the cluster model). One API
 *   request is one atomic step, so a request is either sent before the cancel or refused after it.
 * - The handler's ExistingStack sync is four sub-syncs, each a read-modify-write of one API object in two
 *   requests (Get, then Create or Patch); a DeletedStack tears the four objects down, modules first.
 *
 * Properties are checked against what the runtime observed (a ledger of arrivals, dispatches, cancels and
 * completions) and the cluster, not against the mailbox's own state, so a mailbox bug cannot hide. A stack's
 * Delete "begins" when it supersedes the stack's in-flight order or, with nothing to supersede, when it is
 * dispatched; from then on no order that arrived before it may create anything for the stack.
 *
 * Variants: the five of the issue, plus `captured-ctx` from the seed's reviewer note (the pre-refactor
 * closure reassigned the captured outer `ctx` across worker goroutines).
 */
import { Mailbox } from "@interleave/core";
import {
  choose,
  type Distribution,
  defineScenario,
  note,
  type Op,
  type ProcessContext,
  type StoreRef,
  sleep,
  tx,
  txAt,
  uniform,
  type View,
  type WorldBuilder,
  weighted,
} from "@interleave/sim";
import {
  type ApiObject,
  type ClusterEvent,
  type ClusterResult,
  type ClusterState,
  cluster,
  OBJECTS,
  type ObjectName,
} from "./cluster.js";
import { convergenceCheck, Ledger } from "./ledger.js";
import { membershipPolicy } from "./policy.js";

export { type Desired, desiredState } from "./ledger.js";

/** The membership order kinds of the seed. */
export type Kind = "ExistingStack" | "DeletedStack" | "EnabledStack" | "DisabledStack";

/** What an order carries: its stack, and for a snapshot the version and enabled flag it describes. */
export interface Payload {
  readonly stack: string;
  readonly version: number;
  readonly enabled: boolean;
}

/** How the listener and handler behave; each variant picks one combination. */
export interface Options {
  /** `pool`: orders go straight to the worker pool (before the fix); `mailbox`: through the per-stack mailbox. */
  readonly routing: "pool" | "mailbox";
  /** The supersession policy: none (FIFO), the seed's matrix, or the seed's matrix with a cell that cancels without a successor. */
  readonly policy: "fifo" | "membership" | "cancel-without-successor";
  /**
   * `checked`: the handler checks its context between sub-syncs and passes it to every request; `ignored`:
   * neither; `captured`: as `checked`, but it reads the context through the one variable every worker
   * shares, which the dispatcher reassigns for each order (the seed's reviewer note on the captured `ctx`).
   */
  readonly cancellation: "checked" | "ignored" | "captured";
}

/** One step of a stack's script: a snapshot, a delete, or an enable / disable. */
type Step = "snapshot" | "delete" | "enable" | "disable";

/** Scenario parameters: the stacks, their order scripts, the pool and mailbox bounds, the timing and the liveness bound. */
export const params = {
  stacks: ["s1", "s2", "s3", "s4", "s5", "s6"],
  /** Each stack gets one script (a recorded choice); its first snapshot creates the stack. */
  scripts: {
    "snapshot-burst": ["snapshot", "snapshot", "snapshot"],
    toggle: ["snapshot", "disable", "enable", "snapshot"],
    "create-delete": ["snapshot", "delete"],
    "update-delete": ["snapshot", "snapshot", "delete"],
    "toggle-delete": ["snapshot", "disable", "delete"],
  } as Readonly<Record<string, readonly Step[]>>,
  /** The seed's `pond.New(5, 5)` pool, and the mailbox's bounds (large enough that this workload never hits them). */
  mailbox: { inFlightMax: 5, pendingPerKeyMax: 8, keylessPendingMax: 32, keyCountMax: 16 },
  /** Gap before each order the listener receives: orders arrive in close succession. */
  gapMs: weighted([
    [0, 3],
    [100, 3],
    [500, 2],
    [2_000, 2],
  ]),
  /** Latency of one API request. An ExistingStack sync makes 8 requests: 0.8 s to 3.2 s. */
  apiLatencyMs: uniform(100, 400, 100),
  /** A rejected order (mailbox full) is nacked and redelivered after this long. */
  redeliveryMs: 1_000,
  /**
   * Deadline of "every order completes or is superseded within 26 s of its arrival", the worst case of the
   * fixed mailbox for one order when distinct stacks progress concurrently: at most 3 orders of its stack
   * are ahead of it (scripts have at most 4), and each of those and itself runs to the end (FIFO variant:
   * nothing is cancelled) in at most 8 requests × 400 ms = 3.2 s, after waiting at most 3.2 s for a slot
   * (6 stacks share 5 workers, so at most one stack waits, for the first of 5 in-flight orders to end):
   * 4 × 6.4 s = 25.6 s. Sampled runs stay under 8 s; a pool that serialises all stacks (one worker) misses it.
   */
  orderWithinMs: 26_000,
  /** Deadline of the whole workload: the last of at most 24 orders arrives by 24 × 2 s = 48 s, then 26 s. */
  drainWithinMs: 75_000,
  horizonMs: 120_000,
};

type MailboxRef = StoreRef<Mailbox.State, Mailbox.Event, Mailbox.Result>;
export type ClusterRef = StoreRef<ClusterState, ClusterEvent, ClusterResult>;
type Outcome = "done" | "failed" | "cancelled";

/** The cell of the buggy policy: a newer snapshot cancels the in-flight one and is then dropped as a "duplicate". */
export const CANCEL_WITHOUT_SUCCESSOR_CELL: Mailbox.Cell = { inFlight: "cancel", incoming: "drop" };

/**
 * The dispatcher of the `cancel-without-successor` variant: the seed's table with ExistingStack ×
 * ExistingStack set to {@link CANCEL_WITHOUT_SUCCESSOR_CELL}. The core refuses to run that cell —
 * `Mailbox.policy` rejects it, naming the cell, and the machine asserts that a superseded order has a
 * successor — so this wrapper carries the cell out itself, as a dispatcher without those checks would: with
 * nothing pending behind an in-flight ExistingStack, a newer ExistingStack cancels it and is dropped.
 * Every other event goes to the core unchanged.
 */
export const cancelWithoutSuccessorMailbox = {
  transition(
    state: Mailbox.State,
    event: Mailbox.Event,
  ): { state: Mailbox.State; effects: readonly Mailbox.Effect[]; result: Mailbox.Result } {
    if (event._tag === "Submit" && event.order.key !== null && event.order.kind === "ExistingStack") {
      const key = event.order.key;
      const entry = Object.hasOwn(state.keys, key) ? state.keys[key] : undefined;
      const running = entry?.inFlight;
      if (
        entry !== undefined &&
        running != null &&
        running.order.kind === "ExistingStack" &&
        running.order.id !== event.order.id &&
        !running.cancelled &&
        entry.pending.length === 0
      ) {
        const inFlight = { ...running, cancelled: true, cancelledBy: event.order.id };
        return {
          state: { ...state, keys: { ...state.keys, [key]: { inFlight, pending: [] } } },
          effects: [
            { _tag: "Cancel", key, orderId: running.order.id, reason: "superseded", by: event.order.id },
          ],
          result: { _tag: "Dropped", orderId: event.order.id, duplicateOf: running.order.id },
        };
      }
    }
    return Mailbox.transition(state, event);
  },
};

function initialMailbox(p: typeof params, options: Options): Mailbox.State {
  const kinds = membershipPolicy.kinds;
  const policy = options.policy === "fifo" ? Mailbox.fifoPolicy(kinds, ["DeletedStack"]) : membershipPolicy;
  return Mailbox.initial({ ...p.mailbox, policy });
}

// The ledger (what the runtime observed, for the properties) is in ./ledger.ts.

// ---- processes -------------------------------------------------------------------------------------------

/** What a handler works with: the API server, the variant's options, and the latency of one request. */
interface Env {
  readonly api: ClusterRef;
  readonly options: Options;
  readonly apiLatencyMs: Distribution;
}

/** Cancellation as the handler sees it: Go's `ctx`, cancelled by the dispatcher's `Cancel` effect. */
interface Context {
  cancelled: boolean;
}

/** How a handler reaches its context when it looks: its own, or whatever the shared variable holds now. */
type ContextOf = () => Context;

/** The seed's listener: receives orders in close succession and hands each to the mailbox (or the pool). */
function* listener(
  p: typeof params,
  mailbox: MailboxRef,
  ledger: Ledger,
  options: Options,
  ctx: ProcessContext,
) {
  const names = Object.keys(p.scripts);
  const todo: { stack: string; steps: readonly Step[]; next: number; version: number; enabled: boolean }[] =
    [];
  for (const stack of p.stacks) {
    const script = yield* choose(`script ${stack}`, names);
    todo.push({ stack, steps: p.scripts[script] ?? [], next: 0, version: 0, enabled: true });
  }
  for (;;) {
    const open = todo.filter((s) => s.next < s.steps.length);
    if (open.length === 0) return;
    const stackName = yield* choose(
      "next order for",
      open.map((s) => s.stack),
    );
    const s = open.find((o) => o.stack === stackName)!;
    yield* sleep(p.gapMs, "gap");
    const step = s.steps[s.next]!;
    s.next++;
    if (step === "snapshot") s.version++;
    if (step === "enable" || step === "disable") s.enabled = step === "enable";
    const kind: Kind =
      step === "snapshot"
        ? "ExistingStack"
        : step === "delete"
          ? "DeletedStack"
          : step === "enable"
            ? "EnabledStack"
            : "DisabledStack";
    const payload: Payload = { stack: s.stack, version: s.version, enabled: s.enabled };
    const order: Mailbox.Order = {
      id: `${s.stack}#${s.next}`,
      key: options.routing === "mailbox" ? s.stack : null,
      kind,
      payload,
    };
    for (;;) {
      const r = yield* tx(mailbox, { _tag: "Submit", order });
      if (r._tag !== "Rejected") {
        ledger.arrive(order, payload, r, ctx.now());
        break;
      }
      yield* note(`nacked ${order.id} (${r.reason}); redelivered in ${p.redeliveryMs} ms`);
      yield* sleep(p.redeliveryMs);
    }
  }
}

/** One API request made with `ctx`: refused (not sent) when `ctx` is already cancelled and the handler passes it. */
function* request(env: Env, ctx: ContextOf, event: ClusterEvent): Generator<Op, ClusterResult, unknown> {
  const { api, options } = env;
  yield* sleep(env.apiLatencyMs, "api latency");
  if (options.cancellation === "ignored") return yield* tx(api, event);
  return yield* txAt(api)(() =>
    ctx().cancelled && event._tag !== "Canceled"
      ? {
          _tag: "Canceled",
          request: event._tag,
          stack: event.stack,
          object: event.object,
          order: event.order,
        }
      : event,
  );
}

/** The handler for one order, returning its outcome. */
function* handle(env: Env, order: Mailbox.Order, ctx: ContextOf): Generator<Op, Outcome, unknown> {
  const p = order.payload as Payload;
  const at = (object: ObjectName) => ({ stack: p.stack, object, order: order.id });
  const checks = env.options.cancellation !== "ignored";
  switch (order.kind as Kind) {
    case "ExistingStack":
      for (const object of OBJECTS) {
        if (checks && ctx().cancelled) return "cancelled"; // the seed's ctx.Err() between sub-syncs
        const got = yield* request(env, ctx, { _tag: "Get", ...at(object) });
        if (got._tag === "ContextCanceled") return "cancelled";
        const value: ApiObject = { version: p.version, enabled: object === "modules" ? p.enabled : true };
        const wrote =
          got._tag === "NotFound"
            ? yield* request(env, ctx, { _tag: "Create", value, ...at(object) })
            : yield* request(env, ctx, { _tag: "Patch", value, ...at(object) });
        if (wrote._tag === "ContextCanceled") return "cancelled";
        if (wrote._tag !== "Created" && wrote._tag !== "Patched") {
          yield* note(`sync of ${object} failed: ${wrote._tag}`);
          return "failed";
        }
      }
      return "done";
    case "EnabledStack":
    case "DisabledStack": {
      const got = yield* request(env, ctx, { _tag: "Get", ...at("modules") });
      if (got._tag === "ContextCanceled") return "cancelled";
      if (got._tag === "NotFound") return "done"; // nothing to scale
      const enabled = order.kind === "EnabledStack";
      const wrote = yield* request(env, ctx, {
        _tag: "Patch",
        value: { enabled },
        ...at("modules"),
      });
      if (wrote._tag === "ContextCanceled") return "cancelled";
      return wrote._tag === "Patched" ? "done" : "failed";
    }
    case "DeletedStack":
      for (const object of [...OBJECTS].reverse()) {
        const r = yield* request(env, ctx, { _tag: "Delete", ...at(object) });
        if (r._tag === "ContextCanceled") return "cancelled";
      }
      return "done";
    default:
      return "failed";
  }
}

// ---- properties ------------------------------------------------------------------------------------------

/** True unless the last step created an object for a stack whose Delete, which arrived later, had begun. */
function nothingCreatedAfterDelete(view: View, clusterRef: ClusterRef, ledger: Ledger): boolean {
  const last = view.lastOn(clusterRef);
  if (last === null || last.result._tag !== "Created") return true;
  const event = last.event;
  const began = ledger.deleteBegan.get(event.stack);
  return began === undefined || ledger.get(event.order).seq > began;
}

/**
 * Declares one run's world: the cluster and the mailbox stores, the runtime carrying out the mailbox's
 * effects on a pool of `p.mailbox.inFlightMax` workers, the listener, and the properties. Exported so tests
 * can run the model with other parameters (e.g. a pool of one worker).
 */
export function buildWorld(world: WorldBuilder, p: typeof params, options: Options): void {
  const ledger = new Ledger();
  const contexts = new Map<string, Context>();
  /** The captured variable of `captured`: the context of the order dispatched last. */
  const shared: { current: Context } = { current: { cancelled: false } };
  const workers: boolean[] = Array.from({ length: p.mailbox.inFlightMax }, () => false);
  const api: ClusterRef = world.store("cluster", cluster, { objects: {} });
  const env: Env = { api, options, apiLatencyMs: p.apiLatencyMs };
  const machine = options.policy === "cancel-without-successor" ? cancelWithoutSuccessorMailbox : Mailbox;
  const mailbox: MailboxRef = world.store("mailbox", machine, initialMailbox(p, options), {
    effects: (effect, io) => {
      if (effect._tag === "Cancel") {
        ledger.cancelled(effect.orderId);
        const ctx = contexts.get(effect.orderId);
        if (ctx !== undefined) ctx.cancelled = true;
        return;
      }
      const { order } = effect;
      const key = effect.key;
      const slot = workers.indexOf(false);
      if (slot < 0) throw new Error(`no free worker for ${order.id}: the pool's bound was exceeded`);
      workers[slot] = true;
      const own: Context = { cancelled: false };
      contexts.set(order.id, own);
      shared.current = own;
      const ctx: ContextOf = options.cancellation === "captured" ? () => shared.current : () => own;
      ledger.dispatched(order.id);
      io.spawn(`worker-${slot + 1}`, function* () {
        const outcome = yield* handle(env, order, ctx);
        // The effect's key, not the order's: a bypass order runs under `null` whatever its key.
        yield* tx(mailbox, { _tag: "Complete", key, orderId: order.id, outcome });
        ledger.settle(order.id, "completed");
        contexts.delete(order.id);
        workers[slot] = false;
      });
    },
  });
  world.process("listener", (ctx) => listener(p, mailbox, ledger, options, ctx));

  world.always("at most one order of a stack is in flight", () => ledger.concurrent === null);
  world.always(
    "orders of a stack are applied in arrival order, except those superseded",
    () => ledger.outOfOrder === null,
  );
  world.always("an in-flight Delete is never cancelled", () => ledger.deleteCancelled === null);
  world.always("nothing is created for a stack after its Delete began", (view) =>
    nothingCreatedAfterDelete(view, api, ledger),
  );
  world.always(
    "when a stack's last order has completed, the cluster holds that order's desired state",
    convergenceCheck(p, api, ledger),
  );
  world.always(
    `every order completes or is superseded within ${p.orderWithinMs / 1000} s of its arrival`,
    (view) => (ledger.oldestOutstanding(view.now)?.ageMs ?? 0) <= p.orderWithinMs,
  );
  const allDone = (view: View) => view.finished("listener") && ledger.allSettled();
  world.eventually(`every order completes or is superseded within ${p.drainWithinMs / 1000} s`, allDone, {
    withinMs: p.drainWithinMs,
  });
  world.horizon(p.horizonMs);
  world.finishWhen(allDone);
}

export default defineScenario<typeof params, Options>({
  name: "membership-orders",
  // Random sampling finds every violation variant here fastest (docs/benchmarks.md). Exhaustive search
  // declares no deviation bound: it deepens by itself until complete or out of time, and says how deep it got.
  strategy: "random",
  source: "shared/seeds/003_feaed94036040d1c.txt",
  description:
    "A listener receives membership orders for 6 stacks in close succession and hands them to a pool of 5 workers; each handler syncs four Kubernetes objects by read-modify-write.",
  params,
  variants: {
    "pool-without-mailbox": {
      expect: "violation",
      why: "before the fix: orders of one stack run concurrently on the pool, and the slower handler's PATCH overwrites the newer snapshot",
      options: { routing: "pool", policy: "fifo", cancellation: "ignored" },
    },
    "mailbox-fifo": {
      expect: "pass",
      why: "per-stack mailbox without cancellation: one order per stack in flight, pending orders FIFO",
      options: { routing: "mailbox", policy: "fifo", cancellation: "checked" },
    },
    "mailbox-supersede": {
      expect: "pass",
      why: "the seed's fix: per-stack mailbox with its supersession matrix, the handler checking its context",
      options: { routing: "mailbox", policy: "membership", cancellation: "checked" },
    },
    "cancel-without-successor": {
      expect: "violation",
      why: "a policy cell cancels the in-flight snapshot and drops the newer one, so nothing reconciles the stack",
      options: { routing: "mailbox", policy: "cancel-without-successor", cancellation: "checked" },
    },
    "no-cancel-check": {
      expect: "violation",
      why: "the handler ignores cancellation between sub-syncs, so a create goes on after a Delete of the stack began",
      options: { routing: "mailbox", policy: "membership", cancellation: "ignored" },
    },
    "captured-ctx": {
      expect: "violation",
      why: "the seed's reviewer note: handlers read the ctx variable the dispatch loop reassigns, so they check another order's cancellation",
      options: { routing: "mailbox", policy: "membership", cancellation: "captured" },
    },
  },
  build: buildWorld,
});
