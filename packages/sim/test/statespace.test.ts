import { AssertionError, Lease } from "@interleave/core";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { registerCheck } from "../src/cli/check.js";
import { claimQueueModel, leaseModel, STATE_SPACE_MODELS } from "../src/models.js";
import { InputError } from "../src/scenario.js";
import {
  canonicalKey,
  checkStateSpace,
  expectStateSpaceVerified,
  formatCounterexample,
  MachineCache,
  type StateSpaceModel,
} from "../src/statespace.js";

/** An n × n grid walked by `right` and `up` from (0, 0); `bad` marks the states breaking the invariant. */
function grid(
  n: number,
  options: { key?: "number" | "string" | "default"; bad?: (x: number, y: number) => boolean } = {},
): StateSpaceModel<{ x: number; y: number }, "right" | "up"> {
  const inputs = ["right", "up"] as const;
  const bad = options.bad ?? (() => false);
  const keys = {
    number: { key: (s: { x: number; y: number }) => s.x * n + s.y },
    string: { key: (s: { x: number; y: number }) => `${s.x},${s.y}` },
    default: {},
  };
  return {
    name: "grid",
    initial: { x: 0, y: 0 },
    inputs: () => inputs,
    next: (s, input) => {
      if (input === "right") return s.x + 1 < n ? { x: s.x + 1, y: s.y } : null;
      return s.y + 1 < n ? { x: s.x, y: s.y + 1 } : null;
    },
    invariants: [{ name: "the walk avoids the bad cells", holds: (s) => !bad(s.x, s.y) }],
    ...keys[options.key ?? "number"],
  };
}

/**
 * Plain BFS over structural keys (canonicalKey, no fingerprints, no cache): the distinct-state count and
 * the depth of the first violating state, to compare the checker against.
 */
function bruteForce<S, I>(model: StateSpaceModel<S, I>): { states: number; violationDepth: number | null } {
  const initials = (Array.isArray(model.initial) ? model.initial : [model.initial]) as S[];
  const seen = new Set<string>();
  let level: S[] = [];
  const visit = (s: S, into: S[]) => {
    const k = canonicalKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    into.push(s);
    return model.invariants.some((inv) => !inv.holds(s));
  };
  for (const s of initials) if (visit(s, level)) return { states: seen.size, violationDepth: 0 };
  for (let depth = 1; level.length > 0; depth++) {
    const next: S[] = [];
    for (const s of level) {
      for (const input of model.inputs(s)) {
        const t = model.next(s, input);
        if (t !== null && visit(t, next)) return { states: seen.size, violationDepth: depth };
      }
    }
    level = next;
  }
  return { states: seen.size, violationDepth: null };
}

const SMALL_LEASE = { holders: 2, horizonMs: 8_000, grantsMax: 4 };
const SMALL_QUEUE = { horizonMs: 4_000, claimsMax: 3, enqueuesMax: 2 };

