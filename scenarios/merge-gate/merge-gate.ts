/**
 * merge-gate — seeds 004 (merge_gate.py, ORCH-043) and 001 (ORCH-026, test_merge_gate_race.py): an
 * orchestrator runs one pipeline per task branch, two at a time. Each branch was validated against the main
 * it branched from; when two green branches merge in parallel, main can break (a semantic conflict: green
 * alone, red together). The seeds' gate, on the deploy-staging → deploy edge, takes a per-repo merge lease
 * (busy → defer the job with a backoff, freeing its slot), rebases the branch onto the current main (conflict
 * → roll back to development), re-tests the combined tree (red → release and roll back), and passes with the
 * lease held until the merge. A crashed pipeline is re-driven through the same gate (TC-17: without a second
 * re-test when already caught up; a no-op when its PR already merged). ORCH-026 adds declared task
 * dependencies to the job queue (core `TaskDeps`), a reconciler that skips jobs waiting on their dependencies,
 * and a cycle backstop: a cycle closed by a relation ingested after claims started is still Blocked, with an
 * alert.
 *
 * The seeds' lease is a file with no fencing token: a pipeline that stalls past the lease timeout after its
 * gate passed can wake up after another pipeline reclaimed the lease, and merge. With fencing, main refuses
 * the stale holder's operations.
 *
 * Stores: `repo` (git and the forge, see ./repository.ts), `gate` (core `MergeGate`), `queue` (core
 * `TaskDeps`: the job queue with max concurrency 2), `stages` (each task's pipeline stage, in the database).
 * Processes: `worker-1`, `worker-2` (claim a job, run the task's pipeline from its stage; on restart after a
 * crash they first requeue the job they held — the seed's reaper), `planner` (ingests the tasks and their
 * relations), and in the reconciler variants `reconciler` (re-drives jobs that look stuck).
 */
import { MergeGate, TaskDeps } from "@interleave/core";
import {
  defineScenario,
  note,
  type Op,
  type ProcessContext,
  type StoreRef,
  sleep,
  tx,
  txAt,
  uniform,
  until,
  type View,
  type WorldBuilder,
} from "@interleave/sim";
import { jobQueue, type Redrive, type RedriveResult } from "./job-queue.js";
import {
  branchTree,
  initialRepo,
  type RepoEvent,
  type RepoResult,
  type RepoState,
  repository,
  treeGreen,
} from "./repository.js";

/** How the pipelines are built; each variant picks one combination. */
export interface Options {
  /** false: merge right after the branch's own CI (no gate). */
  readonly gate: boolean;
  /** Main refuses operations with a fencing token older than the highest it has seen. */
  readonly fencing: boolean;
  /** Workers may stall for longer than the lease timeout (a GC pause, a stuck VM). */
  readonly stalls: boolean;
  /** Workers may crash and restart (the job is requeued and re-driven): never, sometimes, or often (redrive). */
  readonly crashes: "none" | "some" | "often";
  /** The task set with declared dependencies (B waits for A; C and D depend on each other). */
  readonly deps: boolean;
  /**
   * ORCH-026's reconciler, which re-drives a job that looks stuck (queued for `stuckAfterMs`): `skip` skips
   * jobs waiting on their dependencies (the seed's "reconciler skip"); `no-skip` re-drives them too, as a
   * fresh job without its dependency rows. Absent: no reconciler.
   */
  readonly reconciler?: "skip" | "no-skip";
  /**
   * The last relation (feat/d depends on feat/c) is ingested `lateRelationMs` after the workers started, so
   * the cycle closes after feat/c may have been claimed fail-open (the seed's cycle backstop).
   */
  readonly lateRelations?: boolean;
}

type Stage = "develop" | "gate" | "deploy" | "done" | "failed" | "blocked";

