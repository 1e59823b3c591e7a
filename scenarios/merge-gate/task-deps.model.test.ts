/**
 * The TaskDeps models of seed 001 (./task-deps.model.ts): the fixed queue verified at small bounds and not
 * vacuously (every result of the queue is reached, and the situations its promises are about — fail-open
 * claims, a cycle closing through a running task, dependents waiting on a blocked task — occur); the
 * pre-ORCH-026 claim and the gate without cycle detection found with their shortest counterexamples.
 */
import { TaskDeps } from "@interleave/core";
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace, type StateSpaceModel } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  claimIgnoringDeps,
  gateWithoutCycleDetection,
  TASK_DEPS_SMALL,
  type TaskDepsInput,
  type TaskDepsModelState,
  TD_CYCLE_BLOCKED,
  TD_CYCLE_CLAIM,
  TD_DEADLOCK,
  TD_DEPS_DONE,
  taskDepsIgnoringDepsChecked,
  taskDepsModel,
  taskDepsNoCycleDetectionChecked,
} from "./task-deps.model.js";

type Model = StateSpaceModel<TaskDepsModelState, TaskDepsInput>;

/** The shortest path (input labels) to a state where `holds` fails, checking `holds` alone. */
function shortestTo(model: Model, name: string, holds: (s: TaskDepsModelState) => boolean): string[] {
  const r = checkStateSpace({ ...model, invariants: [{ name, holds }] });
  if (r._tag !== "Violation") throw new Error(`${name}: expected a violation, got ${r._tag}`);
  return r.path.map((step) => step.input);
}

/** `model` checked for the invariant `name` only. */
function onlyInvariant(model: Model, name: string): Model {
  return { ...model, invariants: model.invariants.filter((i) => i.name === name) };
}

const status = (s: TaskDepsModelState, id: string) => s.queue.state.tasks[id]?.status;

/** The tasks (of the default graph A, B, C, D) worker `w` believes it runs. */
const believed = (s: TaskDepsModelState, w: number) =>
  ["A", "B", "C", "D"].filter((_, i) => (s.runs[w]! & (1 << i)) !== 0);

/** The state after `labels` (input labels) from the initial state of `model`. */
function after(model: Model, labels: readonly string[]): TaskDepsModelState {
  let s = Array.isArray(model.initial) ? model.initial[0]! : (model.initial as TaskDepsModelState);
  for (const label of labels) {
    const input = [...model.inputs(s)].find((i) => model.describe!(i) === label);
    if (input === undefined) throw new Error(`no input ${label}`);
    const t = model.next(s, input);
    if (t === null) throw new Error(`input ${label} is not enabled`);
    s = t;
  }
  return s;
}

