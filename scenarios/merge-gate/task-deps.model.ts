/**
 * Explicit-state model of the core `TaskDeps` (seed 001, ORCH-026 Level B: the orchestrator's job queue with
 * declared task dependencies and cycle detection; seed 004's defer that frees the slot): W workers enqueue,
 * claim, finish, defer and requeue tasks with a fixed dependency graph (a chain, a cycle, a task waiting on a
 * cycle member) over a discrete clock. The fixed queue (`task-deps`) is verified; two buggy dependency gates
 * that live here as wrappers around the core — the pre-ORCH-026 `claim_next_job` that ignores declared
 * dependencies, and a dependency gate without ORCH-026's DFS cycle detection — are found with their shortest
 * counterexamples. The model keeps, next to the queue, the tasks each worker believes it runs and a ghost
 * field for the properties of a transition.
 *
 * The model itself is in ./task-deps.space.ts, the buggy gates in ./task-deps.flows.ts, its state in
 * ./task-deps.state.ts, its promises in ./task-deps.promises.ts; the registered models are here, and the rest
 * is re-exported.
 */
import { defineModel } from "@interleave/sim";
import { type TaskDepsModelOptions, taskDepsModel } from "./task-deps.space.js";

export { claimIgnoringDeps, gateWithoutCycleDetection } from "./task-deps.flows.js";
export * from "./task-deps.promises.js";
export {
  TASK_DEPS_CACHE_SLOTS,
  TASK_GRAPH,
  type TaskDepsModelOptions,
  taskDepsModel,
} from "./task-deps.space.js";
export type { TaskDepsInput, TaskDepsModelState } from "./task-deps.state.js";

/**
 * A small instance for tests (895 states): 3 tasks where the chain and the cycle overlap (B after A; A and C
 * depend on each other), all tracked (taskCountMax 3); 2 workers; ticks to 1 s; Defer by +1 s.
 */
export const TASK_DEPS_SMALL: TaskDepsModelOptions = {
  tasks: { A: ["C"], B: ["A"], C: ["A"] },
  taskCountMax: 3,
  horizonMs: 1_000,
  deferDelaysMs: [1_000],
};

const SOURCE =
  "shared/seeds/001_fd4d1e9648c828d1.txt (ORCH-026 Level B); shared/seeds/004_1b9ac3a108b9e833.txt (defer)";

const DESCRIPTION =
  "4 tasks (A; B after A and C; C and D on a cycle), taskCountMax 3, 2 workers, concurrencyMax 2: Enqueue (any order, twice), Claim, Finish done/failed and Defer (+0 s, +2 s) by any worker for any task, Requeue; 1 s ticks to 3 s";

/** The fixed queue (ORCH-026's dependency gate with cycle detection): every invariant in every state. */
export const taskDepsChecked = defineModel({
  name: "task-deps",
  machine: "TaskDeps",
  description: DESCRIPTION,
  source: SOURCE,
  expect: "pass",
  why: "claims wait for enqueued dependencies and availableAtMs; slots bounded; cycles Blocked, never claimed; no silent deadlock",
  build: () => taskDepsModel(),
});

/** The pre-ORCH-026 claim (no dependency gate): found in 3 inputs. */
export const taskDepsIgnoringDepsChecked = defineModel({
  name: "task-deps-ignoring-deps",
  machine: "TaskDeps",
  description: "the same with the pre-ORCH-026 claim_next_job, which ignores declared dependencies",
  source: SOURCE,
  expect: "violation",
  why: "B, enqueued before A, is claimed while A is still queued: a job runs before the task it depends on is done",
  build: () => taskDepsModel({ gate: "ignoring-deps" }),
});

/** A dependency gate without cycle detection: found in 2 inputs. */
export const taskDepsNoCycleDetectionChecked = defineModel({
  name: "task-deps-no-cycle-detection",
  machine: "TaskDeps",
  description: "the same with a dependency gate that has no DFS cycle detection (ORCH-026's Blocked/alert)",
  source: SOURCE,
  expect: "violation",
  why: "C and D depend on each other and are never reported Blocked: they wait on each other for good (a silent deadlock), or one is claimed",
  build: () => taskDepsModel({ gate: "no-cycle-detection" }),
});

/** The task-deps models, in the order `interleave check` lists them. */
export const taskDepsModels = [
  taskDepsChecked,
  taskDepsIgnoringDepsChecked,
  taskDepsNoCycleDetectionChecked,
] as const;
