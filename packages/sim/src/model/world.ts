/**
 * The world: a virtual clock (integer ms), a store of machine states, generator processes, a fault plan and
 * properties, driven by one {@link Chooser}. `runWorld` is a pure function of (scenario build, decisions):
 * every nondeterministic choice — which enabled process steps next, each drawn delay, each fault — goes
 * through the chooser and is recorded, so the same decisions always give the same run.
 *
 * Scheduling model: a process step executes the process's pending shared operation (`tx`, or an `until`
 * check) atomically, then runs the process's local code up to its next shared operation. Local operations
 * (`sleep`, `spawn`, `kill`, `choose`, `note`) are not scheduling points. Among processes enabled at the
 * current instant the chooser picks one (`pick`); when none is enabled the clock jumps to the next wake-up.
 *
 * Effects: a machine's `transition` may return effects (`Dispatch`, `Cancel`, …). The store's `effects`
 * handler carries them out at the end of the same step — after the stepping process has run to its next
 * shared operation, before any other process runs — as a runtime acting under the lock that applied the
 * transition would. Handlers typically spawn processes (`io.spawn`) or flip in-memory flags.
 */
import { assert } from "@interleave/core";
import { type Chooser, type Decision, type DecisionRequest, ReplayDivergence } from "../strategy/chooser.js";
import { type Change, diff } from "./diff.js";
import { type Distribution, isDistribution, supportIndices } from "./distribution.js";
import type { LastTx, Op, ProcessBody, ProcessContext, ProcessHandle, StoreRef, View } from "./ops.js";

/**
 * Faults the chooser may inject into processes registered with `{ faults: true }`. At each step of such a
 * process, while the budget lasts, a decision `fault <node>` picks none / pause / crash with the given
 * per-step probabilities.
 * - pause: the process and everything it spawned stall for a drawn duration (a GC pause, a stalled VM);
 *   time keeps running for everyone else, so leases expire.
 * - crash: the process and its children are killed, local state is lost, and the process restarts from its
 *   entry after a drawn delay. The store survives.
 */
export interface FaultPlan {
  readonly pause?: {
    readonly probability: number;
    readonly durationMs: Distribution;
    readonly countMax: number;
  };
  readonly crash?: {
    readonly probability: number;
    readonly restartDelayMs: Distribution;
    readonly countMax: number;
  };
}

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
}

