/**
 * The linearizability checker (src/lincheck/): the classics (a register's stale read, a lease granted to two
 * holders, fenced storage accepting a stale token, a call that never returned), the budgets, partitioning by
 * key, a machine with its effects compared (withEffects), the history format, and property tests: a history
 * cut from a real sequential run is always linearizable, and one flipped result in a sequential history never
 * is.
 */
import { FencedResource, Lease, SyncCoordinator } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLinearizable,
  formatHistory,
  type LinOperation,
  type LinSpec,
  parseHistory,
  renderWindow,
  withEffects,
} from "../src/lincheck/index.js";
import { InputError } from "../src/model/scenario.js";

/** A register of keyed values (0 when unwritten), the tiny sequential spec of Knossos' and Porcupine's examples. */
type RegisterEvent =
  | { readonly _tag: "Write"; readonly key: string; readonly value: number }
  | { readonly _tag: "Read"; readonly key: string };
type RegisterResult = { readonly _tag: "Ok" } | { readonly _tag: "Value"; readonly value: number };
type RegisterState = Readonly<Record<string, number>>;
const Register = {
  initial: (_config: null): RegisterState => ({}),
  transition(state: RegisterState, event: RegisterEvent): { state: RegisterState; result: RegisterResult } {
    return event._tag === "Write"
      ? { state: { ...state, [event.key]: event.value }, result: { _tag: "Ok" } }
      : { state, result: { _tag: "Value", value: state[event.key] ?? 0 } };
  },
};
const register: LinSpec<null, RegisterState, RegisterEvent, RegisterResult> = {
  machine: Register,
  config: null,
};

const op = <E>(
  process: string,
  input: E,
  output: unknown,
  callMs: number,
  returnMs: number | null,
): LinOperation<E> => ({ process, input, output, callMs, returnMs });
const w = (p: string, value: number, call: number, ret: number | null, key = "x") =>
  op<RegisterEvent>(p, { _tag: "Write", key, value }, { _tag: "Ok" }, call, ret);
const r = (p: string, value: number, call: number, ret: number | null, key = "x") =>
  op<RegisterEvent>(p, { _tag: "Read", key }, { _tag: "Value", value }, call, ret);

describe("a register", () => {
  it("a read after both writes returned that sees the first write is a stale read: not linearizable", () => {
    const verdict = checkLinearizable([w("a", 1, 0, 10), w("b", 2, 20, 30), r("c", 1, 40, 50)], register);
    expect(verdict.verdict).toBe("not-linearizable");
    if (verdict.verdict !== "not-linearizable") return;
    expect(verdict.window.prefixLength).toBe(2);
    const stuck = verdict.window.ops.filter((o) => !o.linearized);
    expect(stuck.map((o) => o.index)).toEqual([2]);
    expect(stuck[0]!.expected).toEqual({ _tag: "Value", value: 2 });
    expect(renderWindow(verdict.window)).toContain('{"_tag":"Value","value":2}');
  });

  it("the same read overlapping the second write may see either value: linearizable", () => {
    for (const seen of [1, 2]) {
      const verdict = checkLinearizable(
        [w("a", 1, 0, 10), w("b", 2, 20, 30), r("c", seen, 25, 50)],
        register,
      );
      expect(verdict.verdict).toBe("linearizable");
    }
  });

  it("two reads that see the writes in opposite orders: not linearizable", () => {
    const history = [
      w("a", 1, 0, 100),
      w("b", 2, 0, 100),
      r("c", 1, 10, 20),
      r("c", 2, 30, 40),
      r("d", 1, 50, 60),
    ];
    expect(checkLinearizable(history, register).verdict).toBe("not-linearizable");
  });

  it("ops touching at one instant count as concurrent", () => {
    expect(checkLinearizable([w("a", 1, 0, 10), r("b", 0, 10, 20)], register).verdict).toBe("linearizable");
    expect(checkLinearizable([w("a", 1, 0, 10), r("b", 0, 11, 20)], register).verdict).toBe(
      "not-linearizable",
    );
  });

  it("an empty history is linearizable", () => {
    expect(checkLinearizable([], register)).toEqual({ verdict: "linearizable", states: 0, partitions: 0 });
  });
});