/** Scenario parameters: branches, conflicts, timings, the gate's config, faults and the liveness bound. */
export const params = {
  /** Files each branch touches: feat/c clashes textually with feat/a. */
  branches: {
    "feat/a": ["a.py"],
    "feat/b": ["b.py"],
    "feat/c": ["a.py", "c.py"],
    "feat/d": ["d.py"],
  } as Readonly<Record<string, readonly string[]>>,
  /** Green alone, red together. */
  semanticConflicts: [["feat/a", "feat/b"]] as readonly (readonly [string, string])[],
  /** Tasks and their declared dependencies, per task set. */
  tasks: {
    plain: { "feat/a": [], "feat/b": [], "feat/c": [] },
    deps: { "feat/a": [], "feat/b": ["feat/a"], "feat/c": ["feat/d"], "feat/d": ["feat/c"] },
  } as Readonly<Record<"plain" | "deps", Readonly<Record<string, readonly string[]>>>>,
  workers: 2,
  pollMs: 1_000,
  /** When the late relation arrives (lateRelations): after claims started, often while feat/c runs. */
  lateRelationMs: uniform(2_000, 16_000, 2_000),
  /** The reconciler's period, and how long a job must sit queued before it looks stuck. */
  reconcileEveryMs: 5_000,
  stuckAfterMs: 5_000,
  developMs: uniform(2_000, 8_000, 2_000),
  retestMs: uniform(3_000, 9_000, 3_000),
  deployMs: uniform(1_000, 3_000, 1_000),
  gate: {
    leaseTtlMs: 30_000,
    deferBackoffBaseMs: 2_000,
    deferBackoffCapMs: 16_000,
    deferCountMax: 30,
    developerRetryMax: 3,
    premergeRebaseAlways: true,
    branchCountMax: 16,
  },
  stall: { probability: 0.03, durationMs: uniform(35_000, 50_000, 5_000), countMax: 1 },
  crash: { probability: 0.03, restartDelayMs: uniform(1_000, 5_000, 2_000), countMax: 1 },
  /** The redrive variant's crashes: more likely, and up to two per worker, so every redrive point is hit. */
  crashOften: { probability: 0.1, restartDelayMs: uniform(1_000, 5_000, 2_000), countMax: 2 },
  /**
   * Deadline of "every branch merges, rolls back for good or is reported blocked": three branches of up to
   * 8 s development + 9 s re-test + 3 s deploy, each possibly twice more after a developer retry, run two at
   * a time behind one lease: under 3 × 3 × 20 s = 180 s of gate-serialised work; plus one stall (≤ 50 s)
   * and one crash (≤ 5 s restart) per worker, and lease expiry (30 s) after each: ≈ 350 s.
   */
  settleWithinMs: 400_000,
  horizonMs: 420_000,
};

type RepoRef = StoreRef<RepoState, RepoEvent, RepoResult>;
type GateRef = StoreRef<MergeGate.State, MergeGate.Event, MergeGate.Result>;
type QueueRef = StoreRef<TaskDeps.State, TaskDeps.Event | Redrive, TaskDeps.Result | RedriveResult>;
type StagesState = Readonly<Record<string, Stage>>;
type StagesRef = StoreRef<StagesState, { readonly task: string; readonly stage: Stage }, Stage>;

/** Each task's pipeline stage, persisted (it survives a worker crash). */
const stagesMachine = {
  transition(state: StagesState, event: { readonly task: string; readonly stage: Stage }) {
    return {
      state: state[event.task] === event.stage ? state : { ...state, [event.task]: event.stage },
      effects: [] as readonly never[],
      result: event.stage,
    };
  },
};

// ---- the ledger: CI runs the runtime observed ----------------------------------------------------------------

/** Per-run bookkeeping of CI runs, for the properties. */
class Ledger {
  /** Trees (branch, base, revision) that a CI run found green. */
  readonly green = new Set<string>();
  /** Trees whose green re-test the gate recorded (a Retested{green} it accepted). */
  readonly gatePassed = new Set<string>();
  /** Set when the gate re-tested a tree it had already passed (TC-17's "second expensive re-test"). */
  retestedAgain: string | null = null;
  /** Dependency cycles the planner alerted on (the Blocked results of its Enqueues). */
  readonly alerts: string[][] = [];
}

