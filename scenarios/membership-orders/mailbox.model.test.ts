/**
 * The Mailbox models of seed 003 (./mailbox.model.ts): the fixed policies verified at their registered bounds
 * (distinct states pinned), the seed's buggy behaviours found with their shortest counterexamples (inputs
 * pinned), the reachable space shown not to be vacuous (every Result and Effect of the Mailbox reached, every
 * cancelling cell fired), and mutants of the machine caught by the invariants.
 */
import { Mailbox } from "@interleave/core";
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace, type StateSpaceModel } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  MAILBOX_DEDUPE_OPTIONS,
  MAILBOX_FIFO_OPTIONS,
  MAILBOX_OPTIONS,
  type MailboxModelOptions,
  type MailboxModelState,
  MB_DELETE_NEVER_CANCELLED,
  MB_FIFO,
  MB_NOT_LOST,
  MB_POLICY,
  MB_ROUND_ROBIN,
  MB_WORK_CONSERVING,
  mailboxCancelWithoutSuccessorChecked,
  mailboxCapturedCtxChecked,
  mailboxModel,
  mailboxModels,
  mailboxNoCancelCheckChecked,
  mailboxPoolWithoutMailboxChecked,
} from "./mailbox.model.js";

/** A smaller instance for the structural BFS: one stack with every kind, one with snapshots only, 3 orders. */
const SMALL: MailboxModelOptions = { stacks: 1, snapshotOnlyStacks: 1, ordersMax: 3 };

/**
 * Checks the model with `options` (a registered model's own options, so the count pinned is the registered
 * model's) and returns its distinct states and labels of what its mailbox steps reached: result tags with
 * their variants, the cells that cancelled or coalesced (in-flight kind × incoming kind; `waiting` for a stack
 * waiting for a slot), and effects.
 */
function coverage(options: MailboxModelOptions): { states: number; reached: string[] } {
  const reached = new Set<string>();
  const model = mailboxModel({
    ...options,
    observe: (before, event, result, effects) => {
      switch (result._tag) {
        case "Accepted": {
          reached.add(`Accepted ${result.dispatched ? "dispatched" : "queued"}`);
          const key = event._tag === "Submit" ? event.order.key : null;
          const kind = event._tag === "Submit" ? event.order.kind : "";
          const inFlight = key === null ? undefined : before.keys[key]?.inFlight;
          // The cell that acted: the in-flight kind × the incoming kind (a waiting key: its diagonal).
          const row = inFlight === undefined ? "-" : inFlight === null ? "waiting" : inFlight.order.kind;
          if (result.superseded.length > 0) reached.add(`coalesce ${row} × ${kind}`);
          if (result.cancelled !== null) reached.add(`cancel ${row} × ${kind}`);
          break;
        }
        case "Rejected":
          reached.add(
            `Rejected ${result.reason}${result.reason === "pending-full" && event._tag === "Submit" && event.order.key === null ? " (bypass)" : ""}`,
          );
          break;
        case "Completed":
          reached.add(`Completed ${result.outcome}`);
          reached.add(`Completed ${result.dispatched === null ? "(slot idle)" : "dispatching"}`);
          break;
        case "ShutDown":
          if (result.cancelled.length > 0 && result.pending.length > 0)
            reached.add("ShutDown (cancels, hands back)");
          break;
        default:
          reached.add(result._tag);
      }
      for (const effect of effects) {
        reached.add(
          effect._tag === "Dispatch"
            ? `Dispatch ${effect.key === null ? "bypass" : "keyed"}`
            : `Cancel ${effect.reason}`,
        );
      }
    },
  });
  const r = expectStateSpaceVerified(model);
  return { states: r.states, reached: [...reached].sort() };
}

/** Every Result and Effect of the Mailbox but `Dropped` (reachable only under a policy with a drop cell). */
const REACHED_BY_EVERY_POLICY = [
  "Accepted dispatched",
  "Accepted queued",
  "AlreadyShutDown",
  "Cancel shutdown",
  "Completed (slot idle)",
  "Completed dispatching",
  "Completed done",
  "Completed failed",
  "Dispatch bypass",
  "Dispatch keyed",
  "Duplicate",
  "NotInFlight",
  "Rejected key-limit",
  "Rejected pending-full",
  "Rejected pending-full (bypass)",
  "Rejected shutting-down",
  "ShutDown (cancels, hands back)",
];