/** One line of a recorded run. `changes` lists what a `tx` changed in its store entry. */
export interface TraceEvent {
  readonly step: number;
  readonly t: number;
  readonly process: string;
  readonly op: "tx" | "sleep" | "note" | "spawn" | "kill" | "pause" | "crash" | "restart";
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

/** The rate factors a swarm run draws from for each enabled fault kind. */
export const SWARM_RATES = [0.25, 1, 4] as const;

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

/** Check a fault plan: probabilities in [0, 1] summing to at most 1, integer budgets ≥ 0. Throws naming the field. */
function validatePlan(plan: FaultPlan): void {
  let total = 0;
  for (const [kind, f] of Object.entries(plan) as [
    string,
    { probability: number; countMax: number } | undefined,
  ][]) {
    if (f === undefined) continue;
    assert(
      Number.isFinite(f.probability) && f.probability >= 0 && f.probability <= 1,
      `fault plan: ${kind}.probability must be within [0, 1], got ${f.probability}`,
    );
    assert(
      Number.isInteger(f.countMax) && f.countMax >= 0,
      `fault plan: ${kind}.countMax must be a non-negative integer, got ${f.countMax}`,
    );
    total += f.probability;
  }
  assert(total <= 1, `fault plan: pause.probability + crash.probability must be at most 1, got ${total}`);
}

/** A scenario build as the world needs it: the variant's options are already bound. */
export type Build = (world: WorldBuilder) => void;

interface NodeState {
  readonly name: string;
  readonly faultable: boolean;
  /** Spawned by an effects handler: dropped from the world once it has finished (it never restarts). */
  readonly ephemeral: boolean;
  pausedUntilMs: number;
  pauseCount: number;
  crashCount: number;
  root: ProcState;
}

type Pending =
  | { readonly kind: "wake" }
  | { readonly kind: "restart" }
  | {
      readonly kind: "tx";
      readonly ref: StoreRef<unknown, unknown, unknown>;
      readonly event: unknown;
      readonly stamped: boolean;
    }
  | { readonly kind: "until"; readonly predicate: (view: View) => boolean };

interface ProcState {
  readonly id: number;
  readonly name: string;
  readonly node: NodeState;
  readonly body: ProcessBody;
  gen: Generator<Op, void, unknown> | null;
  pending: Pending | null;
  readyAtMs: number;
  done: boolean;
  readonly children: ProcState[];
}

const HORIZON_DEFAULT_MS = 10 * 60_000;
const STEPS_MAX_DEFAULT = 100_000;
const NODE_PROCESSES_MAX = 64;

/** Run one world to its end under `chooser`. Throws if a process or machine throws (a scenario bug). */
export function runWorld(build: Build, chooser: Chooser, options: RunOptions = {}): RunResult {
  return new World(chooser, options).run(build);
}

class World implements View {
  now = 0;
  last: LastTx | null = null;
  private readonly states: unknown[] = [];
  private readonly refs: StoreRef<unknown, unknown, unknown>[] = [];
  private readonly effectHandlers: (((effect: unknown, io: EffectIo) => void) | undefined)[] = [];
  private readonly procs: ProcState[] = [];
  private readonly nodes: NodeState[] = [];
  private readonly always: { name: string; predicate: (view: View) => boolean }[] = [];
  private readonly eventually: {
    name: string;
    predicate: (view: View) => boolean;
    withinMs: number;
    satisfied: boolean;
  }[] = [];
  private readonly decisions: Decision[] = [];
  private readonly events: TraceEvent[] | null;
  private readonly snapshots: { initial: Record<string, unknown>; after: unknown[] } | null;
  private readonly processNames: string[] = [];
  private plan: FaultPlan = {};
  private horizonMs = HORIZON_DEFAULT_MS;
  private finishPredicate: ((view: View) => boolean) | null = null;
  private steps = 0;
  private nextId = 0;
  private violation: Violation | null = null;
  private readonly stepsMax: number;
  /** The process that took the last step (for `current` in pick requests). */
  private lastStepped: ProcState | null = null;
  /** What the step in progress touched (reported to `chooser.observe`). */
  private stepKey: string | null = null;
  private stepGlobal = false;
  private readonly systematic: boolean;
  private readonly swarm: boolean;

  constructor(
    private readonly chooser: Chooser,
    options: RunOptions,
  ) {
    this.events = options.record === true ? [] : null;
    this.snapshots =
      options.record === true && options.snapshots === true ? { initial: {}, after: [] } : null;
    this.stepsMax = options.stepsMax ?? STEPS_MAX_DEFAULT;
    this.swarm = options.swarm === true;
    this.systematic = chooser.wantsCandidates === true;
  }

  get<S>(ref: StoreRef<S, never, unknown>): S {
    return this.states[ref.index] as S;
  }

  finished(processName: string): boolean {
    const node = this.nodes.find((n) => n.name === processName && !n.ephemeral);
    assert(node !== undefined, `finished("${processName}"): no top-level process has that name`);
    return node.root.done && node.root.pending === null;
  }