describe("the task-deps model (seed 001, ORCH-026 Level B)", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(taskDepsModel(TASK_DEPS_SMALL));
    expect(r.states).toBe(bruteForce(taskDepsModel(TASK_DEPS_SMALL)).states);
    expect(r.states).toBe(895);
  });

  it("gives the same state space with a one-slot cache and a large one (evictions are sound)", () => {
    const small = checkStateSpace(taskDepsModel(TASK_DEPS_SMALL));
    const tiny = checkStateSpace(taskDepsModel({ ...TASK_DEPS_SMALL, cacheSlots: 1 }));
    const large = checkStateSpace(taskDepsModel({ ...TASK_DEPS_SMALL, cacheSlots: 1 << 18 }));
    for (const r of [tiny, large])
      expect([r.states, r.transitions]).toEqual([small.states, small.transitions]);
  });

  it("is not vacuous: every result of TaskDeps is reached", () => {
    const seen = new Set<TaskDeps.Result["_tag"]>();
    const observe = (_: TaskDeps.Event, r: TaskDeps.Result) => seen.add(r._tag);
    // The registered graph and workers with the clock stopped at 1 s and Defer by +0 s only: every trace here
    // is one of the registered model's, so its space reaches each result too.
    const r = checkStateSpace(taskDepsModel({ horizonMs: 1_000, deferDelaysMs: [0], observe }));
    expect([r._tag, r.states]).toEqual(["Verified", 8_077]);
    expect([...seen].sort()).toEqual(
      [
        "Blocked",
        "Claimed",
        "Deferred",
        "Duplicate",
        "Enqueued",
        "Finished",
        "NotFailed",
        "NotRunning",
        "NothingClaimable",
        "Rejected",
        "Requeued",
      ].sort(),
    );
  });

  it("fail-open (the seed's is_task_ready): a task whose dependencies are not enqueued is claimed at once", () => {
    expect(shortestTo(taskDepsModel(), "B never runs", (s) => status(s, "B") !== "running")).toEqual([
      "Enqueue B after A,C",
      "Claim w1",
    ]);
  });

  it("a cycle closing through a running task blocks it; its worker's Finish answers NotRunning and frees nothing", () => {
    const model = taskDepsModel();
    const path = shortestTo(model, "no worker believes it runs a blocked task", (s) =>
      [0, 1].every((w) => believed(s, w).every((id) => status(s, id) !== "blocked")),
    );
    expect(path).toEqual(["Enqueue C after D", "Claim w1", "Enqueue D after C"]);
    const s = after(model, path);
    expect(s.queue.state.running).toBe(0);
    // Both carry the cycle the Enqueue reported, which starts with the task enqueued.
    expect(s.queue.state.tasks.C?.blockedBy).toEqual(["D", "C"]);
    const finish: TaskDeps.Event = { _tag: "Finish", task: "C", worker: "w1", outcome: "done", atMs: 0 };
    expect(TaskDeps.transition(s.queue.state, finish).result).toEqual({ _tag: "NotRunning", task: "C" });
    const finished = after(model, [...path, "Finish w1 C done"]);
    expect(finished.queue.state).toBe(s.queue.state);
    expect(finished.runs).toEqual([0, 0]);
  });

  it("the deadlock invariant is not vacuous: B waits for good on the blocked cycle member C, in 3 inputs", () => {
    const model = taskDepsModel();
    const path = shortestTo(model, "nothing runs while every queued task waits", (s) => {
      const tasks = Object.values(s.queue.state.tasks);
      const queued = tasks.filter((t) => t.status === "queued");
      return (
        queued.length === 0 ||
        tasks.some((t) => t.status === "running") ||
        queued.some((t) => TaskDeps.waitingOn(s.queue.state, t.id).length === 0)
      );
    });
    expect(path).toEqual(["Enqueue B after A,C", "Enqueue C after D", "Enqueue D after C"]);
  });

  it("a failed dependency holds its dependent back until it is requeued and done", () => {
    const model = taskDepsModel();
    const path = shortestTo(
      model,
      "nothing runs while B waits on a failed A",
      (s) => !(status(s, "A") === "failed" && status(s, "B") === "queued" && s.queue.state.running === 0),
    );
    expect(path).toEqual(["Enqueue A", "Enqueue B after A,C", "Claim w1", "Finish w1 A failed"]);
    const waits = after(model, path);
    expect(TaskDeps.waitingOn(waits.queue.state, "B")).toEqual(["A"]);
    const requeued = after(model, [...path, "Requeue A", "Claim w1"]);
    expect([status(requeued, "A"), status(requeued, "B")]).toEqual(["running", "queued"]);
    const done = after(model, [...path, "Requeue A", "Claim w1", "Finish w1 A done", "Claim w2"]);
    expect([status(done, "A"), status(done, "B"), believed(done, 1)]).toEqual(["done", "running", ["B"]]);
  });
});