function treeKey(state: RepoState, branch: string): string {
  const b = state.branches[branch];
  return `${branch}@${b?.base ?? "?"}#${b?.fixedWith.length ?? 0}`;
}

// ---- processes ---------------------------------------------------------------------------------------------

interface World {
  readonly repo: RepoRef;
  readonly gate: GateRef;
  readonly queue: QueueRef;
  readonly stages: StagesRef;
  readonly ledger: Ledger;
  readonly options: Options;
  readonly p: typeof params;
}

/** A CI run of the branch's current tree: its verdict is a function of the combined tree. Returns the verdict and the tree's key. */
function* runCi(
  w: World,
  branch: string,
  kind: "pipeline" | "gate",
): Generator<Op, { green: boolean; key: string }, unknown> {
  yield* sleep(kind === "gate" ? w.p.retestMs : w.p.developMs, kind === "gate" ? "re-test" : "develop + CI");
  let verdict = false;
  let key = "";
  yield* until((view) => {
    const state = view.get(w.repo);
    key = treeKey(state, branch);
    verdict = treeGreen(state, branchTree(state, branch));
    return true;
  }, "CI result");
  if (kind === "gate" && w.ledger.gatePassed.has(key) && w.ledger.retestedAgain === null)
    w.ledger.retestedAgain = `${key} re-tested after the gate had passed it`;
  if (verdict) w.ledger.green.add(key);
  return { green: verdict, key };
}

/** Back to the queue now, freeing the slot; `stage` is where the pipeline resumes. */
function* requeue(w: World, task: string, worker: string, stage: Stage, atMs: number) {
  yield* tx(w.stages, { task, stage });
  const r = yield* tx(w.queue, { _tag: "Defer", task, worker, availableAtMs: atMs, atMs });
  yield* jobLost(w, task, r);
}

/** Developer retry: the branch goes back to development and is revised against the current main. */
function* rollBack(w: World, task: string, worker: string, ctx: ProcessContext) {
  yield* tx(w.repo, { _tag: "Revise", branch: task });
  yield* requeue(w, task, worker, "develop", ctx.now());
}

/** The merge itself (the deployer merging the PR), then the done/PR-merged release. */
function* merge(w: World, task: string, worker: string, token: number | null, ctx: ProcessContext) {
  yield* tx(w.stages, { task, stage: "deploy" });
  yield* sleep(w.p.deployMs, "deploy");
  const merged = yield* tx(w.repo, { _tag: "Merge", branch: task, token });
  if (merged._tag === "StaleToken") {
    yield* note(`main refused ${task}'s merge: fencing token ${merged.token} < ${merged.fence}`);
    yield* txAt(w.gate)((atMs) => ({ _tag: "Abort", branch: task, reason: "stale fencing token", atMs }));
    yield* requeue(w, task, worker, "gate", ctx.now());
    return;
  }
  if (w.options.gate) yield* txAt(w.gate)((atMs) => ({ _tag: "Merged", branch: task, atMs }));
  yield* tx(w.stages, { task, stage: "done" });
  // A task that merged stays done, even if a late relation Blocked it meanwhile (the queue records that).
  yield* txAt(w.queue)((atMs) => ({ _tag: "Finish", task, worker, outcome: "done", atMs }));
}

/**
 * The cycle backstop seen from the job: the queue answered NotRunning because a late relation Blocked the
 * task while its pipeline ran. The pipeline records the task Blocked (the planner's alert already went out).
 */
function* jobLost(w: World, task: string, r: { readonly _tag: string }): Generator<Op, void, unknown> {
  if (w.options.lateRelations !== true || r._tag !== "NotRunning") return;
  let blocked = false;
  yield* until((view) => {
    blocked = view.get(w.queue).tasks[task]?.status === "blocked";
    return true;
  }, "job status");
  if (!blocked) return;
  yield* note(`${task} was Blocked on a dependency cycle while it ran: its pipeline stops`);
  yield* tx(w.stages, { task, stage: "blocked" });
}

