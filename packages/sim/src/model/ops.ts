/**
 * The operations a scenario process yields. Processes are generator functions; each shared-state access is
 * a `tx` that the scheduler orders against other processes' steps, so a read-then-write written as two `tx`
 * steps is exactly where a race can live. Use them with `yield*` to get typed results:
 *
 * ```ts
 * function* worker(ctx: ProcessContext) {
 *   const r = yield* txAt(queue)((atMs) => ({ _tag: "Claim", holder: ctx.name, batchSize: 1, atMs }));
 *   yield* sleep(uniform(1_000, 12_000, 1_000), "processing");
 * }
 * ```
 */
import type { Machine } from "@interleave/core";
import type { Distribution } from "./distribution.js";

/** A machine state held in the world's store under `key` (one item, stack, merge request, repo, …). */
export interface StoreRef<S, E, R> {
  readonly key: string;
  readonly index: number;
  readonly machine: Machine<S, E, R, unknown>;
}

/** Read-only view of the world given to `until` predicates and properties. */
export interface View {
  /** Virtual time in ms since the start of the run. */
  readonly now: number;
  /** Current state of a store entry. */
  get<S>(ref: StoreRef<S, never, unknown>): S;
  /**
   * The last applied `tx` (null before the first): who, on which key, the event, result, and the states around
   * it — untyped, as it may be on any key. A property about one store entry uses {@link View.lastOn}.
   */
  readonly last: LastTx | null;
  /**
   * The last applied `tx` when it was on `ref`'s key, else null (none yet, or the last one was on another key):
   * the same record as {@link View.last}, typed by `ref`'s machine — `event`, `result`, `before` and `after`
   * need no casts.
   *
   * @example
   * world.always("a branch merges only onto the main it was tested on", (view) => {
   *   const last = view.lastOn(repo); // LastTx<RepoState, RepoEvent, RepoResult> | null
   *   if (last === null || last.event._tag !== "Merge" || last.result._tag !== "Merged") return true;
   *   return last.before.branches[last.event.branch]?.base === last.before.main.length;
   * });
   */
  lastOn<Ref extends AnyStoreRef>(ref: Ref): LastTx<StateOf<Ref>, EventOf<Ref>, ResultOf<Ref>> | null;
  /** Whether the top-level process `name` has run to its end (and is not waiting to restart after a crash). */
  finished(name: string): boolean;
}

/**
 * One applied `tx`: the process that applied it, the store key, the event (as built, for `txAt` stamped with
 * the time of execution), the machine's result, and the entry's state before and after. The type parameters
 * are the entry's state, event and result types ({@link View.lastOn}); `unknown` for {@link View.last}.
 */
export interface LastTx<S = unknown, E = unknown, R = unknown> {
  readonly process: string;
  readonly key: string;
  readonly event: E;
  readonly result: R;
  readonly before: S;
  readonly after: S;
}

/** Handle of a spawned process, for `kill`. */
export interface ProcessHandle {
  readonly name: string;
  readonly id: number;
}

/** What a process body receives: its name and its view of virtual time. */
export interface ProcessContext {
  readonly name: string;
  /** Virtual time in ms since the start of the run (integer). */
  now(): number;
}

export type ProcessBody = (ctx: ProcessContext) => Generator<Op, void, unknown>;

export type Op =
  | { readonly kind: "tx"; readonly ref: AnyStoreRef; readonly event: unknown; readonly stamped?: true }
  | { readonly kind: "read"; readonly ref: AnyStoreRef }
  | { readonly kind: "sleep"; readonly delay: number | Distribution; readonly label: string }
  | { readonly kind: "until"; readonly label: string; readonly predicate: (view: View) => boolean }
  | { readonly kind: "spawn"; readonly name: string; readonly body: ProcessBody }
  | { readonly kind: "kill"; readonly handle: ProcessHandle }
  | {
      readonly kind: "choose";
      readonly label: string;
      readonly options: readonly string[];
      readonly weights?: readonly number[] | undefined;
    }
  | { readonly kind: "note"; readonly text: string; readonly data?: unknown };

