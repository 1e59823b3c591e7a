// TaskDeps: the orchestrator's job queue with declared task dependencies, as a pure state machine. Modelled on
// seed 001 (../shared/seeds/001_fd4d1e9648c828d1.txt, ORCH-026 Level B): a job whose depends-on tasks are not
// done is held back without occupying a max_concurrency slot, cycles are detected when declared and blocked
// rather than left to deadlock; and on seed 004 (../shared/seeds/004_1b9ac3a108b9e833.txt): a deferred job is
// re-queued with an available-at time and frees its slot, so max_concurrency = 1 cannot deadlock.

import { assert } from "./assert.js";
import {
  assertName,
  assertTime,
  configInteger,
  describeValue,
  NO_EFFECTS,
  renamedConfigInteger,
  unknownEvent,
} from "./internal/checks.js";
import { getOwn, withEntry } from "./internal/record.js";
import type { Transition } from "./machine.js";
import { cycleMembers, cycleThrough } from "./task-deps-graph.js";

/**
 * TaskDeps configuration as {@link initial} takes it: the fields of {@link ResolvedConfig}, where
 * `concurrencyMax` may still be given under its deprecated old name `maxConcurrency` (docs/deprecations.md).
 */
export type Config = Omit<ResolvedConfig, "concurrencyMax"> &
  (
    | {
        readonly concurrencyMax: number;
        /** @deprecated use `concurrencyMax` (docs/deprecations.md); if both are given they must be equal. */
        readonly maxConcurrency?: number;
      }
    | {
        readonly concurrencyMax?: undefined;
        /** @deprecated use `concurrencyMax` (docs/deprecations.md). */
        readonly maxConcurrency: number;
      }
  );

/** TaskDeps configuration as stored in {@link State}: validated by {@link initial}. */
export interface ResolvedConfig {
  /** Jobs running at once (the seed's `max_concurrency`). Positive integer. */
  readonly concurrencyMax: number;
  /**
   * Tasks tracked at once; an Enqueue of a new id beyond it returns `Rejected` (`"task-limit"`). Positive
   * integer. No event removes a task (a done task stays, so later dependents see it done), so this bounds
   * the tasks ever enqueued into one state.
   */
  readonly taskCountMax: number;
}

/**
 * Where a task is.
 *
 * - `queued`: waiting to be claimed (maybe held back by its dependencies or its `availableAtMs`).
 * - `running`: claimed by `worker`; occupies one of the `concurrencyMax` slots.
 * - `done`, `failed`: finished by its worker. A failed task may go back to `queued` (Requeue).
 * - `blocked`: on a dependency cycle; terminal, never claimed.
 */
export type Status = "queued" | "running" | "done" | "failed" | "blocked";

/**
 * One task (one job).
 *
 * - `id`: the task id, a non-empty string.
 * - `deps`: the declared dependencies (task ids), deduplicated, in declaration order. A dependency on an
 *   id not (yet) enqueued is allowed and holds nothing back until that id is enqueued (fail-open).
 * - `status`: see {@link Status}.
 * - `availableAtMs`: the task is not claimable before this time (ms); the enqueue time, the Defer's
 *   `availableAtMs`, or the Requeue time.
 * - `worker`: who runs it; non-null iff `status` is `running`.
 * - `seq`: enqueue order (0, 1, 2, ...), the FIFO tiebreak; kept across Defer and Requeue.
 * - `blockedBy`: non-null iff `status` is `blocked`: the dependency cycle that blocked the task, ids in
 *   cycle order (each depends on the next, the last on the first), the first id not repeated at the end.
 */
export interface Task {
  readonly id: string;
  readonly deps: readonly string[];
  readonly status: Status;
  readonly availableAtMs: number;
  readonly worker: string | null;
  readonly seq: number;
  readonly blockedBy: readonly string[] | null;
}

/**
 * TaskDeps state: plain JSON data.
 *
 * - `tasks`: every task enqueued, keyed by id; at most `taskCountMax`.
 * - `running`: the number of tasks with status `running`, in `[0, concurrencyMax]`.
 * - `nextSeq`: the `seq` the next enqueued task receives.
 */