describe("checkStateSpace", () => {
  it("counts every distinct state of a grid exactly, whatever the key (number, string, structural)", () => {
    for (const key of ["number", "string", "default"] as const) {
      const r = checkStateSpace(grid(40, { key }));
      expect(r._tag, key).toBe("Verified");
      expect([r.states, r.transitions, r.depth], key).toEqual([1_600, 2 * 40 * 39, 78]);
    }
  });

  it("keeps 250,000 string-keyed states apart (no fingerprint collision)", () => {
    const r = checkStateSpace(grid(500, { key: "string" }));
    expect([r._tag, r.states]).toEqual(["Verified", 250_000]);
  });

  it("returns a shortest counterexample, re-executed from the initial state", () => {
    // Bad cells at (7, 0) and (2, 2): the nearer one (depth 4) wins although (7, 0) is found first by DFS.
    const model = grid(10, { bad: (x, y) => (x === 7 && y === 0) || (x === 2 && y === 2) });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("the walk avoids the bad cells");
    expect(r.path.map((s) => s.input)).toEqual(["right", "right", "up", "up"]);
    expect(r.path.at(-1)?.state).toEqual({ x: 2, y: 2 });
    expect(r.depth).toBe(4);
    expect(bruteForce(model).violationDepth).toBe(4);
  });

  it("reports an initial state that breaks an invariant with an empty path", () => {
    const r = checkStateSpace(grid(3, { bad: (x, y) => x === 0 && y === 0 }));
    expect(r._tag === "Violation" && r.path).toEqual([]);
  });

  it("explores from several initial states and stores duplicates once", () => {
    const model = {
      ...grid(5),
      initial: [
        { x: 3, y: 3 },
        { x: 0, y: 4 },
        { x: 3, y: 3 },
      ],
    };
    const r = checkStateSpace(model);
    // From (3, 3): (3..4) × (3..4) = 4 states; from (0, 4): (0..4, 4) adds 3 more.
    expect([r._tag, r.states]).toEqual(["Verified", 7]);
  });

  it("stops at maxStates with a message naming the bound, without throwing", () => {
    const r = checkStateSpace(grid(100), { maxStates: 1_000 });
    expect(r._tag).toBe("Bounded");
    expect(r._tag === "Bounded" && r.reason).toBe("maxStates");
    expect(r._tag === "Bounded" && r.message).toBe(
      "stopped after storing 1,000 states (maxStates); raise --max-states or shrink the model",
    );
    expect(r.states).toBe(1_000);
  });

  it("stops at maxDepth only when states lie beyond it", () => {
    const cut = checkStateSpace(grid(10), { maxDepth: 5 });
    expect(cut._tag === "Bounded" && cut.reason).toBe("maxDepth");
    expect([cut.states, cut.depth]).toEqual([21, 5]);
    expect(checkStateSpace(grid(10), { maxDepth: 18 })._tag).toBe("Verified");
  });

  it("reports each completed level to onLevel: depth, states stored, next level's size", () => {
    const levels: [number, number, number][] = [];
    checkStateSpace(grid(3), { onLevel: (p) => levels.push([p.depth, p.states, p.frontier]) });
    // Diagonals of a 3 × 3 grid hold 1, 2, 3, 2, 1 cells.
    expect(levels).toEqual([
      [0, 3, 2],
      [1, 6, 3],
      [2, 8, 2],
      [3, 9, 1],
      [4, 9, 0],
    ]);
  });

  it("rejects bad options and bad numeric keys by name", () => {
    expect(() => checkStateSpace(grid(3), { maxStates: 0 })).toThrow("maxStates must be a positive integer");
    expect(() => checkStateSpace(grid(3), { maxDepth: 1.5 })).toThrow(
      "maxDepth must be a non-negative integer",
    );
    expect(() => checkStateSpace({ ...grid(3), key: () => -1 })).toThrow(
      "a numeric state key must be a non-negative safe integer, got -1",
    );
  });

  it("names a model that is not deterministic when its counterexample does not replay", () => {
    let calls = 0;
    const flaky: StateSpaceModel<number, number> = {
      name: "flaky",
      initial: 0,
      inputs: () => [1],
      // The first expansion reaches 1; every later call (the replay) finds the input disabled.
      next: (s) => (calls++ === 0 && s === 0 ? 1 : null),
      invariants: [{ name: "never 1", holds: (s) => s !== 1 }],
      key: (s) => s,
    };
    expect(() => checkStateSpace(flaky)).toThrow(AssertionError);
    calls = 0;
    expect(() => checkStateSpace(flaky)).toThrow("model flaky is not deterministic");
  });

  it("is deterministic: two checks give the same figures and the same counterexample", () => {
    const a = checkStateSpace(leaseModel({ ...SMALL_LEASE, release: "unguarded" }));
    const b = checkStateSpace(leaseModel({ ...SMALL_LEASE, release: "unguarded" }));
    const strip = ({ elapsedMs: _e, statesPerSecond: _s, ...rest }: typeof a) => JSON.stringify(rest);
    expect(strip(a)).toBe(strip(b));
  });
});