/** The gate, from lease acquisition to a merge, a defer, a rollback or a requeue (its attempt was revoked). */
function* gate(w: World, task: string, worker: string, ctx: ProcessContext): Generator<Op, void, unknown> {
  const entered = yield* txAt(w.gate)((atMs) => ({ _tag: "Enter", branch: task, atMs }));
  if (entered._tag === "Defer") {
    yield* note(`merge-lock busy (held by ${entered.holder}): deferred`);
    const r = yield* tx(w.queue, {
      _tag: "Defer",
      task,
      worker,
      availableAtMs: entered.availableAtMs,
      atMs: ctx.now(),
    });
    yield* jobLost(w, task, r);
    return;
  }
  if (entered._tag === "DeferCapped") return yield* rollBack(w, task, worker, ctx);
  if (entered._tag !== "Acquired") throw new Error(`gate Enter: unexpected ${entered._tag}`);
  const token = w.options.fencing ? entered.token : null;
  // Under the lease: is the branch behind main, and did its PR already merge (a redrive)?
  const state = yield* tx(w.repo, { _tag: "ReadState", branch: task, token });
  if (state._tag === "StaleToken") {
    yield* note("main refused the read: this pipeline's lease was reclaimed");
    return yield* requeue(w, task, worker, "gate", ctx.now());
  }
  if (state._tag !== "State") throw new Error(`ReadState: unexpected ${state._tag}`);
  let step = yield* txAt(w.gate)((atMs) => ({
    _tag: "Check",
    branch: task,
    behind: state.behind,
    prMerged: state.prMerged,
    atMs,
  }));
  for (;;) {
    switch (step._tag) {
      case "AlreadyMerged":
        yield* note("PR already merged: the redrive is a no-op");
        yield* tx(w.stages, { task, stage: "done" });
        yield* txAt(w.queue)((atMs) => ({ _tag: "Finish", task, worker, outcome: "done", atMs }));
        return;
      case "Rebase": {
        const rebased = yield* tx(w.repo, { _tag: "Rebase", branch: task, token });
        if (rebased._tag === "StaleToken") {
          yield* note("main refused the rebase: this pipeline's lease was reclaimed");
          return yield* requeue(w, task, worker, "gate", ctx.now());
        }
        const outcome =
          rebased._tag === "Conflict" ? "conflict" : rebased._tag === "UpToDate" ? "noop" : "clean";
        step = yield* txAt(w.gate)((atMs) => ({ _tag: "Rebased", branch: task, outcome, atMs }));
        continue;
      }
      case "Retest": {
        const { green, key } = yield* runCi(w, task, "gate");
        step = yield* txAt(w.gate)((atMs) => ({ _tag: "Retested", branch: task, green, atMs }));
        if (step._tag === "Pass") w.ledger.gatePassed.add(key);
        continue;
      }
      case "Pass":
        return yield* merge(w, task, worker, token, ctx);
      case "RolledBack":
        return yield* rollBack(w, task, worker, ctx);
      case "Failed":
        yield* tx(w.stages, { task, stage: "failed" });
        yield* jobLost(
          w,
          task,
          yield* txAt(w.queue)((atMs) => ({ _tag: "Finish", task, worker, outcome: "failed", atMs })),
        );
        return;
      case "OutOfPhase":
        yield* note("the gate revoked this attempt (its lease was reclaimed): back to the queue");
        return yield* requeue(w, task, worker, "gate", ctx.now());
      default:
        throw new Error(`gate: unexpected ${step._tag}`);
    }
  }
}

/** One job: run the task's pipeline from its persisted stage. */
function* runJob(w: World, task: string, worker: string, ctx: ProcessContext) {
  const stages = yield* stagesView(w);
  const stage = stages[task] ?? "develop";
  if (stage === "develop") {
    const { green } = yield* runCi(w, task, "pipeline");
    if (!green) return yield* rollBack(w, task, worker, ctx);
    yield* tx(w.stages, { task, stage: "gate" });
  }
  if (!w.options.gate) {
    // Before the gate: merge what passed CI against the main it branched from.
    return yield* merge(w, task, worker, null, ctx);
  }
  // "gate" and "deploy" (a crash between pass and merge) both re-drive the standard path through the gate.
  return yield* gate(w, task, worker, ctx);
}