  run(build: Build): RunResult {
    const starts: { name: string; body: ProcessBody; faultable: boolean }[] = [];
    build({
      store: (key, machine, initial, storeOptions) => {
        assert(!this.refs.some((r) => r.key === key), `store key "${key}" is declared twice`);
        this.effectHandlers.push(
          storeOptions?.effects as ((effect: unknown, io: EffectIo) => void) | undefined,
        );
        const ref = { key, index: this.refs.length, machine } as unknown as StoreRef<
          unknown,
          unknown,
          unknown
        >;
        this.refs.push(ref);
        this.states.push(initial);
        return ref as never;
      },
      process: (name, body, opts) => {
        assert(!starts.some((s) => s.name === name), `process "${name}" is declared twice`);
        starts.push({ name, body, faultable: opts?.faults === true });
      },
      faults: (plan) => {
        validatePlan(plan);
        this.plan = plan;
      },
      always: (name, predicate) => {
        this.always.push({ name, predicate });
      },
      eventually: (name, predicate, { withinMs }) => {
        assert(
          Number.isInteger(withinMs) && withinMs > 0,
          `eventually "${name}": withinMs must be a positive integer`,
        );
        this.eventually.push({ name, predicate, withinMs, satisfied: false });
      },
      horizon: (ms) => {
        assert(Number.isInteger(ms) && ms > 0, `horizon must be a positive integer number of ms, got ${ms}`);
        this.horizonMs = ms;
      },
      finishWhen: (predicate) => {
        this.finishPredicate = predicate;
      },
    });
    for (const e of this.eventually) {
      assert(
        e.withinMs <= this.horizonMs,
        `eventually "${e.name}": withinMs (${e.withinMs}) is beyond the horizon (${this.horizonMs})`,
      );
    }
    for (const s of starts) {
      const node: NodeState = {
        name: s.name,
        faultable: s.faultable,
        ephemeral: false,
        pausedUntilMs: 0,
        pauseCount: 0,
        crashCount: 0,
        root: undefined as unknown as ProcState,
      };
      this.nodes.push(node);
      node.root = this.createProcess(s.name, s.body, node);
    }
    if (this.snapshots !== null)
      for (const ref of this.refs) this.snapshots.initial[ref.key] = this.states[ref.index];
    if (this.swarm) this.drawSwarmPlan();
    for (const p of [...this.procs]) this.startProcess(p);
    this.checkProperties();
    const endReason = this.violation === null ? this.loop() : "violation";
    return {
      decisions: this.decisions,
      violation: this.violation,
      steps: this.steps,
      endMs: this.now,
      endReason,
      events: this.events,
      processes: this.processNames,
      store:
        this.snapshots === null
          ? null
          : {
              keys: this.refs.map((r) => r.key),
              initial: this.snapshots.initial,
              after: this.snapshots.after,
            },
    };
  }

  private loop(): RunResult["endReason"] {
    for (;;) {
      if (this.steps >= this.stepsMax) return "steps";
      const enabled = this.enabledProcesses();
      if (enabled.length === 0) {
        const next = this.nextWakeMs();
        const limit = Math.min(next ?? Number.POSITIVE_INFINITY, this.horizonMs + 1);
        if (this.failOverdueLiveness(limit, next === null ? "quiescent" : "deadline")) return "violation";
        if (next === null) return "quiescent";
        if (next > this.horizonMs) {
          this.now = this.horizonMs;
          return "horizon";
        }
        this.now = next;
        this.chooser.observe?.("time");
        this.wakeDue();
        // Code run on wake-up (up to each process's next yield) can end a process or change what properties
        // read: check them, and finishWhen, as after a step.
        const ended = this.afterChange();
        if (ended !== null) return ended;
        continue;
      }
      let proc: ProcState;
      if (enabled.length === 1) proc = enabled[0]!;
      else {
        const options = enabled.map((p) => p.name);
        const current = this.lastStepped === null ? -1 : enabled.indexOf(this.lastStepped);
        proc =
          enabled[
            this.decide(
              current >= 0 && this.systematic
                ? { label: "pick", count: enabled.length, options, current }
                : { label: "pick", count: enabled.length, options },
            )
          ]!;
      }
      this.chooser.stepping?.(proc.name);
      this.steps++;
      this.stepKey = null;
      this.stepGlobal = false;
      if (this.injectFault(proc)) this.stepGlobal = true;
      else this.step(proc);
      this.lastStepped = proc;
      this.chooser.observe?.(
        this.stepGlobal || this.stepKey === null
          ? { key: null, write: true }
          : { key: this.stepKey, write: true },
      );
      const ended = this.afterChange();
      if (ended !== null) return ended;
    }
  }

