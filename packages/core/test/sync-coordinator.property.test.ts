// Property tests for SyncCoordinator: random sequences of StartSync, FinishSync, ScheduleReset, BeginReset
// and FinishReset over MRs a and b, with sync and reset ids drawn fresh or reused and nondecreasing atMs.
// After every step the state is checked against a reference model kept from results and effects alone (seed
// 000: ../shared/seeds/000_a68bbd6ee7280424.txt). The seed's racy routes (flag off, entry-check) have theirs
// in scenarios/sync-vs-reset/entry-check.property.test.ts.

import { SyncCoordinator } from "@interleave/core";
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
} from "../../../test/support/sync-coordinator-events.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Config = SyncCoordinator.Config;
type Observation = FlowObservation<State, SyncCoordinator.Effect, SyncCoordinator.Result>;

/**
 * The order leases outlive every generated sequence here (the reference model has no clock for them): their
 * expiry and reclaim are tested by example in sync-coordinator.test.ts and checked exhaustively by the
 * `sync-coordinator-serial-recovery` model (scenarios/sync-vs-reset).
 */
const CONFIGS: readonly (readonly [string, Config])[] = [["serial", { ...BASE_CONFIG, leaseTtlMs: 1e12 }]];

// ---------------------------------------------------------------------------------------------------------
// Reference model

/**
 * A reset's stage: `queued` → `dispatched` (RunReset) → `running` (Proceed). Finished resets leave the model.
 */
type Stage = "queued" | "dispatched" | "running";

interface MrModel {
  /** Live Sync orders, in arrival order → dispatched. */
  readonly syncs: Map<string, boolean>;
  /** Scheduled, unfinished resets, in arrival order → stage. */
  readonly resets: Map<string, Stage>;
  /** Live orders in arrival order; the head is the one in flight. */
  readonly queue: { readonly kind: "Sync" | "Reset"; readonly id: string }[];
}

const emptyMr = (): MrModel => ({ syncs: new Map(), resets: new Map(), queue: [] });

/** Whether `entry` could be pruned at `atMs` (the sweep's rule, written out independently). */
function prunable(state: State, mr: string, entry: SyncCoordinator.MrState, atMs: number): boolean {
  const mailboxWork = Object.hasOwn(state.mailbox.keys, mr);
  return entry.scheduledResets.length === 0 && !mailboxWork && entry.unapprovedUntilMs <= atMs;
}

/**
 * The reference model: what every sync and reset should be, from results and effects only. `observe` checks
 * each step against it, then the state against the model.
 */
class Model extends MrModels<MrModel> {
  constructor(private readonly config: Config) {
    super(emptyMr);
  }

  observe(o: Observation): void {
    const { after, effects, result } = o;
    const unchanged =
      result._tag === "Rejected" ||
      (result._tag === "Unknown" && effects.length === 0) ||
      this.isRepeat(o.event);
    this.expectUnchanged(unchanged, o);
    if (result._tag === "Rejected") {
      this.rejected(o, result.reason);
    } else {
      this.serial(o);
    }
    this.forgetIdle();
    this.compare(after, o.event.atMs);
  }

  private rejected({ before, event }: Observation, reason: "mr-limit" | "pending-full"): void {
    this.expectRejectable(event);
    if (reason === "mr-limit") {
      expectMrLimit(before, event, this.config.mrCountMax, (mr, entry) =>
        prunable(before, mr, entry, event.atMs),
      );
      return;
    }
    const entry = this.mrs.get(event.mr) ?? emptyMr();
    const { pendingPerMrMax } = this.config;
    expect(entry.queue.length, "serial pending-full: the MR's queue is full").toBe(pendingPerMrMax + 1);
  }

