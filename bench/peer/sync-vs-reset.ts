/**
 * Side-by-side benchmark on the deepest shipped race: seed 000's sync-vs-reset (`coordinator-entry-check`,
 * ../shared/seeds/000_a68bbd6ee7280424.txt), written a second time idiomatically with fast-check's scheduler
 * (`fc.scheduler()` inside `fc.asyncProperty`), so "schedules to the first violation" can be compared with
 * interleave's explorer on the real scenario (scenarios/sync-vs-reset/sync-vs-reset.ts). Follows
 * bench/peer/lost-update.ts: both tools in one process, each warmed up first, no shrinking timed.
 *
 * The fast-check port, per run: async functions `push-A` and `push-B` (each schedules a reset, then runs the
 * code-owner sync inline: StartSync → DeleteRules → the sync's duration → CreateRule × 2, 100 ms apart →
 * FinishSync, whose drained resets are enqueued), reset workers started by the coordinator's effects (after
 * the enqueue delay and a Sidekiq pickup delay: BeginReset entry check → ReadRules → DeleteApprovals →
 * FinishReset), and the `merge-check` observer (every 0.5–1.5 s). The shared state is the same: core
 * `SyncCoordinator` (or the scenario's exported `legacyFlow` for `legacy-ttl`) and the MR model imported
 * from scenarios/sync-vs-reset/merge-request.ts; every shared operation first awaits its own gate,
 * `s.schedule(Promise.resolve(label))`, and touches the state only once the scheduler releases it.
 *
 * Why the two models explore the same race:
 * - Same processes and atomic steps. interleave: one `tx` (or `until`) per step, then the process's local
 *   code runs to its next shared operation; fast-check: one gate per `tx`/`until`, the transition is applied
 *   in the gate's continuation, and `s.waitIdle()` lets every continuation reach its next gate or sleep
 *   before the next release (its awaiter waits 50 microtask ticks between releases). `assertQuiet` checks,
 *   at every release and whenever the scheduler goes idle, that no process is still between a gate and its
 *   next operation, so a step really is "transition + local code" in both.
 * - Same choice among same-instant steps. interleave's `pick` is uniform over the processes with a pending
 *   `tx` at the current virtual instant; `fc.scheduler()` releases a gate chosen uniformly (its `mrng.nextInt`)
 *   among the pending gates, and a process has at most one pending gate, only while it is at the current
 *   instant (sleepers hold no gate).
 * - Same delay supports and weights. fast-check has no virtual time, so the port keeps a virtual clock and a
 *   timer queue: a `sleep(ms)` registers a timer; when the scheduler is idle (every live process sleeps or
 *   waits) the clock jumps to the earliest timer and wakes every process due then — exactly interleave's
 *   `wakeDue`. The delays come from fast-check arbitraries built from the scenario's own `params`
 *   distributions (`fc.constantFrom` for `uniform`, `fc.oneof` with the integer weights for `weighted` and
 *   for the 0.9/0.1 sync outcome), drawn independently like interleave's decisions. Neither is biased in
 *   fast-check: `constantFrom` draws `nextInt` over the indices, and a top-level `oneof` (depth 0) draws
 *   exactly by weight.
 * - Same properties, same moment. The port checks the scenario's four `always` sentences (imported helpers
 *   `halfBuilt`, `rulesApproved`, `temporarilyUnapproved`; `stranded` and the missed-reset check restated)
 *   after every step — at the next release or when the scheduler goes idle, never after a bare time jump —
 *   fails "every scheduled reset has run by 50 s" when the clock would pass 50 s (or nothing is left to run)
 *   first, and ends a run when the workload is done (the scenario's `finishWhen`).
 * - Measured, not just intended: all five variants are ported, and the per-schedule violation rates,
 *   steps per run and end times agree (`syncVsResetViolationRates`, fast-check 4.10.2, 2026-11-22).
 *   `coordinator-entry-check` over 2 × 100,000 schedules per tool (seeds 2026 and 5): interleave 403
 *   violations (0.20 %), fast-check 402 (0.20 %), 27.7 steps per run in both; `coordinator-no-entry-check`
 *   over 20,000: 84.7 % vs 84.4 %, with the same histograms of steps and of violation times; `legacy-ttl`
 *   13.6 % vs 13.1 % (5,000); `serial` 0 of 5,000 in both. A rate of 0.2 % needs ~100,000 schedules to pin
 *   down: 5,000 give 3 to 14 hits depending on the seed (the 0.16 % in docs/benchmarks.md is 8 of 5,000).
 *
 * Where they differ:
 * - Draws. The delays are part of fast-check's generated value: fixed-length arrays (101 merge-check
 *   intervals, 8 pickup delays) drawn up front, consumed in order (iid, so the same distribution as drawing
 *   each when needed). `fc.scheduler()` is the LAST argument of the property on purpose: fast-check 4.10's
 *   scheduler (like `fc.infiniteStream`) `clone()`s the run's random generator without advancing it, so an
 *   arbitrary drawn after it reuses the scheduler's random numbers (measured: with the scheduler first, its
 *   first release between two gates equalled a following `fc.constantFrom(0, 1)` in 2,000 of 2,000 runs;
 *   last: 51 %). On this model that correlation did not move the rates measurably, but it could elsewhere.
 * - Seeds. interleave run `i` of base seed `b` uses `runSeed(b, i)` (xoroshiro128+); fast-check uses
 *   `seed: b` and jumps its own generator per run. Same distribution, different samples.
 * - Cost. interleave resumes generators synchronously; fast-check's scheduler goes through promises and at
 *   least 50 microtask ticks per release.
 * - The interleave row of {@link benchSyncVsResetPeer} runs `exploreVariant`, whose time includes re-running
 *   the failing schedule with recording on (one extra run); fast-check runs `endOnFailure: true` (no
 *   shrinking).
 */