  /**
   * After anything that may change what properties read (a step, or processes woken up): check the
   * properties, then `finishWhen`. Returns why the run ends, or null when it goes on.
   */
  private afterChange(): "violation" | "finished" | null {
    if (this.checkProperties()) return "violation";
    if (this.finishPredicate?.(this) === true) {
      if (this.failOverdueLiveness(this.now, "finished")) return "violation";
      return "finished";
    }
    return null;
  }

  // ---- decisions -------------------------------------------------------------------------------------

  private decide(request: DecisionRequest): number {
    let choice: number;
    try {
      choice = this.chooser.choose(request);
    } catch (error) {
      if (error instanceof ReplayDivergence) {
        error.step = this.steps;
        error.t = this.now;
      }
      throw error;
    }
    assert(
      Number.isInteger(choice) && choice >= 0 && choice < request.count,
      `chooser returned ${choice} for "${request.label}" with ${request.count} options`,
    );
    this.decisions.push(
      request.options === undefined
        ? { label: request.label, count: request.count, choice }
        : { label: request.label, count: request.count, choice, options: request.options },
    );
    return choice;
  }

  private draw(delay: number | Distribution, label: string): number {
    if (!isDistribution(delay)) {
      assert(
        Number.isInteger(delay) && delay >= 0,
        `${label}: a delay must be a non-negative integer, got ${delay}`,
      );
      return delay;
    }
    if (delay.values.length === 1) return delay.values[0]!;
    return delay.values[
      this.decide(
        this.systematic
          ? {
              label,
              count: delay.values.length,
              weights: delay.weights,
              candidates: supportIndices(delay, this.now, this.deadlines()),
            }
          : { label, count: delay.values.length, weights: delay.weights },
      )
    ]!;
  }

  /** Absolute times (ms) at which something is due: pending wake-ups, restarts, pause ends, liveness deadlines. */
  private deadlines(): number[] {
    const out: number[] = [];
    for (const p of this.procs) {
      if (p.done && p.pending === null) continue;
      if (p.pending?.kind === "wake" || p.pending?.kind === "restart") out.push(p.readyAtMs);
      if (p.node.pausedUntilMs > this.now) out.push(p.node.pausedUntilMs);
    }
    for (const e of this.eventually) if (!e.satisfied) out.push(e.withinMs);
    return out;
  }

  // ---- processes -------------------------------------------------------------------------------------

  private createProcess(name: string, body: ProcessBody, node: NodeState): ProcState {
    const p: ProcState = {
      id: this.nextId++,
      name,
      node,
      body,
      gen: null,
      pending: null,
      readyAtMs: this.now,
      done: false,
      children: [],
    };
    this.procs.push(p);
    if (!this.processNames.includes(name)) this.processNames.push(name);
    return p;
  }

  private startProcess(p: ProcState): void {
    const ctx: ProcessContext = { name: p.name, now: () => this.now };
    p.gen = p.body(ctx);
    this.advance(p, undefined);
  }