describe("a call that never returned (pending) may take effect or not", () => {
  it("a later read may see it or not", () => {
    for (const seen of [0, 1]) {
      expect(checkLinearizable([w("a", 1, 0, null), r("b", seen, 10, 20)], register).verdict).toBe(
        "linearizable",
      );
    }
  });

  it("it may take effect after later ops returned", () => {
    const history = [w("a", 1, 0, null), r("b", 0, 10, 20), r("b", 1, 30, 40)];
    expect(checkLinearizable(history, register).verdict).toBe("linearizable");
  });

  it("one that would change nothing when called may still take effect later, when it does", () => {
    const history = [w("a", 1, 0, 1), w("b", 1, 5, null), w("c", 2, 10, 20), r("d", 1, 30, 40)];
    expect(checkLinearizable(history, register).verdict).toBe("linearizable");
    expect(checkLinearizable([...history, r("d", 2, 50, 60)], register).verdict).toBe("not-linearizable");
  });

  it("once seen it cannot be undone", () => {
    const history = [w("a", 1, 0, null), r("b", 1, 10, 20), r("b", 0, 30, 40)];
    expect(checkLinearizable(history, register).verdict).toBe("not-linearizable");
  });

  it("it cannot take effect before its call", () => {
    const history = [r("b", 1, 0, 5), w("a", 1, 10, null)];
    expect(checkLinearizable(history, register).verdict).toBe("not-linearizable");
  });

  it("its recorded output is ignored", () => {
    const pending = op<RegisterEvent>("a", { _tag: "Write", key: "x", value: 1 }, "garbage", 0, null);
    expect(checkLinearizable([pending, r("b", 1, 10, 20)], register).verdict).toBe("linearizable");
  });
});

describe("a core Lease", () => {
  const spec = { machine: Lease, config: { leaseTtlMs: 1_000 } };
  const acquire = (holder: string, atMs: number, output: Lease.Result, callMs: number, returnMs: number) =>
    op<Lease.Event>(holder, { _tag: "Acquire", holder, atMs }, output, callMs, returnMs);
  const granted = (token: number, expiresAtMs: number): Lease.Result => ({
    _tag: "Granted",
    token,
    expiresAtMs,
    reclaimed: false,
  });

  it("TC lease granted to two holders at once with the same token: not linearizable (the machine says Busy)", () => {
    const history = [acquire("a", 5, granted(1, 1_005), 0, 10), acquire("b", 6, granted(1, 1_006), 2, 12)];
    const verdict = checkLinearizable(history, spec);
    expect(verdict.verdict).toBe("not-linearizable");
    if (verdict.verdict !== "not-linearizable") return;
    const stuck = verdict.window.ops.filter((o) => !o.linearized);
    expect(stuck.map((o) => (o.expected as Lease.Result)._tag)).toContain("Busy");
  });

  it("granted to two holders with different tokens while the first is valid: not linearizable", () => {
    const history = [acquire("a", 5, granted(1, 1_005), 0, 10), acquire("b", 6, granted(2, 1_006), 2, 12)];
    expect(checkLinearizable(history, spec).verdict).toBe("not-linearizable");
  });

  it("one Granted and one Busy: linearizable in either order of the calls", () => {
    const busy: Lease.Result = { _tag: "Busy", holder: "a", expiresAtMs: 1_005 };
    expect(
      checkLinearizable([acquire("a", 5, granted(1, 1_005), 0, 10), acquire("b", 6, busy, 2, 12)], spec)
        .verdict,
    ).toBe("linearizable");
    expect(
      checkLinearizable([acquire("b", 6, busy, 0, 12), acquire("a", 5, granted(1, 1_005), 2, 10)], spec)
        .verdict,
    ).toBe("linearizable");
  });

  it("a reclaim after expiry with the next token: linearizable", () => {
    const history = [
      acquire("a", 5, granted(1, 1_005), 0, 10),
      acquire("b", 2_000, { _tag: "Granted", token: 2, expiresAtMs: 3_000, reclaimed: true }, 1_990, 2_010),
    ];
    expect(checkLinearizable(history, spec).verdict).toBe("linearizable");
  });
});

describe("a core FencedResource", () => {
  const spec = { machine: FencedResource, config: undefined };
  const fence = (token: number, callMs: number, returnMs: number) =>
    op<FencedResource.Event>("new", { _tag: "Fence", token }, { _tag: "Fenced", token }, callMs, returnMs);
  const write = (token: number, callMs: number, returnMs: number) =>
    op<FencedResource.Event>(
      "old",
      { _tag: "Write", token, value: "v" },
      { _tag: "Accepted", token },
      callMs,
      returnMs,
    );

  it("a write with a stale token accepted after the fence returned: not linearizable", () => {
    const verdict = checkLinearizable([fence(2, 0, 10), write(1, 20, 30)], spec);
    expect(verdict.verdict).toBe("not-linearizable");
    if (verdict.verdict !== "not-linearizable") return;
    expect(verdict.window.ops.find((o) => !o.linearized)?.expected).toEqual({
      _tag: "StaleToken",
      token: 1,
      highestToken: 2,
    });
  });

  it("the same write overlapping the fence may have come first: linearizable", () => {
    expect(checkLinearizable([fence(2, 0, 10), write(1, 5, 30)], spec).verdict).toBe("linearizable");
  });
});

