// Property tests for Mailbox: random sequences of Submit, Complete and Shutdown over small key, kind and id
// alphabets with small bounds (so every bound is hit), checked after every step against a reference
// bookkeeping of the orders accepted (seed 003: ../shared/seeds/003_feaed94036040d1c.txt). The policies are
// core fixtures (./mailbox-fixtures.ts); seed 003's own table is verified by the scenario's explicit-state
// model (scenarios/membership-orders/mailbox.model.ts, `check mailbox`).

import { Mailbox } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepFreeze } from "../../../test/support/deep-freeze.js";
import { dedupePolicy, KINDS, supersedePolicy } from "./mailbox-fixtures.js";

type State = Mailbox.State;
type Event = Mailbox.Event;
type Order = Mailbox.Order;
type Outcome = "done" | "failed" | "cancelled";

// Four keys for keyCountMax 3, so key-limit is reachable; "__proto__" keeps the records honest.
const KEYS = ["a", "b", "c", "__proto__", null] as const;

const config: Mailbox.Config = {
  policy: supersedePolicy,
  inFlightMax: 2,
  pendingPerKeyMax: 3,
  keylessPendingMax: 2,
  keyCountMax: 3,
};

// ---------------------------------------------------------------------------------------------------------
// Generator

/** How a Complete picks its target: a current in-flight order (most of the time), or a bogus one. */
type Target =
  | { readonly kind: "inFlight"; readonly index: number }
  | { readonly kind: "wrongKey"; readonly index: number }
  | { readonly kind: "pending"; readonly index: number }
  | { readonly kind: "unknown" };

type Op =
  | {
      readonly _tag: "Submit";
      readonly key: string | null;
      readonly kind: string;
      readonly reuse: number | null; // null: a fresh id; else an index into the ids used so far
    }
  | { readonly _tag: "Complete"; readonly target: Target; readonly outcome: Outcome }
  | { readonly _tag: "Shutdown" };

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("inFlight" as const), index: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wrongKey" as const), index: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pending" as const), index: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "unknown" as const }) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      _tag: fc.constant("Submit" as const),
      key: fc.constantFrom(...KEYS),
      kind: fc.constantFrom(...KINDS, "Other"),
      reuse: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(40) }),
    }),
  },
  {
    weight: 15,
    arbitrary: fc.record({
      _tag: fc.constant("Complete" as const),
      target,
      outcome: fc.constantFrom<Outcome>("done", "done", "failed", "cancelled"),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ _tag: "Shutdown" as const }) },
);

const ops = fc.array(op, { maxLength: 60, size: "max" });

/** The in-flight orders of `state` as `[key the Complete must carry, order id]`, keys first, then bypass. */
function inFlightOf(state: State): (readonly [string | null, string])[] {
  return [
    ...Object.entries(state.keys).flatMap(([key, entry]) =>
      entry.inFlight === null ? [] : [[key, entry.inFlight.order.id] as const],
    ),
    ...Object.keys(state.keyless).map((id) => [null, id] as const),
  ];
}

function pendingOf(state: State): Order[] {
  return [
    ...Object.values(state.keys).flatMap((entry) => entry.pending),
    ...state.ready.flatMap((entry) => (entry._tag === "Keyless" ? [entry.order] : [])),
  ];
}

/** Turns ops into events against the current state: ids fresh or reused, Completes aimed at live orders. */
class EventSource {
  private readonly used: string[] = [];

  event(current: Op, state: State): Event {
    switch (current._tag) {
      case "Submit": {
        const reused = current.reuse === null ? undefined : this.used[current.reuse % this.used.length];
        const id = reused ?? `o${this.used.length}`;
        if (reused === undefined) {
          this.used.push(id);
        }
        return { _tag: "Submit", order: { id, key: current.key, kind: current.kind } };
      }
      case "Complete":
        return { _tag: "Complete", ...this.complete(current.target, state), outcome: current.outcome };
      case "Shutdown":
        return { _tag: "Shutdown" };
    }
  }