export interface State {
  readonly config: ResolvedConfig;
  readonly tasks: Readonly<Record<string, Task>>;
  readonly running: number;
  readonly nextSeq: number;
}

/**
 * TaskDeps events, each carrying its time `atMs` (non-negative integer ms). Task ids and workers are
 * non-empty strings.
 *
 * - `Enqueue`: a new job for `task`, depending on the tasks `deps` (duplicates are dropped).
 * - `Claim`: `worker` asks for the next claimable job (the seed's `claim_next_job`).
 * - `Defer`: the running `worker` puts `task` back, not claimable before `availableAtMs` (non-negative
 *   integer ms); the slot is freed (seed 004's DEFER).
 * - `Finish`: the running `worker` finished `task`, `"done"` or `"failed"`.
 * - `Requeue`: a failed `task` goes back to the queue (a developer retry).
 */
export type Event =
  | {
      readonly _tag: "Enqueue";
      readonly task: string;
      readonly deps: readonly string[];
      readonly atMs: number;
    }
  | { readonly _tag: "Claim"; readonly worker: string; readonly atMs: number }
  | {
      readonly _tag: "Defer";
      readonly task: string;
      readonly worker: string;
      readonly availableAtMs: number;
      readonly atMs: number;
    }
  | {
      readonly _tag: "Finish";
      readonly task: string;
      readonly worker: string;
      readonly outcome: "done" | "failed";
      readonly atMs: number;
    }
  | { readonly _tag: "Requeue"; readonly task: string; readonly atMs: number };

/**
 * TaskDeps results. Results that change nothing (`NothingClaimable`, `NotRunning`, `NotFailed`, `Duplicate`,
 * `Rejected`) come with the very same state object.
 *
 * - `Enqueued` (Enqueue): the task is queued.
 * - `Blocked` (Enqueue): the new task closed a dependency cycle; `cycle` starts with it, in cycle order (see
 *   {@link findCycle}). Every task on that cycle, and on any other cycle the Enqueue closed, is now blocked.
 * - `Claimed` (Claim): `task` is now running for the worker.
 * - `NothingClaimable` (Claim): `"no-slot"` when `concurrencyMax` tasks run, else `"none-ready"`. Either
 *   way, `waiting` lists the queued tasks held back by unfinished known dependencies, in claim order (the
 *   seed's waiting line), and `nextAvailableAtMs` is the earliest `availableAtMs > atMs` among queued tasks
 *   whose known dependencies are all done, or `null` (when to try again, unless a Finish comes first).
 * - `Deferred` (Defer): the task is queued again from `availableAtMs`; its slot is free.
 * - `Finished` (Finish): the task is done or failed; its slot is free.
 * - `Requeued` (Requeue): the failed task is queued again.
 * - `NotRunning` (Defer, Finish): the task is unknown, not running, or run by another worker.
 * - `NotFailed` (Requeue): the task is unknown or its status is not `failed`.
 * - `Duplicate` (Enqueue): a task with that id exists (whatever its status or deps).
 * - `Rejected` (Enqueue): a new id while `taskCountMax` tasks are tracked.
 */
export type Result =
  | { readonly _tag: "Enqueued"; readonly task: string }
  | { readonly _tag: "Blocked"; readonly task: string; readonly cycle: readonly string[] }
  | { readonly _tag: "Claimed"; readonly task: string }
  | {
      readonly _tag: "NothingClaimable";
      readonly reason: "no-slot" | "none-ready";
      readonly waiting: readonly string[];
      readonly nextAvailableAtMs: number | null;
    }
  | { readonly _tag: "Deferred"; readonly task: string; readonly availableAtMs: number }
  | { readonly _tag: "Finished"; readonly task: string; readonly outcome: "done" | "failed" }
  | { readonly _tag: "Requeued"; readonly task: string }
  | { readonly _tag: "NotRunning"; readonly task: string }
  | { readonly _tag: "NotFailed"; readonly task: string }
  | { readonly _tag: "Duplicate"; readonly task: string }
  | { readonly _tag: "Rejected"; readonly reason: "task-limit" };

