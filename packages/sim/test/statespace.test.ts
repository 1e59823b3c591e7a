import { fileURLToPath } from "node:url";
import { AssertionError, Lease } from "@interleave/core";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { expectStateSpaceVerified } from "../src/adapters/statespace.js";
import { registerCheck } from "../src/cli/check.js";
import { type CheckedModel, defineModel } from "../src/model/checked-model.js";
import { InputError } from "../src/model/scenario.js";
import { canonicalKey } from "../src/statespace/canonical.js";
import { checkStateSpace, formatCounterexample } from "../src/statespace/checker.js";
import { MachineCache } from "../src/statespace/machine-cache.js";
import type { StateSpaceModel } from "../src/statespace/model.js";

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
    const model = () => grid(30, { key: "string", bad: (x, y) => x === 20 && y === 7 });
    const a = checkStateSpace(model());
    const b = checkStateSpace(model());
    const strip = ({ elapsedMs: _e, statesPerSecond: _s, ...rest }: typeof a) => JSON.stringify(rest);
    expect(strip(a)).toBe(strip(b));
  });
});

describe("checkStateSpace with a packed encoding", () => {
  /** The grid model with its states packed as two words (x, y). */
  const packed = (n: number, bad?: (x: number, y: number) => boolean) => ({
    ...grid(n, bad === undefined ? {} : { bad }),
    encoding: {
      words: 2,
      encode: (s: { x: number; y: number }, out: Int32Array, at: number) => {
        out[at] = s.x;
        out[at + 1] = s.y;
      },
      decode: (words: Int32Array, at: number) => ({ x: words[at]!, y: words[at + 1]! }),
    },
  });

  it("stores, counts and bounds exactly as with objects, and keeps the frontier in typed arrays", () => {
    const objects = checkStateSpace(grid(60));
    const words = checkStateSpace(packed(60));
    expect([words._tag, words.states, words.transitions, words.depth, words.frontierMax]).toEqual([
      objects._tag,
      objects.states,
      objects.transitions,
      objects.depth,
      objects.frontierMax,
    ]);
    expect([objects.frontierBytesMax, words.frontierBytesMax > 0]).toEqual([0, true]);
    const a = checkStateSpace(grid(60), { maxStates: 1_000 });
    const b = checkStateSpace(packed(60), { maxStates: 1_000 });
    expect([b._tag, b.states, b.transitions, b.depth]).toEqual([a._tag, a.states, a.transitions, a.depth]);
    const c = checkStateSpace(grid(60), { maxDepth: 10 });
    const d = checkStateSpace(packed(60), { maxDepth: 10 });
    expect([d._tag, d.states, d.transitions]).toEqual([c._tag, c.states, c.transitions]);
  });

  it("returns the same shortest counterexample", () => {
    const bad = (x: number, y: number) => (x === 7 && y === 0) || (x === 2 && y === 2);
    const a = checkStateSpace(grid(10, { bad }));
    const b = checkStateSpace(packed(10, bad));
    if (a._tag !== "Violation" || b._tag !== "Violation") throw new Error("expected violations");
    expect([b.states, b.transitions, b.path]).toEqual([a.states, a.transitions, a.path]);
  });

  it("rejects an encoding whose width is not a positive integer", () => {
    expect(() => checkStateSpace({ ...packed(3), encoding: { ...packed(3).encoding, words: 0 } })).toThrow(
      "model grid: encoding.words must be a positive integer, got 0",
    );
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

  it("with intern: one object and number per distinct state, every step kept on it up to `slots`", () => {
    const cache = new MachineCache(Lease.transition, leaseFingerprint, { intern: true, slots: 2 });
    const free = cache.wrap(Lease.initial({ leaseTtlMs: 1_000 }));
    expect(cache.wrap(Lease.initial({ leaseTtlMs: 1_000 }))).toBe(free);
    expect([cache.id(free), cache.byId(0)]).toEqual([0, free]);
    const acquire = (holder: string) => () => ({ _tag: "Acquire" as const, holder, atMs: 0 });
    const a = cache.step(free, 1, acquire("h1"));
    expect(cache.step(free, 1, acquire("h1"))).toBe(a);
    expect([cache.id(a.next), cache.internedCount, cache.misses, cache.hits]).toEqual([1, 2, 1, 1]);
    cache.step(free, 2, acquire("h2"));
    // A third step exceeds `slots` (2): every kept step is dropped and taken again when needed.
    cache.step(a.next, 3, acquire("h2"));
    const again = cache.step(free, 1, acquire("h1"));
    expect([again.next, cache.misses, cache.internedCount]).toEqual([a.next, 4, 3]);
    expect(() => cache.id({ state: free.state, hi: free.hi, lo: free.lo })).toThrow(
      "MachineCache.id needs a state wrapped by this cache, with `intern: true`",
    );
  });

  it("rejects a slot count that is not a power of two", () => {
    expect(() => new MachineCache(Lease.transition, leaseFingerprint, { slots: 1_000 })).toThrow(
      "MachineCache slots must be a power of two from 1 to 2^26, got 1000",
    );
  });
});

describe("expectStateSpaceVerified", () => {
  it("throws the invariant and the shortest counterexample, one input per line", () => {
    const model = grid(6, { bad: (x, y) => x === 2 && y === 3 });
    let message = "";
    try {
      expectStateSpaceVerified(model);
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toBe(
      "state space of grid: invariant violated: the walk avoids the bad cells (5 inputs)",
    );
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe('  0. initial  {"x":0,"y":0}');
    expect(lines[6]).toBe('  5. up       {"x":2,"y":3}');
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

/** The directory the CLI tests run `check` from (registries on disk). */
const FIXTURES = fileURLToPath(new URL("./support/check-registry", import.meta.url));

/** Models for the CLI tests: a verified grid, a grid with a bad cell, a large grid that bounds can stop. */
const CLI_MODELS: readonly CheckedModel[] = [
  defineModel({
    name: "grid",
    machine: "Grid",
    description: "a 20 × 20 grid walked right and up",
    source: "test",
    expect: "pass",
    why: "no cell is bad",
    build: () => grid(20),
  }),
  defineModel({
    name: "grid-bad-cell",
    machine: "Grid",
    description: "a 6 × 6 grid with a bad cell at (2, 1)",
    source: "test",
    expect: "violation",
    why: "the walk reaches the bad cell",
    build: () => grid(6, { bad: (x, y) => x === 2 && y === 1 }),
  }),
];

describe("interleave check (CLI)", () => {
  async function check(args: string[], models: readonly CheckedModel[] | null = CLI_MODELS) {
    let stdout = "";
    let code = -1;
    const program = new Command("interleave").exitOverride().configureOutput({
      writeOut: (t) => (stdout += t),
      writeErr: () => {},
      outputError: () => {},
    });
    registerCheck(
      program,
      { stdout: (t) => (stdout += t), cwd: FIXTURES },
      (c) => (code = c),
      models ?? undefined,
    );
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
    for (const m of CLI_MODELS) expect(r.stdout).toContain(m.name);
    expect(r.stdout).toContain("interleave check <model>... or --all");
    expect(r.stdout).toMatch(/grid-bad-cell +Grid +violation +the walk reaches the bad cell/);
  });

  it("prints the table, the verdict words and each violation's shortest counterexample; exit 0 when verdicts are as expected", async () => {
    const r = await check(["--all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bytes/state");
    expect(r.stdout).toContain("✓ pass (verified)");
    expect(r.stdout).toContain(
      "grid: verified — every state within its bounds (a 20 × 20 grid walked right and up): 400 distinct states, depth 38, no bound cut",
    );
    expect(r.stdout).toContain("grid-bad-cell: invariant violated: the walk avoids the bad cells (3 inputs)");
    expect(r.stdout).toMatch(/3\. up +\{"x":2,"y":1\}/);
    expect(r.stdout).toMatch(/2 model\(s\), every verdict as expected \(\d+\.\d\ds in all\)\./);
  });

  it("--json prints one document with the verdict, its strength and the rendered path", async () => {
    const r = await check(["grid-bad-cell", "grid", "--json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    const [bad, good] = doc.results;
    expect(bad).toMatchObject({
      model: "grid-bad-cell",
      machine: "Grid",
      expect: "violation",
      verdict: "violation",
      strength: null,
      invariant: "the walk avoids the bad cells",
      bound: null,
    });
    expect(bad.path.map((s: { input: string }) => s.input)).toEqual(["initial", "right", "right", "up"]);
    expect(good).toMatchObject({ verdict: "pass", strength: "verified", states: 400, bound: null });
    expect(Object.keys(good)).toEqual(
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

  it("a bound that stops a check gives a bounded pass, an unexpected verdict (exit 1), and its message", async () => {
    const r = await check(["grid", "--max-states", "100"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("✗ pass (bounded)");
    expect(r.stdout).toContain(
      "grid: bounded, not verified — stopped after storing 100 states (maxStates); raise --max-states or shrink the model; no invariant failed in the 100 states explored",
    );
    expect(r.stdout).toContain("expected pass, got pass (bounded)");
    const json = JSON.parse((await check(["grid", "--max-states", "100", "--json"])).stdout);
    expect(json.results[0]).toMatchObject({ verdict: "pass", strength: "bounded", bound: "maxStates" });
    const shallow = await check(["grid-bad-cell", "--max-depth", "2"]);
    expect(shallow.code).toBe(1);
    expect(shallow.stdout).toContain("stopped at depth 2 (maxDepth)");
  });

  it("loads the model registry named by --models, or the nearest scenarios/models.ts", async () => {
    const named = await check(["--models", "registry-models.ts"], null);
    expect(named.code).toBe(0);
    expect(named.stdout).toContain("corner");
    const found = await check([], null);
    expect(found.stdout).toContain("fixture-model");
  });

  it("bad input: an unknown model names the known ones; a malformed count is refused; a bad registry is named", async () => {
    const r = await check(["nope"]);
    expect(r.code).toBe(2);
    expect(r.error).toBe('unknown model "nope" (models: grid, grid-bad-cell)');
    const bad = await check(["grid", "--max-states", "many"]);
    expect([bad.code, bad.error]).toEqual([2, '--max-states must be a positive integer, got "many"']);
    const both = await check(["grid", "--all"]);
    expect(both.error).toBe("give model names or --all, not both");
    const missing = await check(["--models", "no-such.ts"], null);
    expect(missing.error).toBe(`model registry ${FIXTURES}/no-such.ts does not exist`);
    const wrong = await check(["--models", "not-models.ts"], null);
    expect(wrong.error).toBe(
      `${FIXTURES}/not-models.ts must default-export an array of models made with defineModel`,
    );
  });
});
