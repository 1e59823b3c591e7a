// Property tests for the seed's racy routes (./entry-check.ts: flag off, entry-check), moved from the core
// when it kept only the serial coordinator: random sequences of StartSync, FinishSync, ScheduleReset,
// BeginReset and FinishReset over MRs a and b, with sync and reset ids drawn fresh or reused and
// nondecreasing atMs. After every step the state is checked against a reference model kept from results and
// effects alone (seed 000: ../../shared/seeds/000_a68bbd6ee7280424.txt). The serial coordinator's are in
// packages/core/test/sync-coordinator.property.test.ts.

import { describe, expect, it } from "vitest";
import {
  BASE_CONFIG,
  expectMrLimit,
  type Observation as FlowObservation,
  MRS,
  MrModels,
  mrOf,
  noProceedDuringSync,
  propertyRunner,
  sorted,
  unapprovedDuringSync,
} from "../../test/support/sync-coordinator-events.js";
import * as SyncCoordinator from "./entry-check.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Effect = SyncCoordinator.Effect;
type Result = SyncCoordinator.Result;
type Config = SyncCoordinator.Config;
type Observation = FlowObservation<State, Effect, Result>;

const CONFIGS: readonly (readonly [string, Config])[] = [
  ["flag off", { ...BASE_CONFIG, featureFlag: false }],
  ["entry-check", { ...BASE_CONFIG, featureFlag: true }],
];

// ---------------------------------------------------------------------------------------------------------
// Reference model

/**
 * A reset's stage (entry-check): `pending` → `enqueued` (EnqueueReset) → `running` (Proceed), and back to
 * `pending` (Deferred); `drain` is a pending reset released by the FinishSync being observed. `new` marks a
 * reset scheduled in the step being
 * observed, before its effects. Finished resets leave the model.
 */
type Stage = "new" | "pending" | "drain" | "enqueued" | "running";

interface MrModel {
  /** Syncs in progress, in arrival order → may do their work (always true here). */
  readonly syncs: Map<string, boolean>;
  /** Scheduled, unfinished resets, in arrival order → stage. */
  readonly resets: Map<string, Stage>;
  /** Entry-check: pending reset ids, FIFO. */
  pending: string[];
}

const emptyMr = (): MrModel => ({ syncs: new Map(), resets: new Map(), pending: [] });

/** Whether `entry` could be pruned at `atMs` (the sweep's rule, written out independently). */
function prunable(entry: SyncCoordinator.MrState, atMs: number): boolean {
  return entry.syncs.length === 0 && entry.scheduledResets.length === 0 && entry.unapprovedUntilMs <= atMs;
}

/**
 * The reference model: what every sync and reset should be, from results and effects only. `observe` checks
 * each step against it, then the state against the model.
 */
class Model extends MrModels<MrModel> {
  private readonly route: "legacy" | "coordinator";

  constructor(private readonly config: Config) {
    super(emptyMr);
    this.route = !config.featureFlag ? "legacy" : "coordinator";
  }

  observe(o: Observation): void {
    const { after, effects, result } = o;
    const unchanged =
      result._tag === "Rejected" ||
      (result._tag === "Unknown" && effects.length === 0) ||
      this.isRepeat(o.event) ||
      (this.route === "legacy" && o.event._tag !== "ScheduleReset");
    this.expectUnchanged(unchanged, o);
    if (result._tag === "Rejected") {
      this.rejected(o, result.reason);
    } else if (this.route === "legacy") {
      this.legacy(o);
    } else {
      this.entryCheck(o);
    }
    this.forgetIdle();
    this.compare(after, o.event.atMs);
  }

  /** A StartSync or ScheduleReset of an id the model already holds for that MR (never on the legacy path). */
  protected override isRepeat(event: Event): boolean {
    return this.route !== "legacy" && super.isRepeat(event);
  }

  private rejected({ before, event }: Observation, reason: "mr-limit" | "pending-full"): void {
    this.expectRejectable(event);
    if (reason === "mr-limit") {
      expectMrLimit(before, event, this.config.mrCountMax, (_mr, entry) => prunable(entry, event.atMs));
      return;
    }
    expect(this.route, "the legacy path has no per-MR bound").not.toBe("legacy");
    const entry = this.mrs.get(event.mr) ?? emptyMr();
    const { pendingPerMrMax } = this.config;
    if (event._tag === "StartSync") {
      expect(entry.syncs.size, "pending-full: syncs at the bound").toBe(pendingPerMrMax);
    } else {
      expect(entry.resets.size, "pending-full: scheduled resets at the bound").toBe(pendingPerMrMax);
    }
  }

