/**
 * The world: a virtual clock (integer ms), a store of machine states, generator processes, a fault plan and
 * properties, driven by one {@link Chooser}. `runWorld` is a pure function of (scenario build, decisions):
 * every nondeterministic choice — which enabled process steps next, each drawn delay, each fault — goes
 * through the chooser and is recorded, so the same decisions always give the same run.
 *
 * Scheduling model: a process step executes the process's pending shared operation (`tx`, or an `until`
 * check, or a `read`) atomically, then runs the process's local code up to its next shared operation. Local operations
 * (`sleep`, `spawn`, `kill`, `choose`, `note`) are not scheduling points. Among processes enabled at the
 * current instant the chooser picks one (`pick`); when none is enabled the clock jumps to the next wake-up.
 *
 * Effects: a machine's `transition` may return effects (`Dispatch`, `Cancel`, …). The store's `effects`
 * handler carries them out at the end of the same step — after the stepping process has run to its next
 * shared operation, before any other process runs — as a runtime acting under the lock that applied the
 * transition would. Handlers typically spawn processes (`io.spawn`) or flip in-memory flags.
 *
 * The parts read on their own: the process table and what is enabled (scheduler.ts), decisions and drawn delays (decisions.ts), faults and swarm testing
 * (faults.ts), properties (properties.ts) and recording (recorder.ts); this module drives them — the clock,
 * a process's local code, steps and effects (decisions go through decisions.ts).
 */
import { assert } from "@interleave/core";
import { acquireGlobals, releaseGlobals } from "../../async/globals.js";
import { type AsyncEvent, TaskTable } from "../../async/tasks.js";
import type { ServerProtocol } from "../../async/types.js";
import { REDIS_EPOCH_MS } from "../../redis/protocol.js";
import type { Chooser } from "../../strategy/chooser.js";
import { diff } from "../diff.js";
import type {
  AnyStoreRef,
  EventOf,
  LastTx,
  ProcessContext,
  ResultOf,
  StateOf,
  StoreRef,
  View,
} from "../ops.js";
import { Decisions } from "./decisions.js";
import { declare } from "./declare.js";
import { runSync, SETTLE, type Sim } from "./drive.js";
import { chooseFault, drawSwarmPlan, type FaultPlan } from "./faults.js";
import { type LocalHost, runLocal } from "./local.js";
import { Properties } from "./properties.js";
import { Recorder } from "./recorder.js";
import { type ProcState, Scheduler } from "./scheduler.js";
import type { Build, EffectIo, RunOptions, RunResult, TraceEvent, Violation } from "./types.js";

const HORIZON_DEFAULT_MS = 10 * 60_000;
const STEPS_MAX_DEFAULT = 100_000;

/** Run one world to its end under `chooser`. Throws if a process or machine throws (a scenario bug). */
export function runWorld(build: Build, chooser: Chooser, options: RunOptions = {}): RunResult {
  return runSync(runWorldGen(build, chooser, options), "this world");
}

/**
 * {@link runWorld} as a {@link Sim}: it yields `SETTLE` between the steps of async tasks (drive it with
 * `runAsync`, or `yield*` it from another `Sim`).
 */
export function* runWorldGen(build: Build, chooser: Chooser, options: RunOptions = {}): Sim<RunResult> {
  return yield* new World(chooser, options).run(build);
}

const NO_EVENTS: readonly AsyncEvent[] = [];

class World implements View {
  now = 0;
  last: LastTx | null = null;
  private readonly states: unknown[] = [];
  private readonly refs: StoreRef<unknown, unknown, unknown>[] = [];
  private readonly effectHandlers: (((effect: unknown, io: EffectIo) => void) | undefined)[] = [];
  private servers: readonly (ServerProtocol | undefined)[] = [];
  /** The run's async tasks; null when it has none (a run of generator processes only). */
  private tasks: TaskTable | null = null;
  private readonly scheduler = new Scheduler();
  private readonly properties = new Properties();
  private readonly recorder: Recorder;
  private readonly decisions: Decisions;
  /** Shorthand for `recorder.events`: null when the run does not record its event log. */
  private readonly events: TraceEvent[] | null;
  private plan: FaultPlan = {};
  private horizonMs = HORIZON_DEFAULT_MS;
  private finishPredicate: ((view: View) => boolean) | null = null;
  /** Steps taken so far. */
  steps = 0;
  private violation: Violation | null = null;
  private readonly stepsMax: number;
  /** The option (process or task event) that took the last step (for `current` in pick requests). */
  private lastStepped: string | null = null;
  /** What the step in progress touched (reported to `chooser.observe`). */
  private stepKey: string | null = null;
  /** Whether the step in progress changed `stepKey` (a `tx`) or only read it (a `read`). */
  private stepWrite = true;
  private stepGlobal = false;
  private readonly systematic: boolean;
  private readonly swarm: boolean;