describe("canonicalKey", () => {
  it("ignores object key order and undefined members, keeps array order and types apart", () => {
    expect(canonicalKey({ b: 1, a: [1, "1"], c: undefined })).toBe(canonicalKey({ a: [1, "1"], b: 1 }));
    expect(canonicalKey([1, 2])).not.toBe(canonicalKey([2, 1]));
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: "1" }));
    expect(canonicalKey({ a: null })).not.toBe(canonicalKey({}));
  });

  it("rejects what is not plain data, naming where it is", () => {
    expect(() => canonicalKey({ items: [new Map()] })).toThrow("canonicalKey: $.items[0] is a Map");
    expect(() => canonicalKey({ f: () => 1 })).toThrow("canonicalKey: $.f is a function");
  });
});

describe("MachineCache", () => {
  const leaseFingerprint = (l: Lease.State, into: { int(n: number): void; string(s: string): void }) => {
    into.string(l.holder ?? "-");
    into.int(l.token);
    into.int(l.expiresAtMs);
  };

  it("runs the machine once per (state, event code) and hands the unchanged state back as is", () => {
    const cache = new MachineCache(Lease.transition, leaseFingerprint);
    const free = cache.wrap(Lease.initial({ leaseTtlMs: 1_000 }));
    const acquire = () => ({ _tag: "Acquire" as const, holder: "h1", atMs: 0 });
    const a = cache.step(free, 1, acquire);
    const b = cache.step(free, 1, acquire);
    expect(b).toBe(a);
    expect(a.result).toEqual({ _tag: "Granted", token: 1, expiresAtMs: 1_000, reclaimed: false });
    expect([cache.misses, cache.hits]).toEqual([1, 1]);
    const busy = cache.step(a.next, 2, () => ({ _tag: "Acquire", holder: "h2", atMs: 10 }));
    expect(busy.next).toBe(a.next);
    expect(busy.result._tag).toBe("Busy");
  });

  it("treats equal states reached separately as one (by fingerprint)", () => {
    const cache = new MachineCache(Lease.transition, leaseFingerprint);
    const a = cache.wrap(Lease.initial({ leaseTtlMs: 1_000 }));
    const b = cache.wrap(Lease.initial({ leaseTtlMs: 1_000 }));
    expect([a.hi, a.lo]).toEqual([b.hi, b.lo]);
    cache.step(a, 7, () => ({ _tag: "Acquire", holder: "h1", atMs: 0 }));
    cache.step(b, 7, () => ({ _tag: "Acquire", holder: "h1", atMs: 0 }));
    expect([cache.misses, cache.hits]).toEqual([1, 1]);
  });

  it("gives the same state space with a one-slot cache (evictions are sound)", () => {
    const big = checkStateSpace(leaseModel(SMALL_LEASE));
    const tiny = checkStateSpace(leaseModel({ ...SMALL_LEASE, cacheSlots: 1 }));
    expect([tiny.states, tiny.transitions, tiny.depth]).toEqual([big.states, big.transitions, big.depth]);
    const queue = checkStateSpace(claimQueueModel(SMALL_QUEUE));
    const queueTiny = checkStateSpace(claimQueueModel({ ...SMALL_QUEUE, cacheSlots: 1 }));
    expect([queueTiny.states, queueTiny.transitions]).toEqual([queue.states, queue.transitions]);
  });

  it("rejects a slot count that is not a power of two", () => {
    expect(() => new MachineCache(Lease.transition, leaseFingerprint, { slots: 1_000 })).toThrow(
      "MachineCache slots must be a power of two from 1 to 2^26, got 1000",
    );
  });
});

describe("the lease model", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(leaseModel(SMALL_LEASE));
    expect(r.states).toBe(bruteForce(leaseModel(SMALL_LEASE)).states);
    expect(r.states).toBe(2_181);
  });

  it("unguarded release: a holder whose lease expired frees its successor's, in 6 inputs (shortest)", () => {
    const model = leaseModel({ ...SMALL_LEASE, release: "unguarded" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("a holder's live lease is the grant the lease records");
    expect(r.path.map((s) => s.input)).toEqual([
      "Acquire h1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "Acquire h2",
      "Release h1",
    ]);
    expect(bruteForce(leaseModel({ ...SMALL_LEASE, release: "unguarded" })).violationDepth).toBe(6);
    expect(r.path.at(-1)?.state.lease.state).toMatchObject({ holder: null, token: 2 });
  });

  it("unguarded release, checked for two live holders only: the stale release lets both hold, in 7 inputs", () => {
    const model = leaseModel({ ...SMALL_LEASE, release: "unguarded" });
    const r = checkStateSpace({
      ...model,
      invariants: model.invariants.filter((i) => i.name === "at most one holder has a live lease"),
    });
    expect(r._tag === "Violation" && r.path.map((s) => s.input).slice(-3)).toEqual([
      "Acquire h2",
      "Release h1",
      "Acquire h1",
    ]);
    expect(r.depth).toBe(7);
  });
});

