/**
 * The async tasks of one run: real `async` code under the world. Each task is a node (the unit faults strike)
 * running its body in its own async context ({@link TaskScope}); what it does that another party could observe
 * goes through the world as events the world picks among, like generator processes' steps:
 * - `<task>/timer`: its earliest virtual timer that is due fires;
 * - `<task>/c<n> connect`: a connection it opened is established;
 * - `<task>/c<n> →`: the next command it sent on a connection reaches the server and executes there, atomically
 *   (a `tx` on the server's store entry);
 * - `<task>/c<n> ←`: the next reply (or pushed message) on a connection is delivered to its code.
 * After an event that runs task code the world drains the microtask queue (`SETTLE`), so a run is a function of
 * its decisions. Connections keep TCP's order both ways. Faults strike here as decisions: a pause freezes a
 * task's timers and deliveries, a crash drops its timers and connections and restarts its body, and on each
 * command a network fault may delay its reply, drop it with the connection (not applied), or apply it and lose
 * the reply with the connection; the server may restart, losing what it had not persisted.
 */
import type { Distribution } from "../model/distribution.js";
import type { StoreRef } from "../model/ops.js";
import type { FaultPlan } from "../model/world/faults.js";
import { chooseFault } from "../model/world/faults.js";
import type { TraceEvent } from "../model/world/types.js";
import type { DecisionRequest } from "../strategy/chooser.js";
import { type DeterminismError, type ScopeHost, SimTimer, scopes, type TaskScope } from "./globals.js";
import { type Conn, Network } from "./network.js";
import type { ServerProtocol, TaskBody, TaskContext } from "./types.js";

/** What the task table needs from the world that runs it. */
export interface TaskWorld {
  readonly now: number;
  readonly recording: boolean;
  decide(request: DecisionRequest): number;
  draw(delay: number | Distribution, label: string): number;
  record(e: Omit<TraceEvent, "step" | "t">): void;
  /** Apply `event` to `ref` atomically for `process` (recorded, effects carried out); returns the result. */
  applyTx(process: string, ref: StoreRef<unknown, unknown, unknown>, event: unknown): unknown;
}

/** An event the world may pick: its option name, its task and what it delivers. */
export interface AsyncEvent {
  readonly name: string;
  readonly node: TaskNode;
  readonly kind: "timer" | "connect" | "send" | "deliver" | "reset";
  readonly conn: Conn | null;
}

interface Timer {
  readonly handle: SimTimer;
  readonly scope: TaskScope;
  readonly seq: number;
  callAtMs: number;
  readonly repeatMs: number | null;
  readonly callback: () => void;
}

/** A task: its body, its current incarnation (scope), timers, connections and what faults did to it. */
export interface TaskNode {
  readonly name: string;
  readonly body: TaskBody;
  readonly faultable: boolean;
  scope: TaskScope | null;
  /** Its body's promise has settled (resolved) in the current incarnation. */
  bodyDone: boolean;
  restartAtMs: number | null;
  pausedUntilMs: number;
  pauseCount: number;
  crashCount: number;
  netCount: number;
  skewMs: number;
  readonly timers: Timer[];
  readonly conns: Conn[];
}

export class TaskTable implements ScopeHost {
  readonly nodes: TaskNode[] = [];
  /** The connections of this run's tasks (network.ts). */
  readonly network: Network;
  private nextTimer = 1;
  /** Live virtual timers by id (see `ScopeHost.timerById`). */
  private readonly timersById = new Map<number, SimTimer>();
  private timerSeq = 0;
  /** The first determinism offence or task failure since the last check; the world throws it. */
  private failure: Error | null = null;
  /** Whether task code ran since the last settle (the world then yields SETTLE). */
  ran = false;
  dead = false;

  constructor(
    private readonly world: TaskWorld,
    private plan: FaultPlan,
    private readonly epochMs: number,
  ) {
    this.network = new Network(world, {
      nodes: this.nodes,
      plan: () => this.plan,
      live: (scope) => this.live(scope),
      nodeOf: (scope) => this.nodeOf(scope),
      runIn: (scope, fn, what) => this.runIn(scope, fn, what),
    });
  }

