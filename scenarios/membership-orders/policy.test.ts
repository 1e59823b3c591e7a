// Seed 003's cancellation matrix (../../shared/seeds/003_feaed94036040d1c.txt) on the core Mailbox: one block
// per case of the seed's stack_dispatcher_test.go that depends on the table's cells, then every cell of the
// table, and the table as a Mailbox config. Moved here from packages/core/test/mailbox.test.ts with the policy
// itself (./policy.ts); the machine's own tests (validation, bounds, fairness, identity) stay in the core.

import { Mailbox } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { expectInvalidConfig } from "../../test/support/invalid-config.js";
import {
  complete,
  drain,
  expectCancelsInFlight,
  key,
  order,
  pendingIds,
  run,
  SHUTDOWN,
  seedConfig,
  submit,
} from "../../test/support/mailbox.js";
import { membershipPolicy } from "./policy.js";

type State = Mailbox.State;

const config = seedConfig(membershipPolicy);

const KINDS = ["ExistingStack", "DeletedStack", "EnabledStack", "DisabledStack"] as const;
type Kind = (typeof KINDS)[number];

function start(overrides: Partial<Mailbox.Config> = {}): State {
  return Mailbox.initial({ ...config, ...overrides });
}

describe("Mailbox with seed 003's membership policy", () => {
  describe("per-stack FIFO", () => {
    it("runs one order per stack at a time, pending orders in arrival order", () => {
      const first = Mailbox.transition(start(), submit("o1", "s1", "EnabledStack"));
      expect(first.result).toEqual({
        _tag: "Accepted",
        orderId: "o1",
        dispatched: true,
        superseded: [],
        cancelled: null,
      });
      const queued = run(
        first.state,
        submit("o2", "s1", "DisabledStack"),
        submit("o3", "s1", "ExistingStack"),
        submit("o4", "s1", "EnabledStack"),
      );
      expect(queued.inFlightCount).toBe(1);
      expect(key(queued, "s1")?.inFlight?.order.id).toBe("o1");
      expect(pendingIds(queued, "s1")).toEqual(["o2", "o3", "o4"]);
      expect(queued.ready).toEqual([]); // the key has an order in flight: it does not wait for a slot

      const next = Mailbox.transition(queued, complete("s1", "o1"));
      expect(next.result).toEqual({ _tag: "Completed", orderId: "o1", outcome: "done", dispatched: "o2" });
      expect(next.effects).toEqual([
        { _tag: "Dispatch", key: "s1", order: order("o2", "s1", "DisabledStack") },
      ]);
      const { state, dispatched } = drain(next.state);
      expect(dispatched).toEqual(["o3", "o4"]);
      expect(state.keys).toEqual({});
      expect(state.inFlightCount).toBe(0);
    });

    it("does not retry a failed order: the next pending order runs", () => {
      const state = run(start(), submit("o1", "s1", "EnabledStack"), submit("o2", "s1", "DisabledStack"));
      const { result } = Mailbox.transition(state, complete("s1", "o1", "failed"));
      expect(result).toEqual({ _tag: "Completed", orderId: "o1", outcome: "failed", dispatched: "o2" });
    });
  });

  describe("consecutive ExistingStack coalescing", () => {
    it("a newer snapshot cancels the in-flight one and replaces the pending one", () => {
      const inFlight = run(start(), submit("e1", "s1", "ExistingStack"));
      const second = Mailbox.transition(inFlight, submit("e2", "s1", "ExistingStack"));
      expectCancelsInFlight(second, "s1", "e1", "e2");
      const third = Mailbox.transition(second.state, submit("e3", "s1", "ExistingStack"));
      expect(third.result).toEqual({
        _tag: "Accepted",
        orderId: "e3",
        dispatched: false,
        superseded: ["e2"],
        cancelled: null, // e1 was already cancelled
      });
      expect(third.effects).toEqual([]);
      expect(key(third.state, "s1")).toEqual({
        inFlight: { order: order("e1", "s1", "ExistingStack"), cancelled: true, cancelledBy: "e2" },
        pending: [order("e3", "s1", "ExistingStack")],
      });
      const done = Mailbox.transition(third.state, complete("s1", "e1", "cancelled"));
      expect(done.result).toEqual({
        _tag: "Completed",
        orderId: "e1",
        outcome: "cancelled",
        dispatched: "e3",
      });
    });

    it("removes only pending orders of the same kind, and the newest goes to the back", () => {
      const state = run(
        start(),
        submit("e1", "s1", "ExistingStack"),
        submit("e2", "s1", "ExistingStack"),
        submit("n1", "s1", "EnabledStack"),
      );
      expect(pendingIds(state, "s1")).toEqual(["e2", "n1"]);
      const { result, state: next } = Mailbox.transition(state, submit("e3", "s1", "ExistingStack"));
      expect(result).toMatchObject({ superseded: ["e2"], cancelled: null });
      expect(pendingIds(next, "s1")).toEqual(["n1", "e3"]);
    });

    it("coalesces a key that waits for a slot (diagonal cell), without cancelling anything", () => {
      const busy = run(start({ inFlightMax: 1 }), submit("x", "other", "EnabledStack"));
      const waiting = run(busy, submit("e1", "s1", "ExistingStack"), submit("n1", "s1", "EnabledStack"));
      expect(waiting.ready).toEqual([{ _tag: "Key", key: "s1" }]);
      const step = Mailbox.transition(waiting, submit("e2", "s1", "ExistingStack"));
      expect(step.result).toEqual({
        _tag: "Accepted",
        orderId: "e2",
        dispatched: false,
        superseded: ["e1"],
        cancelled: null,
      });
      expect(step.effects).toEqual([]);
      expect(pendingIds(step.state, "s1")).toEqual(["n1", "e2"]);
      // EnabledStack's diagonal cell is "queue": no coalescing.
      const queued = Mailbox.transition(step.state, submit("n2", "s1", "EnabledStack"));
      expect(queued.result).toMatchObject({ superseded: [] });
      expect(pendingIds(queued.state, "s1")).toEqual(["n1", "e2", "n2"]);
    });
  });

  describe("Delete cancels in-flight Existing", () => {
    it.each(["ExistingStack", "EnabledStack", "DisabledStack"])(
      "a DeletedStack cancels an in-flight %s and runs right after it",
      (kind) => {
        const inFlight = run(start(), submit("o1", "s1", kind));
        const step = Mailbox.transition(inFlight, submit("d1", "s1", "DeletedStack"));
        expect(step.result).toMatchObject({ _tag: "Accepted", dispatched: false, cancelled: "o1" });
        expect(step.effects).toEqual([
          { _tag: "Cancel", key: "s1", orderId: "o1", reason: "superseded", by: "d1" },
        ]);
        expect(key(step.state, "s1")?.inFlight).toMatchObject({ cancelled: true, cancelledBy: "d1" });
        const done = Mailbox.transition(step.state, complete("s1", "o1", "cancelled"));
        expect(done.effects).toEqual([
          { _tag: "Dispatch", key: "s1", order: order("d1", "s1", "DeletedStack") },
        ]);
      },
    );
  });

  describe("Delete is never cancelled", () => {
    it("an in-flight DeletedStack runs to completion whatever arrives", () => {
      let state = run(start(), submit("d1", "s1", "DeletedStack"));
      const arrivals = [
        submit("e1", "s1", "ExistingStack"),
        submit("d2", "s1", "DeletedStack"),
        submit("n1", "s1", "EnabledStack"),
        submit("f1", "s1", "DisabledStack"),
        submit("e2", "s1", "ExistingStack"),
      ];
      for (const event of arrivals) {
        const step = Mailbox.transition(state, event);
        expect(step.effects).toEqual([]);
        expect(step.result).toMatchObject({ _tag: "Accepted", cancelled: null, superseded: [] });
        state = step.state;
      }
      expect(key(state, "s1")?.inFlight).toEqual({
        order: order("d1", "s1", "DeletedStack"),
        cancelled: false,
        cancelledBy: null,
      });
      expect(pendingIds(state, "s1")).toEqual(["e1", "d2", "n1", "f1", "e2"]);
    });

    it("a policy whose DeletedStack row cancels is refused", () => {
      const spec = membershipSpec();
      const bad = {
        ...spec,
        matrix: { ...spec.matrix, DeletedStack: { ...spec.matrix.DeletedStack, ExistingStack: "cancel" } },
      };
      expect(() => Mailbox.policy(bad as Mailbox.PolicySpec)).toThrow(
        'Mailbox policy "membership": cell DeletedStack × ExistingStack is "cancel", but an in-flight DeletedStack is never cancelled',
      );
    });
  });

  describe("parent ctx propagation", () => {
    /** s1: e1 in flight (superseded by e2), s2: d1 in flight with n1 pending, k1 bypass in flight, s3 and k2 waiting. */
    function busy(): State {
      return run(
        start({ inFlightMax: 3 }),
        submit("e1", "s1", "ExistingStack"),
        submit("e2", "s1", "ExistingStack"),
        submit("d1", "s2", "DeletedStack"),
        submit("n1", "s2", "EnabledStack"),
        submit("k1", null, "Audit"),
        submit("x1", "s3", "EnabledStack"),
        submit("k2", "s4", "Audit"),
      );
    }

    it("Shutdown cancels every in-flight order and hands every pending order back", () => {
      const before = busy();
      expect(before.ready).toEqual([
        { _tag: "Key", key: "s3" },
        { _tag: "Keyless", order: order("k2", "s4", "Audit") },
      ]);
      const { state, effects, result } = Mailbox.transition(before, SHUTDOWN);
      expect(result).toEqual({
        _tag: "ShutDown",
        cancelled: ["e1", "d1", "k1"],
        pending: [
          order("e2", "s1", "ExistingStack"),
          order("n1", "s2", "EnabledStack"),
          order("x1", "s3", "EnabledStack"),
          order("k2", "s4", "Audit"),
        ],
      });
      // e1 was already cancelled by e2; a teardown in flight is cancelled too (the context is gone).
      expect(effects).toEqual([
        { _tag: "Cancel", key: "s2", orderId: "d1", reason: "shutdown", by: null },
        { _tag: "Cancel", key: null, orderId: "k1", reason: "shutdown", by: null },
      ]);
      expect(state.shuttingDown).toBe(true);
      expect(state.ready).toEqual([]);
      expect(state.inFlightCount).toBe(3);
      expect(state.keys).toEqual({
        s1: {
          inFlight: { order: order("e1", "s1", "ExistingStack"), cancelled: true, cancelledBy: "e2" },
          pending: [],
        },
        s2: {
          inFlight: { order: order("d1", "s2", "DeletedStack"), cancelled: true, cancelledBy: null },
          pending: [],
        },
      });
      expect(state.keyless).toEqual({
        k1: { order: order("k1", null, "Audit"), cancelled: true, cancelledBy: null },
      });
    });

    it("after Shutdown nothing is accepted or dispatched, completions free slots, and a second Shutdown changes nothing", () => {
      const down = run(busy(), SHUTDOWN);
      const refused = Mailbox.transition(down, submit("n9", "s9", "EnabledStack"));
      expect(refused.result).toEqual({ _tag: "Rejected", orderId: "n9", reason: "shutting-down" });
      expect(refused.state).toBe(down);
      const again = Mailbox.transition(down, SHUTDOWN);
      expect(again.result).toEqual({ _tag: "AlreadyShutDown" });
      expect(again.state).toBe(down);
      expect(again.effects).toEqual([]);
      let state = down;
      for (const event of [complete("s1", "e1", "cancelled"), complete("s2", "d1"), complete(null, "k1")]) {
        const step = Mailbox.transition(state, event);
        expect(step.result).toMatchObject({ _tag: "Completed", dispatched: null });
        expect(step.effects).toEqual([]);
        state = step.state;
      }
      expect(state).toMatchObject({ keys: {}, keyless: {}, ready: [], inFlightCount: 0, shuttingDown: true });
    });
  });

  describe("every cell of the supersession matrix", () => {
    // Seed 003's table, written out independently of membershipPolicy.
    const CANCELS: Readonly<Record<Kind, readonly Kind[]>> = {
      ExistingStack: ["ExistingStack", "DeletedStack"],
      DeletedStack: [],
      EnabledStack: ["DeletedStack"],
      DisabledStack: ["DeletedStack"],
    };
    const COALESCES: Readonly<Record<Kind, readonly Kind[]>> = {
      ExistingStack: ["ExistingStack"],
      DeletedStack: [],
      EnabledStack: [],
      DisabledStack: [],
    };
    const cells = KINDS.flatMap((inFlight) => KINDS.map((incoming) => [inFlight, incoming] as const));

    it("has 16 cells", () => {
      expect(cells).toHaveLength(16);
    });

    it.each(cells)("in flight %s, incoming %s", (inFlightKind, incomingKind) => {
      const cancels = CANCELS[inFlightKind].includes(incomingKind);
      const coalesces = COALESCES[inFlightKind].includes(incomingKind);
      expect(membershipPolicy.matrix[inFlightKind]?.[incomingKind]).toEqual({
        inFlight: cancels ? "cancel" : "keep",
        incoming: coalesces ? "coalesce" : "queue",
      });

      const inFlight = run(start(), submit("f", "s1", inFlightKind));
      const first = Mailbox.transition(inFlight, submit("i1", "s1", incomingKind));
      expect(first.result).toEqual({
        _tag: "Accepted",
        orderId: "i1",
        dispatched: false,
        superseded: [],
        cancelled: cancels ? "f" : null,
      });
      expect(first.effects).toEqual(
        cancels ? [{ _tag: "Cancel", key: "s1", orderId: "f", reason: "superseded", by: "i1" }] : [],
      );
      expect(key(first.state, "s1")?.inFlight).toEqual({
        order: order("f", "s1", inFlightKind),
        cancelled: cancels,
        cancelledBy: cancels ? "i1" : null,
      });

      const second = Mailbox.transition(first.state, submit("i2", "s1", incomingKind));
      expect(second.result).toMatchObject({ superseded: coalesces ? ["i1"] : [], cancelled: null });
      expect(second.effects).toEqual([]);
      expect(pendingIds(second.state, "s1")).toEqual(coalesces ? ["i2"] : ["i1", "i2"]);
    });
  });

  describe("the policy as data", () => {
    it("survives a JSON round trip and passes checkPolicy", () => {
      expect(() => Mailbox.checkPolicy(JSON.parse(JSON.stringify(membershipPolicy)))).not.toThrow();
    });

    it.each([
      [
        {
          policy: {
            ...membershipPolicy,
            matrix: {
              ...membershipPolicy.matrix,
              DeletedStack: {
                ...membershipPolicy.matrix.DeletedStack,
                ExistingStack: { inFlight: "cancel", incoming: "queue" },
              },
            },
          },
        },
        "policy.matrix.DeletedStack.ExistingStack",
        'Mailbox policy "membership": cell DeletedStack × ExistingStack is "cancel", but an in-flight DeletedStack is never cancelled',
      ],
      [
        { policy: { ...membershipPolicy, kinds: [] } },
        "policy.kinds",
        'Mailbox policy "membership": kinds ([]) must be a non-empty array of non-empty strings',
      ],
    ])("refuses %o naming the field %s", (override, field, message) => {
      const bad = { ...config, ...override } as Mailbox.Config;
      expectInvalidConfig(() => Mailbox.initial(bad), field, message, { contains: true });
    });
  });
});

/** Seed 003's matrix as a spec, for tests that break one cell of it. */
function membershipSpec() {
  const row = (existing: string, deleted: string) => ({
    ExistingStack: existing,
    DeletedStack: deleted,
    EnabledStack: "queue",
    DisabledStack: "queue",
  });
  return {
    name: "membership",
    kinds: [...KINDS],
    neverCancel: ["DeletedStack"],
    matrix: {
      ExistingStack: row("cancel+coalesce", "cancel"),
      DeletedStack: row("queue", "queue"),
      EnabledStack: row("queue", "cancel"),
      DisabledStack: row("queue", "cancel"),
    },
  };
}