import { performance } from "node:perf_hooks";
import { SyncCoordinator } from "@interleave/core";
import { type Distribution, exploreVariant, type Scenario, type ScenarioVariant } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import fc from "fast-check";
import {
  CODE_OWNER_RULES,
  halfBuilt,
  initialMr,
  type MrEvent,
  type MrResult,
  type MrState,
  mergeRequest,
  rulesApproved,
} from "../../scenarios/sync-vs-reset/merge-request.js";
import syncVsReset, {
  type LegacyState,
  legacyFlow,
  type Options,
  params,
  temporarilyUnapproved,
} from "../../scenarios/sync-vs-reset/sync-vs-reset.js";

/** The fast-check version this module runs against (fast-check's own `__version`), e.g. "4.10.2". */
export const FAST_CHECK_VERSION: string = fc.__version;

/** The race the target names: the deepest violation variant of sync-vs-reset. */
export const DEEPEST_VARIANT = "coordinator-entry-check";

/**
 * The scenario's variants, with the options its definition gives them (scenarios/sync-vs-reset/sync-vs-reset.ts;
 * `ScenarioVariant` does not expose options, so they are restated here and the names and expectations are
 * checked against the scenario when this module loads).
 */
export const PORTED_VARIANTS: Readonly<Record<string, { expect: "violation" | "pass"; options: Options }>> = {
  "legacy-ttl": {
    expect: "violation",
    options: { flow: "legacy", featureFlag: false, mode: "entry-check", entryCheck: true },
  },
  "coordinator-no-entry-check": {
    expect: "violation",
    options: { flow: "coordinator", featureFlag: true, mode: "entry-check", entryCheck: false },
  },
  "coordinator-entry-check": {
    expect: "violation",
    options: { flow: "coordinator", featureFlag: true, mode: "entry-check", entryCheck: true },
  },
  serial: {
    expect: "pass",
    options: { flow: "coordinator", featureFlag: true, mode: "serial", entryCheck: true },
  },
  "flag-off": {
    expect: "violation",
    options: { flow: "coordinator", featureFlag: false, mode: "entry-check", entryCheck: true },
  },
};

const SCENARIO = syncVsReset as Scenario;
{
  const declared = SCENARIO.variants.map((v) => `${v.name}:${v.expect}`).join(",");
  const ported = Object.entries(PORTED_VARIANTS)
    .map(([name, v]) => `${name}:${v.expect}`)
    .join(",");
  if (declared !== ported) {
    throw new Error(
      `bench/peer/sync-vs-reset: the scenario's variants (${declared}) are not ported (${ported})`,
    );
  }
}

// The scenario's property sentences, word for word.
const MISSED_RESET = "no approval survives on a rule that a push should have reset (missed reset)";
const HALF_BUILT = "the MR is never mergeable while its rules are half-built";
const STRANDED = "pending resets are drained when a sync finishes, including when it fails";
const RESET_WITHIN = `every scheduled reset runs within ${params.resetWithinMs / 1000} s`;
const RESET_BY = `every scheduled reset has run by ${params.resetByMs / 1000} s`;

// ---- the delays, as fast-check arbitraries -----------------------------------------------------------------

/**
 * Merge-check intervals drawn per run: a run ends by `resetByMs` (done, or the liveness deadline), and the
 * observer draws one interval at t = 0 and one after each check, at most one check per shortest interval.
 */
const MERGE_CHECKS_MAX = Math.floor(params.resetByMs / Math.min(...params.mergeCheckEveryMs.values)) + 1;
/**
 * Reset-worker pickups drawn per run. Entry-check: two enqueues at ScheduleReset, then at most two drains
 * (a FinishSync that leaves no sync running) of at most two resets each: 6. Serial and legacy: 2. Reaching
 * the bound throws (a model error, not a verdict).
 */
const RESET_JOBS_MAX = 8;