  setPlan(plan: FaultPlan): void {
    this.plan = plan;
  }

  addServer(ref: StoreRef<unknown, unknown, unknown>, protocol: ServerProtocol): void {
    this.network.addServer(ref, protocol);
  }

  addTask(name: string, body: TaskBody, faultable: boolean): TaskNode {
    const node: TaskNode = {
      name,
      body,
      faultable,
      scope: null,
      bodyDone: false,
      restartAtMs: null,
      pausedUntilMs: 0,
      pauseCount: 0,
      crashCount: 0,
      netCount: 0,
      skewMs: 0,
      timers: [],
      conns: [],
    };
    this.nodes.push(node);
    return node;
  }

  // ---- ScopeHost: what the replaced globals ask -------------------------------------------------------

  live(scope: TaskScope): boolean {
    return !this.dead && this.nodes.some((n) => n.scope === scope);
  }

  setTimer(
    scope: TaskScope,
    callback: () => void,
    ms: number,
    repeat: boolean,
    immediate: boolean,
  ): SimTimer {
    const id = this.nextTimer++;
    const node = (this.live(scope) ? this.nodeOf(scope) : undefined) ?? null;
    // Node's rule: a delay that is not a number ≥ 1 (and ≤ 2^31 − 1) is 1 ms; fractions round up here.
    const delay = immediate ? 0 : !(ms >= 1 && ms <= 2_147_483_647) ? 1 : Math.ceil(ms);
    let timer: Timer | null = null;
    const handle = new SimTimer(id, node === null ? null : this, () => {
      if (timer === null || node === null) return;
      timer.callAtMs = this.world.now + delay;
      if (!node.timers.includes(timer)) node.timers.push(timer);
      this.sortTimers(node);
    });
    if (node === null) return handle;
    timer = {
      handle,
      scope,
      seq: this.timerSeq++,
      callAtMs: this.world.now + delay,
      repeatMs: repeat ? delay : null,
      callback,
    };
    node.timers.push(timer);
    this.sortTimers(node);
    this.timersById.set(id, handle);
    return handle;
  }

  clearTimer(handle: SimTimer): void {
    this.timersById.delete(handle.id);
    for (const n of this.nodes) {
      const i = n.timers.findIndex((t) => t.handle === handle);
      if (i >= 0) n.timers.splice(i, 1);
    }
  }

  timerById(id: number): SimTimer | undefined {
    return this.timersById.get(id);
  }

  nowMs(): number {
    return this.world.now;
  }

  wallMs(scope: TaskScope): number {
    const node = this.nodeOf(scope);
    return this.epochMs + this.world.now + (node?.skewMs ?? 0);
  }

  offence(_scope: TaskScope, error: DeterminismError): void {
    this.failure ??= error;
  }

  /** Throws the first determinism offence or task failure since the last call. */
  checkFailure(): void {
    const failure = this.failure;
    if (failure === null) return;
    this.failure = null;
    throw failure;
  }

  // ---- what the world picks among -----------------------------------------------------------------------

  /** Events enabled at `now`, in a fixed order (tasks in declaration order, then connections by id). */
  enabled(now: number): AsyncEvent[] {
    const out: AsyncEvent[] = [];
    for (const node of this.nodes) {
      if (node.scope === null || node.pausedUntilMs > now) continue;
      const t = node.timers[0];
      if (t !== undefined && t.callAtMs <= now)
        out.push({ name: `${node.name}/timer`, node, kind: "timer", conn: null });
      for (const c of node.conns) {
        if (c.stalledUntilMs !== null) {
          if (c.stalledUntilMs <= now)
            out.push({ name: `${node.name}/c${c.id} reset`, node, kind: "reset", conn: c });
          continue;
        }
        const up = c.server.downUntilMs <= now;
        if (c.phase === "connecting" && up)
          out.push({ name: `${node.name}/c${c.id} connect`, node, kind: "connect", conn: c });
        else if (
          (c.phase === "ready" || c.phase === "closing") &&
          c.outbox.length > 0 &&
          up &&
          (c.outbox[0]!.heldUntilMs ?? 0) <= now
        )
          out.push({ name: `${node.name}/c${c.id} →`, node, kind: "send", conn: c });
        const head = c.inbox[0];
        if (head !== undefined && head.readyAtMs <= now)
          out.push({ name: `${node.name}/c${c.id} ←`, node, kind: "deliver", conn: c });
      }
    }
    return out;
  }

