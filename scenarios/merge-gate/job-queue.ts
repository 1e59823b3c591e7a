/**
 * The orchestrator's job queue as the merge-gate scenario's reconciler reaches it (seed 001, ORCH-026,
 * ../../shared/seeds/001_fd4d1e9648c828d1.txt): core `TaskDeps` plus the reconciler's re-drive of a job that
 * looks stuck — a statement of the orchestrator's, not of the core, so it lives here (./merge-gate.ts).
 */
import { TaskDeps } from "@interleave/core";
import { extendMachine } from "@interleave/sim";

/**
 * The reconciler's re-drive of a stuck job: a fresh job row for `task`, available now, without dependency
 * rows (`deps` dropped). Only a queued task is re-driven.
 */
export type Redrive = { readonly _tag: "Redrive"; readonly task: string; readonly atMs: number };

/** The job queue: core `TaskDeps`, plus the reconciler's re-drive (a statement of the orchestrator's, not the core's). */
export const jobQueue = extendMachine(TaskDeps, {
  Redrive: (state: TaskDeps.State, event: Redrive) => {
    const task = Object.hasOwn(state.tasks, event.task) ? state.tasks[event.task] : undefined;
    if (task === undefined || task.status !== "queued")
      return { state, effects: [], result: { _tag: "NotQueued" as const, task: event.task } };
    const redriven = { ...task, deps: [], availableAtMs: event.atMs };
    return {
      state: { ...state, tasks: { ...state.tasks, [event.task]: redriven } },
      effects: [],
      result: { _tag: "Redriven" as const, task: event.task },
    };
  },
});

/** The re-drive's results: the task was queued and is re-driven, or it was not queued. */
export type RedriveResult = { readonly _tag: "NotQueued" | "Redriven"; readonly task: string };