describe("withEffects: a core SyncCoordinator, effects compared too", () => {
  const spec = {
    machine: withEffects(SyncCoordinator),
    config: { mrCountMax: 2, pendingPerMrMax: 2, leaseTtlMs: 100 },
  };
  const schedule = (process: string, resetId: string, atMs: number, token: number | null) =>
    op<SyncCoordinator.Event>(
      process,
      { _tag: "ScheduleReset", mr: "!1", resetId, atMs },
      {
        result: { _tag: "ResetQueued", running: token !== null },
        effects:
          token === null ? [] : [{ _tag: "RunReset", mr: "!1", resetId, token, expiresAtMs: atMs + 100 }],
      },
      atMs,
      atMs + 1,
    );

  it("the reset dispatched to the first caller, with token 1: linearizable", () => {
    expect(checkLinearizable([schedule("a", "r1", 0, 1), schedule("b", "r2", 5, null)], spec).verdict).toBe(
      "linearizable",
    );
  });

  it("the right result with a wrong effect (the second reset dispatched too): not linearizable, the machine says it waits", () => {
    const queued = schedule("b", "r2", 5, null);
    const dispatched = schedule("b", "r2", 5, 2);
    const wrong = {
      ...queued,
      output: { ...(queued.output as object), effects: (dispatched.output as { effects: unknown }).effects },
    };
    const verdict = checkLinearizable([schedule("a", "r1", 0, 1), wrong], spec);
    expect(verdict.verdict).toBe("not-linearizable");
    if (verdict.verdict !== "not-linearizable") return;
    expect(verdict.window.ops.find((o) => !o.linearized)?.expected).toEqual({
      result: { _tag: "ResetQueued", running: false },
      effects: [],
    });
  });
});

describe("budgets: unknown, never a wrong answer", () => {
  // Twelve concurrent writes and a final read of a value nobody wrote: the search must try every order.
  const hard = [...Array.from({ length: 12 }, (_, i) => w(`p${i}`, i + 1, 0, 100)), r("z", 99, 200, 210)];

  it("the full search finds it not linearizable", () => {
    expect(checkLinearizable(hard, register).verdict).toBe("not-linearizable");
  });

  it("a tiny state budget gives unknown", () => {
    const verdict = checkLinearizable(hard, register, { statesMax: 50 });
    expect(verdict).toMatchObject({ verdict: "unknown", reason: "state-budget", states: 50 });
  });

  it("a time budget on a clock passed in gives unknown", () => {
    let t = 0;
    const verdict = checkLinearizable(hard, register, { timeBudgetMs: 5, now: () => t++ });
    expect(verdict).toMatchObject({ verdict: "unknown", reason: "time-budget" });
  });

  it("a time budget without a clock is a programmer error", () => {
    expect(() => checkLinearizable(hard, register, { timeBudgetMs: 5 })).toThrow(/needs a clock/);
  });
});

describe("partitioning by key", () => {
  const keyed = { ...register, partition: (e: RegisterEvent) => e.key };

  it("gives the same verdict as the unpartitioned check, with the failing key named", () => {
    const good = [
      w("a", 1, 0, 10, "x"),
      w("b", 2, 0, 10, "y"),
      r("c", 1, 20, 30, "x"),
      r("c", 2, 20, 30, "y"),
    ];
    const bad = [...good, r("d", 0, 40, 50, "y")];
    expect(checkLinearizable(good, keyed)).toMatchObject({ verdict: "linearizable", partitions: 2 });
    expect(checkLinearizable(good, register).verdict).toBe("linearizable");
    const split = checkLinearizable(bad, keyed);
    expect(split.verdict).toBe("not-linearizable");
    expect(checkLinearizable(bad, register).verdict).toBe("not-linearizable");
    if (split.verdict === "not-linearizable") expect(split.window.partition).toBe("y");
  });

  it("property: on random register histories both checks agree", () => {
    const opArb = fc.record({
      process: fc.constantFrom("a", "b", "c"),
      key: fc.constantFrom("x", "y"),
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 2 }),
      callMs: fc.integer({ min: 0, max: 40 }),
      durationMs: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 10 }), (rows) => {
        const history = rows.map((o) =>
          o.write
            ? w(o.process, o.value, o.callMs, o.callMs + o.durationMs, o.key)
            : r(o.process, o.value, o.callMs, o.callMs + o.durationMs, o.key),
        );
        expect(checkLinearizable(history, keyed).verdict).toBe(checkLinearizable(history, register).verdict);
      }),
      { numRuns: 300, seed: 19 },
    );
  });
});