/** The fast-check side's random draws of one run; everything else is the scheduler's choice. */
export interface Draws {
  /** Push B starts this long after push A (ms). */
  readonly pushGapMs: number;
  /** Per push (A, B): the sync's time between deleting and recreating the rules (ms). */
  readonly syncDurationMs: readonly [number, number];
  /** Per push (A, B): whether the sync raises before touching the rules. */
  readonly syncOutcome: readonly ["ok" | "failed", "ok" | "failed"];
  /** The merge check's successive intervals (ms), `MERGE_CHECKS_MAX` of them. */
  readonly mergeCheckEveryMs: readonly number[];
  /** Successive reset workers' pickup delays (ms), in the order the workers start, `RESET_JOBS_MAX` of them. */
  readonly pickupDelayMs: readonly number[];
}

/** Integer weights proportional to `weights` (fast-check's `oneof` takes integers); throws when there are none. */
function integerWeights(weights: readonly number[]): number[] {
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const scaled = weights.map((w) => Math.round(w * scale));
    if (scaled.every((w, i) => Math.abs(w - weights[i]! * scale) < 1e-9 && w > 0)) return scaled;
  }
  throw new Error(`no integer weights proportional to [${weights.join(", ")}]`);
}

/** `values[i]` with relative weight `weights[i]` (uniform without weights), unbiased. */
function weightedArbitrary<T>(values: readonly T[], weights?: readonly number[]): fc.Arbitrary<T> {
  if (weights === undefined) return fc.constantFrom(...values);
  const ints = integerWeights(weights);
  return fc.oneof(...values.map((v, i) => ({ arbitrary: fc.constant(v), weight: ints[i]! })));
}

function delayArbitrary(d: Distribution): fc.Arbitrary<number> {
  return weightedArbitrary(d.values, d.weights);
}

function drawsArbitrary(p: typeof params): fc.Arbitrary<Draws> {
  const sync = delayArbitrary(p.syncDurationMs);
  const outcome = weightedArbitrary(["ok", "failed"] as const, [
    1 - p.syncFailureWeight,
    p.syncFailureWeight,
  ]);
  return fc.record({
    pushGapMs: delayArbitrary(p.pushGapMs),
    syncDurationMs: fc.tuple(sync, sync),
    syncOutcome: fc.tuple(outcome, outcome),
    mergeCheckEveryMs: fc.array(delayArbitrary(p.mergeCheckEveryMs), {
      minLength: MERGE_CHECKS_MAX,
      maxLength: MERGE_CHECKS_MAX,
    }),
    pickupDelayMs: fc.array(delayArbitrary(p.pickupDelayMs), {
      minLength: RESET_JOBS_MAX,
      maxLength: RESET_JOBS_MAX,
    }),
  });
}

// ---- the port: one run under fc.scheduler ------------------------------------------------------------------

/** The fast-check model went wrong (as opposed to a property failing): rethrown, never counted as a verdict. */
export class ModelError extends Error {}

/** Thrown out of a gate once the run has stopped, so its process ends without touching the state. */
class Stopped extends Error {}

type FlowState = LegacyState | SyncCoordinator.State;
type FlowMachine = {
  transition(
    state: FlowState,
    event: SyncCoordinator.Event,
  ): {
    state: FlowState;
    effects: readonly SyncCoordinator.Effect[];
    result: SyncCoordinator.Result;
  };
};

/** A process of the port: where it is, for {@link PortRun.assertQuiet}. */
interface Proc {
  readonly name: string;
  status: "running" | "gate" | "timer" | "waiting" | "done";
}

/** One finished run of the port. */
export interface PortOutcome {
  /** The violated property's sentence, or null. */
  readonly violation: string | null;
  /** Gates released (interleave: steps). */
  readonly steps: number;
  /** Virtual time (ms) at which the run ended. */
  readonly endMs: number;
  /** `violation` also when the run went quiet or reached 50 s before the workload was done (liveness). */
  readonly endReason: "violation" | "finished" | "horizon";
}

/** Resets left pending although no sync of the MR is in progress (entry-check coordinator only). */
function stranded(state: FlowState, mr: string): readonly string[] {
  if (!("config" in state) || state.serial !== null) return [];
  const entry = Object.hasOwn(state.mrs, mr) ? state.mrs[mr] : undefined;
  if (entry === undefined || entry.syncs.length > 0) return [];
  return entry.pendingResets;
}

/**
 * One run of the race under a fast-check scheduler `s`, with the delays `draws`, for a variant's `options`.
 * A run is driven by {@link PortRun.run}; processes are async functions whose shared operations await gates.
 */
class PortRun {
  private now = 0;
  private steps = 0;
  private flowState: FlowState;
  private readonly flow: FlowMachine;
  private mrState: MrState = initialMr;
  /** The last transition applied: which store, the event and the state after it (the scenario's `view.last`). */
  private last: {
    readonly key: "flow" | "merge-request";
    readonly event: unknown;
    readonly after: unknown;
  } | null = null;
  /** Reset id → virtual time it was scheduled, until it deleted approvals (the scenario's ledger). */
  private readonly outstanding = new Map<string, number>();
  /** Sync ids the serial queue has let run. */
  private readonly runnable = new Set<string>();
  private readonly waiters: { predicate: () => boolean; proc: Proc; wake: () => void }[] = [];
  private timers: { atMs: number; proc: Proc; wake: () => void }[] = [];
  private readonly procs: Proc[] = [];
  private readonly jobs = new Map<string, number>();
  private mergeChecksDrawn = 0;
  private pickupsDrawn = 0;
  /** A step ran since the properties were last checked. */
  private dirty = false;
  private violation: string | null = null;
  private endReason: PortOutcome["endReason"] | null = null;
  private error: unknown = null;

