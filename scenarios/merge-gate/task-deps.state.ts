/**
 * The state of the task-deps models (./task-deps.space.ts): the queue with its fingerprint, the clock, the
 * tasks each worker believes it runs and the ghost bits of the transition properties; the inputs; the
 * canonical key of a queue state; and the model's own reading of a queue — the tasks running, and the tasks
 * on a dependency cycle from the declared graph, not the core's search (seed 001,
 * ../../shared/seeds/001_fd4d1e9648c828d1.txt, ORCH-026 Level B; seed 004's defer,
 * ../../shared/seeds/004_1b9ac3a108b9e833.txt).
 */
import type { TaskDeps } from "@interleave/core";
import type { FingerprintBuilder, Fingerprinted } from "@interleave/sim/statespace";
import { TD_TRANSITION_PROPERTIES } from "./task-deps.promises.js";

/**
 * State of {@link taskDepsModel}: the `TaskDeps` queue, the clock (`nowMs`), for each worker the tasks it
 * believes it runs (a bit per task, in the model's task order), and `broken`, the transition properties
 * the last input broke (a ghost field: a bit per property, see {@link TD_TRANSITION_PROPERTIES}; 0 when
 * none).
 */
export interface TaskDepsModelState {
  /** The queue and its fingerprint, from the model's {@link MachineCache}; `queue.state` is the queue. */
  readonly queue: Fingerprinted<TaskDeps.State>;
  readonly nowMs: number;
  readonly runs: readonly number[];
  readonly broken: number;
}

/**
 * An input of {@link taskDepsModel} (tasks and workers by index): advance the clock; enqueue a task with its
 * declared dependencies; a worker claims; a worker finishes (`done` / `failed`) or defers (by the delay
 * `deferDelaysMs[delay]`) a task — any task, not only one it runs; requeue a task (a developer retry).
 */
export type TaskDepsInput =
  | { readonly op: "tick" }
  | { readonly op: "enqueue" | "requeue"; readonly task: number }
  | { readonly op: "claim"; readonly worker: number }
  | {
      readonly op: "finish";
      readonly worker: number;
      readonly task: number;
      readonly outcome: "done" | "failed";
    }
  | { readonly op: "defer"; readonly worker: number; readonly task: number; readonly delay: number };

const TD_BITS = new Map(TD_TRANSITION_PROPERTIES.map((property, i) => [property, 1 << i]));

/** The bit of a transition property in {@link TaskDepsModelState.broken}. */
export function bit(property: (typeof TD_TRANSITION_PROPERTIES)[number]): number {
  return TD_BITS.get(property)!;
}

export const STATUS_CODES: Readonly<Record<TaskDeps.Status, number>> = {
  queued: 0,
  running: 1,
  done: 2,
  failed: 3,
  blocked: 4,
};

/**
 * Feeds a canonical key of a queue state to `into`: `running`, `nextSeq`, then for each of the model's task
 * ids in order (so the insertion order of `tasks` does not matter) its status, `availableAtMs`, worker, `seq`
 * and `blockedBy`. Each task's `deps` is fixed by its id in a model, and the config per model, so both are
 * left out.
 */
export function fingerprintQueue(
  q: TaskDeps.State,
  ids: readonly string[],
  index: ReadonlyMap<string, number>,
  into: FingerprintBuilder,
): void {
  into.int(q.running);
  into.int(q.nextSeq);
  for (const id of ids) {
    const task = Object.hasOwn(q.tasks, id) ? q.tasks[id] : undefined;
    if (task === undefined) {
      into.int(-1);
      continue;
    }
    into.int(STATUS_CODES[task.status]);
    into.int(task.availableAtMs);
    if (task.worker === null) into.int(-1);
    else into.string(task.worker);
    into.int(task.seq);
    if (task.blockedBy === null) into.int(-1);
    else {
      into.int(task.blockedBy.length);
      for (const member of task.blockedBy) into.int(index.get(member) ?? -2);
    }
  }
}

export function popCount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

export function countRunning(q: TaskDeps.State): number {
  let running = 0;
  for (const task of Object.values(q.tasks)) if (task.status === "running") running++;
  return running;
}

/**
 * For every set of enqueued tasks (a bitmask over the model's tasks), the tasks on a dependency cycle among
 * them (a bitmask): task i is on a cycle iff it reaches itself by one or more dependency edges between
 * enqueued tasks. Computed by the model from the declared graph (transitive closure), independently of the
 * core's depth-first search.
 */
export function cycleMasks(deps: readonly (readonly number[])[]): Int32Array {
  const n = deps.length;
  const out = new Int32Array(1 << n);
  for (let known = 0; known < 1 << n; known++) {
    // reach[i]: the tasks reachable from i in one or more steps, within `known`.
    const reach = deps.map((ds, i) =>
      (known & (1 << i)) === 0 ? 0 : ds.reduce((m, d) => ((known & (1 << d)) === 0 ? m : m | (1 << d)), 0),
    );
    for (let k = 0; k < n; k++)
      for (let i = 0; i < n; i++) if ((reach[i]! & (1 << k)) !== 0) reach[i]! |= reach[k]!;
    let mask = 0;
    for (let i = 0; i < n; i++) if ((reach[i]! & (1 << i)) !== 0) mask |= 1 << i;
    out[known] = mask;
  }
  return out;
}
