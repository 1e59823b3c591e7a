/**
 * The linearizability check: Wing & Gong's search (1993) with Lowe's memo of configurations (2017), as
 * Porcupine's `checkSingle` runs it — pure, no clock, deterministic, bounded by a state and a time budget.
 */
import { assert } from "@interleave/core";
import { canonicalKey } from "../statespace/canonical.js";
import { fmix32 } from "../statespace/fingerprint.js";
import type { LinOperation, LinOptions, LinResult, LinSpec, LinWindow, LinWindowOp } from "./types.js";

const STATES_MAX_DEFAULT = 1_000_000;
const CLOCK_EVERY_STEPS = 1_024;

/** A call or return event of an op, in a doubly linked list ordered by time (calls before returns on ties). */
interface Entry {
  readonly isCall: boolean;
  /** The op's index in its partition. */
  readonly id: number;
  readonly timeMs: number;
  /** A call's return entry. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/** What the search of one partition ended with. */
type PartitionOutcome<S> =
  | { readonly _tag: "Linearizable" }
  | { readonly _tag: "Stuck"; readonly prefix: readonly number[]; readonly state: S }
  | { readonly _tag: "OutOfBudget"; readonly reason: "time-budget" | "state-budget" };

/** The budgets and counters shared by every partition of one check. */
interface Budget {
  states: number;
  steps: number;
  readonly statesMax: number;
  readonly deadlineMs: number | null;
  readonly now: (() => number) | undefined;
}

/**
 * Is `history` linearizable with respect to `spec`? Searches for an order of the ops that respects real time
 * (op A before op B when A returned before B was called; ops touching at one instant count as concurrent) and
 * replays on `spec.machine` from `initial(config)` with every completed op's recorded output matching the
 * machine's result. Pending ops (no `returnMs`) may take effect anywhere after their call, or not at all.
 *
 * The search is Wing & Gong's (1993) depth-first search over the history's call/return list, with Lowe's
 * (2017) memo: a configuration — the set of ops linearized (a bitset, hashed by XOR of per-op values) and the
 * machine state (`stateKey`) — is explored at most once. This is Porcupine's `checkSingle`
 * (anishathalye/porcupine). Worst case exponential in the number of concurrent ops; in practice linear in the
 * history for a few processes. Deterministic: the same history gives the same verdict and window.
 *
 * @returns `linearizable`; `not-linearizable` with the failing {@link LinWindow}; or `unknown` with the reason
 *   when `options.statesMax` or `options.timeBudgetMs` ran out — never a guess.
 * @throws `AssertionError` for a malformed op (non-finite `callMs`, `returnMs < callMs`) or bad options.
 * @example
 * const verdict = checkLinearizable(history, { machine: Lease, config: { leaseTtlMs: 1_000 } });
 * if (verdict.verdict === "not-linearizable") console.log(verdict.window.ops);
 */
export function checkLinearizable<C, S, E, R>(
  history: readonly LinOperation<E>[],
  spec: LinSpec<C, S, E, R>,
  options: LinOptions = {},
): LinResult {
  const statesMax = options.statesMax ?? STATES_MAX_DEFAULT;
  assert(Number.isInteger(statesMax) && statesMax > 0, `statesMax (${statesMax}) must be a positive integer`);
  assert(
    options.timeBudgetMs === undefined || options.now !== undefined,
    "timeBudgetMs needs a clock: pass options.now",
  );
  history.forEach((op, i) => {
    assert(Number.isFinite(op.callMs), `op ${i}: callMs (${op.callMs}) must be a finite number`);
    assert(
      op.returnMs === undefined || op.returnMs === null || op.returnMs >= op.callMs,
      `op ${i}: returnMs (${op.returnMs}) must not be before callMs (${op.callMs})`,
    );
  });
  const budget: Budget = {
    states: 0,
    steps: 0,
    statesMax,
    deadlineMs:
      options.timeBudgetMs === undefined || options.now === undefined
        ? null
        : options.now() + options.timeBudgetMs,
    now: options.now,
  };
  const partitions = partitionOf(history, spec.partition);
  for (const [key, indices] of partitions) {
    const ops = indices.map((i) => history[i]!);
    const outcome = checkPartition(ops, spec, budget);
    if (outcome._tag === "OutOfBudget") {
      return {
        verdict: "unknown",
        states: budget.states,
        reason: outcome.reason,
        message:
          outcome.reason === "state-budget"
            ? `the search memoised ${statesMax} states without a verdict (statesMax)`
            : `the search ran past its time budget of ${options.timeBudgetMs} ms without a verdict`,
      };
    }
    if (outcome._tag === "Stuck") {
      const window = windowOf(ops, indices, outcome.prefix, outcome.state, spec, key);
      return { verdict: "not-linearizable", states: budget.states, window };
    }
  }
  return { verdict: "linearizable", states: budget.states, partitions: partitions.size };
}

/** The history's op indices by partition key (`null`: one partition), keys in order of first appearance. */
function partitionOf<E>(
  history: readonly LinOperation<E>[],
  partition: ((input: E) => string) | undefined,
): Map<string | null, number[]> {
  const groups = new Map<string | null, number[]>();
  history.forEach((op, i) => {
    const key = partition === undefined ? null : partition(op.input);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  });
  return groups;
}

const isPending = (op: LinOperation<unknown>): boolean =>
  op.returnMs === undefined || op.returnMs === null || op.returnMs === Number.POSITIVE_INFINITY;

/** The call/return list of `ops` behind a sentinel head: by time, calls before returns at equal times, then by id. */
function entryList(ops: readonly LinOperation<unknown>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, id) => {
    const call: Entry = { isCall: true, id, timeMs: op.callMs, match: null, prev: null, next: null };
    const ret: Entry = {
      isCall: false,
      id,
      timeMs: isPending(op) ? Number.POSITIVE_INFINITY : (op.returnMs as number),
      match: null,
      prev: null,
      next: null,
    };
    call.match = ret;
    entries.push(call, ret);
  });
  entries.sort(
    (a, b) => a.timeMs - b.timeMs || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1) || a.id - b.id || 0,
  );
  const head: Entry = {
    isCall: false,
    id: -1,
    timeMs: Number.NEGATIVE_INFINITY,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const entry of entries) {
    last.next = entry;
    entry.prev = last;
    last = entry;
  }
  return head;
}