  private complete(choice: Target, state: State): { readonly key: string | null; readonly orderId: string } {
    const running = inFlightOf(state);
    if (choice.kind === "pending") {
      const pending = pendingOf(state);
      const order = pending[choice.index % Math.max(pending.length, 1)];
      if (order !== undefined) {
        return { key: order.key, orderId: order.id };
      }
    } else if (choice.kind !== "unknown" && running.length > 0) {
      const [key, orderId] = running[choice.index % running.length]!;
      if (choice.kind === "inFlight") {
        return { key, orderId };
      }
      return { key: key === null ? "a" : key === "a" ? null : "a", orderId };
    }
    return { key: "a", orderId: "never-submitted" };
  }
}

/** One applied event, with the (deep-frozen) state before and after it. */
interface Observation {
  readonly before: State;
  readonly event: Event;
  readonly after: State;
  readonly effects: readonly Mailbox.Effect[];
  readonly result: Mailbox.Result;
}

/**
 * Replays `sequence` from the empty mailbox, calling `observe` after every transition. Every state and
 * event is deep-frozen first, so a transition that mutated its input would throw (ES modules are strict).
 */
function replay(
  mailboxConfig: Mailbox.Config,
  sequence: readonly Op[],
  observe: (o: Observation) => void,
): void {
  let state = deepFreeze(Mailbox.initial(mailboxConfig));
  const source = new EventSource();
  for (const current of sequence) {
    const event = deepFreeze(source.event(current, state));
    const { state: after, effects, result } = Mailbox.transition(state, event);
    deepFreeze(after);
    observe({ before: state, event, after, effects, result });
    state = after;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Checks

/** Checks every structural invariant of `state` in full. */
function checkInvariants(state: State): void {
  const { policy, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax } = state.config;
  const isBypass = (order: Order) => order.key === null || !policy.kinds.includes(order.kind);
  const ids = new Set<string>();
  const addId = (id: string) => {
    expect(ids.has(id), `order ids are unique among live orders (${id})`).toBe(false);
    ids.add(id);
  };
  const readyKeys = state.ready.flatMap((entry) => (entry._tag === "Key" ? [entry.key] : []));
  expect(new Set(readyKeys).size, "a key is in ready at most once").toBe(readyKeys.length);
  let inFlight = 0;
  for (const [key, entry] of Object.entries(state.keys)) {
    expect(entry.inFlight !== null || entry.pending.length > 0, "a key entry has work").toBe(true);
    expect(entry.pending.length, "per-key pending <= pendingPerKeyMax").toBeLessThanOrEqual(pendingPerKeyMax);
    expect(readyKeys.includes(key), "a key is in ready iff it has pending and nothing in flight").toBe(
      entry.inFlight === null && entry.pending.length > 0,
    );
    for (const order of [...(entry.inFlight === null ? [] : [entry.inFlight.order]), ...entry.pending]) {
      expect(order.key, "a key holds only its own orders").toBe(key);
      expect(isBypass(order), "a key holds only orders of the policy's kinds").toBe(false);
      addId(order.id);
    }
    if (entry.inFlight !== null) {
      inFlight += 1;
      const { cancelled, cancelledBy, order } = entry.inFlight;
      if (cancelledBy !== null) {
        expect(cancelled, "an order superseded is marked cancelled").toBe(true);
        if (!state.shuttingDown) {
          expect(entry.pending.length, "a superseded order has its successor queued").toBeGreaterThan(0);
        }
      }
      if (policy.neverCancel.includes(order.kind)) {
        expect(cancelledBy, "an in-flight neverCancel order is never superseded").toBeNull();
      }
    }
  }
  for (const key of readyKeys) {
    expect(Object.hasOwn(state.keys, key), "a ready key has an entry").toBe(true);
  }
  for (const [id, running] of Object.entries(state.keyless)) {
    expect(running.order.id, "keyless is keyed by order id").toBe(id);
    expect(isBypass(running.order), "keyless holds only bypass orders").toBe(true);
    expect(running.cancelledBy, "bypass orders are never superseded").toBeNull();
    addId(id);
    inFlight += 1;
  }
  const waiting = state.ready.flatMap((entry) => (entry._tag === "Keyless" ? [entry.order] : []));
  for (const order of waiting) {
    expect(isBypass(order), "only bypass orders wait in ready as Keyless entries").toBe(true);
    addId(order.id);
  }
  expect(waiting.length, "waiting bypass orders <= keylessPendingMax").toBeLessThanOrEqual(keylessPendingMax);
  expect(Object.keys(state.keys).length, "keys with work <= keyCountMax").toBeLessThanOrEqual(keyCountMax);
  expect(state.inFlightCount, "inFlightCount counts the in-flight orders").toBe(inFlight);
  expect(state.inFlightCount, "inFlightCount <= inFlightMax").toBeLessThanOrEqual(inFlightMax);
  if (!state.shuttingDown && state.inFlightCount < inFlightMax) {
    expect(state.ready, "work-conserving: nothing waits while a slot is free").toEqual([]);
  }
  if (state.shuttingDown) {
    expect(state.ready, "nothing waits after Shutdown").toEqual([]);
    expect(pendingOf(state), "nothing is pending after Shutdown").toEqual([]);
    for (const [, orderId] of inFlightOf(state)) {
      expect(isCancelled(state, orderId), `in-flight ${orderId} is cancelled after Shutdown`).toBe(true);
    }
  }
}

function isCancelled(state: State, orderId: string): boolean {
  const running = [
    ...Object.values(state.keys).flatMap((entry) => (entry.inFlight === null ? [] : [entry.inFlight])),
    ...Object.values(state.keyless),
  ].find((candidate) => candidate.order.id === orderId);
  return running?.cancelled ?? false;
}

type Status = "pending" | "inFlight" | "completed" | "superseded" | "handedBack";

/** One accepted order in the reference bookkeeping; `seq` is its arrival number. */
interface Tracked {
  readonly seq: number;
  readonly order: Order;
  readonly lane: string | null; // the key it runs under; null for a bypass order
  status: Status;
  cancelled: boolean;
}

const UNCHANGED: readonly Mailbox.Result["_tag"][] = [
  "Dropped",
  "Rejected",
  "Duplicate",
  "NotInFlight",
  "AlreadyShutDown",
];

/**
 * Reference bookkeeping of every accepted order, updated from results and effects only, and compared with
 * the mailbox state after every step: conservation (each accepted order is exactly one of in flight,
 * pending, completed, superseded, handed back), per-key FIFO dispatch, Cancel and Dispatch discipline.
 */
class Reference {
  private readonly tracked: Tracked[] = [];
  private readonly live = new Map<string, Tracked>();
  private readonly lastDispatched = new Map<string | null, number>();
  private shutDown = false;

  constructor(private readonly policy: Mailbox.Policy) {}

  private laneOf(order: Order): string | null {
    return order.key === null || !this.policy.kinds.includes(order.kind) ? null : order.key;
  }

  private livePending(lane: string | null): Tracked[] {
    return [...this.live.values()]
      .filter((t) => t.status === "pending" && t.lane === lane)
      .sort((x, y) => x.seq - y.seq);
  }

  observe({ before, event, after, effects, result }: Observation): void {
    if (UNCHANGED.includes(result._tag)) {
      expect(after, `${result._tag} returns the same state`).toBe(before);
      expect(effects, `${result._tag} has no effects`).toEqual([]);
    } else {
      expect(after, `${result._tag} returns a new state`).not.toBe(before);
    }
    const wasShutDown = this.shutDown;
    this.result(before, event, result, wasShutDown);
    const dispatched = this.effects(after, event, effects, result, wasShutDown);
    if (result._tag === "Accepted") {
      expect(dispatched, "Accepted.dispatched matches the Dispatch effect").toEqual(
        result.dispatched ? [result.orderId] : [],
      );
    } else if (result._tag === "Completed") {
      expect(dispatched, "Completed.dispatched matches the Dispatch effect").toEqual(
        result.dispatched === null ? [] : [result.dispatched],
      );
    } else {
      expect(dispatched, `${result._tag} dispatches nothing`).toEqual([]);
    }
    this.compare(after);
  }

  /**
   * What the policy says a Submit of `order` does, from the state before it: the cell that applies (the
   * in-flight order's row, or the diagonal for a key waiting in ready), the pending orders it would
   * supersede, the in-flight order it would cancel, and the key's pending length after it.
   */
  private expected(before: State, order: Order) {
    const lane = this.laneOf(order);
    const entry = lane !== null && Object.hasOwn(before.keys, lane) ? before.keys[lane] : undefined;
    if (entry === undefined) {
      return undefined;
    }
    const running = entry.inFlight;
    const cell = this.policy.matrix[running?.order.kind ?? order.kind]?.[order.kind];
    const coalesce = cell?.incoming === "coalesce";
    const superseded = coalesce ? entry.pending.filter((o) => o.kind === order.kind).map((o) => o.id) : [];
    const cancels =
      running !== null &&
      cell?.inFlight === "cancel" &&
      !running.cancelled &&
      !this.policy.neverCancel.includes(running.order.kind);
    const drops = running !== null && cell?.incoming === "drop" && entry.pending.length === 0;
    return {
      superseded,
      cancelled: cancels ? running.order.id : null,
      drops,
      pendingLength: entry.pending.length - superseded.length + 1,
    };
  }

  private result(before: State, event: Event, result: Mailbox.Result, wasShutDown: boolean): void {
    if (event._tag === "Submit" && !wasShutDown && !this.live.has(event.order.id)) {
      const expected = this.expected(before, event.order);
      if (expected !== undefined) {
        const rejected = !expected.drops && expected.pendingLength > before.config.pendingPerKeyMax;
        expect(result._tag, "the policy cell decides drop, pending-full or accept").toBe(
          expected.drops ? "Dropped" : rejected ? "Rejected" : "Accepted",
        );
        if (result._tag === "Accepted") {
          expect(result.superseded, "coalescing supersedes the pending orders of the same kind").toEqual(
            expected.superseded,
          );
          expect(result.cancelled, "a cancel cell cancels the in-flight order once").toBe(expected.cancelled);
        }
      }
    }
    switch (result._tag) {
      case "Accepted": {
        expect(event._tag).toBe("Submit");
        const { order } = event as Extract<Event, { _tag: "Submit" }>;
        expect(wasShutDown, "nothing is accepted after Shutdown").toBe(false);
        expect(this.live.has(order.id), "an accepted id was not live").toBe(false);
        const lane = this.laneOf(order);
        const tracked: Tracked = {
          seq: this.tracked.length,
          order,
          lane,
          status: "pending",
          cancelled: false,
        };
        for (const id of result.superseded) {
          const old = this.live.get(id);
          expect(old?.status, `superseded ${id} was pending`).toBe("pending");
          expect(old?.lane, "superseded orders share the key").toBe(lane);
          expect(old?.order.kind, "superseded orders share the kind").toBe(order.kind);
          old!.status = "superseded";
          this.live.delete(id);
        }
        if (result.cancelled !== null) {
          const running = this.live.get(result.cancelled);
          expect(running?.status, "the cancelled order was in flight").toBe("inFlight");
          expect(running?.lane, "the cancelled order shares the key").toBe(lane);
        }
        this.tracked.push(tracked);
        this.live.set(order.id, tracked);
        return;
      }
      case "Dropped": {
        const { order } = event as Extract<Event, { _tag: "Submit" }>;
        const running = this.live.get(result.duplicateOf);
        expect(running?.status, "Dropped names the in-flight order").toBe("inFlight");
        expect(running?.lane).toBe(this.laneOf(order));
        expect(running?.order.kind, "only an order of the in-flight kind is dropped").toBe(order.kind);
        expect(this.livePending(running!.lane), "drop only with nothing pending").toEqual([]);
        return;
      }
      case "Rejected": {
        const { order } = event as Extract<Event, { _tag: "Submit" }>;
        expect(result.reason === "shutting-down", "shutting-down iff after Shutdown").toBe(wasShutDown);
        const lane = this.laneOf(order);
        if (result.reason === "key-limit") {
          expect(lane).not.toBeNull();
          expect(Object.hasOwn(before.keys, lane!)).toBe(false);
          expect(Object.keys(before.keys).length).toBe(before.config.keyCountMax);
        } else if (result.reason === "pending-full" && lane === null) {
          expect(before.ready.filter((entry) => entry._tag === "Keyless").length).toBe(
            before.config.keylessPendingMax,
          );
        }
        return;
      }
      case "Duplicate": {
        const { order } = event as Extract<Event, { _tag: "Submit" }>;
        expect(wasShutDown).toBe(false);
        expect(this.live.has(order.id), "Duplicate only for a live id").toBe(true);
        return;
      }
      case "Completed": {
        const { key, orderId } = event as Extract<Event, { _tag: "Complete" }>;
        const running = this.live.get(orderId);
        expect(running?.status, "Completed only for an order in flight").toBe("inFlight");
        expect(running?.lane, "Completed under the key it was dispatched with").toBe(key);
        running!.status = "completed";
        this.live.delete(orderId);
        return;
      }
      case "NotInFlight": {
        const { key, orderId } = event as Extract<Event, { _tag: "Complete" }>;
        const running = this.live.get(orderId);
        expect(
          running?.status === "inFlight" && running.lane === key,
          "NotInFlight only if not in flight",
        ).toBe(false);
        return;
      }
      case "ShutDown": {
        expect(wasShutDown).toBe(false);
        const live = [...this.live.values()];
        const ids = (status: Status) =>
          live
            .filter((t) => t.status === status)
            .map((t) => t.order.id)
            .sort();
        expect([...result.cancelled].sort(), "ShutDown lists every in-flight order").toEqual(ids("inFlight"));
        expect(
          result.pending.map((order) => order.id).sort(),
          "ShutDown hands back every pending order",
        ).toEqual(ids("pending"));
        const lastSeq = new Map<string | null, number>();
        for (const order of result.pending) {
          const handed = this.live.get(order.id)!;
          expect(handed.order, "handed back as submitted").toEqual(order);
          expect(handed.seq, "handed back FIFO per key").toBeGreaterThan(lastSeq.get(handed.lane) ?? -1);
          lastSeq.set(handed.lane, handed.seq);
          handed.status = "handedBack";
          this.live.delete(order.id);
        }
        this.shutDown = true;
        return;
      }
      case "AlreadyShutDown":
        expect(wasShutDown).toBe(true);
        return;
    }
  }

  /** Applies the effects to the bookkeeping; returns the ids dispatched. */
  private effects(
    after: State,
    event: Event,
    effects: readonly Mailbox.Effect[],
    result: Mailbox.Result,
    wasShutDown: boolean,
  ): string[] {
    const dispatched: string[] = [];
    const cancelledNow: string[] = [];
    for (const effect of effects) {
      if (effect._tag === "Dispatch") {
        expect(wasShutDown, "no dispatch after Shutdown").toBe(false);
        const tracked = this.live.get(effect.order.id);
        expect(tracked?.status, "Dispatch only for an order that was pending or just accepted").toBe(
          "pending",
        );
        expect(effect.key, "Dispatch carries the order's lane").toBe(tracked!.lane);
        expect(effect.order, "Dispatch hands back the order as submitted").toEqual(tracked!.order);
        const first = this.livePending(tracked!.lane)[0];
        expect(first?.seq, "per key, dispatch follows arrival order").toBe(tracked!.seq);
        expect(tracked!.seq).toBeGreaterThan(this.lastDispatched.get(tracked!.lane) ?? -1);
        this.lastDispatched.set(tracked!.lane, tracked!.seq);
        tracked!.status = "inFlight";
        dispatched.push(effect.order.id);
      } else {
        const tracked = this.live.get(effect.orderId);
        expect(tracked?.status, "Cancel only for an order in flight").toBe("inFlight");
        expect(effect.key, "Cancel carries the order's lane").toBe(tracked!.lane);
        expect(tracked!.cancelled, "an order is cancelled at most once").toBe(false);
        tracked!.cancelled = true;
        cancelledNow.push(effect.orderId);
        if (effect.reason === "superseded") {
          expect(event._tag).toBe("Submit");
          const { order } = event as Extract<Event, { _tag: "Submit" }>;
          expect(effect.by, "superseded by the submitted order").toBe(order.id);
          expect(this.policy.neverCancel, "an in-flight neverCancel order is never cancelled").not.toContain(
            tracked!.order.kind,
          );
          const lane = tracked!.lane!;
          const pending = Object.hasOwn(after.keys, lane) ? (after.keys[lane]?.pending ?? []) : [];
          expect(
            pending.map((queued) => queued.id),
            "a superseding Cancel has its successor pending",
          ).toContain(order.id);
        } else {
          expect(event._tag, "shutdown cancels only on Shutdown").toBe("Shutdown");
          expect(effect.by).toBeNull();
        }
      }
    }
    if (result._tag === "Accepted") {
      expect(cancelledNow, "Accepted.cancelled matches the Cancel effect").toEqual(
        result.cancelled === null ? [] : [result.cancelled],
      );
    } else if (result._tag !== "ShutDown") {
      expect(cancelledNow, `${result._tag} cancels nothing`).toEqual([]);
    }
    return dispatched;
  }

  /** The bookkeeping's live orders must be exactly the state's, per lane and in order. */
  private compare(after: State): void {
    const lane = (value: string | null) => (value === null ? "(bypass)" : `key ${value}`);
    const stateInFlight = inFlightOf(after)
      .map(([key, id]) => `${lane(key)}: ${id}${isCancelled(after, id) ? " (cancelled)" : ""}`)
      .sort();
    const modelInFlight = [...this.live.values()]
      .filter((t) => t.status === "inFlight")
      .map((t) => `${lane(t.lane)}: ${t.order.id}${t.cancelled ? " (cancelled)" : ""}`)
      .sort();
    expect(
      stateInFlight,
      "conservation: the in-flight orders are the ones dispatched and not completed",
    ).toEqual(modelInFlight);
    const statePending = [
      ...Object.entries(after.keys).map(
        ([key, entry]) => [lane(key), entry.pending.map((o) => o.id)] as const,
      ),
      [
        lane(null),
        after.ready.flatMap((entry) => (entry._tag === "Keyless" ? [entry.order.id] : [])),
      ] as const,
    ].filter(([, ids]) => ids.length > 0);
    const lanes = new Set([...this.live.values()].filter((t) => t.status === "pending").map((t) => t.lane));
    const modelPending = [...lanes].map((name) => [
      lane(name),
      this.livePending(name).map((t) => t.order.id),
    ]);
    const sortByLane = (rows: readonly (readonly [string, readonly string[]])[]) =>
      [...rows].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    expect(
      sortByLane(statePending),
      "conservation and FIFO: the pending orders are the ones accepted and not yet gone, in arrival order",
    ).toEqual(sortByLane(modelPending as [string, string[]][]));
    const counts = new Map<Status, number>();
    for (const t of this.tracked) {
      counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    }
    expect(counts.get("inFlight") ?? 0).toBe(after.inFlightCount);
    expect([...counts.values()].reduce((sum, n) => sum + n, 0)).toBe(this.tracked.length);
  }
}

/**
 * Fairness of `ready`: an entry pushed with `ahead` entries in front of it is dispatched after at most
 * `ahead` further dispatches (entries are identified by key, or by order id for bypass orders).
 */
class Fairness {
  private readonly waiting = new Map<string, { readonly ahead: number; dispatchesSince: number }>();

  observe({ after, effects, result }: Observation): void {
    for (const effect of effects) {
      if (effect._tag !== "Dispatch") {
        continue;
      }
      const id = effect.key === null ? `order ${effect.order.id}` : `key ${effect.key}`;
      const entry = this.waiting.get(id);
      if (entry !== undefined) {
        expect(
          entry.dispatchesSince,
          `${id} waited behind at most ${entry.ahead} dispatches`,
        ).toBeLessThanOrEqual(entry.ahead);
        this.waiting.delete(id);
      }
      for (const other of this.waiting.values()) {
        other.dispatchesSince += 1;
      }
    }
    if (result._tag === "ShutDown") {
      this.waiting.clear();
    }
    after.ready.forEach((entry, index) => {
      const id = entry._tag === "Key" ? `key ${entry.key}` : `order ${entry.order.id}`;
      if (!this.waiting.has(id)) {
        this.waiting.set(id, { ahead: index, dispatchesSince: 0 });
      }
    });
  }
}

function check(mailboxConfig: Mailbox.Config, makeObserver: () => (o: Observation) => void): void {
  fc.assert(
    fc.property(ops, (sequence) => {
      replay(mailboxConfig, sequence, makeObserver());
    }),
    { numRuns: 300 },
  );
}

describe("Mailbox properties", () => {
  it("the generator reaches every result and effect, so the properties below are not vacuous", () => {
    const seen = new Set<string>();
    for (const policy of [supersedePolicy, dedupePolicy]) {
      for (const sequence of fc.sample(ops, { numRuns: 300, seed: 3 })) {
        replay({ ...config, policy }, sequence, ({ before, event, result, effects }) => {
          seen.add(result._tag);
          if (result._tag === "Accepted") {
            seen.add(result.dispatched ? "Accepted dispatched" : "Accepted queued");
            if (result.superseded.length > 0) {
              seen.add("Accepted superseded");
            }
            if (result.cancelled !== null) {
              seen.add("Accepted cancelled");
            }
          }
          if (result._tag === "Rejected") {
            const bypass = event._tag === "Submit" && event.order.key === null;
            seen.add(
              `Rejected ${result.reason}${result.reason === "pending-full" && bypass ? " bypass" : ""}`,
            );
          }
          if (result._tag === "Completed") {
            seen.add(result.dispatched === null ? "Completed idle" : "Completed dispatched");
            if (before.shuttingDown) {
              seen.add("Completed after Shutdown");
            }
          }
          for (const effect of effects) {
            seen.add(
              effect._tag === "Cancel"
                ? `Cancel ${effect.reason}`
                : `Dispatch ${effect.key === null ? "bypass" : "keyed"}`,
            );
          }
        });
      }
    }
    expect([...seen].sort()).toEqual(
      [
        "Accepted",
        "Accepted cancelled",
        "Accepted dispatched",
        "Accepted queued",
        "Accepted superseded",
        "AlreadyShutDown",
        "Cancel shutdown",
        "Cancel superseded",
        "Completed",
        "Completed after Shutdown",
        "Completed dispatched",
        "Completed idle",
        "Dispatch bypass",
        "Dispatch keyed",
        "Dropped",
        "Duplicate",
        "NotInFlight",
        "Rejected",
        "Rejected key-limit",
        "Rejected pending-full",
        "Rejected pending-full bypass",
        "Rejected shutting-down",
        "ShutDown",
      ].sort(),
    );
  });

  it.each([
    ["supersede", supersedePolicy],
    ["dedupe", dedupePolicy],
  ])(
    "with the %s policy, every step keeps the invariants and agrees with the reference bookkeeping " +
      "(one in flight per key, neverCancel never superseded, cancel only with a successor, per-key FIFO, " +
      "conservation, no dispatch after Shutdown, inputs never mutated)",
    (_name, policy) => {
      check({ ...config, policy }, () => {
        const reference = new Reference(policy);
        return (observation) => {
          checkInvariants(observation.after);
          reference.observe(observation);
        };
      });
    },
  );

  it("fairness: with inFlightMax 1, an order queued in ready waits behind at most the entries ahead of it", () => {
    check({ ...config, inFlightMax: 1 }, () => {
      const fairness = new Fairness();
      return (observation) => {
        checkInvariants(observation.after);
        fairness.observe(observation);
      };
    });
  });

  it("fairness holds with inFlightMax 2 too", () => {
    check(config, () => {
      const fairness = new Fairness();
      return (observation) => fairness.observe(observation);
    });
  });

  it("the state stays JSON-serialisable", () => {
    check(config, () => (observation) => {
      expect(JSON.parse(JSON.stringify(observation.after))).toEqual(observation.after);
    });
  });
});
