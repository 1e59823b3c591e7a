/**
 * The linearizability checker's shapes: a history of concurrent operations, the sequential specification
 * (any core machine plus how an observed output matches its result), the budgets, and the verdicts.
 */

/**
 * One operation of a concurrent history, as a client saw it.
 *
 * - `process`: who called (a process, worker or client id). Informational: the checker needs only times.
 * - `input`: the machine event the call sent, e.g. `{ _tag: "Acquire", holder: "a", atMs: 10 }`.
 * - `output`: what the call returned (compared with the machine's `result`); ignored for a pending op.
 * - `callMs`: when the call was invoked, in ms (any monotonic clock shared by every process).
 * - `returnMs`: when it returned, in ms, `>= callMs`. `null`, absent or `Infinity` for a call that never
 *   returned (crashed, timed out — Knossos' and Jepsen's `:info`): such a *pending* op may have taken effect at any
 *   point after its call, or not at all, and its output is unknown.
 */
export interface LinOperation<E = unknown> {
  readonly process: string;
  readonly input: E;
  readonly output?: unknown;
  readonly callMs: number;
  readonly returnMs?: number | null | undefined;
}

/** The part of a core machine the checker drives: `initial(config)` and a pure `transition`. */
export interface LinMachine<C, S, E, R> {
  initial(config: C): S;
  transition(state: S, event: E): { readonly state: S; readonly result: R };
}

/**
 * The sequential specification a history is checked against.
 *
 * - `machine`, `config`: the machine run sequentially from `machine.initial(config)`, e.g. core `Lease` with
 *   `{ leaseTtlMs: 1_000 }`.
 * - `matches(output, result, input)`: whether a recorded output is what the machine's `result` says; default
 *   deep equality of plain data (object key order ignored, see `canonicalKey`).
 * - `partition(input)`: for a machine of one key, the key an op acts on; each key's ops are checked on their own
 *   (linearizability is local: Herlihy & Wing 1990), which is much faster. Omit for a single object.
 * - `stateKey(state)`: a string equal for equal states, for the memo; default `canonicalKey`.
 *
 * A `transition` that throws (an event the machine rejects as malformed) means the op cannot take effect
 * in that state.
 */
export interface LinSpec<C, S, E, R> {
  readonly machine: LinMachine<C, S, E, R>;
  readonly config: C;
  readonly matches?: ((output: unknown, result: R, input: E) => boolean) | undefined;
  readonly partition?: ((input: E) => string) | undefined;
  readonly stateKey?: ((state: S) => string) | undefined;
}

/**
 * Budgets. The checker reads no clock: give `now` (ms, e.g. `performance.now`) with `timeBudgetMs`; it is
 * read once every 1,024 steps. `statesMax` bounds the memo (distinct (linearized set, state) pairs kept, across
 * every partition; default 1,000,000). Whichever runs out first makes the verdict `unknown`.
 */
export interface LinOptions {
  readonly statesMax?: number | undefined;
  readonly timeBudgetMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** An op of the failing window, with what the machine would answer in the state the search reached. */
export interface LinWindowOp {
  /** The op's index in the history given. */
  readonly index: number;
  readonly process: string;
  readonly input: unknown;
  /** The recorded output; `undefined` for a pending op. */
  readonly output: unknown;
  readonly callMs: number;
  /** `null` for a pending op. */
  readonly returnMs: number | null;
  /** `true` for an op already linearized at the deepest point (it overlaps the stuck ones); `false` for a stuck one. */
  readonly linearized: boolean;
  /** For a stuck op: the machine's result in `window.state` (`{ threw: message }` if `transition` threw). */
  readonly expected?: unknown;
}

/**
 * The failing window (Porcupine's "longest partial linearization" made small). At the deepest point the search
 * reached — the first prefix found that linearizes the most completed ops (pending ones in it ride along) —
 * `ops` holds
 * every op not yet linearized that was called before the first of them returned (none of these can take effect
 * next: each gives a result other than its recorded output, so the op that must return next cannot be
 * placed) and the linearized ops that overlap them in time (the ones a different order could have moved).
 * `state` is the machine state after the prefix; `prefixLength` its length; `partition` the key checked.
 */
export interface LinWindow {
  readonly partition: string | null;
  readonly prefixLength: number;
  readonly state: unknown;
  readonly ops: readonly LinWindowOp[];
}

/**
 * The verdict. `states` is how many distinct (linearized set, state) pairs the search memoised, in all.
 *
 * - `linearizable`: some order of the ops, consistent with real time (an op that returned before another was
 *   called comes first), replays on the machine and gives every recorded output.
 * - `not-linearizable`: none does (proved by an exhaustive search); `window` says where it got stuck.
 * - `unknown`: a budget ran out first (`reason`: `"time-budget"` or `"state-budget"`); nothing is claimed.
 */
export type LinResult =
  | { readonly verdict: "linearizable"; readonly states: number; readonly partitions: number }
  | { readonly verdict: "not-linearizable"; readonly states: number; readonly window: LinWindow }
  | {
      readonly verdict: "unknown";
      readonly states: number;
      readonly reason: "time-budget" | "state-budget";
      readonly message: string;
    };