  constructor(
    private readonly s: fc.Scheduler,
    private readonly draws: Draws,
    private readonly options: Options,
    private readonly p: typeof params = params,
  ) {
    if (options.flow === "legacy") {
      this.flow = legacyFlow as FlowMachine;
      this.flowState = { unapprovedUntilMs: {} };
    } else {
      this.flow = SyncCoordinator as FlowMachine;
      this.flowState = SyncCoordinator.initial({
        ...p.coordinator,
        featureFlag: options.featureFlag,
        mode: options.mode,
      });
    }
  }

  /** Run to the end: a violation (liveness included), the workload done, or the horizon. */
  async run(): Promise<PortOutcome> {
    this.start("push-A", (proc) => this.push(proc, "A", 0));
    this.start("push-B", async (proc) => {
      await this.sleep(proc, this.draws.pushGapMs);
      await this.push(proc, "B", 1);
    });
    this.start("merge-check", (proc) => this.mergeCheck(proc));
    for (;;) {
      await this.s.waitIdle(this.act);
      if (this.error !== null) throw this.error;
      if (this.endReason !== null) break;
      this.assertQuiet("the scheduler went idle");
      if (this.dirty && this.afterStep()) break;
      const next = this.timers.reduce<number | null>((m, t) => (m === null || t.atMs < m ? t.atMs : m), null);
      // The scenario's `eventually` deadline: time may not pass resetByMs (nor stop) before the workload is done.
      if (next === null || next > this.p.resetByMs) {
        this.stop(RESET_BY);
        break;
      }
      if (next > this.p.horizonMs) {
        this.endReason = "horizon";
        break;
      }
      this.now = next;
      const due = this.timers.filter((t) => t.atMs === next);
      this.timers = this.timers.filter((t) => t.atMs !== next);
      for (const t of due) {
        t.proc.status = "running";
        t.wake();
      }
    }
    return {
      violation: this.violation,
      steps: this.steps,
      endMs: this.now,
      endReason: this.endReason ?? "finished",
    };
  }

  /**
   * The scheduler's act around each release (`s.waitIdle(act)`): the properties of the state the previous
   * step left, then the release. After a stop it still releases (fast-check's awaiter would otherwise spin on
   * the pending gate); the released process then ends at {@link Stopped}.
   */
  private readonly act = async (release: () => Promise<void>): Promise<void> => {
    if (this.endReason === null) {
      this.assertQuiet("a gate was released");
      if (!this.dirty || !this.afterStep()) {
        this.steps++;
        this.dirty = true;
      }
    }
    await release();
  };

  /** Check the properties, then the workload's end; true when the run stops. */
  private afterStep(): boolean {
    this.dirty = false;
    const failed = this.failedProperty();
    if (failed !== null) {
      this.stop(failed);
      return true;
    }
    if (this.done()) {
      this.endReason = "finished";
      return true;
    }
    return false;
  }

  private stop(property: string): void {
    this.violation = property;
    this.endReason = "violation";
  }

  /** The first of the scenario's `always` properties that fails now, or null. */
  private failedProperty(): string | null {
    const last = this.last;
    if (last !== null && last.key === "merge-request") {
      const event = last.event as MrEvent;
      if (
        event._tag === "DeleteApprovals" &&
        !Object.values((last.after as MrState).approvals).every((a) => a.afterPush >= event.push)
      ) {
        return MISSED_RESET;
      }
    }
    if (
      halfBuilt(this.mrState) &&
      !temporarilyUnapproved(this.flowState, this.p.mr, this.now) &&
      rulesApproved(this.mrState)
    ) {
      return HALF_BUILT;
    }
    if (stranded(this.flowState, this.p.mr).length > 0) return STRANDED;
    for (const at of this.outstanding.values()) if (this.now - at > this.p.resetWithinMs) return RESET_WITHIN;
    return null;
  }

  /** The scenario's `finishWhen`: both pushes done and every scheduled reset has deleted approvals. */
  private done(): boolean {
    return (
      this.procs.some((q) => q.name === "push-A" && q.status === "done") &&
      this.procs.some((q) => q.name === "push-B" && q.status === "done") &&
      this.outstanding.size === 0
    );
  }

  /** No process may be between a released gate and its next operation (a step = transition + local code). */
  private assertQuiet(when: string): void {
    const busy = this.procs.find((q) => q.status === "running");
    if (busy !== undefined) throw new ModelError(`${when} while ${busy.name} was still running its step`);
  }

  // ---- operations ------------------------------------------------------------------------------------