  private serial({ before, event, after, effects, result }: Observation): void {
    const entry = this.mr(event.mr);
    switch (event._tag) {
      case "StartSync": {
        expect(result._tag).toBe("SyncStarted");
        if (!entry.syncs.has(event.syncId)) {
          entry.syncs.set(event.syncId, false);
          entry.queue.push({ kind: "Sync", id: event.syncId });
        }
        break;
      }
      case "ScheduleReset": {
        expect(result._tag).toBe("ResetQueued");
        if (!entry.resets.has(event.resetId)) {
          entry.resets.set(event.resetId, "queued");
          entry.queue.push({ kind: "Reset", id: event.resetId });
        }
        break;
      }
      case "BeginReset": {
        const stage = entry.resets.get(event.resetId);
        if (result._tag === "Proceed") {
          expect(["dispatched", "running"], "Proceed only for a dispatched reset").toContain(stage);
          entry.resets.set(event.resetId, "running");
        } else if (result._tag === "Deferred") {
          expect(stage, "Deferred only for a queued reset").toBe("queued");
          expect(after).toBe(before);
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "reset" });
          expect(stage).toBeUndefined();
        }
        break;
      }
      case "FinishReset": {
        const stage = entry.resets.get(event.resetId);
        if (result._tag === "ResetFinished") {
          expect(["dispatched", "running"], "only a dispatched reset finishes").toContain(stage);
          expect(entry.queue[0]).toEqual({ kind: "Reset", id: event.resetId });
          entry.resets.delete(event.resetId);
          entry.queue.shift();
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "reset" });
          expect(stage === undefined || stage === "queued").toBe(true);
        }
        break;
      }
      case "FinishSync": {
        if (result._tag === "SyncFinished") {
          expect(entry.syncs.get(event.syncId), "only a dispatched sync finishes").toBe(true);
          expect(entry.queue[0]).toEqual({ kind: "Sync", id: event.syncId });
          entry.syncs.delete(event.syncId);
          entry.queue.shift();
          expect(result.drained, "drained: the resets dispatched by this FinishSync").toEqual(
            effects.flatMap((effect) => (effect._tag === "RunReset" ? [effect.resetId] : [])),
          );
        } else {
          expect(result).toEqual({ _tag: "Unknown", what: "sync" });
          expect(entry.syncs.get(event.syncId) ?? false).toBe(false);
        }
        break;
      }
    }
    for (const effect of effects) {
      expect(["RunSync", "RunReset"], "serial emits only RunSync and RunReset").toContain(effect._tag);
      expect(effect.mr).toBe(event.mr);
      const head = entry.queue[0];
      const id = effect._tag === "RunSync" ? effect.syncId : effect._tag === "RunReset" ? effect.resetId : "";
      expect(head, "FIFO: the MR's oldest live order is dispatched").toEqual({
        kind: effect._tag === "RunSync" ? "Sync" : "Reset",
        id,
      });
      if (effect._tag === "RunSync") {
        expect(entry.syncs.get(id), "RunSync at most once").toBe(false);
        entry.syncs.set(id, true);
      } else {
        expect(entry.resets.get(id), "RunReset at most once per scheduling").toBe("queued");
        entry.resets.set(id, "dispatched");
      }
    }
    if (result._tag === "SyncStarted") {
      expect(result.running, "SyncStarted.running: the sync was dispatched").toBe(
        entry.syncs.get((event as Extract<Event, { _tag: "StartSync" }>).syncId),
      );
    } else if (result._tag === "ResetQueued") {
      const stage = entry.resets.get((event as Extract<Event, { _tag: "ScheduleReset" }>).resetId);
      expect(result.running, "ResetQueued.running: the reset was dispatched").toBe(stage !== "queued");
    }
    // The strong property: never a Sync and a Reset of one MR in flight at once, ever.
    for (const [mr, model] of this.mrs) {
      const syncs = [...model.syncs.values()].filter((dispatched) => dispatched).length;
      const resets = [...model.resets.values()].filter((stage) => stage !== "queued").length;
      expect(syncs + resets, `MR ${mr}: at most one order in flight`).toBeLessThanOrEqual(1);
      if (model.queue.length > 0) {
        expect(syncs + resets, `MR ${mr}: its oldest order runs (work-conserving)`).toBe(1);
      }
    }
  }

  /** The state must hold exactly what the model says, MR by MR; plus the invariants the state keeps. */
  private compare(after: State, atMs: number): void {
    this.expectBounded(after, this.config.mrCountMax);
    for (const mr of new Set([...MRS, ...Object.keys(after.mrs)])) {
      const entry = mrOf(after, mr);
      const model = this.mrs.get(mr) ?? emptyMr();
      const stage = (wanted: Stage) => [...model.resets].filter(([, s]) => s === wanted).map(([id]) => id);
      expect(entry?.scheduledResets ?? [], "conservation: scheduled = queued ∪ dispatched ∪ running").toEqual(
        [...model.resets.keys()],
      );
      expect(sorted(entry?.runningResets ?? []), "running resets").toEqual(sorted(stage("running")));
      expect(
        entry === undefined || !("syncs" in entry || "pendingResets" in entry),
        "syncs live in the Mailbox",
      ).toBe(true);
      const key = Object.hasOwn(after.mailbox.keys, mr) ? after.mailbox.keys[mr] : undefined;
      const orders =
        key === undefined ? [] : [...(key.inFlight === null ? [] : [key.inFlight.order]), ...key.pending];
      expect(
        orders.map((order) => ({ kind: order.kind, id: order.payload })),
        "the MR's Mailbox queue is the model's",
      ).toEqual(model.queue);
      if (key !== undefined) {
        expect(key.inFlight, "the MR's oldest order is in flight").not.toBeNull();
      }
      expect(
        SyncCoordinator.syncInProgress(after, mr),
        "syncInProgress agrees with the model (serial: a dispatched sync)",
      ).toBe(this.syncRunning(mr));
      this.expectHeld(SyncCoordinator, after, mr, entry, atMs);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Properties

const runner = propertyRunner(SyncCoordinator, (config: Config) => new Model(config));

const REACHED: Readonly<Record<string, readonly string[]>> = {
  serial: [
    "BeginReset → Deferred",
    "BeginReset → Proceed",
    "BeginReset → Unknown",
    "FinishReset → ResetFinished",
    "FinishReset → Unknown",
    "FinishSync → SyncFinished",
    "FinishSync → Unknown",
    "ScheduleReset → Rejected",
    "ScheduleReset → ResetQueued",
    "StartSync → Rejected",
    "StartSync → SyncStarted",
    "Rejected mr-limit",
    "Rejected pending-full",
    "Unknown reset",
    "Unknown sync",
    "SyncStarted running true",
    "SyncStarted running false",
    "ResetQueued running true",
    "ResetQueued running false",
    "SyncFinished drained",
    "SyncFinished failed",
    "effect RunReset on FinishReset",
    "effect RunReset on FinishSync",
    "effect RunReset on ScheduleReset",
    "effect RunSync on FinishReset",
    "effect RunSync on FinishSync",
    "effect RunSync on StartSync",
  ],
};

/** Serial, read from the state alone: never a Sync and a Reset of one MR in flight at once. */
function neverSyncAndResetAtOnce({ after }: Observation): void {
  for (const mr of MRS) {
    const running = mrOf(after, mr)?.runningResets ?? [];
    if (SyncCoordinator.syncInProgress(after, mr)) {
      expect(running, `MR ${mr}: a sync runs, so no reset does`).toEqual([]);
    }
    const key = Object.hasOwn(after.mailbox.keys, mr) ? after.mailbox.keys[mr] : undefined;
    const inFlight = key?.inFlight?.order;
    expect(
      running.every((id) => inFlight?.kind === "Reset" && inFlight.payload === id),
      `MR ${mr}: a running reset is the MR's one order in flight`,
    ).toBe(true);
  }
}

const PROPERTIES: Readonly<Record<string, readonly ((o: Observation) => void)[]>> = {
  serial: [
    noProceedDuringSync(SyncCoordinator),
    neverSyncAndResetAtOnce,
    unapprovedDuringSync(SyncCoordinator),
  ],
};

describe("SyncCoordinator properties", () => {
  runner.itReachesEveryLabel(CONFIGS, REACHED);

  it.each([2, 1])(
    "serial, mrCountMax %i: never a Sync and a Reset of one MR in flight at once; BeginReset never returns " +
      "Proceed while a sync of its MR is in progress; per-MR FIFO dispatch; every scheduled reset is exactly one " +
      "of queued/dispatched/running/finished; RunReset at most once per scheduling; a sync in progress keeps " +
      "the MR temporarily unapproved; bounds and pruning; inputs never mutated; state stays JSON",
    (mrCountMax) => {
      runner.check({ ...CONFIGS[0]![1], mrCountMax }, PROPERTIES.serial);
    },
  );
});