/** Any store entry (its state type is invariant, so only `any` admits them all). */
// biome-ignore lint/suspicious/noExplicitAny: a constraint that admits every store entry; EventOf/ResultOf recover the precise types.
export type AnyStoreRef = StoreRef<any, any, any>;
/** The state type of a store entry. */
export type StateOf<Ref> = Ref extends StoreRef<infer S, infer _E, infer _R> ? S : never;
/** The event type of a store entry. */
export type EventOf<Ref> = Ref extends StoreRef<infer _S, infer E, infer _R> ? E : never;
/** The result type of a store entry's transitions. */
export type ResultOf<Ref> = Ref extends StoreRef<infer _S, infer _E, infer R> ? R : never;

/** Apply `event` to the machine at `ref` atomically (one Lua script / one SQL statement); returns its result. */
export function* tx<Ref extends AnyStoreRef>(
  ref: Ref,
  event: EventOf<Ref>,
): Generator<Op, ResultOf<Ref>, unknown> {
  return (yield { kind: "tx", ref, event }) as ResultOf<Ref>;
}

/**
 * Read the state of the store entry at `ref` in one atomic step (a `GET`, a `SELECT`): a scheduling point like
 * {@link tx}, recorded in the trace as a `read` (`result` is the state read) and shown on the timeline. For
 * partial-order reduction its footprint is a read of `ref.key`, so it commutes with other reads of that key
 * and with any step on other keys. Use it instead of sharing a closure between processes: a value read here
 * can be stale by the time the process acts on it, which is exactly the race a check-then-act bug has.
 *
 * @example
 * const q = yield* read(queue);
 * if (q.items[scope]?.claim?.token === token) yield* tx(queue, { _tag: "Ack", scope, token, atMs });
 */
export function* read<Ref extends AnyStoreRef>(ref: Ref): Generator<Op, StateOf<Ref>, unknown> {
  return (yield { kind: "read", ref }) as StateOf<Ref>;
}

/**
 * Like {@link tx}, but the event is built with the store's clock when the step executes, as SQL `now()` or
 * Redis `TIME` would stamp it: a process stalled between deciding to act and acting acts with the time of
 * execution. `build` receives virtual time in ms. Curried so that TypeScript checks the built event against
 * the store entry's event type.
 *
 * @example
 * yield* txAt(queue)((atMs) => ({ _tag: "Heartbeat", scope, token, atMs }));
 */
export function txAt<S, E, R>(
  ref: StoreRef<S, E, R>,
): (build: (nowMs: number) => E) => Generator<Op, R, unknown> {
  return function* (build) {
    return (yield { kind: "tx", ref, event: build, stamped: true }) as R;
  };
}

/** Sleep `delay` ms of virtual time, or a delay drawn from a distribution (a recorded decision named `label`). */
export function* sleep(delay: number | Distribution, label = "sleep"): Generator<Op, number, unknown> {
  return (yield { kind: "sleep", delay, label }) as number;
}

/** Block until `predicate` holds on the store; checking it is a scheduling point. */
export function* until(predicate: (view: View) => boolean, label = "until"): Generator<Op, void, unknown> {
  yield { kind: "until", label, predicate };
}

/** Start a child process. It dies with its parent's node on a crash. */
export function* spawn(name: string, body: ProcessBody): Generator<Op, ProcessHandle, unknown> {
  return (yield { kind: "spawn", name, body }) as ProcessHandle;
}

/** Stop a spawned process (no-op if it already finished). */
export function* kill(handle: ProcessHandle): Generator<Op, void, unknown> {
  yield { kind: "kill", handle };
}

/**
 * A recorded nondeterministic choice among named options; returns the option taken. `weights` (same length
 * as `options`) bias random strategies, e.g. `[0.7, 0.3]`; systematic strategies still try every option.
 */
export function* choose<T extends string>(
  label: string,
  options: readonly T[],
  weights?: readonly number[],
): Generator<Op, T, unknown> {
  return (yield { kind: "choose", label, options, weights }) as T;
}

/** Put a line into the trace (e.g. "dropped: ack owned but not deleted"); no scheduling point. */
export function* note(text: string, data?: unknown): Generator<Op, void, unknown> {
  yield data === undefined ? { kind: "note", text } : { kind: "note", text, data };
}