  private start(name: string, body: (proc: Proc) => Promise<void>): void {
    const proc: Proc = { name, status: "running" };
    this.procs.push(proc);
    body(proc).then(
      () => {
        proc.status = "done";
      },
      (error: unknown) => {
        proc.status = "done";
        if (!(error instanceof Stopped)) this.error ??= error;
      },
    );
  }

  /** A scheduling point: wait for the scheduler to release this process's gate. */
  private async gate(proc: Proc, label: string): Promise<void> {
    proc.status = "gate";
    await this.s.schedule(Promise.resolve(label), `${proc.name}: ${label}`);
    if (this.endReason !== null) throw new Stopped();
    proc.status = "running";
  }

  /** One atomic step on the coordinator (`txAt`: the event is stamped with the time it executes). */
  private async flowTx(
    proc: Proc,
    build: (atMs: number) => SyncCoordinator.Event,
  ): Promise<SyncCoordinator.Result> {
    await this.gate(proc, "flow");
    const event = build(this.now);
    const out = this.flow.transition(this.flowState, event);
    this.flowState = out.state;
    this.last = { key: "flow", event, after: out.state };
    for (const effect of out.effects) this.carryOut(effect);
    this.wakeWaiters();
    return out.result;
  }

  /** One atomic step on the merge request's tables. */
  private async mrTx(proc: Proc, event: MrEvent): Promise<MrResult> {
    await this.gate(proc, event._tag);
    const out = mergeRequest.transition(this.mrState, event);
    this.mrState = out.state;
    this.last = { key: "merge-request", event, after: out.state };
    return out.result;
  }

  /** Sleep `ms` of virtual time (0: no wait, as in interleave). */
  private async sleep(proc: Proc, ms: number): Promise<void> {
    if (ms === 0) return;
    proc.status = "timer";
    await new Promise<void>((wake) => this.timers.push({ atMs: this.now + ms, proc, wake }));
  }

  /** interleave's `until`: wait for `predicate`, then a scheduling point. */
  private async until(proc: Proc, predicate: () => boolean): Promise<void> {
    if (!predicate()) {
      proc.status = "waiting";
      await new Promise<void>((wake) => this.waiters.push({ predicate, proc, wake }));
    }
    await this.gate(proc, "until");
  }

  private wakeWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.predicate()) {
        this.waiters.splice(i, 1);
        w.proc.status = "running";
        w.wake();
      }
    }
  }

  /** The scenario's effects handler: RunSync lets a queued sync run; the others start a reset worker. */
  private carryOut(effect: SyncCoordinator.Effect): void {
    if (effect._tag === "RunSync") {
      this.runnable.add(effect.syncId);
      return;
    }
    const delayMs = effect._tag === "EnqueueReset" ? effect.delayMs : 0;
    const n = (this.jobs.get(effect.resetId) ?? 0) + 1;
    this.jobs.set(effect.resetId, n);
    const name = n === 1 ? effect.resetId : `${effect.resetId} (${n})`;
    const push = this.p.pushes.indexOf(effect.resetId.replace(/^reset-/, "")) + 1;
    this.start(name, (proc) => this.resetWorker(proc, effect.resetId, push, delayMs));
  }

  // ---- processes -------------------------------------------------------------------------------------

  /** One push's refresh service: schedule the approvals reset, then run the code-owner sync inline. */
  private async push(proc: Proc, name: string, index: 0 | 1): Promise<void> {
    const { mr } = this.p;
    const resetId = `reset-${name}`;
    const syncId = `sync-${name}`;
    const scheduled = await this.flowTx(proc, (atMs) => ({ _tag: "ScheduleReset", mr, resetId, atMs }));
    if (scheduled._tag !== "Rejected") this.outstanding.set(resetId, this.now);
    const started = await this.flowTx(proc, (atMs) => ({ _tag: "StartSync", mr, syncId, atMs }));
    if (started._tag === "SyncStarted" && !started.running) {
      await this.until(proc, () => this.runnable.has(syncId));
    }
    const outcome = this.draws.syncOutcome[index];
    if (outcome === "ok") {
      await this.mrTx(proc, { _tag: "DeleteRules", sync: syncId });
      await this.sleep(proc, this.draws.syncDurationMs[index]);
      for (const [i, rule] of CODE_OWNER_RULES.entries()) {
        if (i > 0) await this.sleep(proc, this.p.ruleCreateGapMs);
        await this.mrTx(proc, { _tag: "CreateRule", rule, sync: syncId });
      }
    }
    await this.flowTx(proc, (atMs) => ({ _tag: "FinishSync", mr, syncId, outcome, atMs }));
  }

  /** The reset-approvals worker: pickup delay, entry check, read the rules, delete what they cover. */
  private async resetWorker(proc: Proc, resetId: string, push: number, delayMs: number): Promise<void> {
    const { mr } = this.p;
    if (delayMs > 0) await this.sleep(proc, delayMs);
    const pickup = this.draws.pickupDelayMs[this.pickupsDrawn++];
    if (pickup === undefined) throw new ModelError(`more than ${RESET_JOBS_MAX} reset workers in one run`);
    await this.sleep(proc, pickup);
    if (this.options.entryCheck) {
      const entry = await this.flowTx(proc, (atMs) => ({ _tag: "BeginReset", mr, resetId, atMs }));
      if (entry._tag === "Deferred") return;
    }
    const read = await this.mrTx(proc, { _tag: "ReadRules", reset: resetId });
    const rules = read._tag === "Rules" ? read.rules : [];
    await this.mrTx(proc, { _tag: "DeleteApprovals", rules, push, reset: resetId });
    this.outstanding.delete(resetId);
    await this.flowTx(proc, (atMs) => ({ _tag: "FinishReset", mr, resetId, atMs }));
  }

  /** A user or the merge train looking at the MR every 0.5–1.5 s. */
  private async mergeCheck(proc: Proc): Promise<void> {
    for (;;) {
      const every = this.draws.mergeCheckEveryMs[this.mergeChecksDrawn++];
      if (every === undefined) throw new ModelError(`more than ${MERGE_CHECKS_MAX} merge checks in one run`);
      await this.sleep(proc, every);
      await this.mrTx(proc, { _tag: "MergeCheck" });
    }
  }
}