function* stagesView(w: World): Generator<Op, StagesState, unknown> {
  let state: StagesState = {};
  yield* until((view) => {
    state = view.get(w.stages);
    return true;
  }, "read stage");
  return state;
}

/**
 * A worker: the reaper step for the job it held before a crash, then claim → run, polling when idle. It starts
 * after the planner ingested the task relations (TaskDeps fails open on a dependency it does not know yet).
 */
function* worker(w: World, ctx: ProcessContext) {
  // With late relations the workers start while the plan is still being ingested.
  if (w.options.lateRelations !== true) yield* until((view) => view.finished("planner"), "plan ingested");
  let held: string | null = null;
  yield* until((view) => {
    const q = view.get(w.queue);
    held = Object.values(q.tasks).find((t) => t.status === "running" && t.worker === ctx.name)?.id ?? null;
    return true;
  }, "reaper");
  if (held !== null) {
    yield* note(`reaper: requeue ${held}, which this worker held when it died`);
    yield* txAt(w.queue)((atMs) => ({
      _tag: "Defer",
      task: held as string,
      worker: ctx.name,
      availableAtMs: atMs,
      atMs,
    }));
  }
  for (;;) {
    const claimed = yield* txAt(w.queue)((atMs) => ({ _tag: "Claim", worker: ctx.name, atMs }));
    if (claimed._tag !== "Claimed") {
      yield* sleep(w.p.pollMs);
      continue;
    }
    yield* runJob(w, claimed.task, ctx.name, ctx);
  }
}

/**
 * Enqueue every task (with its declared dependencies), recording cycles as blocked and alerting on them.
 * With late relations, the last task's relation is ingested `lateRelationMs` after the others.
 */
function* planner(w: World, tasks: Readonly<Record<string, readonly string[]>>) {
  const entries = Object.entries(tasks);
  for (const [i, [task, deps]] of entries.entries()) {
    if (w.options.lateRelations === true && i === entries.length - 1)
      yield* sleep(w.p.lateRelationMs, "late relation");
    const r = yield* txAt(w.queue)((atMs) => ({ _tag: "Enqueue", task, deps, atMs }));
    if (r._tag === "Blocked") {
      w.ledger.alerts.push([...r.cycle]);
      yield* note(`alert: dependency cycle ${r.cycle.join(" → ")} — reported as Blocked`);
      for (const t of r.cycle) yield* tx(w.stages, { task: t, stage: "blocked" });
    }
  }
}

/** ORCH-026's reconciler: every `reconcileEveryMs`, re-drive the jobs queued for `stuckAfterMs` or more. */
function* reconciler(w: World, mode: "skip" | "no-skip") {
  yield* until((view) => view.finished("planner"), "plan ingested");
  for (;;) {
    yield* sleep(w.p.reconcileEveryMs, "reconcile");
    let stuck: string[] = [];
    yield* until((view) => {
      const q = view.get(w.queue);
      stuck = Object.values(q.tasks)
        .filter((t) => t.status === "queued" && view.now - t.availableAtMs >= w.p.stuckAfterMs)
        .filter((t) => mode === "no-skip" || TaskDeps.waitingOn(q, t.id).length === 0)
        .map((t) => t.id);
      return true;
    }, "stuck jobs");
    for (const task of stuck) {
      yield* note(`reconciler: ${task} looks stuck; re-driven`);
      yield* txAt(w.queue)((atMs) => ({ _tag: "Redrive", task, atMs }));
    }
  }
}

// ---- properties --------------------------------------------------------------------------------------------

/** False when the last step merged a branch whose tree was not CI-green at exactly the main it landed on. */
function mergedTested(view: View, repo: RepoRef, ledger: Ledger): boolean {
  const t = view.lastOn(repo);
  if (t === null || t.event._tag !== "Merge" || t.result._tag !== "Merged") return true;
  const b = t.before.branches[t.event.branch];
  return (
    b !== undefined && b.base === t.before.main.length && ledger.green.has(treeKey(t.before, t.event.branch))
  );
}