/** The queue has no effects: workers act on the results. */
export type Effect = never;

type Step = Transition<State, Result, Effect>;

const MACHINE = "TaskDeps";

const OUTCOMES: readonly unknown[] = ["done", "failed"];

// ---------------------------------------------------------------------------------------------------------
// Public functions

/**
 * The empty queue for `config`, after validating every field.
 *
 * `maxConcurrency`, the deprecated name of `concurrencyMax`, is still accepted; the state's config has only
 * `concurrencyMax`.
 *
 * @throws `InvalidConfigError` (with `field` set) when `concurrencyMax` or `taskCountMax` is not a positive
 *   integer, e.g. `TaskDeps config: concurrencyMax (0) must be a positive integer`; it names
 *   `maxConcurrency` when that is the name the caller used, or when both names are given with different values.
 * @example
 * const queue = TaskDeps.initial({ concurrencyMax: 1, taskCountMax: 1_000 });
 */
export function initial(config: Config): State {
  const concurrencyMax = renamedConfigInteger(MACHINE, config, "concurrencyMax", "maxConcurrency", 1);
  const taskCountMax = configInteger(MACHINE, config, "taskCountMax", 1);
  return { config: { concurrencyMax, taskCountMax }, tasks: {}, running: 0, nextSeq: 0 };
}

/**
 * Applies one event. Pure: never mutates `state` or the event; returns the same `state` object when nothing
 * changed, and tasks the event did not touch keep their identity.
 *
 * - Enqueue: `Duplicate` for a known id, else `Rejected` at `taskCountMax`, else records the task (queued,
 *   `availableAtMs = atMs`, the next `seq`). Then a depth-first search over known dependencies from the new
 *   task: if it reaches the task again (a self-dependency is a cycle of one), the result is `Blocked` and
 *   every task on a cycle through the new task becomes blocked — the tasks on the reported cycle with
 *   `blockedBy` = that cycle, any other with the cycle {@link findCycle} finds from it; tasks already blocked
 *   keep their `blockedBy`. Every cycle closed by an Enqueue passes through the enqueued task (the graph
 *   only gains edges then), so no cycle is ever left unblocked.
 * - Claim: `NothingClaimable` (`"no-slot"`) when `running >= concurrencyMax`; else the first queued task in
 *   claim order (`availableAtMs`, then `seq`) that {@link isReady} at `atMs` becomes running for `worker`
 *   (`Claimed`); `NothingClaimable` (`"none-ready"`) when there is none.
 * - Defer (the task's running worker): queued, `availableAtMs` from the event, worker cleared, slot freed.
 * - Finish (the task's running worker): done or failed, worker cleared, slot freed. A failed task's
 *   dependents stay queued (held back until it is requeued and done).
 * - Requeue (a failed task): queued, `availableAtMs = atMs`.
 *
 * Fail-open dependencies (the seed's `is_task_ready`): a dependency on an id that is not enqueued holds
 * nothing back; once that id is enqueued it counts like any other. So no task is ever claimed while one of
 * its known dependencies is not done, and with no dependencies the queue is plain FIFO by (`availableAtMs`,
 * enqueue order). Tasks held back by dependencies are queued, never running: they occupy no slot.
 *
 * Known limitation (from fail-open): a task claimed while one of its dependencies was unknown can be
 * running, done or failed when a later Enqueue closes a cycle through it. It is blocked all the same, as
 * every task on a cycle is; if it was running its slot is freed at once and its worker's later Defer or
 * Finish answers `NotRunning` (the caller should stop that job), and tasks depending on it wait for good
 * (they stay in `waiting`). Likewise any task depending on a blocked task waits in `waiting` for good.
 *
 * Deterministic: the same state and event always give the same step; claim order and the cycle search
 * (dependencies in declaration order) are total. Events are expected in nondecreasing `atMs`; the queue keeps
 * no clock and does not check that.
 *
 * @throws `AssertionError` on a malformed event: `atMs` or `availableAtMs` not a non-negative integer, an
 *   empty task id, worker or dependency id, `deps` not an array, an unknown `outcome` or `_tag`.
 * @example
 * let queue = TaskDeps.initial({ concurrencyMax: 1, taskCountMax: 100 });
 * queue = TaskDeps.transition(queue, { _tag: "Enqueue", task: "A", deps: [], atMs: 0 }).state;
 * queue = TaskDeps.transition(queue, { _tag: "Enqueue", task: "B", deps: ["A"], atMs: 0 }).state;
 * const { result } = TaskDeps.transition(queue, { _tag: "Claim", worker: "w1", atMs: 1 });
 * // result: { _tag: "Claimed", task: "A" } — B waits until A is done.
 */