/**
 * One run of the fast-check port of sync-vs-reset under scheduler `s` with delays `draws`, for the variant
 * `variant` (a key of {@link PORTED_VARIANTS}). Resolves to the run's outcome; rejects with a
 * {@link ModelError} (or the core's assertion) when the model itself breaks.
 */
export function runPort(s: fc.Scheduler, draws: Draws, variant: string): Promise<PortOutcome> {
  const v = PORTED_VARIANTS[variant];
  if (v === undefined) throw new Error(`unknown sync-vs-reset variant "${variant}"`);
  return new PortRun(s, draws, v.options).run();
}

/**
 * The fast-check property of `variant`: delays from the scenario's distributions, then `fc.scheduler()` —
 * last, see the module comment. `onRun` sees each run's outcome; the property fails on a violation unless
 * `countOnly` (then it always holds, to measure rates). Model errors propagate as {@link ModelError}.
 */
export function portProperty(
  variant: string,
  onRun: (outcome: PortOutcome) => void = () => {},
  countOnly = false,
) {
  return fc.asyncProperty(drawsArbitrary(params), fc.scheduler(), async (draws, s) => {
    let outcome: PortOutcome;
    try {
      outcome = await runPort(s, draws, variant);
    } catch (error) {
      throw error instanceof ModelError
        ? error
        : new ModelError(`the port of ${variant} threw: ${(error as Error).message}`, { cause: error });
    }
    onRun(outcome);
    return countOnly || outcome.violation === null;
  });
}

// ---- measurements ------------------------------------------------------------------------------------------

function variantOf(name: string): ScenarioVariant {
  const v = SCENARIO.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`scenario sync-vs-reset has no variant "${name}"`);
  return v;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Per-seed outcome of a search for the first violation. */
interface SeedOutcome {
  readonly found: boolean;
  /** 1-based index of the failing schedule, or the budget when nothing was found (a lower bound). */
  readonly schedules: number;
  readonly ms: number;
  /** The search alone, without recording the counterexample (fast-check: the same as `ms`). */
  readonly searchMs: number;
}

async function fastCheckSeed(variant: string, seed: number, budget: number): Promise<SeedOutcome> {
  const started = performance.now();
  const details = await fc.check(portProperty(variant), { seed, numRuns: budget, endOnFailure: true });
  const ms = performance.now() - started;
  if (details.failed && details.errorInstance instanceof ModelError) throw details.errorInstance;
  return details.failed
    ? { found: true, schedules: details.numRuns, ms, searchMs: ms }
    : { found: false, schedules: budget, ms, searchMs: ms };
}

/**
 * `exploreVariant` with base seed `seed` (timed as `ms`, its counterexample recording included), and the same
 * loop bare — run `i` with `runSeed(seed, i)`, stopped at the first violation, no recording (timed as
 * `searchMs`; it must stop at the same schedule, or this throws).
 */
function interleaveSeed(variant: ScenarioVariant, seed: number, budget: number): SeedOutcome {
  let started = performance.now();
  let bare = budget;
  for (let i = 0; i < budget; i++) {
    if (runWorld(variant.build, new RandomChooser(runSeed(seed, i))).violation !== null) {
      bare = i + 1;
      break;
    }
  }
  const searchMs = performance.now() - started;
  started = performance.now();
  const r = exploreVariant(SCENARIO, variant, { seed, runs: budget });
  const ms = performance.now() - started;
  if (r.schedules !== bare) {
    throw new Error(
      `interleave: exploreVariant stopped at ${r.schedules} schedules, the bare loop at ${bare}`,
    );
  }
  return { found: r.verdict === "violation", schedules: r.schedules, ms, searchMs };
}