  /** Flag off: only ScheduleReset does anything; state changes only in `unapprovedUntilMs`. */
  private legacy({ before, event, after, effects, result }: Observation): void {
    const { legacyResetDelayMs, legacyTtlMs } = this.config;
    const expected: Record<Event["_tag"], Result> = {
      StartSync: { _tag: "SyncStarted", route: "legacy", running: true },
      FinishSync: { _tag: "SyncFinished", route: "legacy", drained: [] },
      ScheduleReset: { _tag: "ResetEnqueued", delayMs: legacyResetDelayMs },
      BeginReset: { _tag: "Proceed" },
      FinishReset: { _tag: "ResetFinished" },
    };
    expect(result).toEqual(expected[event._tag]);
    expect("mailbox" in after, "no Mailbox").toBe(false);
    if (event._tag === "ScheduleReset") {
      expect(effects, "one EnqueueReset per ScheduleReset, with the legacy delay").toEqual([
        { _tag: "EnqueueReset", mr: event.mr, resetId: event.resetId, delayMs: legacyResetDelayMs },
      ]);
      const previous = mrOf(before, event.mr)?.unapprovedUntilMs ?? 0;
      expect(mrOf(after, event.mr)?.unapprovedUntilMs).toBe(Math.max(previous, event.atMs + legacyTtlMs));
    }
    for (const [mr, entry] of Object.entries(after.mrs)) {
      expect(entry, "flag off: only the marker is data").toEqual({
        syncs: [],
        pendingResets: [],
        scheduledResets: [],
        runningResets: [],
        unapprovedUntilMs: entry.unapprovedUntilMs,
      });
      if (mr !== event.mr) {
        expect(entry, "flag off: other MRs keep their entry").toBe(mrOf(before, mr));
      }
    }
    for (const [mr, entry] of Object.entries(before.mrs)) {
      if (mrOf(after, mr) === undefined) {
        expect(entry.unapprovedUntilMs, "only an expired marker is swept").toBeLessThanOrEqual(event.atMs);
      }
    }
  }