/** Random Lease events (holders a–c, tokens 0–3), applied at linearization points 10 ms apart. */
const leaseEvents = fc.array(
  fc.record({
    tag: fc.constantFrom("Acquire", "Acquire", "Renew", "Release"),
    holder: fc.constantFrom("a", "b", "c"),
    token: fc.integer({ min: 0, max: 3 }),
    gapMs: fc.integer({ min: 1, max: 600 }),
    before: fc.integer({ min: 0, max: 1_500 }),
    after: fc.integer({ min: 0, max: 1_500 }),
    pending: fc.integer({ min: 0, max: 9 }),
  }),
  { minLength: 1, maxLength: 14 },
);
const leaseSpec = { machine: Lease, config: { leaseTtlMs: 1_000 } };

/** Run the events on the Lease in order; op i takes effect at `atMs` and its call/return straddle it. */
function leaseHistory(
  rows: readonly (typeof leaseEvents extends fc.Arbitrary<infer T> ? T : never)[number][],
) {
  let state = Lease.initial(leaseSpec.config);
  let atMs = 0;
  return rows.map((row) => {
    atMs += row.gapMs;
    const input: Lease.Event =
      row.tag === "Acquire"
        ? { _tag: "Acquire", holder: row.holder, atMs }
        : { _tag: row.tag as "Renew" | "Release", holder: row.holder, token: row.token, atMs };
    const step = Lease.transition(state, input);
    state = step.state;
    return { row, input, result: step.result, atMs };
  });
}

/** A result of a different tag than `result`, as a buggy server might answer. */
function flipped(result: Lease.Result): Lease.Result {
  switch (result._tag) {
    case "Granted":
      return { _tag: "Busy", holder: "z", expiresAtMs: result.expiresAtMs };
    case "Busy":
      return { _tag: "Granted", token: 1, expiresAtMs: result.expiresAtMs, reclaimed: false };
    case "Renewed":
      return { _tag: "Expired", expiredAtMs: result.expiresAtMs };
    case "Expired":
      return { _tag: "Renewed", expiresAtMs: result.expiredAtMs };
    case "Released":
      return { _tag: "NotOwner", holder: null, token: 0 };
    case "NotOwner":
      return { _tag: "Released" };
  }
}

