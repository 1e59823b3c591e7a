/**
 * The promises of the task-deps models, as the invariant names the checker reports, and the transition
 * properties among them, checked through the ghost field `broken` (seed 001,
 * ../../shared/seeds/001_fd4d1e9648c828d1.txt, ORCH-026 Level B; seed 004's defer,
 * ../../shared/seeds/004_1b9ac3a108b9e833.txt). Used by ./task-deps.space.ts, whose `taskDepsModel` docstring
 * says what each promise checks.
 */

// The model's invariants, as sentences (taskDepsModel's docstring says what each checks).

/** Invariant: a claim waits for every enqueued dependency (fail-open on one not enqueued, as the seed's). */
export const TD_DEPS_DONE =
  "no task is claimed while a dependency of it that is enqueued is not done (an unknown one holds nothing back)";
export const TD_CONCURRENCY = "at most concurrencyMax tasks run at once";
export const TD_CYCLE_BLOCKED = "a task on a dependency cycle is reported Blocked";
export const TD_CYCLE_CLAIM = "no task is claimed while it is on a dependency cycle";
export const TD_AVAILABLE = "a deferred task is not claimed before its availableAtMs";
export const TD_DEADLOCK =
  "no silent deadlock: when no task runs and none is claimable now or later, every queued task waits on a failed or blocked task";
export const TD_ONE_WORKER = "a task runs on one worker at a time";
export const TD_NON_HOLDER = "a Finish or Defer by a worker that does not run the task changes nothing";
export const TD_WORK_CONSERVING = "a Claim with a free slot claims a task whenever one is ready";
export const TD_REFUSAL =
  "a refused Claim names the tasks waiting on dependencies and the next availableAtMs of the others";
export const TD_HOLDER_STEP =
  "the running worker's Finish or Defer takes effect: done or failed as it said, or queued from the availableAtMs it asked";
export const TD_FINAL =
  "a done task stays done and a blocked one blocked (unless a cycle closing through it blocks it)";

/** The properties checked on a transition, in the order of their bits in {@link TaskDepsModelState.broken}. */
export const TD_TRANSITION_PROPERTIES = [
  TD_DEPS_DONE,
  TD_CYCLE_BLOCKED,
  TD_CYCLE_CLAIM,
  TD_AVAILABLE,
  TD_ONE_WORKER,
  TD_NON_HOLDER,
  TD_WORK_CONSERVING,
  TD_REFUSAL,
  TD_HOLDER_STEP,
  TD_FINAL,
] as const;