  /** Run `p`'s local code from `input` until its next shared operation, a sleep, or its end. */
  private advance(p: ProcState, input: unknown): void {
    let value = input;
    for (;;) {
      const gen = p.gen;
      assert(gen !== null, `process ${p.name} has no generator`);
      let r: IteratorResult<Op, void>;
      try {
        r = gen.next(value);
      } catch (error) {
        throw new Error(`process "${p.name}" threw at t=${this.now}ms: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (r.done === true) {
        this.finish(p);
        return;
      }
      const op = r.value;
      switch (op.kind) {
        case "tx":
          p.pending = { kind: "tx", ref: op.ref, event: op.event, stamped: op.stamped === true };
          p.readyAtMs = this.now;
          return;
        case "until":
          p.pending = { kind: "until", predicate: op.predicate };
          p.readyAtMs = this.now;
          return;
        case "sleep": {
          const ms = this.draw(op.delay, `${p.name}: ${op.label}`);
          if (this.events !== null && isDistribution(op.delay) && op.delay.values.length > 1) {
            this.record({ process: p.name, op: "sleep", input: { label: op.label, ms } });
          }
          if (ms === 0) {
            value = 0;
            continue;
          }
          p.pending = { kind: "wake" };
          p.readyAtMs = this.now + ms;
          return;
        }
        case "spawn": {
          assert(
            !this.procs.some((q) => q.name === op.name && !q.done),
            `${p.name}: cannot spawn "${op.name}": a live process already has that name`,
          );
          const live = this.procs.filter((q) => q.node === p.node && !q.done).length;
          assert(
            live < NODE_PROCESSES_MAX,
            `process "${p.node.name}" exceeds ${NODE_PROCESSES_MAX} live processes`,
          );
          const child = this.createProcess(op.name, op.body, p.node);
          p.children.push(child);
          if (this.events !== null) this.record({ process: p.name, op: "spawn", input: { name: op.name } });
          this.startProcess(child);
          value = { name: child.name, id: child.id } satisfies ProcessHandle;
          continue;
        }
        case "kill": {
          const target = this.procs.find((q) => q.id === op.handle.id);
          if (target !== undefined && !target.done) {
            this.stepGlobal = true;
            this.killTree(target);
            this.compact();
            if (this.events !== null)
              this.record({ process: p.name, op: "kill", input: { name: target.name } });
          }
          value = undefined;
          continue;
        }
        case "choose": {
          assert(op.options.length > 0, `${p.name}: choose "${op.label}" needs at least one option`);
          const i =
            op.options.length === 1
              ? 0
              : this.decide({
                  label: `${p.name}: ${op.label}`,
                  count: op.options.length,
                  options: op.options,
                  weights: op.weights,
                });
          value = op.options[i];
          continue;
        }
        case "note":
          if (this.events !== null) {
            this.record(
              op.data === undefined
                ? { process: p.name, op: "note", input: op.text }
                : { process: p.name, op: "note", input: op.text, result: op.data },
            );
          }
          value = undefined;
          continue;
      }
    }
  }

  private finish(p: ProcState): void {
    // Killing children reaches other processes. (Ending a top-level process changes `view.finished`, which
    // only `until` predicates read, and their steps are already treated as touching everything.)
    if (p.children.some((c) => !c.done)) this.stepGlobal = true;
    p.done = true;
    p.pending = null;
    p.gen = null;
    for (const c of p.children) if (!c.done) this.killTree(c);
    this.compact();
  }

  private killTree(p: ProcState): void {
    for (const c of p.children) if (!c.done) this.killTree(c);
    p.done = true;
    p.pending = null;
    if (p.gen !== null) p.gen.return(undefined);
    p.gen = null;
  }

  /** Drop finished processes (roots stay: they may restart) and finished children from their parents' lists. */
  private compact(): void {
    for (let i = this.procs.length - 1; i >= 0; i--) {
      const p = this.procs[i]!;
      if (p.done && (p.node.root !== p || (p.node.ephemeral && p.pending === null))) {
        if (p.node.root === p) this.nodes.splice(this.nodes.indexOf(p.node), 1);
        this.procs.splice(i, 1);
        continue;
      }
      for (let j = p.children.length - 1; j >= 0; j--) if (p.children[j]!.done) p.children.splice(j, 1);
    }
  }

  private enabledProcesses(): ProcState[] {
    const out: ProcState[] = [];
    for (const p of this.procs) {
      if (p.done || p.pending === null || p.node.pausedUntilMs > this.now) continue;
      const k = p.pending.kind;
      if (k === "tx" ? p.readyAtMs <= this.now : k === "until" ? p.pending.predicate(this) : false)
        out.push(p);
    }
    return out;
  }

  private nextWakeMs(): number | null {
    let next: number | null = null;
    for (const p of this.procs) {
      if (p.done || p.pending === null) continue;
      const paused = p.node.pausedUntilMs;
      let at: number;
      if (p.pending.kind === "wake" || p.pending.kind === "restart") at = Math.max(p.readyAtMs, paused);
      else if (paused > this.now) at = paused;
      else continue;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  private wakeDue(): void {
    for (const p of [...this.procs]) {
      if (p.done || p.pending === null || p.readyAtMs > this.now || p.node.pausedUntilMs > this.now) continue;
      if (p.pending.kind === "wake") {
        p.pending = null;
        this.advance(p, this.now);
      } else if (p.pending.kind === "restart") {
        p.pending = null;
        p.done = false;
        if (this.events !== null) this.record({ process: p.name, op: "restart" });
        this.startProcess(p);
      }
    }
  }

  private step(p: ProcState): void {
    const pending = p.pending;
    assert(
      pending !== null && (pending.kind === "tx" || pending.kind === "until"),
      `${p.name} is not enabled`,
    );
    p.pending = null;
    if (pending.kind === "until") {
      this.stepGlobal = true;
      this.advance(p, undefined);
      return;
    }
    const { ref } = pending;
    const event =
      typeof pending.event === "function"
        ? (pending.event as (nowMs: number) => unknown)(this.now)
        : pending.event;
    const before = this.states[ref.index];
    this.stepKey = ref.key;
    const out = ref.machine.transition(before, event);
    this.states[ref.index] = out.state;
    this.last = { process: p.name, key: ref.key, event, result: out.result, before, after: out.state };
    const effects = out.effects;
    if (this.events !== null) {
      const entry = {
        process: p.name,
        op: "tx" as const,
        key: ref.key,
        input: event,
        result: out.result,
        changes: diff(before, out.state),
      };
      this.record(effects.length === 0 ? entry : { ...entry, effects: [...effects] });
      if (this.snapshots !== null) this.snapshots.after[this.events.length - 1] = out.state;
    }
    this.advance(p, out.result);
    if (effects.length > 0) this.carryOut(ref, effects, p);
  }

  /** Run the store's effects handler on each effect of a `tx`, at the end of the step that applied it. */
  private carryOut(
    ref: StoreRef<unknown, unknown, unknown>,
    effects: readonly unknown[],
    by: ProcState,
  ): void {
    const handler = this.effectHandlers[ref.index];
    this.stepGlobal = true;
    assert(
      handler !== undefined,
      `store "${ref.key}" returned effects but was declared without an effects handler`,
    );
    const io: EffectIo = {
      view: this,
      spawn: (name, body, options) => {
        assert(
          !this.procs.some((q) => q.name === name && !q.done),
          `effects of "${ref.key}": cannot spawn "${name}": a live process already has that name`,
        );
        const node: NodeState = {
          name,
          faultable: options?.faults === true,
          ephemeral: true,
          pausedUntilMs: 0,
          pauseCount: 0,
          crashCount: 0,
          root: undefined as unknown as ProcState,
        };
        this.nodes.push(node);
        node.root = this.createProcess(name, body, node);
        if (this.events !== null) this.record({ process: by.name, op: "spawn", input: { name } });
        this.startProcess(node.root);
        return { name, id: node.root.id };
      },
    };
    for (const effect of effects) handler(effect, io);
  }

  // ---- faults ----------------------------------------------------------------------------------------

  /** Swarm testing: replace the plan by one drawn for this run (see {@link RunOptions.swarm}). */
  private drawSwarmPlan(): void {
    const drawn: { pause?: FaultPlan["pause"]; crash?: FaultPlan["crash"] } = {};
    for (const kind of ["pause", "crash"] as const) {
      const f = this.plan[kind];
      if (f === undefined || f.countMax === 0 || f.probability === 0) continue;
      const on = this.decide({ label: `swarm ${kind}`, count: 2, options: ["off", "on"] }) === 1;
      if (!on) continue;
      const factor =
        SWARM_RATES[
          this.decide({
            label: `swarm ${kind} rate`,
            count: SWARM_RATES.length,
            options: SWARM_RATES.map((r) => `×${r}`),
          })
        ]!;
      drawn[kind] = { ...f, probability: f.probability * factor } as never;
    }
    const total = (drawn.pause?.probability ?? 0) + (drawn.crash?.probability ?? 0);
    if (total > 1) {
      for (const kind of ["pause", "crash"] as const) {
        const f = drawn[kind];
        if (f !== undefined) drawn[kind] = { ...f, probability: f.probability / total } as never;
      }
    }
    this.plan = {
      ...(drawn.pause === undefined ? {} : { pause: drawn.pause }),
      ...(drawn.crash === undefined ? {} : { crash: drawn.crash }),
    };
  }

  /** Maybe inject a fault instead of stepping `p`; returns true when one was injected. */
  private injectFault(p: ProcState): boolean {
    const node = p.node;
    if (!node.faultable) return false;
    const pause =
      this.plan.pause !== undefined && node.pauseCount < this.plan.pause.countMax ? this.plan.pause : null;
    const crash =
      this.plan.crash !== undefined && node.crashCount < this.plan.crash.countMax ? this.plan.crash : null;
    if (pause === null && crash === null) return false;
    const kinds: ("none" | "pause" | "crash")[] = ["none"];
    const weights: number[] = [1 - (pause?.probability ?? 0) - (crash?.probability ?? 0)];
    if (pause !== null) {
      kinds.push("pause");
      weights.push(pause.probability);
    }
    if (crash !== null) {
      kinds.push("crash");
      weights.push(crash.probability);
    }
    const kind =
      kinds[this.decide({ label: `fault ${node.name}`, count: kinds.length, weights, options: kinds })];
    if (kind === "pause" && pause !== null) {
      const ms = this.draw(pause.durationMs, `pause ${node.name} ms`);
      node.pauseCount++;
      node.pausedUntilMs = this.now + ms;
      if (this.events !== null) this.record({ process: p.name, op: "pause", input: { ms } });
      return true;
    }
    if (kind === "crash" && crash !== null) {
      const ms = this.draw(crash.restartDelayMs, `restart ${node.name} ms`);
      node.crashCount++;
      const root = node.root;
      for (const c of root.children) if (!c.done) this.killTree(c);
      this.compact();
      if (root.gen !== null) root.gen.return(undefined);
      root.gen = null;
      root.pending = { kind: "restart" };
      root.readyAtMs = this.now + ms;
      if (this.events !== null) this.record({ process: p.name, op: "crash", input: { restartInMs: ms } });
      return true;
    }
    return false;
  }

  // ---- properties ------------------------------------------------------------------------------------

  /** Check invariants and discharge liveness obligations after a step; true when a violation was found. */
  private checkProperties(): boolean {
    for (const a of this.always) {
      if (!a.predicate(this)) {
        this.violation = {
          property: a.name,
          kind: "always",
          step: this.steps,
          t: this.now,
          message: `invariant broken at step ${this.steps} (t=${this.now}ms)`,
        };
        return true;
      }
    }
    for (const e of this.eventually) if (!e.satisfied && e.predicate(this)) e.satisfied = true;
    return false;
  }

  /** Before time moves to `limitMs`, fail the first liveness property whose deadline falls before it. */
  private failOverdueLiveness(limitMs: number, why: "quiescent" | "finished" | "deadline"): boolean {
    for (const e of this.eventually) {
      if (e.satisfied) continue;
      if (why !== "deadline" || e.withinMs < limitMs) {
        const t = why !== "deadline" ? this.now : e.withinMs;
        this.now = Math.max(this.now, t);
        this.violation = {
          property: e.name,
          kind: "eventually",
          step: this.steps,
          t: this.now,
          message:
            why === "deadline"
              ? `it did not hold within ${e.withinMs}ms of virtual time`
              : `the run ${why === "quiescent" ? "went quiet" : "finished"} at t=${this.now}ms and it never held`,
        };
        return true;
      }
    }
    return false;
  }

  private record(e: Omit<TraceEvent, "step" | "t">): void {
    this.events?.push({ step: this.steps, t: this.now, ...e });
  }
}