  constructor(
    private readonly chooser: Chooser,
    options: RunOptions,
  ) {
    this.recorder = new Recorder(options);
    this.events = this.recorder.events;
    this.decisions = new Decisions(chooser, this.recorder, this);
    this.stepsMax = options.stepsMax ?? STEPS_MAX_DEFAULT;
    this.swarm = options.swarm === true;
    this.systematic = chooser.wantsCandidates === true;
  }

  get<S>(ref: StoreRef<S, never, unknown>): S {
    return this.states[ref.index] as S;
  }

  lastOn<Ref extends AnyStoreRef>(ref: Ref): LastTx<StateOf<Ref>, EventOf<Ref>, ResultOf<Ref>> | null {
    const last = this.last;
    if (last === null || last.key !== ref.key) return null;
    return last as LastTx<StateOf<Ref>, EventOf<Ref>, ResultOf<Ref>>;
  }

  finished(processName: string): boolean {
    const task = this.tasks?.finished(processName);
    if (task !== undefined) return task;
    const node = this.scheduler.topLevel(processName);
    assert(node !== undefined, `finished("${processName}"): no top-level process has that name`);
    return node.root.done && node.root.pending === null;
  }

  *run(build: Build): Sim<RunResult> {
    const declared = declare(build, this.properties);
    this.refs.push(...declared.refs);
    this.states.push(...declared.states);
    this.effectHandlers.push(...declared.effectHandlers);
    this.servers = declared.servers;
    this.plan = declared.plan;
    this.horizonMs = declared.horizonMs ?? HORIZON_DEFAULT_MS;
    this.finishPredicate = declared.finishPredicate;
    const starts = declared.starts;
    this.properties.assertWithin(this.horizonMs);
    for (const s of starts) {
      this.scheduler.addNode(s.name, s.body, s.faultable, false, this.now);
      this.recorder.process(s.name);
    }
    this.recorder.initial(
      this.refs.map((r) => r.key),
      this.states,
    );
    if (this.swarm) this.plan = drawSwarmPlan(this.plan, (request) => this.decisions.decide(request));
    for (const p of [...this.scheduler.procs]) this.startProcess(p);
    let endReason: RunResult["endReason"];
    if (declared.tasks.length === 0) {
      this.checkProperties();
      endReason = this.violation === null ? yield* this.loop() : "violation";
    } else {
      // A synchronous driver stops here, before any task code or replaced global exists.
      yield SETTLE;
      const tasks = new TaskTable(this.taskWorld(), this.plan, REDIS_EPOCH_MS);
      this.tasks = tasks;
      declared.servers.forEach((protocol, i) => {
        if (protocol !== undefined) tasks.addServer(this.refs[i]!, protocol);
      });
      for (const t of declared.tasks) {
        tasks.addTask(t.name, t.body, t.faultable);
        this.recorder.process(t.name);
      }
      acquireGlobals();
      try {
        tasks.startDue(0, true);
        yield* this.settle();
        this.checkProperties();
        endReason = this.violation === null ? yield* this.loop() : "violation";
      } finally {
        tasks.end();
        yield SETTLE;
        releaseGlobals();
      }
    }
    return {
      decisions: this.recorder.decisions,
      violation: this.violation,
      steps: this.steps,
      endMs: this.now,
      endReason,
      events: this.events,
      processes: this.recorder.processNames,
      store: this.recorder.store(this.refs.map((r) => r.key)),
    };
  }

  // ---- scheduling ------------------------------------------------------------------------------------