describe("property tests", () => {
  it("property: a history cut from a real sequential Lease run, with overlapping intervals around each op's point, is linearizable", () => {
    fc.assert(
      fc.property(leaseEvents, (rows) => {
        const history = leaseHistory(rows).map(({ row, input, result, atMs }) =>
          op(
            row.holder,
            input,
            result,
            Math.max(0, atMs - row.before),
            row.pending === 0 ? null : atMs + row.after,
          ),
        );
        expect(checkLinearizable(history, leaseSpec).verdict).toBe("linearizable");
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it("property: one result flipped to another tag in a sequential Lease history is not linearizable", () => {
    fc.assert(
      fc.property(leaseEvents, fc.nat(), (rows, pick) => {
        const run = leaseHistory(rows);
        const target = pick % run.length;
        const history = run.map(({ row, input, result, atMs }, i) =>
          op(row.holder, input, i === target ? flipped(result) : result, atMs, atMs),
        );
        const verdict = checkLinearizable(history, leaseSpec);
        expect(verdict.verdict).toBe("not-linearizable");
        if (verdict.verdict === "not-linearizable") {
          expect(verdict.window.prefixLength).toBe(target);
          expect(verdict.window.ops.filter((o) => !o.linearized).map((o) => o.index)).toEqual([target]);
        }
      }),
      { numRuns: 300, seed: 19 },
    );
  });
});

/** An injected bug: a Lease whose Acquire never checks the holder's expiry — it grants whoever asks. */
const GrantsAlways = {
  initial: Lease.initial,
  transition(state: Lease.State, event: Lease.Event) {
    if (event._tag !== "Acquire") return Lease.transition(state, event);
    return Lease.transition({ ...state, holder: null }, event);
  },
};

describe("histories from an injected bug", () => {
  it("property: a buggy lease's answers, run sequentially, are linearizable exactly when the real Lease agrees", () => {
    fc.assert(
      fc.property(leaseEvents, (rows) => {
        let buggy = GrantsAlways.initial(leaseSpec.config);
        let real = Lease.initial(leaseSpec.config);
        let agrees = true;
        const history = leaseHistory(rows).map(({ row, input, atMs }) => {
          const step = GrantsAlways.transition(buggy, input);
          buggy = step.state;
          if (agrees) {
            const truth = Lease.transition(real, input);
            real = truth.state;
            agrees = JSON.stringify(truth.result) === JSON.stringify(step.result);
          }
          return op(row.holder, input, step.result, atMs, atMs);
        });
        expect(checkLinearizable(history, leaseSpec).verdict).toBe(
          agrees ? "linearizable" : "not-linearizable",
        );
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it("two overlapping acquires both granted by the buggy lease are caught", () => {
    let state = GrantsAlways.initial(leaseSpec.config);
    const history = (["a", "b"] as const).map((holder, i) => {
      const input: Lease.Event = { _tag: "Acquire", holder, atMs: 5 + i };
      const step = GrantsAlways.transition(state, input);
      state = step.state;
      return op(holder, input, step.result, i, 10 + i);
    });
    expect(history.map((o) => (o.output as Lease.Result)._tag)).toEqual(["Granted", "Granted"]);
    expect(checkLinearizable(history, leaseSpec).verdict).toBe("not-linearizable");
  });
});

describe("a custom matcher and state key", () => {
  it("matches on the result's tag alone when the client records only that", () => {
    const spec = { ...leaseSpec, matches: (output: unknown, result: Lease.Result) => output === result._tag };
    const history = [
      op<Lease.Event>("a", { _tag: "Acquire", holder: "a", atMs: 5 }, "Granted", 0, 10),
      op<Lease.Event>("b", { _tag: "Acquire", holder: "b", atMs: 6 }, "Busy", 2, 12),
    ];
    expect(checkLinearizable(history, spec).verdict).toBe("linearizable");
    const twice = [history[0]!, { ...history[1]!, output: "Granted" }];
    expect(checkLinearizable(twice, spec).verdict).toBe("not-linearizable");
  });

  it("uses the given state key for the memo", () => {
    const keys: string[] = [];
    const stateKey = (s: RegisterState): string => {
      const key = JSON.stringify(s);
      keys.push(key);
      return key;
    };
    expect(checkLinearizable([w("a", 1, 0, 10), r("b", 1, 20, 30)], { ...register, stateKey }).verdict).toBe(
      "linearizable",
    );
    expect(keys).toEqual(['{"x":1}']);
  });
});

describe("the history format", () => {
  const header = {
    format: "interleave-history",
    version: 1,
    machine: "Lease",
    config: { leaseTtlMs: 1_000 },
  };

  it("round-trips through formatHistory and parseHistory", () => {
    const ops = [w("a", 1, 0, 10), { ...w("b", 2, 5, null), output: undefined }];
    const text = formatHistory({ header: header as never, ops });
    const parsed = parseHistory(text, "h.jsonl");
    expect(parsed.header).toEqual(header);
    expect(parsed.ops).toEqual([
      w("a", 1, 0, 10),
      { process: "b", input: ops[1]!.input, callMs: 5, returnMs: null },
    ]);
  });

  it.each([
    ["", /h.jsonl is empty/],
    ['{"format":"other"}\n', /not an interleave history header/],
    [
      `${JSON.stringify(header)}\n{"process":"a","input":{"_tag":"Acq`,
      /h.jsonl:2 is not JSON \(the file looks truncated\)/,
    ],
    [
      `${JSON.stringify(header)}\n{"process":"a","input":{"_tag":"X"},"callMs":5,"returnMs":1,"output":1}\n`,
      /h.jsonl:2 .*returnMs is before callMs/,
    ],
    [
      `${JSON.stringify(header)}\n{"process":"a","input":{"_tag":"X"},"callMs":5,"returnMs":6}\n`,
      /needs an output/,
    ],
    [`${JSON.stringify(header)}\n{"pid":"a"}\n`, /h.jsonl:2 is not an operation/],
  ])("rejects %j with one line", (text, message) => {
    expect(() => parseHistory(text, "h.jsonl")).toThrow(InputError);
    expect(() => parseHistory(text, "h.jsonl")).toThrow(message);
  });
});