describe("the claim-queue model (seed 002)", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(claimQueueModel(SMALL_QUEUE));
    expect(r.states).toBe(bruteForce(claimQueueModel(SMALL_QUEUE)).states);
    expect(r.states).toBe(6_153);
  });

  it("two scopes: a worker whose claim was taken over acts on it, and the item is left alone", () => {
    const options = { scopes: 2, horizonMs: 3_000, claimsMax: 2, enqueuesMax: 2 };
    const r = expectStateSpaceVerified(claimQueueModel(options));
    expect(r.states).toBe(9_436);
    // Not vacuous: a stale claim (the item re-claimed by another worker) is reachable, in 6 inputs.
    const model = claimQueueModel(options);
    const stale = checkStateSpace({
      ...model,
      invariants: [
        {
          name: "no worker holds a claim taken over by another",
          holds: (s) =>
            s.held.every(
              (c) => c === null || s.queue.state.items[c.scope === 0 ? "a" : "b"]?.claim?.token === c.token,
            ),
        },
      ],
    });
    expect(stale._tag === "Violation" && stale.path.map((p) => p.input)).toEqual([
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "Claim w2",
    ]);
  });

  it("updated-at-guard: the holder's ack keeps the item once updated_at moved, in 5 inputs (shortest)", () => {
    const model = claimQueueModel({ ...SMALL_QUEUE, ack: "updated-at-guard" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("an ack by the holder deletes the item");
    expect(r.path.map((s) => s.input)).toEqual([
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "Enqueue a",
      "Ack w1",
    ]);
    expect(bruteForce(claimQueueModel({ ...SMALL_QUEUE, ack: "updated-at-guard" })).violationDepth).toBe(5);
    const last = r.path.at(-1)!.state;
    expect(last.queue.state.items.a?.claim?.holder).toBe("w1");
    expect(last.held[0]).toBeNull();
  });

  it("AckSucceedsAfterHeartbeat: with the fix, heartbeats before the ack never stop it deleting", () => {
    // The verified space includes Claim → tick → Heartbeat → Ack; this pins that path explicitly.
    const model = claimQueueModel(SMALL_QUEUE);
    const byLabel = (s: Parameters<typeof model.next>[0], label: string) => {
      for (const input of model.inputs(s)) if (model.describe!(input) === label) return model.next(s, input)!;
      throw new Error(`no input ${label}`);
    };
    let s = Array.isArray(model.initial) ? model.initial[0] : model.initial;
    for (const label of ["Enqueue a", "Claim w1", "tick +1000ms", "Heartbeat w1", "Ack w1"])
      s = byLabel(s, label);
    expect(s.queue.state.items.a).toBeUndefined();
    expect(s.broken).toBeNull();
  });
});