/** Take a call and its return out of the list (Porcupine's `lift`). */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Put them back where they were (Porcupine's `unlift`), in the reverse order. */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}

/** The output matcher: the spec's, else deep equality of plain data through `canonicalKey`. */
function matcherOf<C, S, E, R>(
  spec: LinSpec<C, S, E, R>,
  ops: readonly LinOperation<E>[],
): (id: number, result: R) => boolean {
  const custom = spec.matches;
  if (custom !== undefined) return (id, result) => custom(ops[id]!.output, result, ops[id]!.input);
  return (id, result) => plainEqual(ops[id]!.output, result);
}

/** Deep equality of plain data (object key order ignored, `undefined` members as absent), as `canonicalKey` sees it. */
function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((x, i) => plainEqual(x, other[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => plainEqual(x[k], y[k]));
}

/** `key`, remembered per state object: machines return the same object for an unchanged state. */
function cachedKey<S>(key: (state: S) => string): (state: S) => string {
  const seen = new WeakMap<object, string>();
  return (state) => {
    if (typeof state !== "object" || state === null) return key(state);
    let k = seen.get(state);
    if (k === undefined) {
      k = key(state);
      seen.set(state, k);
    }
    return k;
  };
}

/** The machine's step, or `null` when `transition` throws. */
function stepOf<C, S, E, R>(spec: LinSpec<C, S, E, R>, state: S, input: E): { state: S; result: R } | null {
  try {
    return spec.machine.transition(state, input);
  } catch {
    return null;
  }
}

/** Has a budget run out? Reads the clock once every {@link CLOCK_EVERY_STEPS} steps. */
function outOfBudget(budget: Budget): "time-budget" | "state-budget" | null {
  if (budget.states >= budget.statesMax) return "state-budget";
  budget.steps++;
  if (
    budget.deadlineMs !== null &&
    budget.steps % CLOCK_EVERY_STEPS === 0 &&
    budget.now!() > budget.deadlineMs
  )
    return "time-budget";
  return null;
}

/**
 * WGL on one partition. Walk the list from its head: at a call, try to linearize the op now (the machine's
 * result must match; the new configuration must be unseen) — on success lift it out, push it and restart from
 * the head; otherwise go on. At a return, the op it belongs to was not linearized before its return: pop the
 * last linearized op, restore its state and try the next candidate after it. Done when every completed op is
 * linearized (pending ones left may take effect after everything, which no one observed); stuck when a return
 * is met with nothing to pop.
 */
function checkPartition<C, S, E, R>(
  ops: readonly LinOperation<E>[],
  spec: LinSpec<C, S, E, R>,
  budget: Budget,
): PartitionOutcome<S> {
  const head = entryList(ops);
  const matches = matcherOf(spec, ops);
  const stateKey = cachedKey(spec.stateKey ?? canonicalKey);
  const pending = ops.map(isPending);
  const completedTotal = pending.filter((p) => !p).length;
  const words = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const opHash = ops.map((_, id) => fmix32(id + 0x9e3779b9) | 0);
  let hash = 0;
  const memo = new Map<string, Uint32Array[]>();
  const stack: { call: Entry; state: S }[] = [];
  let state = spec.machine.initial(spec.config);
  let completed = 0;
  let deepest: { prefix: number[]; state: S } = { prefix: [], state };
  let deepestCompleted = 0;
  let deepestLength = 0;
  let deepestStale = false;
  let entry = head.next;
  while (completed < completedTotal) {
    const exhausted = outOfBudget(budget);
    if (exhausted !== null) return { _tag: "OutOfBudget", reason: exhausted };
    assert(entry !== null, "the list ends with a return entry");
    if (entry.isCall) {
      const id = entry.id;
      const step = stepOf(spec, state, ops[id]!.input);
      // A pending op is taken wherever it fits, even where it changes nothing: that takes it out of the way early
      // (most pending calls never matter), which keeps linearizable histories near one state per op.
      if (step !== null && (pending[id] || matches(id, step.result))) {
        words[id >>> 5]! |= 1 << (id & 31);
        const nextHash = hash ^ opHash[id]!;
        if (remember(memo, `${nextHash}:${stateKey(step.state)}`, words)) {
          budget.states++;
          stack.push({ call: entry, state });
          state = step.state;
          hash = nextHash;
          if (!pending[id]) completed++;
          lift(entry);
          if (completed > deepestCompleted) {
            // Copy the prefix lazily, at the next pop: until then the stack's bottom is this prefix.
            deepestCompleted = completed;
            deepestLength = stack.length;
            deepest = { prefix: deepest.prefix, state };
            deepestStale = true;
          }
          entry = head.next;
          continue;
        }
        words[id >>> 5]! &= ~(1 << (id & 31));
      }
      entry = entry.next;
      continue;
    }
    if (deepestStale) {
      deepest = { prefix: stack.slice(0, deepestLength).map((s) => s.call.id), state: deepest.state };
      deepestStale = false;
    }
    const top = stack.pop();
    if (top === undefined) return { _tag: "Stuck", prefix: deepest.prefix, state: deepest.state };
    const id = top.call.id;
    words[id >>> 5]! &= ~(1 << (id & 31));
    hash ^= opHash[id]!;
    state = top.state;
    if (!pending[id]) completed--;
    unlift(top.call);
    entry = top.call.next;
  }
  return { _tag: "Linearizable" };
}

/** Add `words` under `key` unless an equal bitset is there; `true` when it was new. */
function remember(memo: Map<string, Uint32Array[]>, key: string, words: Uint32Array): boolean {
  const bucket = memo.get(key);
  if (bucket === undefined) {
    memo.set(key, [words.slice()]);
    return true;
  }
  for (const seen of bucket) if (sameWords(seen, words)) return false;
  bucket.push(words.slice());
  return true;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The failing window at the deepest point (see {@link LinWindow}), ops ordered by call time. */
function windowOf<C, S, E, R>(
  ops: readonly LinOperation<E>[],
  indices: readonly number[],
  prefix: readonly number[],
  state: S,
  spec: LinSpec<C, S, E, R>,
  partition: string | null,
): LinWindow {
  const done = new Set(prefix);
  const returnOf = (op: LinOperation<E>) =>
    isPending(op) ? Number.POSITIVE_INFINITY : (op.returnMs as number);
  let firstReturnMs = Number.POSITIVE_INFINITY;
  ops.forEach((op, id) => {
    if (!done.has(id)) firstReturnMs = Math.min(firstReturnMs, returnOf(op));
  });
  const stuck = ops.flatMap((op, id) => (!done.has(id) && op.callMs <= firstReturnMs ? [id] : []));
  const windowStartMs = Math.min(...stuck.map((id) => ops[id]!.callMs));
  const overlapping = prefix.filter((id) => returnOf(ops[id]!) >= windowStartMs);
  const describe = (id: number, linearized: boolean): LinWindowOp => {
    const op = ops[id]!;
    const base = {
      index: indices[id]!,
      process: op.process,
      input: op.input,
      output: isPending(op) ? undefined : op.output,
      callMs: op.callMs,
      returnMs: isPending(op) ? null : (op.returnMs as number),
      linearized,
    };
    if (linearized) return base;
    let expected: unknown;
    try {
      expected = spec.machine.transition(state, op.input).result;
    } catch (error) {
      expected = { threw: error instanceof Error ? error.message : String(error) };
    }
    return { ...base, expected };
  };
  const windowOps = [
    ...overlapping.map((id) => describe(id, true)),
    ...stuck.map((id) => describe(id, false)),
  ];
  windowOps.sort((a, b) => a.callMs - b.callMs || a.index - b.index);
  return { partition, prefixLength: prefix.length, state, ops: windowOps };
}