/** One row of {@link benchSyncVsResetPeer}: one tool on one variant, over the given seeds. */
export interface SyncVsResetPeerRow {
  /** `interleave random` (exploreVariant on the real scenario) or `fast-check <version> fc.scheduler`. */
  readonly tool: string;
  readonly variant: string;
  /** Median over seeds of the 1-based index of the first failing schedule (the budget when none failed). */
  readonly medianSchedulesToViolation: number;
  /**
   * Median wall-clock ms to the first violation (or to the end of the budget), same seeds; interleave's
   * includes `exploreVariant` recording the counterexample's trace (one more run, with event log and
   * fingerprint).
   */
  readonly medianMsToViolation: number;
  /** The same without recording the counterexample: the search alone (fast-check: equal to the above). */
  readonly medianSearchMs: number;
  readonly meanSchedulesToViolation: number;
  readonly maxSchedulesToViolation: number;
  /** Seeds that found the violation within the budget, as "found/seeds"; a miss counts as the budget. */
  readonly foundOnSeeds: string;
  /** On `serial` (the fix): schedules/second over `passRuns` runs, all of which must pass. */
  readonly serialSchedulesPerSecond: number;
}

function row(
  tool: string,
  variant: string,
  outcomes: readonly SeedOutcome[],
  serialPerSecond: number,
): SyncVsResetPeerRow {
  const schedules = outcomes.map((o) => o.schedules);
  return {
    tool,
    variant,
    medianSchedulesToViolation: median(schedules),
    medianMsToViolation: round(median(outcomes.map((o) => o.ms)), 1),
    medianSearchMs: round(median(outcomes.map((o) => o.searchMs)), 1),
    meanSchedulesToViolation: round(schedules.reduce((a, b) => a + b, 0) / schedules.length, 1),
    maxSchedulesToViolation: Math.max(...schedules),
    foundOnSeeds: `${outcomes.filter((o) => o.found).length}/${outcomes.length}`,
    serialSchedulesPerSecond: Math.round(serialPerSecond),
  };
}

/**
 * The fix must hold in the port too: `runs` fast-check runs of `serial`, every one passing, or this throws
 * naming the property and the seed to re-run. Returns schedules/second.
 */
export async function fastCheckSerialPasses(runs: number, seed: number): Promise<number> {
  const started = performance.now();
  const details = await fc.check(portProperty("serial"), { seed, numRuns: runs, endOnFailure: true });
  const ms = performance.now() - started;
  if (details.failed) {
    if (details.errorInstance instanceof ModelError) throw details.errorInstance;
    throw new Error(`fast-check port: serial failed on run ${details.numRuns} of seed ${seed}`);
  }
  if (details.numRuns !== runs)
    throw new Error(`fast-check port: serial stopped after ${details.numRuns} runs`);
  return runs / (ms / 1000);
}

/** `runs` interleave runs of `serial`, every one passing (throws otherwise). Returns schedules/second. */
function interleaveSerialPasses(runs: number, seed: number): number {
  const started = performance.now();
  const r = exploreVariant(SCENARIO, variantOf("serial"), { seed, runs });
  const ms = performance.now() - started;
  if (r.verdict !== "pass" || r.schedules !== runs) {
    throw new Error(`interleave: serial gave ${r.verdict} (${r.property}) after ${r.schedules} schedules`);
  }
  return runs / (ms / 1000);
}

/**
 * Schedules and ms to the first violation of sync-vs-reset `variant` (default `coordinator-entry-check`, the
 * deepest race): fast-check's `fc.scheduler()` on the port in this file against interleave's random strategy
 * on the real scenario (`exploreVariant`, base seed = the seed), one search per seed in `opts.seeds`, each
 * stopped at its first violation or after `opts.budgetRuns` schedules (a miss counts as the budget: a lower
 * bound). First, both tools must pass `opts.passRuns` (default 2,000) schedules of `serial` — the fix — which
 * also gives each tool's throughput; a failure there throws. Each tool is warmed up before timing.
 *
 * Returns two rows, interleave first; `tool` names the fast-check version ({@link FAST_CHECK_VERSION}).
 * Schedule counts are deterministic per seed; the ms and schedules/s columns vary ±30 % or more with load.
 * Throws on bad options (empty `seeds` or one not a uint32, a non-positive budget, a variant that is not a violation variant),
 * when `serial` fails in either tool, or when the fast-check port breaks ({@link ModelError}).
 *
 * @example
 * const rows = await benchSyncVsResetPeer({ seeds: [1, 2, 3], budgetRuns: 100_000 });
 * console.table(rows);
 */