export function transition(state: State, event: Event): Step {
  assertTime(event.atMs);
  switch (event._tag) {
    case "Enqueue":
      assertName("task", event.task);
      return enqueue(state, event.task, normalizedDeps(event.deps), event.atMs);
    case "Claim":
      assertName("worker", event.worker);
      return claim(state, event.worker, event.atMs);
    case "Defer":
      assertName("task", event.task);
      assertName("worker", event.worker);
      assert(
        Number.isSafeInteger(event.availableAtMs) && event.availableAtMs >= 0,
        () => `availableAtMs must be a non-negative integer, got ${describeValue(event.availableAtMs)}`,
      );
      return defer(state, event.task, event.worker, event.availableAtMs);
    case "Finish":
      assertName("task", event.task);
      assertName("worker", event.worker);
      assert(
        OUTCOMES.includes(event.outcome),
        () => `outcome must be "done" or "failed", got ${describeValue(event.outcome)}`,
      );
      return finish(state, event.task, event.worker, event.outcome);
    case "Requeue":
      assertName("task", event.task);
      return requeue(state, event.task, event.atMs);
    default:
      return unknownEvent(event);
  }
}

/**
 * The known dependencies of `task` that are not done, in declaration order (what it waits on). Dependencies
 * on ids not enqueued are left out (fail-open). `[]` for an unknown task.
 *
 * @throws `AssertionError` when `task` is not a non-empty string.
 */
export function waitingOn(state: State, task: string): string[] {
  assertName("task", task);
  const entry = getOwn(state.tasks, task);
  return entry === undefined ? [] : unfinishedDeps(state, entry);
}

/**
 * Whether `task` may be claimed at `atMs` (ms), slots aside: it is queued, `availableAtMs <= atMs`, and every
 * known dependency is done ({@link waitingOn} is empty). `false` for an unknown task.
 *
 * @throws `AssertionError` when `task` is not a non-empty string or `atMs` not a non-negative integer.
 */
export function isReady(state: State, task: string, atMs: number): boolean {
  assertName("task", task);
  assertTime(atMs);
  const entry = getOwn(state.tasks, task);
  return entry !== undefined && isClaimable(state, entry, atMs);
}

/**
 * A dependency cycle through `task`, or `null` when there is none (or the task is unknown): the ids in cycle
 * order starting with `task` (each depends on the next, the last on `task`), `task` not repeated at the end;
 * `[task]` for a self-dependency. Found by a depth-first search over known dependencies in declaration
 * order, so the answer is deterministic; when several cycles pass through `task`, this is the first found.
 *
 * @throws `AssertionError` when `task` is not a non-empty string.
 * @example
 * // A depends on B, B on C, C on A:
 * TaskDeps.findCycle(queue, "B"); // ["B", "C", "A"]
 */
export function findCycle(state: State, task: string): string[] | null {
  assertName("task", task);
  return cycleThrough(state.tasks, task);
}

// ---------------------------------------------------------------------------------------------------------
// Transitions