  /** The earliest time after `now` at which a task event becomes due; null if none. */
  nextWakeMs(now: number): number | null {
    const due: number[] = [];
    this.deadlines(now, due);
    let next: number | null = null;
    for (const at of due) if (at > now && (next === null || at < next)) next = at;
    return next;
  }

  /** Absolute times at which something of a task is due (timers, delayed replies, restarts, pause ends, servers up). */
  deadlines(now: number, out: number[]): void {
    for (const node of this.nodes) {
      if (node.restartAtMs !== null) out.push(node.restartAtMs);
      if (node.scope === null) continue;
      const paused = node.pausedUntilMs > now ? node.pausedUntilMs : 0;
      // What a pause froze (sends, connects, timers, replies) is due again when it ends.
      if (paused > 0) out.push(paused);
      const t = node.timers[0];
      if (t !== undefined) out.push(Math.max(t.callAtMs, paused));
      for (const c of node.conns) {
        if (c.stalledUntilMs !== null) {
          out.push(Math.max(c.stalledUntilMs, paused));
          continue;
        }
        if (c.inbox[0] !== undefined) out.push(Math.max(c.inbox[0].readyAtMs, paused));
        const held = c.outbox[0]?.heldUntilMs;
        if (held !== undefined && held > now) out.push(Math.max(held, paused));
        if (c.server.downUntilMs > now && (c.phase === "connecting" || c.outbox.length > 0))
          out.push(Math.max(c.server.downUntilMs, paused));
      }
    }
  }

  /** Start every task (time 0), or restart those whose restart is due at `now`. True when task code ran. */
  startDue(now: number, first: boolean): boolean {
    let started = false;
    for (const node of this.nodes) {
      if (
        first
          ? node.scope !== null || node.restartAtMs !== null
          : node.restartAtMs === null || node.restartAtMs > now
      )
        continue;
      if (!first) {
        node.restartAtMs = null;
        if (this.world.recording) this.world.record({ process: node.name, op: "restart" });
      }
      this.start(node);
      started = true;
    }
    return started;
  }

