/**
 * What the Mailbox example tests share: the core's, on its fixture policies (packages/core/test/mailbox.test.ts),
 * and seed 003's, on the membership policy (scenarios/membership-orders/policy.test.ts). Event builders, a
 * config with the seed's numbers, and readers of the state.
 */
import { Mailbox } from "@interleave/core";
import { expect } from "vitest";

type State = Mailbox.State;
type Event = Mailbox.Event;
type Order = Mailbox.Order;

/** A config with the seed's numbers (`pond.New(5, 5)`) and `policy`. */
export function seedConfig(policy: Mailbox.Policy): Mailbox.Config {
  return {
    policy,
    inFlightMax: 5, // the seed's pond.New(5, 5)
    pendingPerKeyMax: 16,
    keylessPendingMax: 4,
    keyCountMax: 100,
  };
}

export function order(id: string, key: string | null, kind: string): Order {
  return { id, key, kind };
}

export function submit(id: string, key: string | null, kind: string): Event {
  return { _tag: "Submit", order: order(id, key, kind) };
}

export function complete(
  key: string | null,
  orderId: string,
  outcome: "done" | "failed" | "cancelled" = "done",
): Event {
  return { _tag: "Complete", key, orderId, outcome };
}

export const SHUTDOWN: Event = { _tag: "Shutdown" };

/** Applies `events` in order, failing on any transition that throws; returns the final state. */
export function run(state: State, ...events: readonly Event[]): State {
  return events.reduce((current, event) => Mailbox.transition(current, event).state, state);
}

export function dispatchedIds(effects: readonly Mailbox.Effect[]): string[] {
  return effects.flatMap((effect) => (effect._tag === "Dispatch" ? [effect.order.id] : []));
}

export function key(state: State, name: string): Mailbox.KeyState | undefined {
  return Object.hasOwn(state.keys, name) ? state.keys[name] : undefined;
}

export function pendingIds(state: State, name: string): string[] {
  return key(state, name)?.pending.map((queued) => queued.id) ?? [];
}

/** Completes the in-flight order of each key in turn until nothing is in flight; returns the dispatch order. */
export function drain(state: State): { readonly state: State; readonly dispatched: readonly string[] } {
  const dispatched: string[] = [];
  let current = state;
  for (let guard = 0; current.inFlightCount > 0; guard += 1) {
    expect(guard).toBeLessThan(1_000);
    const [name, entry] = Object.entries(current.keys).find(([, value]) => value.inFlight !== null) ?? [];
    const keylessId = Object.keys(current.keyless)[0];
    const event =
      name !== undefined && entry?.inFlight
        ? complete(name, entry.inFlight.order.id)
        : complete(null, keylessId!);
    const step = Mailbox.transition(current, event);
    expect(step.result._tag).toBe("Completed");
    dispatched.push(...dispatchedIds(step.effects));
    current = step.state;
  }
  return { state: current, dispatched };
}

/**
 * `step` (the Submit of `by` on `key`) was accepted behind the key's in-flight order `cancelled`, which it
 * cancelled: the answer says so, and the one effect is that order's Cancel.
 */
export function expectCancelsInFlight(
  step: { readonly result: Mailbox.Result; readonly effects: readonly Mailbox.Effect[] },
  key: string,
  cancelled: string,
  by: string,
): void {
  expect(step.result).toEqual({
    _tag: "Accepted",
    orderId: by,
    dispatched: false,
    superseded: [],
    cancelled,
  });
  expect(step.effects).toEqual([{ _tag: "Cancel", key, orderId: cancelled, reason: "superseded", by }]);
}
