/**
 * The scheduler's process table: top-level processes (nodes: what faults strike and restart) and the
 * processes they spawned, what each waits for, which are enabled at an instant, when the next one wakes up,
 * and killing a process with its children. It holds no clock: the world passes `now`.
 */
import type { Op, ProcessBody, StoreRef, View } from "../ops.js";

/** A top-level process with everything it spawned: the unit faults pause, crash and restart. */
export interface NodeState {
  readonly name: string;
  readonly faultable: boolean;
  /** Spawned by an effects handler: dropped from the world once it has finished (it never restarts). */
  readonly ephemeral: boolean;
  pausedUntilMs: number;
  pauseCount: number;
  crashCount: number;
  root: ProcState;
}

/** What a process waits for: a wake-up, a restart after a crash, its next `tx` or `read`, or an `until` predicate. */
export type Pending =
  | { readonly kind: "wake" }
  | { readonly kind: "restart" }
  | {
      readonly kind: "tx";
      readonly ref: StoreRef<unknown, unknown, unknown>;
      readonly event: unknown;
      readonly stamped: boolean;
    }
  | { readonly kind: "read"; readonly ref: StoreRef<unknown, unknown, unknown> }
  | { readonly kind: "until"; readonly predicate: (view: View) => boolean };

export interface ProcState {
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

/** Live processes one node may hold at once. */
export const NODE_PROCESSES_MAX = 64;

export class Scheduler {
  readonly procs: ProcState[] = [];
  readonly nodes: NodeState[] = [];
  private nextId = 0;

  /** A new node (top-level process) named `name`, with its root process created at `now`. */
  addNode(name: string, body: ProcessBody, faultable: boolean, ephemeral: boolean, now: number): NodeState {
    const node: NodeState = {
      name,
      faultable,
      ephemeral,
      pausedUntilMs: 0,
      pauseCount: 0,
      crashCount: 0,
      root: undefined as unknown as ProcState,
    };
    this.nodes.push(node);
    node.root = this.create(name, body, node, now);
    return node;
  }

  /** A new process of `node`, not started yet (its generator is created when the world starts it). */
  create(name: string, body: ProcessBody, node: NodeState, now: number): ProcState {
    const p: ProcState = {
      id: this.nextId++,
      name,
      node,
      body,
      gen: null,
      pending: null,
      readyAtMs: now,
      done: false,
      children: [],
    };
    this.procs.push(p);
    return p;
  }

  /** The top-level node named `name` (not one spawned by an effects handler). */
  topLevel(name: string): NodeState | undefined {
    return this.nodes.find((n) => n.name === name && !n.ephemeral);
  }

  /** Whether a live process has this name (names of live processes are unique). */
  isLive(name: string): boolean {
    return this.procs.some((q) => q.name === name && !q.done);
  }

  /** Live processes of `node`. */
  liveOn(node: NodeState): number {
    return this.procs.filter((q) => q.node === node && !q.done).length;
  }

  byId(id: number): ProcState | undefined {
    return this.procs.find((q) => q.id === id);
  }

  /** Processes that can step at `now`: a `tx` or `read` due, or an `until` whose predicate holds on `view`. */
  enabled(view: View, now: number): ProcState[] {
    const out: ProcState[] = [];
    for (const p of this.procs) {
      if (p.done || p.pending === null || p.node.pausedUntilMs > now) continue;
      const k = p.pending.kind;
      if (k === "tx" || k === "read" ? p.readyAtMs <= now : k === "until" ? p.pending.predicate(view) : false)
        out.push(p);
    }
    return out;
  }

  /** The earliest time after `now` at which a process wakes, restarts or a pause ends; null if none. */
  nextWakeMs(now: number): number | null {
    let next: number | null = null;
    for (const p of this.procs) {
      if (p.done || p.pending === null) continue;
      const paused = p.node.pausedUntilMs;
      let at: number;
      if (p.pending.kind === "wake" || p.pending.kind === "restart") at = Math.max(p.readyAtMs, paused);
      else if (paused > now) at = paused;
      else continue;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** Absolute times (ms) at which a process is due, appended to `out`: wake-ups, restarts, pause ends. */
  deadlines(now: number, out: number[]): void {
    for (const p of this.procs) {
      if (p.done && p.pending === null) continue;
      if (p.pending?.kind === "wake" || p.pending?.kind === "restart") out.push(p.readyAtMs);
      if (p.node.pausedUntilMs > now) out.push(p.node.pausedUntilMs);
    }
  }

  /** Whether `p` is due at `now`: it waits for a wake-up or a restart that has come, and is not paused. */
  isDue(p: ProcState, now: number): boolean {
    return !(p.done || p.pending === null || p.readyAtMs > now || p.node.pausedUntilMs > now);
  }

  killTree(p: ProcState): void {
    for (const c of p.children) if (!c.done) this.killTree(c);
    p.done = true;
    p.pending = null;
    if (p.gen !== null) p.gen.return(undefined);
    p.gen = null;
  }

  /** Drop finished processes (roots stay: they may restart) and finished children from their parents' lists. */
  compact(): void {
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

  /** Crash `node`: kill its children, drop the root's local state, and restart the root at `restartAtMs`. */
  crash(node: NodeState, restartAtMs: number): void {
    const root = node.root;
    for (const c of root.children) if (!c.done) this.killTree(c);
    this.compact();
    if (root.gen !== null) root.gen.return(undefined);
    root.gen = null;
    root.pending = { kind: "restart" };
    root.readyAtMs = restartAtMs;
  }
}