describe("the mailbox model (seed 003's membership policy)", () => {
  it("is verified at its registered bounds: 70,866 states; every Result and Effect but Dropped, every cancelling cell", () => {
    const { states, reached } = coverage(MAILBOX_OPTIONS);
    expect(states).toBe(70_866);
    expect(reached).toEqual(
      [
        ...REACHED_BY_EVERY_POLICY,
        "Cancel superseded",
        "Completed cancelled",
        "cancel DisabledStack × DeletedStack",
        "cancel EnabledStack × DeletedStack",
        "cancel ExistingStack × DeletedStack",
        "cancel ExistingStack × ExistingStack",
        "coalesce ExistingStack × ExistingStack",
        "coalesce waiting × ExistingStack",
      ].sort(),
    );
  });

  it("keeps its invariants on a smaller instance; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(mailboxModel(SMALL));
    expect(r.states).toBe(bruteForce(mailboxModel(SMALL)).states);
    expect(r.states).toBe(2_210);
  });

  it("gives the same state space with a one-slot cache (evictions are sound)", () => {
    const big = checkStateSpace(mailboxModel(SMALL));
    const tiny = checkStateSpace(mailboxModel({ ...SMALL, cacheSlots: 1 }));
    expect([tiny.states, tiny.transitions, tiny.depth]).toEqual([big.states, big.transitions, big.depth]);
  });

  it("consecutive ExistingStack coalescing: the third snapshot replaces the second, which cancelled the first", () => {
    const model = mailboxModel(SMALL);
    const s = walk(model, [
      "Submit ExistingStack s1",
      "Submit ExistingStack s1",
      "Submit ExistingStack s1",
      "Complete o1 cancelled",
    ]);
    expect(s.mailbox.state.keys.s1?.inFlight?.order.id).toBe("o3");
    expect(s.orders.map((o) => o.status)).toEqual([4, 4, 2]); // o1 completed, o2 coalesced, o3 running
  });

  it("cross-stack parallelism: two stacks run at once while an order waits behind one, reachable in 3 inputs", () => {
    const model = mailboxModel({});
    const r = checkStateSpace({
      ...model,
      invariants: [
        {
          name: "never two stacks in flight with an order waiting",
          holds: (s: MailboxModelState) => {
            const m = s.mailbox.state;
            const running = Object.values(m.keys).filter((e) => e.inFlight !== null).length;
            return !(running === 2 && Object.values(m.keys).some((e) => e.pending.length > 0));
          },
        },
      ],
    });
    expect(r._tag === "Violation" && r.path.map((p) => p.input)).toEqual([
      "Submit ExistingStack s1",
      "Submit ExistingStack s1",
      "Submit ExistingStack s2",
    ]);
  });
});

describe("the other policies", () => {
  it("mailbox-fifo is verified: 40,206 states; nothing is superseded, only Shutdown cancels", () => {
    const { states, reached } = coverage(MAILBOX_FIFO_OPTIONS);
    expect(states).toBe(40_206);
    // Two stacks and keyCountMax 2: the key limit is out of reach here (the `mailbox` model reaches it).
    expect(reached).toEqual(
      [
        ...REACHED_BY_EVERY_POLICY.filter((label) => label !== "Rejected key-limit"),
        "Completed cancelled",
      ].sort(),
    );
  });

  it("mailbox-dedupe is verified: 43,898 states; every cell form acts, Dropped included", () => {
    const { states, reached } = coverage(MAILBOX_DEDUPE_OPTIONS);
    expect(states).toBe(43_898);
    expect(reached.filter((label) => !REACHED_BY_EVERY_POLICY.includes(label))).toEqual([
      "Cancel superseded",
      "Completed cancelled",
      "Dropped",
      "cancel DisabledStack × DeletedStack",
      "cancel EnabledStack × DeletedStack",
      "cancel ExistingStack × DeletedStack",
      "cancel ExistingStack × ExistingStack",
      "coalesce DisabledStack × ExistingStack",
      "coalesce EnabledStack × ExistingStack",
      "coalesce ExistingStack × ExistingStack",
      "coalesce waiting × ExistingStack",
    ]);
  });
});