function neverForcePushed(view: View, repo: RepoRef): boolean {
  const t = view.lastOn(repo);
  if (t === null) return true;
  return t.before.main.every((m, i) => t.after.main[i] === m);
}

/**
 * False when the last step claimed a task one of whose declared dependencies has not merged. A dependency the
 * queue did not know yet is left out (the seed's fail-open `is_task_ready`).
 */
function claimedAfterDeps(
  view: View,
  queue: QueueRef,
  stages: StagesRef,
  tasks: Readonly<Record<string, readonly string[]>>,
) {
  const last = view.lastOn(queue);
  if (last === null) return true;
  const r = last.result;
  if (r._tag !== "Claimed") return true;
  const done = view.get(stages);
  const known = (d: string) => Object.hasOwn(last.before.tasks, d);
  return (tasks[r.task] ?? []).every((d) => !known(d) || done[d] === "done");
}

/** The tasks on a cycle of the declared graph (here: each task that reaches itself). */
function onCycle(tasks: Readonly<Record<string, readonly string[]>>): string[] {
  const reaches = (from: string, to: string, seen: Set<string>): boolean =>
    (tasks[from] ?? []).some((d) => d === to || (!seen.has(d) && seen.add(d) && reaches(d, to, seen)));
  return Object.keys(tasks).filter((t) => reaches(t, t, new Set()));
}

export function buildWorld(world: WorldBuilder, p: typeof params, options: Options): void {
  const tasks = options.deps ? p.tasks.deps : p.tasks.plain;
  const ledger = new Ledger();
  const repo: RepoRef = world.store(
    "repo",
    repository,
    initialRepo(
      Object.fromEntries(Object.keys(tasks).map((t) => [t, p.branches[t] ?? []])),
      p.semanticConflicts,
      options.fencing,
    ),
  );
  const gateRef: GateRef = world.store("gate", MergeGate, MergeGate.initial({ ...p.gate }));
  const queueInitial = TaskDeps.initial({ concurrencyMax: p.workers, taskCountMax: 16 });
  // The other variants keep the core machine itself as the store's.
  const queue: QueueRef =
    options.reconciler === undefined
      ? (world.store("queue", TaskDeps, queueInitial) as QueueRef)
      : world.store("queue", jobQueue, queueInitial);
  const stages: StagesRef = world.store("stages", stagesMachine, {});
  const w: World = { repo, gate: gateRef, queue, stages, ledger, options, p };
  world.process("planner", () => planner(w, tasks));
  for (let i = 1; i <= p.workers; i++)
    world.process(`worker-${i}`, (ctx) => worker(w, ctx), { faults: true });
  const mode = options.reconciler;
  if (mode !== undefined) world.process("reconciler", () => reconciler(w, mode));
  const plan: { pause?: typeof p.stall; crash?: typeof p.crash } = {};
  if (options.stalls) plan.pause = p.stall;
  if (options.crashes !== "none") plan.crash = options.crashes === "often" ? p.crashOften : p.crash;
  world.faults(plan);

  world.always("main is always green", (view) => {
    const r = view.get(repo);
    return treeGreen(r, r.main);
  });
  world.always("every merge lands a tree re-tested against the exact main it lands on", (view) =>
    mergedTested(view, repo, ledger),
  );
  world.always(
    "per repo at most one branch is between gate pass and merge",
    (view) => Object.values(view.get(gateRef).branches).filter((b) => b.phase === "passed").length <= 1,
  );
  world.always("main is never force-pushed", (view) => neverForcePushed(view, repo));
  world.always("no PR merges twice", (view) => Object.values(view.get(repo).merges).every((n) => n <= 1));
  world.always("no job runs before its dependencies are done", (view) =>
    claimedAfterDeps(view, queue, stages, tasks),
  );
  world.always(
    "a redrive does not re-test a branch the gate already passed against the same main",
    () => ledger.retestedAgain === null,
  );
  if (options.deps) {
    const cycle = onCycle(tasks);
    world.always(
      "once the plan is ingested, every task on a dependency cycle is Blocked, with an alert",
      (view) =>
        !view.finished("planner") ||
        (cycle.every((t) => view.get(queue).tasks[t]?.status === "blocked") &&
          cycle.every((t) => ledger.alerts.some((a) => a.includes(t)))),
    );
  }
  const settled = (view: View) => {
    const s = view.get(stages);
    return (
      view.finished("planner") &&
      Object.keys(tasks).every((t) => s[t] === "done" || s[t] === "failed" || s[t] === "blocked")
    );
  };
  world.eventually(
    `every branch merges, rolls back for good or is reported blocked within ${p.settleWithinMs / 1000} s`,
    settled,
    { withinMs: p.settleWithinMs },
  );
  world.horizon(p.horizonMs);
  world.finishWhen(settled);
}

