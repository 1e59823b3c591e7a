/**
 * The buggy dependency gates the task-deps models drive instead of the core (seed 001,
 * ../../shared/seeds/001_fd4d1e9648c828d1.txt, ORCH-026 Level B; seed 004's defer,
 * ../../shared/seeds/004_1b9ac3a108b9e833.txt): wrappers around `TaskDeps.transition` (the core has no such
 * modes) — the pre-ORCH-026 claim that ignores declared dependencies, and a dependency gate without
 * ORCH-026's DFS cycle detection. Used by ./task-deps.space.ts.
 */
import { TaskDeps } from "@interleave/core";

type Step = ReturnType<typeof TaskDeps.transition>;

/**
 * `tasks` with every entry mapped by `f`, in the same order; an entry `f` returns unchanged keeps its identity.
 * (`Object.fromEntries` defines data properties, so any task id, "__proto__" too, stays an ordinary entry.)
 */
function mapTasks(
  tasks: Readonly<Record<string, TaskDeps.Task>>,
  f: (task: TaskDeps.Task) => TaskDeps.Task,
): Record<string, TaskDeps.Task> {
  return Object.fromEntries(Object.entries(tasks).map(([id, task]) => [id, f(task)]));
}

/** The task `id` of `state`, or `undefined` (own properties only). */
function taskOf(state: TaskDeps.State, id: string): TaskDeps.Task | undefined {
  return Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
}

/**
 * The job queue before ORCH-026 (seed 001): `claim_next_job` has no dependency gate (no `job_deps` table, no
 * `NOT EXISTS`), so a Claim takes the first queued task in claim order as if no task declared dependencies.
 * Every other event is the core's. The Claim runs the core's `transition` on the queue with the declared
 * dependencies hidden, then puts them back: the queue still records them (the planner declared them), the
 * claim just does not look.
 */
export const claimIgnoringDeps = {
  transition(state: TaskDeps.State, event: TaskDeps.Event): Step {
    if (event._tag !== "Claim") return TaskDeps.transition(state, event);
    const blind: TaskDeps.State = {
      ...state,
      tasks: mapTasks(state.tasks, (task) => (task.deps.length === 0 ? task : { ...task, deps: [] })),
    };
    const step = TaskDeps.transition(blind, event);
    if (step.state === blind) return { ...step, state };
    const restored = mapTasks(step.state.tasks, (task) => {
      const declared = taskOf(state, task.id)!;
      return task === taskOf(blind, task.id) ? declared : { ...task, deps: declared.deps };
    });
    return { ...step, state: { ...step.state, tasks: restored } };
  },
};

/**
 * A dependency gate without ORCH-026's DFS cycle detection (seed 001: "DFS cycle detection + Blocked/alert",
 * "cycle backstop"): an Enqueue records the task and its dependencies and reports `Enqueued` even when it
 * closes a cycle, so nothing is blocked and the members of the cycle wait on each other. Every other event is
 * the core's. The Enqueue runs the core's `transition` and, when the core answers `Blocked`, undoes the
 * blocking: the tasks it blocked get back the record they had (the new task is queued), and the slot count
 * too.
 */
export const gateWithoutCycleDetection = {
  transition(state: TaskDeps.State, event: TaskDeps.Event): Step {
    const step = TaskDeps.transition(state, event);
    if (event._tag !== "Enqueue" || step.result._tag !== "Blocked") return step;
    const unblocked = mapTasks(step.state.tasks, (task) => {
      if (task.id === event.task) return { ...task, status: "queued", blockedBy: null };
      return taskOf(state, task.id) ?? task;
    });
    return {
      ...step,
      state: { ...step.state, tasks: unblocked, running: state.running },
      result: { _tag: "Enqueued", task: event.task },
    };
  },
};