describe("seed 003's buggy behaviours, found with their shortest counterexamples", () => {
  const cases = [
    {
      model: mailboxPoolWithoutMailboxChecked,
      options: { routing: "pool" } as MailboxModelOptions,
      invariant: "at most one order in flight per key",
      inputs: ["Submit ExistingStack s1", "Submit ExistingStack s1"],
    },
    {
      model: mailboxCancelWithoutSuccessorChecked,
      options: { machine: "cancel-without-successor" } as MailboxModelOptions,
      invariant: "a cancel fires only when a successor is queued",
      inputs: ["Submit ExistingStack s1", "Submit ExistingStack s1"],
    },
    {
      model: mailboxNoCancelCheckChecked,
      options: { cancellation: "ignored" } as MailboxModelOptions,
      invariant: "every handler sees exactly its own order's cancellation",
      inputs: ["Submit ExistingStack s1", "Submit ExistingStack s1"],
    },
    {
      model: mailboxCapturedCtxChecked,
      options: { cancellation: "captured" } as MailboxModelOptions,
      invariant: "every handler sees exactly its own order's cancellation",
      inputs: ["Submit ExistingStack s1", "Submit ExistingStack s1", "Submit ExistingStack s2"],
    },
  ];
  for (const { model, options, invariant, inputs } of cases) {
    it(`${model.name}: "${invariant}" after ${inputs.length} inputs (shortest)`, () => {
      const { result, path } = model.check();
      expect(result._tag === "Violation" && result.invariant).toBe(invariant);
      expect(path?.map((step) => step.input)).toEqual(["initial", ...inputs]);
      expect(bruteForce(mailboxModel(options)).violationDepth).toBe(inputs.length);
    });
  }

  it("the registry lists the three policies as pass and the four buggy behaviours as violation", () => {
    expect(mailboxModels.map((m) => [m.name, m.expect])).toEqual([
      ["mailbox", "pass"],
      ["mailbox-fifo", "pass"],
      ["mailbox-dedupe", "pass"],
      ["mailbox-pool-without-mailbox", "violation"],
      ["mailbox-cancel-without-successor", "violation"],
      ["mailbox-no-cancel-check", "violation"],
      ["mailbox-captured-ctx", "violation"],
    ]);
  });
});