  private *loop(): Sim<RunResult["endReason"]> {
    const tasks = this.tasks;
    for (;;) {
      if (this.steps >= this.stepsMax) return "steps";
      const enabled = this.scheduler.enabled(this, this.now);
      const events = tasks === null ? NO_EVENTS : tasks.enabled(this.now);
      const count = enabled.length + events.length;
      if (count === 0) {
        const wake = this.scheduler.nextWakeMs(this.now);
        const taskWake = tasks?.nextWakeMs(this.now) ?? null;
        const next = wake === null ? taskWake : taskWake === null ? wake : Math.min(wake, taskWake);
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
        if (tasks?.startDue(this.now, false)) yield* this.settle();
        // Code run on wake-up (up to each process's next yield) can end a process or change what properties
        // read: check them, and finishWhen, as after a step.
        const ended = this.afterChange();
        if (ended !== null) return ended;
        continue;
      }
      let i = 0;
      if (count > 1) {
        const options = enabled.map((p) => p.name);
        for (const e of events) options.push(e.name);
        const current = this.lastStepped === null ? -1 : options.indexOf(this.lastStepped);
        i = this.decisions.decide(
          current >= 0 && this.systematic
            ? { label: "pick", count, options, current }
            : { label: "pick", count, options },
        );
      }
      const proc = i < enabled.length ? enabled[i]! : null;
      const name = proc === null ? events[i - enabled.length]!.name : proc.name;
      this.chooser.stepping?.(name);
      this.steps++;
      this.stepKey = null;
      this.stepWrite = true;
      this.stepGlobal = false;
      if (proc === null) {
        const e = events[i - enabled.length]!;
        tasks!.ran = false;
        if (tasks!.injectFault(e)) this.stepGlobal = true;
        else tasks!.deliver(e);
        if (e.kind !== "send" || tasks!.ran) this.stepGlobal = true;
        if (tasks!.ran) yield* this.settle();
      } else if (this.injectFault(proc)) this.stepGlobal = true;
      else this.step(proc);
      this.lastStepped = name;
      this.chooser.observe?.(
        this.stepGlobal || this.stepKey === null
          ? { key: null, write: true }
          : { key: this.stepKey, write: this.stepWrite },
      );
      const ended = this.afterChange();
      if (ended !== null) return ended;
    }
  }

  /** Let the microtask queue drain after task code ran, then fail the run on what the tasks did wrong. */
  private *settle(): Sim<void> {
    this.tasks!.ran = false;
    yield SETTLE;
    this.tasks!.checkFailure();
  }