function enqueue(state: State, id: string, deps: readonly string[], atMs: number): Step {
  if (getOwn(state.tasks, id) !== undefined) {
    return unchanged(state, { _tag: "Duplicate", task: id });
  }
  const { taskCountMax } = state.config;
  const taskCount = Object.keys(state.tasks).length;
  assert(taskCount <= taskCountMax, () => `task count ${taskCount} exceeds taskCountMax ${taskCountMax}`);
  if (taskCount === taskCountMax) {
    return unchanged(state, { _tag: "Rejected", reason: "task-limit" });
  }
  const task: Task = {
    id,
    deps,
    status: "queued",
    availableAtMs: atMs,
    worker: null,
    seq: state.nextSeq,
    blockedBy: null,
  };
  const added: State = { ...state, tasks: withEntry(state.tasks, id, task), nextSeq: state.nextSeq + 1 };
  const cycle = cycleThrough(added.tasks, id);
  if (cycle === null) {
    return changed(state, added, { _tag: "Enqueued", task: id });
  }
  return changed(state, blockCycles(added, id, cycle), { _tag: "Blocked", task: id, cycle });
}

/**
 * `state` with every task on a cycle through `id` blocked: the tasks of `cycle` (the one reported) get it as
 * `blockedBy`, the others (on another cycle through `id`) the cycle found from them. Already blocked tasks
 * stay as they are; a running one frees its slot.
 */
function blockCycles(state: State, id: string, cycle: readonly string[]): State {
  const onReported = new Set(cycle);
  let tasks = state.tasks;
  let running = state.running;
  for (const member of cycleMembers(state.tasks, id)) {
    const task = getOwn(state.tasks, member);
    assert(task !== undefined, () => `cycle member ${member} must be a known task`);
    if (task.status === "blocked") {
      continue;
    }
    const blockedBy = onReported.has(member) ? cycle : cycleThrough(state.tasks, member);
    assert(blockedBy !== null, () => `task ${member} must lie on a dependency cycle`);
    if (task.status === "running") {
      running -= 1;
    }
    tasks = withEntry(tasks, member, { ...task, status: "blocked", worker: null, blockedBy });
  }
  return { ...state, tasks, running };
}

function claim(state: State, worker: string, atMs: number): Step {
  const queued = Object.values(state.tasks)
    .filter((task) => task.status === "queued")
    .sort(compareClaimOrder);
  const noSlot = state.running >= state.config.concurrencyMax;
  if (!noSlot) {
    const next = queued.find((task) => isClaimable(state, task, atMs));
    if (next !== undefined) {
      const claimed: Task = { ...next, status: "running", worker };
      return changed(
        state,
        { ...state, tasks: withEntry(state.tasks, next.id, claimed), running: state.running + 1 },
        { _tag: "Claimed", task: next.id },
      );
    }
  }
  const waiting: string[] = [];
  let nextAvailableAtMs: number | null = null;
  for (const task of queued) {
    if (unfinishedDeps(state, task).length > 0) {
      waiting.push(task.id);
    } else if (
      task.availableAtMs > atMs &&
      (nextAvailableAtMs === null || task.availableAtMs < nextAvailableAtMs)
    ) {
      nextAvailableAtMs = task.availableAtMs;
    }
  }
  return unchanged(state, {
    _tag: "NothingClaimable",
    reason: noSlot ? "no-slot" : "none-ready",
    waiting,
    nextAvailableAtMs,
  });
}

function defer(state: State, id: string, worker: string, availableAtMs: number): Step {
  const task = runningTask(state, id, worker);
  if (task === undefined) {
    return unchanged(state, { _tag: "NotRunning", task: id });
  }
  const deferred: Task = { ...task, status: "queued", availableAtMs, worker: null };
  return changed(
    state,
    { ...state, tasks: withEntry(state.tasks, id, deferred), running: state.running - 1 },
    { _tag: "Deferred", task: id, availableAtMs },
  );
}

