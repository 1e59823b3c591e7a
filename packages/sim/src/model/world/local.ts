/**
 * A generator process's local code: run it from a value until its next shared operation (`tx`, `read`,
 * `until`), a sleep, or its end. Local operations — `sleep` (a drawn delay), `spawn`, `kill`, `choose`, `note` —
 * are carried out here and are not scheduling points (see world.ts).
 */
import { assert } from "@interleave/core";
import type { DecisionRequest } from "../../strategy/chooser.js";
import { type Distribution, isDistribution } from "../distribution.js";
import type { Op, ProcessHandle } from "../ops.js";
import { NODE_PROCESSES_MAX, type ProcState, type Scheduler } from "./scheduler.js";
import type { TraceEvent } from "./types.js";

/** What a process's local code may do to the world. */
export interface LocalHost {
  now(): number;
  readonly scheduler: Scheduler;
  decide(request: DecisionRequest): number;
  draw(delay: number | Distribution, label: string): number;
  /** Whether the run records its event log. */
  recording(): boolean;
  record(e: Omit<TraceEvent, "step" | "t">): void;
  /** A process appeared under `name` (a timeline column). */
  appeared(name: string): void;
  /** The step reached beyond its own key (a kill). */
  touchedAll(): void;
  start(p: ProcState): void;
  finish(p: ProcState): void;
}

/** Run `p`'s local code from `input` until its next shared operation, a sleep, or its end. */
export function runLocal(host: LocalHost, p: ProcState, input: unknown): void {
  let value = input;
  for (;;) {
    const gen = p.gen;
    assert(gen !== null, `process ${p.name} has no generator`);
    let r: IteratorResult<Op, void>;
    try {
      r = gen.next(value);
    } catch (error) {
      throw new Error(`process "${p.name}" threw at t=${host.now()}ms: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (r.done === true) {
      host.finish(p);
      return;
    }
    const op = r.value;
    switch (op.kind) {
      case "tx":
        p.pending = { kind: "tx", ref: op.ref, event: op.event, stamped: op.stamped === true };
        p.readyAtMs = host.now();
        return;
      case "read":
        p.pending = { kind: "read", ref: op.ref };
        p.readyAtMs = host.now();
        return;
      case "until":
        p.pending = { kind: "until", predicate: op.predicate };
        p.readyAtMs = host.now();
        return;
      case "sleep": {
        const ms = host.draw(op.delay, `${p.name}: ${op.label}`);
        if (host.recording() && isDistribution(op.delay) && op.delay.values.length > 1) {
          host.record({ process: p.name, op: "sleep", input: { label: op.label, ms } });
        }
        if (ms === 0) {
          value = 0;
          continue;
        }
        p.pending = { kind: "wake" };
        p.readyAtMs = host.now() + ms;
        return;
      }
      case "spawn": {
        assert(
          !host.scheduler.isLive(op.name),
          `${p.name}: cannot spawn "${op.name}": a live process already has that name`,
        );
        const live = host.scheduler.liveOn(p.node);
        assert(
          live < NODE_PROCESSES_MAX,
          `process "${p.node.name}" exceeds ${NODE_PROCESSES_MAX} live processes`,
        );
        const child = host.scheduler.create(op.name, op.body, p.node, host.now());
        host.appeared(op.name);
        p.children.push(child);
        if (host.recording()) host.record({ process: p.name, op: "spawn", input: { name: op.name } });
        host.start(child);
        value = { name: child.name, id: child.id } satisfies ProcessHandle;
        continue;
      }
      case "kill": {
        const target = host.scheduler.byId(op.handle.id);
        if (target !== undefined && !target.done) {
          host.touchedAll();
          host.scheduler.killTree(target);
          host.scheduler.compact();
          if (host.recording()) host.record({ process: p.name, op: "kill", input: { name: target.name } });
        }
        value = undefined;
        continue;
      }
      case "choose": {
        assert(op.options.length > 0, `${p.name}: choose "${op.label}" needs at least one option`);
        const i =
          op.options.length === 1
            ? 0
            : host.decide({
                label: `${p.name}: ${op.label}`,
                count: op.options.length,
                options: op.options,
                weights: op.weights,
              });
        value = op.options[i];
        continue;
      }
      case "note":
        if (host.recording()) {
          host.record(
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