  private entryCheck({ before, event, after, effects, result }: Observation): void {
    const entry = this.mr(event.mr);
    const drainable = new Set<string>();
    switch (event._tag) {
      case "StartSync":
        expect(result).toEqual({ _tag: "SyncStarted", route: "coordinator", running: true });
        entry.syncs.set(event.syncId, true);
        break;
      case "ScheduleReset": {
        const stage = entry.resets.get(event.resetId);
        if (stage !== undefined) {
          expect(result).toEqual(
            stage === "pending" ? { _tag: "ResetDeferred" } : { _tag: "ResetEnqueued", delayMs: 0 },
          );
        } else if (entry.syncs.size > 0) {
          expect(result, "a reset scheduled during a sync is deferred").toEqual({ _tag: "ResetDeferred" });
          entry.resets.set(event.resetId, "pending");
          entry.pending.push(event.resetId);
        } else {
          expect(result).toEqual({ _tag: "ResetEnqueued", delayMs: 0 });
          entry.resets.set(event.resetId, "new");
        }
        break;
      }
      case "BeginReset": {
        const stage = entry.resets.get(event.resetId);
        if (result._tag === "Proceed") {
          expect(stage, "Proceed only for an enqueued reset").toBe("enqueued");
          expect(entry.syncs.size, "Proceed only with no sync in progress").toBe(0);
          entry.resets.set(event.resetId, "running");
        } else if (result._tag === "Deferred") {
          if (stage === "enqueued") {
            expect(entry.syncs.size, "Deferred by the entry check: a sync is in progress").toBeGreaterThan(0);
            entry.resets.set(event.resetId, "pending");
            entry.pending.push(event.resetId);
          } else {
            expect(stage, "Deferred without a change only for a pending reset").toBe("pending");
            expect(after).toBe(before);
          }
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "reset" });
          expect(stage === undefined || stage === "running", "Unknown: not enqueued or pending").toBe(true);
        }
        break;
      }
      case "FinishReset": {
        const stage = entry.resets.get(event.resetId);
        if (result._tag === "ResetFinished") {
          expect(["enqueued", "running"], "only an enqueued or running reset finishes").toContain(stage);
          entry.resets.delete(event.resetId);
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "reset" });
          expect(stage === undefined || stage === "pending", "Unknown: not scheduled, or pending").toBe(true);
        }
        break;
      }
      case "FinishSync": {
        if (result._tag === "SyncFinished") {
          expect(entry.syncs.has(event.syncId), "only a sync in progress finishes").toBe(true);
          entry.syncs.delete(event.syncId);
          const drained = entry.syncs.size === 0 ? entry.pending : [];
          expect(result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained });
          for (const id of drained) {
            entry.resets.set(id, "drain");
            drainable.add(id);
          }
          if (drained.length > 0) {
            entry.pending = [];
          }
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "sync" });
          expect(entry.syncs.has(event.syncId)).toBe(false);
          // Pending resets only exist while a sync is in progress, so the ensure-path drain finds none.
          expect(effects).toEqual([]);
        }
        break;
      }
    }
    for (const effect of effects) {
      expect(effect._tag, "entry-check emits only EnqueueReset").toBe("EnqueueReset");
      const { mr, resetId, delayMs } = effect as Extract<Effect, { _tag: "EnqueueReset" }>;
      expect(mr).toBe(event.mr);
      expect(delayMs, "no artificial delay with the flag on").toBe(0);
      const stage = entry.resets.get(resetId);
      expect(
        stage === "new" || stage === "drain",
        `EnqueueReset at most once per scheduling: ${resetId} was ${stage}`,
      ).toBe(true);
      entry.resets.set(resetId, "enqueued");
    }
    for (const [id, stage] of entry.resets) {
      expect(
        stage === "new" || stage === "drain",
        `${id} was scheduled or drained without an EnqueueReset`,
      ).toBe(false);
    }
  }

  /** The state must hold exactly what the model says, MR by MR; plus the invariants the state keeps. */
  private compare(after: State, atMs: number): void {
    this.expectBounded(after, this.config.mrCountMax);
    if (this.route === "legacy") {
      return;
    }
    for (const mr of new Set([...MRS, ...Object.keys(after.mrs)])) {
      const entry = mrOf(after, mr);
      const model = this.mrs.get(mr) ?? emptyMr();
      const stage = (wanted: Stage) => [...model.resets].filter(([, s]) => s === wanted).map(([id]) => id);
      expect(entry?.scheduledResets ?? [], "conservation: scheduled = pending ∪ enqueued ∪ running").toEqual([
        ...model.resets.keys(),
      ]);
      expect(sorted(entry?.runningResets ?? []), "running resets").toEqual(sorted(stage("running")));
      expect(entry?.syncs ?? [], "syncs in progress").toEqual([...model.syncs.keys()]);
      expect(entry?.pendingResets ?? [], "pending resets, FIFO").toEqual(model.pending);
      expect(sorted(model.pending)).toEqual(sorted(stage("pending")));
      if ((entry?.pendingResets.length ?? 0) > 0) {
        expect(entry?.syncs.length, "pending resets only while a sync is in progress").toBeGreaterThan(0);
      }
      expect(SyncCoordinator.syncInProgress(after, mr), "syncInProgress agrees with the model").toBe(
        this.syncRunning(mr),
      );
      this.expectHeld(SyncCoordinator, after, mr, entry, atMs);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Properties

const runner = propertyRunner(SyncCoordinator, (config: Config) => new Model(config));

const REACHED: Readonly<Record<string, readonly string[]>> = {
  "flag off": [
    "BeginReset → Proceed",
    "FinishReset → ResetFinished",
    "FinishSync → SyncFinished",
    "ScheduleReset → Rejected",
    "ScheduleReset → ResetEnqueued",
    "StartSync → SyncStarted",
    "Rejected mr-limit",
    "SyncStarted running true",
    "SyncFinished failed",
    "effect EnqueueReset on ScheduleReset",
  ],
  "entry-check": [
    "BeginReset → Deferred",
    "BeginReset → Proceed",
    "BeginReset → Unknown",
    "FinishReset → ResetFinished",
    "FinishReset → Unknown",
    "FinishSync → SyncFinished",
    "FinishSync → Unknown",
    "ScheduleReset → Rejected",
    "ScheduleReset → ResetDeferred",
    "ScheduleReset → ResetEnqueued",
    "StartSync → Rejected",
    "StartSync → SyncStarted",
    "Rejected mr-limit",
    "Rejected pending-full",
    "Unknown reset",
    "Unknown sync",
    "SyncStarted running true",
    "SyncFinished drained",
    "SyncFinished failed",
    "effect EnqueueReset on FinishSync",
    "effect EnqueueReset on ScheduleReset",
  ],
};

/** Entry-check: pending resets exist only while a sync of their MR is in progress. */
function pendingOnlyDuringSync({ after }: Observation): void {
  for (const [mr, entry] of Object.entries(after.mrs)) {
    if (entry.syncs.length === 0) {
      expect(entry.pendingResets, `MR ${mr}: drained when no sync remains`).toEqual([]);
    }
  }
}

const PROPERTIES: Readonly<Record<string, readonly ((o: Observation) => void)[]>> = {
  "flag off": [],
  "entry-check": [
    noProceedDuringSync(SyncCoordinator),
    pendingOnlyDuringSync,
    unapprovedDuringSync(SyncCoordinator),
  ],
};

describe("the seed's coordinator (flag off, entry-check) properties", () => {
  runner.itReachesEveryLabel(CONFIGS, REACHED);

  it.each([2, 1])(
    "flag off, mrCountMax %i: legacy exactly (a 10 s enqueue per ScheduleReset, a 15 s marker, everything " +
      "else unchanged): state changes only in unapprovedUntilMs; inputs never mutated; state stays JSON",
    (mrCountMax) => {
      runner.check({ ...CONFIGS[0]![1], mrCountMax });
    },
  );

  it.each([2, 1])(
    "entry-check, mrCountMax %i: BeginReset never returns Proceed while a sync of its MR is in progress; " +
      "pending resets are non-empty only while a sync is in progress (drained, FIFO, when none remains, also " +
      "on failure); every scheduled reset is exactly one of pending/enqueued/running/finished; EnqueueReset at " +
      "most once per scheduling; a sync in progress keeps the MR temporarily unapproved; bounds and pruning; " +
      "inputs never mutated; state stays JSON",
    (mrCountMax) => {
      runner.check({ ...CONFIGS[1]![1], mrCountMax }, PROPERTIES["entry-check"]);
    },
  );
});