describe("mutants of the Mailbox are caught (the invariants bite)", () => {
  /** The key entry whose in-flight order `event` completes, if it is one. */
  const completing = (state: Mailbox.State, event: Mailbox.Event) =>
    event._tag === "Complete" &&
    event.key !== null &&
    state.keys[event.key]?.inFlight?.order.id === event.orderId
      ? { key: event.key, entry: state.keys[event.key]! }
      : undefined;
  /** The core, except that a Complete first reverses the pending FIFO of its key: LIFO dispatch. */
  const lifo = (state: Mailbox.State, event: Mailbox.Event) => {
    const { key, entry } = completing(state, event) ?? {};
    if (key === undefined || entry === undefined) return Mailbox.transition(state, event);
    const reversed = { ...entry, pending: [...entry.pending].reverse() };
    return Mailbox.transition({ ...state, keys: { ...state.keys, [key]: reversed } }, event);
  };
  /** The core, except that a Complete forgets the pending orders of its key. */
  const forgetful = (state: Mailbox.State, event: Mailbox.Event) => {
    const { key, entry } = completing(state, event) ?? {};
    if (key === undefined || entry === undefined || entry.pending.length === 0)
      return Mailbox.transition(state, event);
    return Mailbox.transition({ ...state, keys: { ...state.keys, [key]: { ...entry, pending: [] } } }, event);
  };
  /** The core, except that a Complete serves the work that became ready last (a LIFO dispatch queue). */
  const newestFirst = (state: Mailbox.State, event: Mailbox.Event) => {
    const frees =
      event._tag === "Complete" &&
      (event.key === null
        ? state.keyless[event.orderId] !== undefined
        : completing(state, event) !== undefined);
    if (!frees || state.ready.length < 2) return Mailbox.transition(state, event);
    return Mailbox.transition({ ...state, ready: [...state.ready].reverse() }, event);
  };
  /** The core, except that a snapshot behind an in-flight Delete cancels it (a cell the core refuses). */
  const cancelsDelete = (state: Mailbox.State, event: Mailbox.Event) => {
    const t = Mailbox.transition(state, event);
    if (event._tag !== "Submit" || event.order.key === null || t.result._tag !== "Accepted") return t;
    const key = event.order.key;
    const entry = t.state.keys[key];
    const running = entry?.inFlight;
    if (entry === undefined || !running || running.order.kind !== "DeletedStack" || running.cancelled)
      return t;
    if (event.order.kind !== "ExistingStack") return t;
    return {
      state: {
        ...t.state,
        keys: {
          ...t.state.keys,
          [key]: { ...entry, inFlight: { ...running, cancelled: true, cancelledBy: event.order.id } },
        },
      },
      effects: [
        ...t.effects,
        {
          _tag: "Cancel" as const,
          key,
          orderId: running.order.id,
          reason: "superseded" as const,
          by: event.order.id,
        },
      ],
      result: { ...t.result, cancelled: running.order.id },
    };
  };

  const cases = [
    {
      name: "LIFO dispatch",
      transition: lifo,
      broken: [MB_FIFO],
      inputs: [
        "Submit ExistingStack s1",
        "Submit ExistingStack s1",
        "Submit DeletedStack s1",
        "Complete o1 cancelled",
      ],
    },
    {
      // The slot frees with o2 still owed to its caller: both promises fail in that state.
      name: "forgetting pending orders",
      transition: forgetful,
      broken: [MB_WORK_CONSERVING, MB_NOT_LOST],
      inputs: ["Submit ExistingStack s1", "Submit ExistingStack s1", "Complete o1 cancelled"],
    },
    {
      name: "serving the newest ready work first",
      transition: newestFirst,
      options: { ordersMax: 4 },
      broken: [MB_ROUND_ROBIN],
      // s2 waits for a slot before the second bypass order does; the mutant serves the bypass order first.
      inputs: [
        "Submit ExistingStack s1",
        "Submit Unknown s1",
        "Submit ExistingStack s2",
        "Submit Unknown s1",
        "Complete o1 done",
      ],
    },
    {
      name: "cancelling an in-flight Delete",
      transition: cancelsDelete,
      // The cell DeletedStack × ExistingStack queues: the Submit broke it too.
      broken: [MB_DELETE_NEVER_CANCELLED, MB_POLICY],
      inputs: ["Submit DeletedStack s1", "Submit ExistingStack s1"],
    },
  ];
  for (const { name, transition, options, broken, inputs } of cases) {
    it(`${name}: "${broken.join('" and "')}" in ${inputs.length} inputs`, () => {
      const model = mailboxModel({ ...SMALL, ...options, transition });
      const r = checkStateSpace(model);
      if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
      expect(r.invariant).toBe(broken[0]);
      expect(r.path.map((p) => p.input)).toEqual(inputs);
      const last = r.path.at(-1)!.state;
      expect(model.invariants.filter((i) => !i.holds(last)).map((i) => i.name)).toEqual(broken);
    });
  }
});

/** The state reached from the initial state by the inputs labelled `labels`. */
function walk(
  model: StateSpaceModel<MailboxModelState, unknown>,
  labels: readonly string[],
): MailboxModelState {
  let s = Array.isArray(model.initial)
    ? (model.initial[0] as MailboxModelState)
    : (model.initial as MailboxModelState);
  for (const label of labels) {
    let found: MailboxModelState | null = null;
    for (const input of model.inputs(s)) {
      if (model.describe?.(input) !== label) continue;
      found = model.next(s, input);
      break;
    }
    if (found === null) throw new Error(`input ${label} is not enabled`);
    s = found;
  }
  return s;
}