export async function benchSyncVsResetPeer(opts: {
  readonly seeds: readonly number[];
  readonly budgetRuns: number;
  readonly variant?: string;
  readonly passRuns?: number;
}): Promise<SyncVsResetPeerRow[]> {
  const variantName = opts.variant ?? DEEPEST_VARIANT;
  const passRuns = opts.passRuns ?? 2_000;
  if (opts.seeds.length === 0) throw new Error("benchSyncVsResetPeer: seeds must not be empty");
  for (const seed of opts.seeds) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
      throw new Error(`benchSyncVsResetPeer: a seed must be a uint32, got ${seed}`);
  }
  for (const [field, n] of [
    ["budgetRuns", opts.budgetRuns],
    ["passRuns", passRuns],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`benchSyncVsResetPeer: ${field} must be a positive integer, got ${n}`);
  }
  if (PORTED_VARIANTS[variantName]?.expect !== "violation") {
    throw new Error(`benchSyncVsResetPeer: "${variantName}" is not a violation variant of sync-vs-reset`);
  }
  const variant = variantOf(variantName);

  // interleave: warm up (a full-size pass: the JIT needs a few thousand schedules), the fix, then the searches.
  exploreVariant(SCENARIO, variantOf("serial"), { seed: 0, runs: passRuns });
  interleaveSeed(variant, 0, opts.budgetRuns);
  const interleaveSerial = interleaveSerialPasses(passRuns, 1);
  const interleaveOutcomes = opts.seeds.map((seed) => interleaveSeed(variant, seed, opts.budgetRuns));

  // fast-check: the same.
  await fastCheckSerialPasses(passRuns, 0);
  await fastCheckSeed(variantName, 0, opts.budgetRuns);
  const fastCheckSerial = await fastCheckSerialPasses(passRuns, 1);
  const fastCheckOutcomes: SeedOutcome[] = [];
  for (const seed of opts.seeds)
    fastCheckOutcomes.push(await fastCheckSeed(variantName, seed, opts.budgetRuns));

  return [
    row("interleave random", variantName, interleaveOutcomes, interleaveSerial),
    row(`fast-check ${FAST_CHECK_VERSION} fc.scheduler`, variantName, fastCheckOutcomes, fastCheckSerial),
  ];
}

/** Per-schedule statistics of one tool on one variant, over many independent schedules. */
export interface ViolationRateRow {
  readonly tool: string;
  readonly variant: string;
  readonly runs: number;
  readonly violations: number;
  /** violations / runs, in %. */
  readonly ratePercent: number;
  /** A 95 % Wilson interval for the rate, in %, as "lo–hi". */
  readonly ci95Percent: string;
  /** How many runs each property failed in (the first property to fail counts), by sentence. */
  readonly byProperty: Readonly<Record<string, number>>;
  readonly meanSteps: number;
  /** Mean virtual time at which a run ended (ms). */
  readonly meanEndMs: number;
}

function wilson(k: number, n: number): string {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `${round(Math.max(0, c - h) * 100, 3)}–${round(Math.min(1, c + h) * 100, 3)}`;
}

function rateRow(
  tool: string,
  variant: string,
  outcomes: readonly { violation: string | null; steps: number; endMs: number }[],
): ViolationRateRow {
  const byProperty: Record<string, number> = {};
  let violations = 0;
  for (const o of outcomes) {
    if (o.violation === null) continue;
    violations++;
    byProperty[o.violation] = (byProperty[o.violation] ?? 0) + 1;
  }
  const n = outcomes.length;
  return {
    tool,
    variant,
    runs: n,
    violations,
    ratePercent: round((violations / n) * 100, 3),
    ci95Percent: wilson(violations, n),
    byProperty,
    meanSteps: round(outcomes.reduce((a, o) => a + o.steps, 0) / n, 2),
    meanEndMs: Math.round(outcomes.reduce((a, o) => a + o.endMs, 0) / n),
  };
}

/**
 * The per-schedule violation rate of sync-vs-reset `variant` in both tools, over `runs` independent schedules
 * each (no stopping at the first violation): interleave random on the real scenario (run `i` uses
 * `runSeed(seed, i)`, as `exploreVariant` does) and the fast-check port (`fc.check` with `seed`). With the
 * mean steps and end time per run, the evidence that the two models sample the same distribution. Returns
 * two rows, interleave first.
 */
export async function syncVsResetViolationRates(opts: {
  readonly variant: string;
  readonly runs: number;
  readonly seed: number;
}): Promise<ViolationRateRow[]> {
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    throw new Error(`syncVsResetViolationRates: runs must be a positive integer, got ${opts.runs}`);
  }
  const variant = variantOf(opts.variant);
  const mine: { violation: string | null; steps: number; endMs: number }[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = runWorld(variant.build, new RandomChooser(runSeed(opts.seed, i)));
    mine.push({ violation: r.violation?.property ?? null, steps: r.steps, endMs: r.endMs });
  }
  const theirs: PortOutcome[] = [];
  const details = await fc.check(
    portProperty(opts.variant, (o) => theirs.push(o), true),
    { seed: opts.seed, numRuns: opts.runs },
  );
  if (details.failed) {
    throw details.errorInstance instanceof Error
      ? details.errorInstance
      : new Error("fast-check port failed");
  }
  return [
    rateRow("interleave random", opts.variant, mine),
    rateRow(`fast-check ${FAST_CHECK_VERSION} fc.scheduler`, opts.variant, theirs),
  ];
}