export default defineScenario<typeof params, Options>({
  name: "merge-gate",
  // Random sampling finds every violation variant here fastest (docs/benchmarks.md). Exhaustive search
  // declares no deviation bound: it deepens by itself until complete or out of time, and says how deep it got.
  strategy: "random",
  source: "shared/seeds/004_1b9ac3a108b9e833.txt, shared/seeds/001_fd4d1e9648c828d1.txt",
  description:
    "Pipelines for three branches, two at a time, each validated against the main it branched from; feat/a and feat/b are green alone and red together.",
  params,
  variants: {
    "blind-merge": {
      expect: "violation",
      why: "before the gate: a branch validated only against the main it branched from merges into a main that moved",
      options: { gate: false, fencing: false, stalls: false, crashes: "none", deps: false },
    },
    gate: {
      expect: "pass",
      why: "the seeds' gate: merge lease, catch-up rebase, re-test of the combined tree, defer when busy; workers crash and are re-driven",
      options: { gate: true, fencing: false, stalls: false, crashes: "some", deps: false },
    },
    "stale-reclaim-without-fencing": {
      expect: "violation",
      why: "a pipeline stalls past the lease timeout after its gate passed; another reclaims the lease and merges; the stalled one wakes up and merges too",
      options: { gate: true, fencing: false, stalls: true, crashes: "none", deps: false },
    },
    "gate-with-fencing": {
      expect: "pass",
      why: "the same stalls and crashes, with main refusing operations that carry an older fencing token",
      options: { gate: true, fencing: true, stalls: true, crashes: "some", deps: false },
    },
    redrive: {
      expect: "pass",
      why: "crashes anywhere, including between a green re-test and the merge and after the PR merged: re-driven without a second re-test or a second merge",
      options: { gate: true, fencing: true, stalls: false, crashes: "often", deps: false },
    },
    "task-deps": {
      expect: "pass",
      why: "feat/b waits for feat/a; feat/c and feat/d depend on each other and are reported Blocked, never a silent deadlock",
      options: { gate: true, fencing: true, stalls: false, crashes: "none", deps: true },
    },
    "task-deps-late-cycle": {
      expect: "pass",
      why: "ORCH-026's cycle backstop: feat/d's relation arrives after claims started (feat/c claimed fail-open); the cycle is still Blocked, with an alert",
      options: { gate: true, fencing: true, stalls: false, crashes: "none", deps: true, lateRelations: true },
    },
    "reconciler-without-skip": {
      expect: "violation",
      why: "a reconciler re-drives every job queued too long, feat/b too while it waits for feat/a: feat/b runs before its dependency merged",
      options: {
        gate: true,
        fencing: true,
        stalls: false,
        crashes: "none",
        deps: true,
        reconciler: "no-skip",
      },
    },
    "reconciler-skip": {
      expect: "pass",
      why: "ORCH-026's reconciler skip: jobs waiting on their dependencies are not stuck and are left to the dependency gate",
      options: { gate: true, fencing: true, stalls: false, crashes: "none", deps: true, reconciler: "skip" },
    },
  },
  build: buildWorld,
});