function finish(state: State, id: string, worker: string, outcome: "done" | "failed"): Step {
  const task = runningTask(state, id, worker);
  if (task === undefined) {
    return unchanged(state, { _tag: "NotRunning", task: id });
  }
  const finished: Task = { ...task, status: outcome, worker: null };
  return changed(
    state,
    { ...state, tasks: withEntry(state.tasks, id, finished), running: state.running - 1 },
    { _tag: "Finished", task: id, outcome },
  );
}

function requeue(state: State, id: string, atMs: number): Step {
  const task = getOwn(state.tasks, id);
  if (task === undefined || task.status !== "failed") {
    return unchanged(state, { _tag: "NotFailed", task: id });
  }
  const requeued: Task = { ...task, status: "queued", availableAtMs: atMs };
  return changed(
    state,
    { ...state, tasks: withEntry(state.tasks, id, requeued) },
    { _tag: "Requeued", task: id },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** `deps` checked (an array of non-empty strings) and deduplicated, first occurrence kept. */
function normalizedDeps(deps: readonly string[]): readonly string[] {
  assert(Array.isArray(deps), () => `deps must be an array of task ids, got ${describeValue(deps)}`);
  for (const dep of deps) {
    assertName("dependency", dep);
  }
  return [...new Set(deps)];
}

/** The task `id` if `worker` runs it, else `undefined`. */
function runningTask(state: State, id: string, worker: string): Task | undefined {
  const task = getOwn(state.tasks, id);
  return task !== undefined && task.status === "running" && task.worker === worker ? task : undefined;
}

/** The known dependencies of `task` whose status is not `done`, in declaration order. */
function unfinishedDeps(state: State, task: Task): string[] {
  return task.deps.filter((dep) => {
    const depTask = getOwn(state.tasks, dep);
    return depTask !== undefined && depTask.status !== "done";
  });
}

/** Queued, available at `atMs`, and every known dependency done. */
function isClaimable(state: State, task: Task, atMs: number): boolean {
  return task.status === "queued" && task.availableAtMs <= atMs && unfinishedDeps(state, task).length === 0;
}

/** Claim order: `availableAtMs`, then `seq` (unique), so the order is total. */
function compareClaimOrder(a: Task, b: Task): number {
  return a.availableAtMs !== b.availableAtMs ? a.availableAtMs - b.availableAtMs : a.seq - b.seq;
}

/** Asserts the invariants every task keeps: worker iff running, blockedBy iff blocked, a valid seq. */
function assertTask(task: Task, state: State): void {
  assert(
    (task.status === "running") === (task.worker !== null),
    () => `task ${task.id}: worker must be set iff running (status ${task.status})`,
  );
  assert(
    (task.status === "blocked") === (task.blockedBy !== null && task.blockedBy.length > 0),
    () => `task ${task.id}: blockedBy must be a non-empty cycle iff blocked (status ${task.status})`,
  );
  assert(
    task.seq >= 0 && task.seq < state.nextSeq,
    () => `task ${task.id}: seq ${task.seq} must be in [0, ${state.nextSeq})`,
  );
}

function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/**
 * A step that changed the state; checks the postconditions every state keeps: `running` counts the running
 * tasks and stays within `concurrencyMax`, the task count within `taskCountMax`, each task's invariants.
 */
function changed(before: State, after: State, result: Result): Step {
  assert(after !== before, "a changed step must return a new state");
  assert(after.nextSeq >= before.nextSeq, "nextSeq must never decrease");
  const tasks = Object.values(after.tasks);
  let running = 0;
  for (const task of tasks) {
    assertTask(task, after);
    running += task.status === "running" ? 1 : 0;
  }
  assert(
    running === after.running,
    () => `running ${after.running} must equal the ${running} tasks with status running`,
  );
  assert(
    after.running <= after.config.concurrencyMax,
    () => `running ${after.running} exceeds concurrencyMax ${after.config.concurrencyMax}`,
  );
  assert(
    tasks.length <= after.config.taskCountMax,
    () => `task count ${tasks.length} exceeds taskCountMax ${after.config.taskCountMax}`,
  );
  return { state: after, effects: NO_EFFECTS, result };
}