  private start(node: TaskNode): void {
    const scope: TaskScope = { host: this, task: node.name };
    node.scope = scope;
    node.bodyDone = false;
    if (node.faultable && this.plan.clockSkewMs !== undefined && node.crashCount === 0) {
      const ms = this.world.draw(this.plan.clockSkewMs, `skew ${node.name} ms`);
      const behind =
        ms > 0 &&
        this.world.decide({ label: `skew ${node.name}`, count: 2, options: ["ahead", "behind"] }) === 1;
      node.skewMs = behind ? -ms : ms;
      if (ms > 0 && this.world.recording)
        this.world.record({ process: node.name, op: "fault", input: { kind: "skew", ms: node.skewMs } });
    }
    const ctx: TaskContext = {
      name: node.name,
      now: () => this.world.now,
      call: (ref, event) => this.network.call(scope, ref as never, event) as never,
      connect: (ref, handlers) => this.network.open(ref.key, handlers),
      note: (text, data) => {
        if (this.live(scope) && this.world.recording)
          this.world.record(
            data === undefined
              ? { process: node.name, op: "note", input: text }
              : { process: node.name, op: "note", input: text, result: data },
          );
      },
    };
    this.ran = true;
    let body: Promise<void>;
    try {
      body = scopes.run(scope, () => node.body(ctx));
    } catch (error) {
      body = Promise.reject(error);
    }
    Promise.resolve(body).then(
      () => {
        if (node.scope === scope) node.bodyDone = true;
      },
      (error: unknown) => {
        if (node.scope === scope && !this.dead)
          this.failure ??= new Error(
            `task "${node.name}" threw at t=${this.world.now}ms: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
      },
    );
  }

  nodeOf(scope: TaskScope): TaskNode | undefined {
    return this.nodes.find((n) => n.scope === scope);
  }

  private sortTimers(node: TaskNode): void {
    node.timers.sort((a, b) => a.callAtMs - b.callAtMs || a.seq - b.seq);
  }

  // ---- steps ------------------------------------------------------------------------------------------

  /**
   * Before `e` is delivered: maybe a pause or crash strikes its task instead (decision `fault <task>`, the
   * generator processes' plan). True when one struck.
   */
  injectFault(e: AsyncEvent): boolean {
    const node = e.node;
    if (!node.faultable) return false;
    const fault = chooseFault(
      node,
      this.plan,
      (r) => this.world.decide(r),
      (d, l) => this.world.draw(d, l),
    );
    if (fault === null) return false;
    if (fault.kind === "pause") {
      node.pauseCount++;
      node.pausedUntilMs = this.world.now + fault.ms;
      if (this.world.recording)
        this.world.record({ process: node.name, op: "pause", input: { ms: fault.ms } });
      return true;
    }
    node.crashCount++;
    if (this.world.recording)
      this.world.record({ process: node.name, op: "crash", input: { restartInMs: fault.ms } });
    this.stop(node);
    node.restartAtMs = this.world.now + fault.ms;
    return true;
  }

  /** End `node`'s incarnation: its timers, connections and pending replies are gone; its code never resumes. */
  private stop(node: TaskNode): void {
    for (const t of node.timers) this.timersById.delete(t.handle.id);
    node.timers.length = 0;
    this.network.dropAll(node);
    node.scope = null;
    node.bodyDone = false;
  }

  /** Deliver `e` (see the module comment). True when task code ran (the world must settle). */
  deliver(e: AsyncEvent): boolean {
    const node = e.node;
    const scope = node.scope!;
    switch (e.kind) {
      case "timer": {
        const t = node.timers.shift()!;
        if (t.repeatMs === null) this.timersById.delete(t.handle.id);
        else {
          t.callAtMs = this.world.now + t.repeatMs;
          node.timers.push(t);
          this.sortTimers(node);
        }
        if (this.world.recording)
          this.world.record({ process: node.name, op: "timer", input: { id: t.handle.id } });
        this.runIn(scope, t.callback, "a timer");
        return true;
      }
      case "connect": {
        const c = e.conn!;
        c.phase = "ready";
        if (this.world.recording)
          this.world.record({ process: node.name, op: "deliver", input: { conn: c.id, what: "connected" } });
        this.runIn(scope, () => c.handlers?.ready(), "a connect handler");
        return true;
      }
      case "send":
        return this.network.send(e.conn!);
      case "reset": {
        const c = e.conn!;
        this.network.drop(
          c,
          new Error(
            `connection ${c.id} to ${c.server.ref.key} timed out: no answer for a while (simulated half-open connection)`,
          ),
        );
        return true;
      }
      case "deliver": {
        const c = e.conn!;
        const head = c.inbox.shift()!;
        this.runIn(scope, head.deliver, "a reply handler");
        return true;
      }
    }
  }

  runIn(scope: TaskScope, fn: () => void, what: string): void {
    this.ran = true;
    try {
      scopes.run(scope, fn);
    } catch (error) {
      this.failure ??= new Error(
        `task "${scope.task}" threw in ${what} at t=${this.world.now}ms: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }

  /** Whether task `name` has run its body to the end (and is not waiting to restart). */
  finished(name: string): boolean | undefined {
    const node = this.nodes.find((n) => n.name === name);
    return node === undefined ? undefined : node.bodyDone && node.restartAtMs === null;
  }

  /** End of the run: every scope is dead, so code still queued does nothing observable. */
  end(): void {
    this.dead = true;
    for (const n of this.nodes) for (const t of n.timers) this.timersById.delete(t.handle.id);
  }
}
