/**
 * The world's public shapes: what a scenario's `build` describes a run with ({@link WorldBuilder}), what an
 * effects handler may do, and what a run returns ({@link RunResult}: decisions, violation, event log, store).
 */
import type { ServerProtocol, TaskBody } from "../../async/types.js";
import type { Decision } from "../../strategy/chooser.js";
import type { Change } from "../diff.js";
import type { ProcessBody, ProcessHandle, StoreRef, View } from "../ops.js";
import type { FaultPlan } from "./faults.js";

/**
 * What an effects handler may do while it carries out a machine's effects: start processes and read the
 * world. Processes it spawns are top-level (they outlive the process whose `tx` produced the effect), become
 * runnable at the current instant, and are subject to the fault plan only with `faults: true`.
 */
export interface EffectIo {
  /** Start a top-level process now. Its name must not be that of a live process. */
  spawn(name: string, body: ProcessBody, options?: { readonly faults?: boolean }): ProcessHandle;
  /** The world as it is after the step (store states, virtual time). */
  readonly view: View;
}

/** Options of a store entry. */
export interface StoreOptions<F> {
  /**
   * Carries out the effects a `tx` on this entry returned, one call per effect in order, at the end of the
   * step (see the module comment). Required when the machine emits effects: an effect with no handler is a
   * scenario bug and fails the run.
   */
  readonly effects?: (effect: F, io: EffectIo) => void;
  /**
   * Makes the entry a server async tasks open connections to (the simulated Redis is one): each request a task
   * sends executes as a `tx` on the entry at an instant the world picks. Its effects that `server.push` maps to
   * a connection are delivered to that connection; the others go to `effects`.
   */
  readonly server?: ServerProtocol<unknown, F>;
}

/** What a scenario's `build` uses to describe one run's world. It is called afresh for every run. */
export interface WorldBuilder {
  /**
   * Put a machine state in the store under `key`; `tx(ref, event)` applies `machine.transition` atomically.
   * `options.effects` carries out the effects the machine returns.
   */
  store<S, E, R, F = never>(
    key: string,
    machine: { transition(state: S, event: E): { state: S; result: R; effects: readonly F[] } },
    initial: S,
    options?: StoreOptions<F>,
  ): StoreRef<S, E, R>;
  /** Start a top-level process at time 0. `faults: true` makes it (and its children) subject to the fault plan. */
  process(name: string, body: ProcessBody, options?: { readonly faults?: boolean }): void;
  /**
   * Start an async task at time 0: `body` is unmodified async code, run under the world's clock (its
   * `setTimeout`, `Date`, `performance.now` are virtual) with every I/O it does through the world (`ctx.call`,
   * or a connection to a server entry such as the simulated Redis) delivered as a step the world picks. Runs with
   * tasks need the async entry points (`exploreVariantAsync`, …; the CLI uses them). `faults: true` makes it
   * subject to the fault plan (pause, crash, network, clock skew). See docs/real-code.md.
   */
  task(name: string, body: TaskBody, options?: { readonly faults?: boolean }): void;
  /** Set the fault plan of this run. */
  faults(plan: FaultPlan): void;
  /** Invariant: `predicate` must hold in the initial state and after every step. `name` is a sentence. */
  always(name: string, predicate: (view: View) => boolean): void;
  /**
   * Bounded liveness: `predicate` must hold at some step no later than `withinMs` of virtual time after the
   * start of the run. A run that goes quiet, or reaches its horizon, first is a violation too.
   */
  eventually(name: string, predicate: (view: View) => boolean, options: { readonly withinMs: number }): void;
  /** The run stops (without a verdict of its own) when virtual time would pass `ms`. Default 10 minutes. */
  horizon(ms: number): void;
  /**
   * End the run as `finished` as soon as `predicate` holds after a step (the workload is done: e.g. the
   * producer finished and the queue is empty). Only sound when nothing after that point can break a property.
   */
  finishWhen(predicate: (view: View) => boolean): void;
}

/** A property that failed: its sentence, its kind, the step and virtual time at which it failed. */
export interface Violation {
  readonly property: string;
  readonly kind: "always" | "eventually";
  readonly step: number;
  readonly t: number;
  readonly message: string;
  /**
   * An `eventually` only: its deadline (`withinMs`, virtual ms since the start), and what ended it: the deadline
   * passed (`deadline`, also at the horizon), or the run finished / went quiet before it. Absent in traces
   * written before these fields existed; renderers then fall back on `message`.
   */
  readonly withinMs?: number;
  readonly cut?: "deadline" | "finished" | "quiescent";
}

/**
 * One line of a recorded run. Async tasks add `timer` (a virtual timer fired: `input.id`), `deliver` (a
 * connection established or a reply delivered to the task: `input.conn`, `input.what`, the reply as `result`)
 * and `fault` (a network fault, a server restart or a clock skew: `input.kind` and its figures). `changes` lists what a `tx` changed in its store entry; a `read` has `key` and,
 * as `result`, the state it read.
 */
export interface TraceEvent {
  readonly step: number;
  readonly t: number;
  readonly process: string;
  readonly op:
    | "tx"
    | "read"
    | "sleep"
    | "note"
    | "spawn"
    | "kill"
    | "pause"
    | "crash"
    | "restart"
    | "timer"
    | "deliver"
    | "fault";
  readonly key?: string;
  readonly input?: unknown;
  readonly result?: unknown;
  readonly changes?: readonly Change[];
  /** The effects a `tx` returned (omitted when none). */
  readonly effects?: readonly unknown[];
}

export interface RunOptions {
  /** Record the event log (for traces and timelines). Exploration runs without it and re-runs to record. */
  readonly record?: boolean;
  /** Bound on steps per run; reaching it ends the run as `steps`. Default 100,000. */
  readonly stepsMax?: number;
  /**
   * Swarm testing (Groce, Zhang, Eide, Chen & Regehr, "Swarm Testing", ISSTA 2012): before the first step the
   * run draws its own fault plan from the scenario's — each fault kind on or off, and its rate scaled by ¼,
   * 1 or 4 (capped so the rates sum to at most 1). The draws are decisions (`swarm <kind>`, `swarm <kind> rate`),
   * so a swarm run replays like any other, but only with `swarm` on again.
   */
  readonly swarm?: boolean;
  /**
   * With `record`: also keep the store's full state — every key's initial state, and after each `tx` the whole
   * new state of its key (`RunResult.store`), for the HTML report. Costs one reference per `tx`; no copies.
   */
  readonly snapshots?: boolean;
}

/**
 * The store over a recorded run (`RunOptions.snapshots`): each key's state before the first step, and for each
 * event of the log (same index) the whole state of the `tx`'s key after it (`undefined` for other events).
 */
export interface StoreSnapshots {
  /** Store keys in declaration order. */
  readonly keys: readonly string[];
  readonly initial: Readonly<Record<string, unknown>>;
  readonly after: readonly unknown[];
}

export interface RunResult {
  readonly decisions: readonly Decision[];
  readonly violation: Violation | null;
  readonly steps: number;
  readonly endMs: number;
  readonly endReason: "violation" | "finished" | "quiescent" | "horizon" | "steps";
  readonly events: readonly TraceEvent[] | null;
  /** Names of all top-level and spawned processes in order of first appearance (timeline columns). */
  readonly processes: readonly string[];
  /** The store's states over the run, with `record` and `snapshots` on; else null. */
  readonly store: StoreSnapshots | null;
}

/** A scenario build as the world needs it: the variant's options are already bound. */
export type Build = (world: WorldBuilder) => void;