  /** What the task table may do to the world. */
  private taskWorld() {
    const world = this;
    return {
      get now() {
        return world.now;
      },
      recording: this.events !== null,
      decide: (request: Parameters<Decisions["decide"]>[0]) => this.decisions.decide(request),
      draw: (delay: Parameters<Decisions["draw"]>[0], label: string) => this.decisions.draw(delay, label),
      record: (e: Omit<TraceEvent, "step" | "t">) => this.record(e),
      applyTx: (process: string, ref: StoreRef<unknown, unknown, unknown>, event: unknown) => {
        const out = this.applyTx(process, ref, event);
        if (out.effects.length > 0) this.carryOut(ref, out.effects, process);
        return out.result;
      },
    };
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

  private wakeDue(): void {
    for (const p of [...this.scheduler.procs]) {
      if (!this.scheduler.isDue(p, this.now)) continue;
      if (p.pending!.kind === "wake") {
        p.pending = null;
        this.advance(p, this.now);
      } else if (p.pending!.kind === "restart") {
        p.pending = null;
        p.done = false;
        if (this.events !== null) this.record({ process: p.name, op: "restart" });
        this.startProcess(p);
      }
    }
  }

  /** Absolute times (ms) at which something is due: pending wake-ups, restarts, pause ends, liveness deadlines. */
  deadlines(): number[] {
    const out: number[] = [];
    this.scheduler.deadlines(this.now, out);
    this.tasks?.deadlines(this.now, out);
    this.properties.deadlines(out);
    return out;
  }

  // ---- processes -------------------------------------------------------------------------------------

  private startProcess(p: ProcState): void {
    const ctx: ProcessContext = { name: p.name, now: () => this.now };
    p.gen = p.body(ctx);
    this.advance(p, undefined);
  }

  /** Run `p`'s local code from `input` until its next shared operation, a sleep, or its end (local.ts). */
  private advance(p: ProcState, input: unknown): void {
    runLocal(this.local, p, input);
  }

  /** What a process's local code may do to the world (local.ts). */
  private readonly local: LocalHost = {
    now: () => this.now,
    scheduler: this.scheduler,
    decide: (request) => this.decisions.decide(request),
    draw: (delay, label) => this.decisions.draw(delay, label),
    recording: () => this.events !== null,
    record: (e) => this.record(e),
    appeared: (name) => this.recorder.process(name),
    touchedAll: () => {
      this.stepGlobal = true;
    },
    start: (p) => this.startProcess(p),
    finish: (p) => this.finish(p),
  };

  private finish(p: ProcState): void {
    // Killing children reaches other processes. (Ending a top-level process changes `view.finished`, which
    // only `until` predicates read, and their steps are already treated as touching everything.)
    if (p.children.some((c) => !c.done)) this.stepGlobal = true;
    p.done = true;
    p.pending = null;
    p.gen = null;
    for (const c of p.children) if (!c.done) this.scheduler.killTree(c);
    this.scheduler.compact();
  }

  private step(p: ProcState): void {
    const pending = p.pending;
    assert(
      pending !== null && (pending.kind === "tx" || pending.kind === "read" || pending.kind === "until"),
      `${p.name} is not enabled`,
    );
    p.pending = null;
    if (pending.kind === "until") {
      this.stepGlobal = true;
      this.advance(p, undefined);
      return;
    }
    if (pending.kind === "read") {
      const state = this.states[pending.ref.index];
      this.stepKey = pending.ref.key;
      this.stepWrite = false;
      if (this.events !== null) {
        this.record({ process: p.name, op: "read", key: pending.ref.key, result: state });
      }
      this.advance(p, state);
      return;
    }
    const { ref } = pending;
    const event =
      typeof pending.event === "function"
        ? (pending.event as (nowMs: number) => unknown)(this.now)
        : pending.event;
    const out = this.applyTx(p.name, ref, event);
    this.advance(p, out.result);
    if (out.effects.length > 0) this.carryOut(ref, out.effects, p.name);
  }

  /** Apply `event` to `ref`'s entry atomically for `process`: the new state, `last`, the recorded `tx`. */
  private applyTx(process: string, ref: StoreRef<unknown, unknown, unknown>, event: unknown) {
    const before = this.states[ref.index];
    this.stepKey = ref.key;
    const out = ref.machine.transition(before, event);
    this.states[ref.index] = out.state;
    this.chooser.observeState?.(ref.key, out.state);
    this.last = { process, key: ref.key, event, result: out.result, before, after: out.state };
    const effects = out.effects;
    if (this.events !== null) {
      const entry = {
        process,
        op: "tx" as const,
        key: ref.key,
        input: event,
        result: out.result,
        changes: diff(before, out.state),
      };
      this.record(effects.length === 0 ? entry : { ...entry, effects: [...effects] });
      this.recorder.after(out.state);
    }
    return out;
  }

  /** Run the store's effects handler on each effect of a `tx`, at the end of the step that applied it. */
  private carryOut(ref: StoreRef<unknown, unknown, unknown>, effects: readonly unknown[], by: string): void {
    const handler = this.effectHandlers[ref.index];
    this.stepGlobal = true;
    const server = this.servers[ref.index];
    if (server?.push !== undefined) {
      const rest: unknown[] = [];
      for (const effect of effects) {
        const message = server.push(effect);
        if (message === null) rest.push(effect);
        else this.tasks?.network.push(message.conn, message.payload);
      }
      if (rest.length === 0) return;
      effects = rest;
    }
    assert(
      handler !== undefined,
      `store "${ref.key}" returned effects but was declared without an effects handler`,
    );
    const io: EffectIo = {
      view: this,
      spawn: (name, body, options) => {
        assert(
          !this.scheduler.isLive(name),
          `effects of "${ref.key}": cannot spawn "${name}": a live process already has that name`,
        );
        const node = this.scheduler.addNode(name, body, options?.faults === true, true, this.now);
        this.recorder.process(name);
        if (this.events !== null) this.record({ process: by, op: "spawn", input: { name } });
        this.startProcess(node.root);
        return { name, id: node.root.id };
      },
    };
    for (const effect of effects) handler(effect, io);
  }

  // ---- faults ----------------------------------------------------------------------------------------

  /** Maybe inject a fault instead of stepping `p`; returns true when one was injected. */
  private injectFault(p: ProcState): boolean {
    const node = p.node;
    if (!node.faultable) return false;
    const fault = chooseFault(
      node,
      this.plan,
      (request) => this.decisions.decide(request),
      (delay, label) => this.decisions.draw(delay, label),
    );
    if (fault === null) return false;
    if (fault.kind === "pause") {
      node.pauseCount++;
      node.pausedUntilMs = this.now + fault.ms;
      if (this.events !== null) this.record({ process: p.name, op: "pause", input: { ms: fault.ms } });
      return true;
    }
    node.crashCount++;
    this.scheduler.crash(node, this.now + fault.ms);
    if (this.events !== null) this.record({ process: p.name, op: "crash", input: { restartInMs: fault.ms } });
    return true;
  }

  // ---- properties and recording ------------------------------------------------------------------------

  /** Check invariants and discharge liveness obligations after a change; true when a violation was found. */
  private checkProperties(): boolean {
    const violation = this.properties.check(this, this.steps, this.now);
    if (violation === null) return false;
    this.violation = violation;
    return true;
  }

  /** Before time moves to `limitMs`, fail the first liveness property whose deadline falls before it. */
  private failOverdueLiveness(limitMs: number, why: "quiescent" | "finished" | "deadline"): boolean {
    const violation = this.properties.overdue(limitMs, why, this.steps, this.now);
    if (violation === null) return false;
    this.now = violation.t;
    this.violation = violation;
    return true;
  }

  private record(e: Omit<TraceEvent, "step" | "t">): void {
    this.recorder.event(this.steps, this.now, e);
  }
}
