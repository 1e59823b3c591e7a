// Example tests for Mailbox: the cases of seed 003's stack_dispatcher_test.go (../shared/seeds/003_feaed94036040d1c.txt)
// that do not depend on the seed's table, then validation, bounds, fairness and identity. They run on a core
// fixture policy (./mailbox-fixtures.ts), not the seed's; the cases that check the seed's cancellation matrix
// live with it in scenarios/membership-orders/policy.test.ts.

import { AssertionError, InvalidConfigError, type Machine, Mailbox } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { expectInvalidConfig } from "../../../test/support/invalid-config.js";
import {
  complete,
  dispatchedIds,
  drain,
  key,
  order,
  pendingIds,
  run,
  SHUTDOWN,
  seedConfig,
  submit,
} from "../../../test/support/mailbox.js";
import { KINDS, supersedePolicy } from "./mailbox-fixtures.js";

type State = Mailbox.State;
type Event = Mailbox.Event;

const config = seedConfig(supersedePolicy);

function start(overrides: Partial<Mailbox.Config> = {}): State {
  return Mailbox.initial({ ...config, ...overrides });
}

describe("Mailbox", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<State, Event, Mailbox.Result, Mailbox.Effect> = Mailbox;
    const { effects } = machine.transition(start(), submit("o1", "s1", "ExistingStack"));
    expect(effects).toEqual([{ _tag: "Dispatch", key: "s1", order: order("o1", "s1", "ExistingStack") }]);
  });

  describe("cross-stack parallelism", () => {
    it("dispatches orders for distinct stacks at once, up to inFlightMax", () => {
      const events = ["s1", "s2", "s3"].map((name, index) => submit(`o${index}`, name, "ExistingStack"));
      let state = start();
      const dispatched: string[] = [];
      for (const event of events) {
        const step = Mailbox.transition(state, event);
        dispatched.push(...dispatchedIds(step.effects));
        state = step.state;
      }
      expect(dispatched).toEqual(["o0", "o1", "o2"]);
      expect(state.inFlightCount).toBe(3);
      expect(Object.keys(state.keys)).toEqual(["s1", "s2", "s3"]);
    });
  });

  describe("unknown / non-stack orders bypass the mailbox", () => {
    it("an order with key null runs at once, beside a busy stack, and completes with key null", () => {
      const state = run(start(), submit("e1", "s1", "ExistingStack"));
      const step = Mailbox.transition(state, submit("k1", null, "ExistingStack"));
      expect(step.result).toMatchObject({ _tag: "Accepted", dispatched: true, cancelled: null });
      expect(step.effects).toEqual([
        { _tag: "Dispatch", key: null, order: order("k1", null, "ExistingStack") },
      ]);
      expect(step.state.keyless).toEqual({
        k1: { order: order("k1", null, "ExistingStack"), cancelled: false, cancelledBy: null },
      });
      expect(step.state.inFlightCount).toBe(2);
      const done = Mailbox.transition(step.state, complete(null, "k1"));
      expect(done.result).toEqual({ _tag: "Completed", orderId: "k1", outcome: "done", dispatched: null });
      expect(done.state.keyless).toEqual({});
    });

    it("an order of an unknown kind is neither serialised nor superseding, and completes with key null", () => {
      const state = run(start(), submit("e1", "s1", "ExistingStack"));
      const step = Mailbox.transition(state, submit("u1", "s1", "RotateSecret"));
      expect(step.result).toMatchObject({ _tag: "Accepted", dispatched: true, cancelled: null });
      expect(step.effects).toEqual([
        { _tag: "Dispatch", key: null, order: order("u1", "s1", "RotateSecret") },
      ]);
      expect(key(step.state, "s1")).toBe(key(state, "s1"));
      expect(Mailbox.transition(step.state, complete("s1", "u1")).result).toEqual({
        _tag: "NotInFlight",
        orderId: "u1",
      });
      expect(Mailbox.transition(step.state, complete(null, "u1")).result).toMatchObject({
        _tag: "Completed",
      });
    });

    it("bypass orders still respect inFlightMax, wait FIFO with the keys, and are bounded by keylessPendingMax", () => {
      const full = run(start({ inFlightMax: 1, keylessPendingMax: 2 }), submit("a1", "a", "EnabledStack"));
      const waiting = run(
        full,
        submit("k1", null, "X"),
        submit("b1", "b", "EnabledStack"),
        submit("k2", "c", "Y"),
      );
      expect(waiting.ready).toEqual([
        { _tag: "Keyless", order: order("k1", null, "X") },
        { _tag: "Key", key: "b" },
        { _tag: "Keyless", order: order("k2", "c", "Y") },
      ]);
      const refused = Mailbox.transition(waiting, submit("k3", null, "X"));
      expect(refused.result).toEqual({ _tag: "Rejected", orderId: "k3", reason: "pending-full" });
      expect(refused.state).toBe(waiting);
      const { dispatched } = drain(waiting);
      expect(dispatched).toEqual(["k1", "b1", "k2"]);
    });
  });

  describe("policy validation", () => {
    it("normalises shorthands to cells, rows and columns in kinds order", () => {
      const p = Mailbox.policy({
        name: "teardown",
        kinds: ["Sync", "Delete"],
        neverCancel: ["Delete"],
        matrix: {
          Delete: { Delete: "drop", Sync: { inFlight: "keep", incoming: "queue" } },
          Sync: { Delete: "cancel", Sync: "cancel+coalesce" },
        },
      });
      expect(p).toEqual({
        name: "teardown",
        kinds: ["Sync", "Delete"],
        neverCancel: ["Delete"],
        matrix: {
          Sync: {
            Sync: { inFlight: "cancel", incoming: "coalesce" },
            Delete: { inFlight: "cancel", incoming: "queue" },
          },
          Delete: {
            Sync: { inFlight: "keep", incoming: "queue" },
            Delete: { inFlight: "keep", incoming: "drop" },
          },
        },
      });
      expect(Object.keys(p.matrix)).toEqual(["Sync", "Delete"]);
      expect(Object.keys(p.matrix.Delete!)).toEqual(["Sync", "Delete"]);
      expect(() => Mailbox.checkPolicy(p)).not.toThrow();
      expect(() => Mailbox.checkPolicy(JSON.parse(JSON.stringify(supersedePolicy)))).not.toThrow();
    });

    it("builds fifoPolicy with every cell queue", () => {
      const p = Mailbox.fifoPolicy(["A", "B"], ["B"]);
      expect(p).toEqual({
        name: "fifo",
        kinds: ["A", "B"],
        neverCancel: ["B"],
        matrix: {
          A: { A: { inFlight: "keep", incoming: "queue" }, B: { inFlight: "keep", incoming: "queue" } },
          B: { A: { inFlight: "keep", incoming: "queue" }, B: { inFlight: "keep", incoming: "queue" } },
        },
      });
      expect(Mailbox.fifoPolicy(["A"]).neverCancel).toEqual([]);
      expect(() => Mailbox.fifoPolicy([])).toThrow(InvalidConfigError);
    });

    const base = (): Mailbox.PolicySpec => ({
      name: "buggy",
      kinds: ["A", "B"],
      neverCancel: ["B"],
      matrix: { A: { A: "queue", B: "queue" }, B: { A: "queue", B: "queue" } },
    });
    const withCell = (row: string, col: string, action: unknown): Mailbox.PolicySpec => {
      const spec = base();
      return {
        ...spec,
        matrix: { ...spec.matrix, [row]: { ...spec.matrix[row], [col]: action } },
      } as Mailbox.PolicySpec;
    };

    it.each<[string, Mailbox.PolicySpec, string, string]>([
      [
        "an empty name",
        { ...base(), name: "" },
        "name",
        'Mailbox policy: name ("") must be a non-empty string',
      ],
      [
        "empty kinds",
        { ...base(), kinds: [] },
        "kinds",
        'Mailbox policy "buggy": kinds ([]) must be a non-empty array of non-empty strings',
      ],
      [
        "an empty kind",
        { ...base(), kinds: ["A", ""] },
        "kinds",
        'Mailbox policy "buggy": kinds (["A",""]) must be a non-empty array of non-empty strings',
      ],
      [
        "a repeated kind",
        { ...base(), kinds: ["A", "B", "A"] },
        "kinds",
        'Mailbox policy "buggy": kinds lists "A" more than once',
      ],
      [
        "a neverCancel kind outside kinds",
        { ...base(), neverCancel: ["C"] },
        "neverCancel",
        'Mailbox policy "buggy": neverCancel lists "C", which is not one of kinds',
      ],
      [
        "a missing row",
        { ...base(), matrix: { A: { A: "queue", B: "queue" } } },
        "matrix.B",
        'Mailbox policy "buggy": matrix has no row for in-flight kind B',
      ],
      [
        "a missing cell",
        { ...base(), matrix: { A: { A: "queue" }, B: { A: "queue", B: "queue" } } },
        "matrix.A.B",
        'Mailbox policy "buggy": cell A × B is missing',
      ],
      [
        "an unknown incoming kind",
        withCell("A", "C", "queue"),
        "matrix.A.C",
        'Mailbox policy "buggy": cell A × C names incoming kind C, which is not one of kinds',
      ],
      [
        "an unknown in-flight kind",
        { ...base(), matrix: { ...base().matrix, C: { A: "queue", B: "queue" } } },
        "matrix.C",
        'Mailbox policy "buggy": matrix row C names in-flight kind C, which is not one of kinds',
      ],
      [
        "an unknown shorthand",
        withCell("A", "B", "supersede"),
        "matrix.A.B",
        'Mailbox policy "buggy": cell A × B is "supersede", which is not an action',
      ],
      [
        "a malformed cell",
        withCell("A", "B", { inFlight: "cancel", incoming: "later" }),
        "matrix.A.B",
        'Mailbox policy "buggy": cell A × B is {"inFlight":"cancel","incoming":"later"}, which is not an action',
      ],
      [
        "a cancelling cell in a neverCancel row",
        withCell("B", "A", "cancel+coalesce"),
        "matrix.B.A",
        'Mailbox policy "buggy": cell B × A is "cancel+coalesce", but an in-flight B is never cancelled',
      ],
      [
        "a cell that cancels and drops",
        withCell("A", "A", { inFlight: "cancel", incoming: "drop" }),
        "matrix.A.A",
        'Mailbox policy "buggy": cell A × A cancels the in-flight order without queueing a successor (incoming: "drop")',
      ],
      [
        "drop off the diagonal",
        withCell("A", "B", "drop"),
        "matrix.A.B",
        'Mailbox policy "buggy": cell A × B is "drop", but only an order of the in-flight kind (A) can be dropped as its duplicate',
      ],
    ])("refuses %s, naming the field and the cell", (_case, spec, field, message) => {
      expectInvalidConfig(() => Mailbox.policy(spec), field, message, { contains: true });
    });

    it("checks the rules in order: neverCancel before cancel-and-drop", () => {
      const spec = withCell("B", "B", { inFlight: "cancel", incoming: "drop" });
      expect(() => Mailbox.policy(spec)).toThrow(
        'Mailbox policy "buggy": cell B × B is {"inFlight":"cancel","incoming":"drop"}, but an in-flight B is never cancelled',
      );
    });

    it("checkPolicy refuses a shorthand in a normalised policy and runs the same rules", () => {
      const p = Mailbox.policy(base());
      const shorthand = {
        ...p,
        matrix: { ...p.matrix, A: { ...p.matrix.A, B: "queue" } },
      } as unknown as Mailbox.Policy;
      expect(() => Mailbox.checkPolicy(shorthand)).toThrow(
        'Mailbox policy "buggy": cell A × B is "queue", which is not a Cell',
      );
      const cancelsTeardown = {
        ...p,
        matrix: { ...p.matrix, B: { ...p.matrix.B, A: { inFlight: "cancel", incoming: "queue" } } },
      } as Mailbox.Policy;
      expect(() => Mailbox.checkPolicy(cancelsTeardown)).toThrow(
        'Mailbox policy "buggy": cell B × A is "cancel", but an in-flight B is never cancelled',
      );
    });
  });

  describe("config validation", () => {
    it("starts empty", () => {
      expect(start()).toEqual({
        config,
        keys: {},
        keyless: {},
        ready: [],
        inFlightCount: 0,
        shuttingDown: false,
      });
    });

    it.each([
      [{ inFlightMax: 0 }, "inFlightMax", "Mailbox config: inFlightMax (0) must be a positive integer"],
      [
        { pendingPerKeyMax: 1.5 },
        "pendingPerKeyMax",
        "Mailbox config: pendingPerKeyMax (1.5) must be a positive integer",
      ],
      [
        { keylessPendingMax: -1 },
        "keylessPendingMax",
        "Mailbox config: keylessPendingMax (-1) must be a positive integer",
      ],
      [{ keyCountMax: "9" }, "keyCountMax", 'Mailbox config: keyCountMax ("9") must be a positive integer'],
      [{ policy: undefined }, "policy", "Mailbox config: policy (undefined) must be a policy object"],
    ])("refuses %o naming the field %s", (override, field, message) => {
      const bad = { ...config, ...override } as Mailbox.Config;
      expectInvalidConfig(() => Mailbox.initial(bad), field, message, { contains: true });
    });
  });

  describe("global bound and fairness", () => {
    it("never has more than inFlightMax orders in flight; the rest wait in ready in arrival order", () => {
      const state = run(
        start({ inFlightMax: 2 }),
        submit("a1", "a", "EnabledStack"),
        submit("b1", "b", "EnabledStack"),
        submit("c1", "c", "EnabledStack"),
        submit("d1", "d", "EnabledStack"),
      );
      expect(state.inFlightCount).toBe(2);
      expect(state.ready).toEqual([
        { _tag: "Key", key: "c" },
        { _tag: "Key", key: "d" },
      ]);
      const step = Mailbox.transition(state, complete("b", "b1"));
      expect(step.result).toMatchObject({ dispatched: "c1" });
      expect(step.state.ready).toEqual([{ _tag: "Key", key: "d" }]);
    });

    it("a key with 10 pending orders delays another key's order by at most one dispatch", () => {
      let state = run(start({ inFlightMax: 1 }), submit("x1", "x", "EnabledStack"));
      for (let index = 1; index <= 10; index += 1) {
        state = run(state, submit(`a${index}`, "a", "EnabledStack"));
      }
      state = run(state, submit("b1", "b", "EnabledStack"));
      expect(state.ready).toEqual([
        { _tag: "Key", key: "a" },
        { _tag: "Key", key: "b" },
      ]);
      const { dispatched } = drain(state);
      expect(dispatched.indexOf("b1")).toBe(1); // a1, then b1: a went to the back of ready after a1
      expect(dispatched).toEqual(["a1", "b1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"]);
    });

    it("round-robins between busy keys: a key whose order completes goes to the back of ready", () => {
      let state = run(start({ inFlightMax: 1 }), submit("x1", "x", "EnabledStack"));
      for (const name of ["a", "b"]) {
        state = run(
          state,
          submit(`${name}1`, name, "EnabledStack"),
          submit(`${name}2`, name, "DisabledStack"),
        );
      }
      expect(drain(state).dispatched).toEqual(["a1", "b1", "a2", "b2"]);
    });
  });

  describe("pending bound", () => {
    const small = (): State =>
      run(
        start({ pendingPerKeyMax: 2 }),
        submit("e1", "s1", "ExistingStack"),
        submit("n1", "s1", "EnabledStack"),
        submit("f1", "s1", "DisabledStack"),
      );

    it("rejects an order past pendingPerKeyMax, leaving the state identical and cancelling nothing", () => {
      const full = small();
      expect(pendingIds(full, "s1")).toEqual(["n1", "f1"]);
      for (const kind of KINDS) {
        const step = Mailbox.transition(full, submit("z", "s1", kind));
        expect(step.result).toEqual({ _tag: "Rejected", orderId: "z", reason: "pending-full" });
        expect(step.state).toBe(full);
        expect(step.effects).toEqual([]);
      }
      expect(key(full, "s1")?.inFlight?.cancelled).toBe(false);
    });

    it("accepts a coalescing order that replaces a pending one at the bound", () => {
      const full = run(
        start({ pendingPerKeyMax: 2 }),
        submit("e1", "s1", "ExistingStack"),
        submit("e2", "s1", "ExistingStack"),
        submit("n1", "s1", "EnabledStack"),
      );
      const step = Mailbox.transition(full, submit("e3", "s1", "ExistingStack"));
      expect(step.result).toMatchObject({ _tag: "Accepted", superseded: ["e2"] });
      expect(pendingIds(step.state, "s1")).toEqual(["n1", "e3"]);
    });

    it("bounds a key waiting in ready too", () => {
      const waiting = run(
        start({ inFlightMax: 1, pendingPerKeyMax: 1 }),
        submit("x1", "x", "EnabledStack"),
        submit("n1", "s1", "EnabledStack"),
      );
      const step = Mailbox.transition(waiting, submit("n2", "s1", "EnabledStack"));
      expect(step.result).toEqual({ _tag: "Rejected", orderId: "n2", reason: "pending-full" });
      expect(step.state).toBe(waiting);
    });
  });

  describe("Duplicate", () => {
    it("answers Duplicate for an id in flight or pending anywhere, state unchanged", () => {
      const state = run(
        start({ inFlightMax: 2 }),
        submit("e1", "s1", "ExistingStack"),
        submit("n1", "s1", "EnabledStack"),
        submit("k1", null, "X"),
        submit("w1", "s2", "EnabledStack"),
        submit("k2", null, "X"),
      );
      for (const id of ["e1", "n1", "k1", "w1", "k2"]) {
        const step = Mailbox.transition(state, submit(id, "s9", "ExistingStack"));
        expect(step.result).toEqual({ _tag: "Duplicate", orderId: id });
        expect(step.state).toBe(state);
        expect(step.effects).toEqual([]);
      }
    });

    it("accepts an id again once its order has left the mailbox", () => {
      const done = run(start(), submit("o1", "s1", "EnabledStack"), complete("s1", "o1"));
      expect(Mailbox.transition(done, submit("o1", "s1", "EnabledStack")).result).toMatchObject({
        _tag: "Accepted",
        dispatched: true,
      });
    });
  });

  describe("NotInFlight", () => {
    it("answers NotInFlight for a Complete of an order not in flight under that key, state unchanged", () => {
      const state = run(
        start(),
        submit("e1", "s1", "ExistingStack"),
        submit("n1", "s1", "EnabledStack"),
        submit("k1", null, "X"),
      );
      for (const event of [
        complete("s1", "n1"), // pending, not in flight
        complete("s2", "e1"), // wrong key
        complete(null, "e1"), // keyed order completed as bypass
        complete("s1", "k1"), // bypass order completed under a key
        complete("s1", "nope"),
        complete(null, "nope"),
      ]) {
        const step = Mailbox.transition(state, event);
        expect(step.result).toEqual({
          _tag: "NotInFlight",
          orderId: event._tag === "Complete" ? event.orderId : "",
        });
        expect(step.state).toBe(state);
        expect(step.effects).toEqual([]);
      }
      const completed = run(state, complete("s1", "e1"));
      expect(Mailbox.transition(completed, complete("s1", "e1")).result).toEqual({
        _tag: "NotInFlight",
        orderId: "e1",
      });
    });
  });

  describe("keyCountMax", () => {
    it("rejects an order for a new key when keyCountMax keys have work, but not for a known key or a bypass order", () => {
      const state = run(
        start({ keyCountMax: 2 }),
        submit("a1", "a", "EnabledStack"),
        submit("b1", "b", "EnabledStack"),
      );
      const refused = Mailbox.transition(state, submit("c1", "c", "EnabledStack"));
      expect(refused.result).toEqual({ _tag: "Rejected", orderId: "c1", reason: "key-limit" });
      expect(refused.state).toBe(state);
      expect(Mailbox.transition(state, submit("a2", "a", "EnabledStack")).result).toMatchObject({
        _tag: "Accepted",
      });
      expect(Mailbox.transition(state, submit("k1", null, "X")).result).toMatchObject({ _tag: "Accepted" });
      expect(Mailbox.transition(state, submit("u1", "c", "X")).result).toMatchObject({ _tag: "Accepted" });
      const freed = run(state, complete("a", "a1"));
      expect(Mailbox.transition(freed, submit("c1", "c", "EnabledStack")).result).toMatchObject({
        _tag: "Accepted",
      });
    });
  });

  describe('"__proto__" as a key', () => {
    it("treats keys and order ids named like Object.prototype members as ordinary entries", () => {
      const state = run(
        start({ inFlightMax: 3 }),
        submit("o1", "__proto__", "ExistingStack"),
        submit("o2", "constructor", "EnabledStack"),
        submit("__proto__", null, "X"),
        submit("o3", "__proto__", "DeletedStack"),
        submit("o4", "toString", "EnabledStack"),
      );
      expect(Object.keys(state.keys)).toEqual(["__proto__", "constructor", "toString"]);
      expect(Object.getPrototypeOf(state.keys)).toBe(Object.prototype);
      expect(Object.keys(state.keyless)).toEqual(["__proto__"]);
      expect(Object.getPrototypeOf(state.keyless)).toBe(Object.prototype);
      expect(pendingIds(state, "__proto__")).toEqual(["o3"]);
      expect(key(state, "__proto__")?.inFlight).toMatchObject({ cancelled: true, cancelledBy: "o3" });
      expect(Mailbox.transition(state, submit("o5", "hasOwnProperty", "EnabledStack")).result).toMatchObject({
        _tag: "Accepted",
        dispatched: false,
      });
      expect(Mailbox.transition(state, complete("valueOf", "o1")).result._tag).toBe("NotInFlight");
      expect(Mailbox.transition(state, submit("__proto__", "s", "ExistingStack")).result._tag).toBe(
        "Duplicate",
      );
      const completed = run(state, complete(null, "__proto__"), complete("__proto__", "o1", "cancelled"));
      expect(Object.keys(completed.keyless)).toEqual([]);
      expect(key(completed, "__proto__")?.inFlight?.order.id).toBe("o3");
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      const down = Mailbox.transition(state, SHUTDOWN);
      expect(Object.keys(down.state.keys)).toEqual(["__proto__", "constructor"]);
      expect(Object.getPrototypeOf(down.state.keys)).toBe(Object.prototype);
    });

    it("accepts a kind named __proto__ in a policy", () => {
      const p = Mailbox.fifoPolicy(["__proto__", "A"]);
      expect(Object.keys(p.matrix)).toEqual(["__proto__", "A"]);
      const state = run(
        Mailbox.initial({ ...config, policy: p }),
        submit("o1", "s", "__proto__"),
        submit("o2", "s", "A"),
      );
      expect(pendingIds(state, "s")).toEqual(["o2"]);
    });
  });

  describe("unchanged-state identity", () => {
    it("returns the same state for every result that changes nothing, and keeps untouched keys' identity", () => {
      const state = run(
        start({ pendingPerKeyMax: 1, keyCountMax: 2 }),
        submit("a1", "a", "EnabledStack"),
        submit("a2", "a", "EnabledStack"),
        submit("b1", "b", "EnabledStack"),
      );
      const noops: Event[] = [
        submit("a3", "a", "EnabledStack"), // pending-full
        submit("c1", "c", "EnabledStack"), // key-limit
        submit("a1", "a", "EnabledStack"), // Duplicate
        complete("a", "a2"), // NotInFlight
      ];
      for (const event of noops) {
        expect(Mailbox.transition(state, event).state).toBe(state);
      }
      const next = Mailbox.transition(state, complete("b", "b1")).state;
      expect(next.keys.a).toBe(state.keys.a);
      expect(next.config).toBe(state.config);
      const down = run(state, SHUTDOWN);
      expect(Mailbox.transition(down, SHUTDOWN).state).toBe(down);
    });
  });

  describe("drop cells", () => {
    const dedupe = Mailbox.policy({
      name: "dedupe",
      kinds: ["Sync", "Audit"],
      neverCancel: [],
      matrix: { Sync: { Sync: "drop", Audit: "queue" }, Audit: { Sync: "queue", Audit: "queue" } },
    });

    it("drops an order of the in-flight kind when nothing is pending, and queues it behind a pending order", () => {
      const state = run(Mailbox.initial({ ...config, policy: dedupe }), submit("s1", "k", "Sync"));
      const dropped = Mailbox.transition(state, submit("s2", "k", "Sync"));
      expect(dropped.result).toEqual({ _tag: "Dropped", orderId: "s2", duplicateOf: "s1" });
      expect(dropped.state).toBe(state);
      expect(dropped.effects).toEqual([]);
      const behind = run(state, submit("a1", "k", "Audit"));
      const queued = Mailbox.transition(behind, submit("s2", "k", "Sync"));
      expect(queued.result).toMatchObject({ _tag: "Accepted", superseded: [] });
      expect(pendingIds(queued.state, "k")).toEqual(["a1", "s2"]);
    });
  });

  it("asserts on programmer errors in events", () => {
    const state = start();
    const bad: Event[] = [
      submit("", "s", "ExistingStack"),
      submit("o", "", "ExistingStack"),
      submit("o", "s", ""),
      { _tag: "Submit", order: null } as unknown as Event,
      { _tag: "Submit", order: { id: 1, key: "s", kind: "ExistingStack" } } as unknown as Event,
      { _tag: "Submit", order: { id: "o", key: undefined, kind: "ExistingStack" } } as unknown as Event,
      complete("", "o"),
      complete("s", ""),
      { _tag: "Complete", key: "s", orderId: "o", outcome: "lost" } as unknown as Event,
      { _tag: "Bogus" } as unknown as Event,
    ];
    for (const event of bad) {
      expect(() => Mailbox.transition(state, event)).toThrow(AssertionError);
    }
  });
});