describe("expectStateSpaceVerified", () => {
  it("throws the invariant and the shortest counterexample, one input per line", () => {
    const model = leaseModel({ ...SMALL_LEASE, release: "unguarded" });
    let message = "";
    try {
      expectStateSpaceVerified(model);
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toBe(
      "state space of lease-unguarded-release: invariant violated: a holder's live lease is the grant the lease records (6 inputs)",
    );
    expect(lines).toHaveLength(8);
    expect(lines[1]).toMatch(/^ {2}0\. initial {6,}now=0 lease=free \(token 0\)/);
    expect(lines[7]).toMatch(/^ {2}6\. Release h1 +now=3000 lease=free \(token 2\) believed h1:- h2:2@6000$/);
  });

  it("throws when a bound stops the check, unless bounds are allowed", () => {
    expect(() => expectStateSpaceVerified(grid(50), { maxStates: 10 })).toThrow(
      "state space of grid not exhausted: stopped after storing 10 states (maxStates)",
    );
    expect(expectStateSpaceVerified(grid(50), { maxStates: 10, allowBounded: true })._tag).toBe("Bounded");
  });

  it("formats a counterexample with the model's labels", () => {
    const model = grid(4, { bad: (x, y) => x === 1 && y === 1 });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error("expected a violation");
    expect(formatCounterexample(model, r).split("\n")).toEqual([
      "invariant violated: the walk avoids the bad cells (2 inputs)",
      '  0. initial  {"x":0,"y":0}',
      '  1. right    {"x":1,"y":0}',
      '  2. up       {"x":1,"y":1}',
    ]);
  });
});

describe("interleave check (CLI)", () => {
  async function check(args: string[]) {
    let stdout = "";
    let code = -1;
    const program = new Command("interleave").exitOverride().configureOutput({
      writeOut: (t) => (stdout += t),
      writeErr: () => {},
      outputError: () => {},
    });
    registerCheck(program, { stdout: (t) => (stdout += t) }, (c) => (code = c));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours (CI=true turns them on)
    const plain = () => stdout.replace(/\x1b\[[0-9;]*m/g, "");
    try {
      await program.parseAsync(["check", ...args], { from: "user" });
    } catch (error) {
      if (error instanceof InputError) return { code: 2, stdout: plain(), error: error.message };
      if (error instanceof CommanderError) return { code: 2, stdout: plain(), error: error.message };
      throw error;
    }
    return { code, stdout: plain(), error: "" };
  }

  it("lists the models when none is given", async () => {
    const r = await check([]);
    expect(r.code).toBe(0);
    for (const m of STATE_SPACE_MODELS) expect(r.stdout).toContain(m.name);
    expect(r.stdout).toContain("interleave check <model>... or --all");
  });

  it("prints the table and each violation's shortest counterexample; exit 0 when verdicts are as expected", async () => {
    const r = await check(["lease-unguarded-release", "claim-queue-updated-at-guard"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bytes/state");
    expect(r.stdout).toContain("a holder's live lease is the grant the lease records (6 inputs)");
    expect(r.stdout).toMatch(/5\. Ack w1 +now=1000/);
    expect(r.stdout).toContain("2 model(s), every verdict as expected.");
  });

  it("--json prints one document with the figures and the rendered path", async () => {
    const r = await check(["claim-queue-updated-at-guard", "--json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    const [result] = doc.results;
    expect(result).toMatchObject({
      model: "claim-queue-updated-at-guard",
      expect: "violation",
      verdict: "violation",
      invariant: "an ack by the holder deletes the item",
      bound: null,
    });
    expect(result.path.map((s: { input: string }) => s.input)).toEqual([
      "initial",
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "Enqueue a",
      "Ack w1",
    ]);
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining([
        "states",
        "transitions",
        "depth",
        "elapsedMs",
        "statesPerSecond",
        "bytesPerState",
      ]),
    );
  });

  it("a bound that stops a check is an unexpected verdict (exit 1) and its message is printed", async () => {
    const r = await check(["lease", "--max-states", "1000"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("lease: stopped after storing 1,000 states (maxStates); raise --max-states");
    expect(r.stdout).toContain("expected pass, got bounded");
    const shallow = await check(["lease-unguarded-release", "--max-depth", "3"]);
    expect(shallow.code).toBe(1);
    expect(shallow.stdout).toContain("stopped at depth 3 (maxDepth)");
  });

  it("bad input: an unknown model names the known ones; a malformed count is refused", async () => {
    const r = await check(["nope"]);
    expect(r.code).toBe(2);
    expect(r.error).toBe(
      `unknown model "nope" (models: ${STATE_SPACE_MODELS.map((m) => m.name).join(", ")})`,
    );
    const bad = await check(["lease", "--max-states", "many"]);
    expect([bad.code, bad.error]).toEqual([2, '--max-states must be a positive integer, got "many"']);
    const both = await check(["lease", "--all"]);
    expect(both.error).toBe("give model names or --all, not both");
  });
});