describe("the pre-ORCH-026 claim (claim_next_job without the dependency gate)", () => {
  it("claims B while A, which B depends on, is still queued: 3 inputs (shortest)", () => {
    const r = checkStateSpace(taskDepsModel({ gate: "ignoring-deps" }));
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe(TD_DEPS_DONE);
    expect(r.path.map((s) => s.input)).toEqual(["Enqueue B after A,C", "Enqueue A", "Claim w1"]);
    expect(bruteForce(taskDepsModel({ gate: "ignoring-deps" })).violationDepth).toBe(3);
    const last = r.path.at(-1)!.state.queue.state;
    expect([last.tasks.A?.status, last.tasks.B?.status, last.tasks.B?.deps]).toEqual([
      "queued",
      "running",
      ["A", "C"],
    ]);
  });

  it("is the core's Claim with the declared dependencies hidden: the same claim when no task declares any", () => {
    let queue = TaskDeps.initial({ concurrencyMax: 2, taskCountMax: 4 });
    for (const task of ["X", "Y"])
      queue = TaskDeps.transition(queue, { _tag: "Enqueue", task, deps: [], atMs: 0 }).state;
    const claim: TaskDeps.Event = { _tag: "Claim", worker: "w1", atMs: 0 };
    expect(claimIgnoringDeps.transition(queue, claim)).toEqual(TaskDeps.transition(queue, claim));
  });

  it("registered: task-deps-ignoring-deps is found in 3 inputs", () => {
    const { result, path } = taskDepsIgnoringDepsChecked.check();
    expect(result._tag).toBe("Violation");
    expect(path?.map((s) => s.input)).toEqual(["initial", "Enqueue B after A,C", "Enqueue A", "Claim w1"]);
  });
});

describe("the dependency gate without cycle detection", () => {
  it("never reports the cycle C ↔ D Blocked: 2 inputs (shortest)", () => {
    const model = taskDepsModel({ gate: "no-cycle-detection" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe(TD_CYCLE_BLOCKED);
    expect(r.path.map((s) => s.input)).toEqual(["Enqueue C after D", "Enqueue D after C"]);
    expect(bruteForce(taskDepsModel({ gate: "no-cycle-detection" })).violationDepth).toBe(2);
  });

  it("leaves C and D waiting on each other for good, a silent deadlock: 2 inputs (shortest)", () => {
    const r = checkStateSpace(onlyInvariant(taskDepsModel({ gate: "no-cycle-detection" }), TD_DEADLOCK));
    expect(r._tag === "Violation" && r.path.map((s) => s.input)).toEqual([
      "Enqueue C after D",
      "Enqueue D after C",
    ]);
    const last = r._tag === "Violation" ? r.path.at(-1)!.state : null;
    expect([status(last!, "C"), status(last!, "D")]).toEqual(["queued", "queued"]);
  });

  it("claims a member of the cycle once the other is done (claimed before the cycle closed, fail-open): 5 inputs (shortest)", () => {
    const r = checkStateSpace(onlyInvariant(taskDepsModel({ gate: "no-cycle-detection" }), TD_CYCLE_CLAIM));
    expect(r._tag === "Violation" && r.path.map((s) => s.input)).toEqual([
      "Enqueue C after D",
      "Claim w1",
      "Enqueue D after C",
      "Finish w1 C done",
      "Claim w1",
    ]);
  });

  it("with cycle detection (the core), the same Enqueue reports the cycle Blocked", () => {
    let queue = TaskDeps.initial({ concurrencyMax: 2, taskCountMax: 4 });
    queue = TaskDeps.transition(queue, { _tag: "Enqueue", task: "C", deps: ["D"], atMs: 0 }).state;
    const event: TaskDeps.Event = { _tag: "Enqueue", task: "D", deps: ["C"], atMs: 0 };
    expect(TaskDeps.transition(queue, event).result).toEqual({
      _tag: "Blocked",
      task: "D",
      cycle: ["D", "C"],
    });
    const unguarded = gateWithoutCycleDetection.transition(queue, event);
    expect(unguarded.result).toEqual({ _tag: "Enqueued", task: "D" });
    expect(Object.values(unguarded.state.tasks).map((t) => [t.id, t.status, t.blockedBy])).toEqual([
      ["C", "queued", null],
      ["D", "queued", null],
    ]);
  });

  it("registered: task-deps-no-cycle-detection is found in 2 inputs", () => {
    const { result, path } = taskDepsNoCycleDetectionChecked.check();
    expect(result._tag).toBe("Violation");
    expect(path?.map((s) => s.input)).toEqual(["initial", "Enqueue C after D", "Enqueue D after C"]);
  });
});
