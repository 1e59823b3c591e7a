// Property tests for SyncCoordinator: random sequences of StartSync, FinishSync, ScheduleReset, BeginReset
// and FinishReset over MRs a and b, with sync and reset ids drawn fresh or reused and nondecreasing atMs.
// After every step the state is checked against a reference model kept from results and effects alone (seed
// 000: ../shared/seeds/000_a68bbd6ee7280424.txt). The seed's racy routes (flag off, entry-check) have theirs
// in scenarios/sync-vs-reset/entry-check.property.test.ts.

import { SyncCoordinator } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepFreeze } from "./support.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Effect = SyncCoordinator.Effect;
type Result = SyncCoordinator.Result;
type Config = SyncCoordinator.Config;

const MRS = ["a", "b"] as const;

/** Small bounds and a short marker, so that every bound is hit and markers expire within a run. */
const base = { legacyTtlMs: 5_000, legacyResetDelayMs: 2_000, mrCountMax: 2, pendingPerMrMax: 2 };

const CONFIGS: readonly (readonly [string, Config])[] = [["serial", base]];

// ---------------------------------------------------------------------------------------------------------
// Generator

/** How an op picks its id: one the model holds for the MR now, one used before (any MR), or a fresh one. */
type Pick = { readonly kind: "live" | "used"; readonly index: number } | { readonly kind: "fresh" };

interface Op {
  readonly _tag: Event["_tag"];
  readonly mr: (typeof MRS)[number];
  readonly pick: Pick;
  readonly outcome: "ok" | "failed";
  readonly dtMs: number;
}

const pick = (live: number, used: number, fresh: number): fc.Arbitrary<Pick> =>
  fc.oneof(
    { weight: live, arbitrary: fc.record({ kind: fc.constant("live" as const), index: fc.nat(10) }) },
    { weight: used, arbitrary: fc.record({ kind: fc.constant("used" as const), index: fc.nat(20) }) },
    { weight: fresh, arbitrary: fc.constant({ kind: "fresh" as const }) },
  );

const dtMs = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2_001, max: 10_000 }) },
);

const opOf = (tags: readonly Event["_tag"][], idPick: fc.Arbitrary<Pick>): fc.Arbitrary<Op> =>
  fc.record({
    _tag: fc.constantFrom(...tags),
    mr: fc.constantFrom(...MRS),
    pick: idPick,
    outcome: fc.constantFrom<"ok" | "failed">("ok", "ok", "failed"),
    dtMs,
  });

const op: fc.Arbitrary<Op> = fc.oneof(
  // Starting work: mostly fresh ids, sometimes a repeat (idempotence).
  { weight: 5, arbitrary: opOf(["StartSync", "ScheduleReset"], pick(2, 1, 6)) },
  // Finishing or entering: mostly ids that are live, sometimes stale or unknown ones.
  { weight: 6, arbitrary: opOf(["FinishSync", "BeginReset", "FinishReset"], pick(8, 1, 1)) },
);

const ops = fc.array(op, { maxLength: 60, size: "max" });

/** One applied event, with the (deep-frozen) state before and after it. */
interface Observation {
  readonly before: State;
  readonly event: Event;
  readonly after: State;
  readonly effects: readonly Effect[];
  readonly result: Result;
}

/**
 * Replays `sequence` from the empty coordinator, calling `observe` after every transition. States and events
 * are deep-frozen, so a transition that mutated its input would throw (ES modules are strict).
 */
function replay(config: Config, sequence: readonly Op[], observe: (o: Observation) => void): void {
  let state = deepFreeze(SyncCoordinator.initial(config));
  const model = new Model(config);
  const used = { sync: [] as string[], reset: [] as string[] };
  let atMs = 0;
  for (const current of sequence) {
    atMs += current.dtMs;
    const event = deepFreeze(eventOf(current, atMs, model, used));
    const { state: after, effects, result } = SyncCoordinator.transition(state, event);
    deepFreeze(after);
    const observation = { before: state, event, after, effects, result };
    model.observe(observation);
    observe(observation);
    state = after;
  }
}

function eventOf(
  current: Op,
  atMs: number,
  model: Model,
  used: { readonly sync: string[]; readonly reset: string[] },
): Event {
  const { mr } = current;
  const isSync = current._tag === "StartSync" || current._tag === "FinishSync";
  const pool = isSync ? used.sync : used.reset;
  const live = isSync ? model.liveSyncs(mr) : model.liveResets(mr);
  let id: string | undefined;
  if (current.pick.kind === "live") {
    id = live[current.pick.index % Math.max(live.length, 1)];
  }
  if (current.pick.kind === "used" || (current.pick.kind === "live" && id === undefined)) {
    id = pool[current.pick.index % Math.max(pool.length, 1)];
  }
  if (id === undefined) {
    id = `${isSync ? "s" : "r"}${pool.length}`;
    pool.push(id);
  }
  switch (current._tag) {
    case "StartSync":
      return { _tag: "StartSync", mr, syncId: id, atMs };
    case "FinishSync":
      return { _tag: "FinishSync", mr, syncId: id, outcome: current.outcome, atMs };
    case "ScheduleReset":
      return { _tag: "ScheduleReset", mr, resetId: id, atMs };
    case "BeginReset":
      return { _tag: "BeginReset", mr, resetId: id, atMs };
    case "FinishReset":
      return { _tag: "FinishReset", mr, resetId: id, atMs };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reference model

/**
 * A reset's stage. Entry-check: `pending` → `enqueued` (EnqueueReset) → `running` (Proceed), and back to
 * `pending` (Deferred); `drain` is a pending reset released by the FinishSync being observed. Serial:
 * `queued` → `dispatched` (RunReset) → `running` (Proceed). `new` marks a reset scheduled in the step being
 * observed, before its effects. Finished resets leave the model.
 */
type Stage = "new" | "pending" | "drain" | "enqueued" | "queued" | "dispatched" | "running";

interface MrModel {
  /** Live Sync orders, in arrival order → dispatched. */
  readonly syncs: Map<string, boolean>;
  /** Scheduled, unfinished resets, in arrival order → stage. */
  readonly resets: Map<string, Stage>;
  /** Entry-check: pending reset ids, FIFO. */
  pending: string[];
  /** Serial: live orders in arrival order; the head is the one in flight. */
  readonly queue: { readonly kind: "Sync" | "Reset"; readonly id: string }[];
}

const emptyMr = (): MrModel => ({ syncs: new Map(), resets: new Map(), pending: [], queue: [] });

function mrOf(state: State, mr: string): SyncCoordinator.MrState | undefined {
  return Object.hasOwn(state.mrs, mr) ? state.mrs[mr] : undefined;
}

/** Whether `entry` could be pruned at `atMs` (the sweep's rule, written out independently). */
function prunable(state: State, mr: string, entry: SyncCoordinator.MrState, atMs: number): boolean {
  const mailboxWork = Object.hasOwn(state.mailbox.keys, mr);
  return entry.scheduledResets.length === 0 && !mailboxWork && entry.unapprovedUntilMs <= atMs;
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

/**
 * The reference model: what every sync and reset should be, from results and effects only. `observe` checks
 * each step against it, then the state against the model.
 */
class Model {
  private readonly mrs = new Map<string, MrModel>();
  constructor(private readonly config: Config) {}

  private mr(mr: string): MrModel {
    let entry = this.mrs.get(mr);
    if (entry === undefined) {
      entry = emptyMr();
      this.mrs.set(mr, entry);
    }
    return entry;
  }

  liveSyncs(mr: string): string[] {
    return [...(this.mrs.get(mr)?.syncs.keys() ?? [])];
  }

  liveResets(mr: string): string[] {
    return [...(this.mrs.get(mr)?.resets.keys() ?? [])];
  }

  /** Whether the model has a sync of `mr` that may do its work (entry-check: any; serial: dispatched). */
  syncRunning(mr: string): boolean {
    return [...(this.mrs.get(mr)?.syncs.values() ?? [])].some((dispatched) => dispatched);
  }

  observe(o: Observation): void {
    const { before, after, effects, result } = o;
    const unchanged =
      result._tag === "Rejected" || (result._tag === "Unknown" && effects.length === 0) || this.isRepeat(o);
    if (unchanged) {
      expect(after, `${result._tag} returns the same state`).toBe(before);
      expect(effects, `${result._tag} has no effects`).toEqual([]);
    }
    if (result._tag === "Rejected") {
      this.rejected(o, result.reason);
    } else {
      this.serial(o);
    }
    for (const [mr, entry] of this.mrs) {
      if (entry.syncs.size === 0 && entry.resets.size === 0) {
        this.mrs.delete(mr);
      }
    }
    this.compare(after, o.event.atMs);
  }

  /** A StartSync or ScheduleReset of an id the model already holds for that MR. */
  private isRepeat({ event }: Observation): boolean {
    const entry = this.mrs.get(event.mr);
    if (entry === undefined) {
      return false;
    }
    return (
      (event._tag === "StartSync" && entry.syncs.has(event.syncId)) ||
      (event._tag === "ScheduleReset" && entry.resets.has(event.resetId))
    );
  }

  private rejected({ before, event }: Observation, reason: "mr-limit" | "pending-full"): void {
    expect(["StartSync", "ScheduleReset"]).toContain(event._tag);
    expect(this.isRepeat({ event } as Observation), "a repeat is never rejected").toBe(false);
    if (reason === "mr-limit") {
      expect(mrOf(before, event.mr), "mr-limit only for a new MR").toBeUndefined();
      expect(Object.keys(before.mrs)).toHaveLength(this.config.mrCountMax);
      for (const [mr, entry] of Object.entries(before.mrs)) {
        expect(prunable(before, mr, entry, event.atMs), `mr-limit: ${mr} could not be swept`).toBe(false);
      }
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
    expect(Object.keys(after.mrs).length, "at most mrCountMax MRs").toBeLessThanOrEqual(
      this.config.mrCountMax,
    );
    expect(JSON.parse(JSON.stringify(after)), "the state stays JSON").toEqual(after);
    for (const mr of new Set([...MRS, ...Object.keys(after.mrs)])) {
      const entry = mrOf(after, mr);
      const model = this.mrs.get(mr) ?? emptyMr();
      const stage = (wanted: Stage) => [...model.resets].filter(([, s]) => s === wanted).map(([id]) => id);
      expect(entry?.scheduledResets ?? [], "conservation: scheduled = pending ∪ enqueued ∪ running").toEqual([
        ...model.resets.keys(),
      ]);
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
      if (SyncCoordinator.syncInProgress(after, mr) || model.resets.size > 0 || model.syncs.size > 0) {
        expect(
          SyncCoordinator.isTemporarilyUnapproved(after, mr, atMs),
          `MR ${mr} is temporarily unapproved`,
        ).toBe(true);
      }
      if (entry === undefined) {
        expect(model.syncs.size + model.resets.size, `MR ${mr} pruned with work`).toBe(0);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Properties

/** Replays 300 random sequences under `config`, running `properties` (and the model's checks) after every step. */
function check(config: Config, properties: readonly ((o: Observation) => void)[] = []): void {
  fc.assert(
    fc.property(ops, (sequence) => {
      replay(config, sequence, (o) => {
        for (const property of properties) {
          property(o);
        }
      });
    }),
    { numRuns: 300 },
  );
}

/** A label per kind of step, to show the generator reaches every branch. */
function label({ event, result, effects }: Observation): string[] {
  const labels = [`${event._tag} → ${result._tag}`];
  if (result._tag === "Rejected" || result._tag === "Unknown") {
    labels.push(`${result._tag} ${"reason" in result ? result.reason : result.what}`);
  }
  if (result._tag === "SyncStarted" || result._tag === "ResetQueued") {
    labels.push(`${result._tag} running ${result.running}`);
  }
  if (result._tag === "SyncFinished" && result.drained.length > 0) {
    labels.push("SyncFinished drained");
  }
  if (event._tag === "FinishSync" && event.outcome === "failed" && result._tag === "SyncFinished") {
    labels.push("SyncFinished failed");
  }
  for (const effect of effects) {
    labels.push(`effect ${effect._tag} on ${event._tag}`);
  }
  return labels;
}

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

/** BeginReset never answers Proceed while a sync of its MR is in progress, as observed at BeginReset. */
function noProceedDuringSync({ before, after, event, result }: Observation): void {
  if (result._tag === "Proceed") {
    expect(SyncCoordinator.syncInProgress(before, event.mr), "Proceed while a sync is in progress").toBe(
      false,
    );
    expect(SyncCoordinator.syncInProgress(after, event.mr), "Proceed while a sync is in progress").toBe(
      false,
    );
  }
}

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

/** Flag on: a sync in progress keeps its MR temporarily unapproved, however old the marker is. */
function unapprovedDuringSync({ after, event }: Observation): void {
  for (const mr of MRS) {
    if (SyncCoordinator.syncInProgress(after, mr)) {
      expect(SyncCoordinator.isTemporarilyUnapproved(after, mr, event.atMs + 1_000_000)).toBe(true);
    }
  }
}

const PROPERTIES: Readonly<Record<string, readonly ((o: Observation) => void)[]>> = {
  serial: [noProceedDuringSync, neverSyncAndResetAtOnce, unapprovedDuringSync],
};

describe("SyncCoordinator properties", () => {
  it.each(CONFIGS)(
    "%s: the generator reaches every result and effect, so the properties below are not vacuous",
    (name, config) => {
      const seen = new Set<string>();
      for (const mrCountMax of [1, 2]) {
        for (const sequence of fc.sample(ops, { numRuns: 150, seed: 0 })) {
          replay({ ...config, mrCountMax }, sequence, (o) => {
            for (const each of label(o)) {
              seen.add(each);
            }
          });
        }
      }
      expect([...seen].sort()).toEqual([...(REACHED[name] ?? [])].sort());
    },
  );

  it.each([2, 1])(
    "serial, mrCountMax %i: never a Sync and a Reset of one MR in flight at once; BeginReset never returns " +
      "Proceed while a sync of its MR is in progress; per-MR FIFO dispatch; every scheduled reset is exactly one " +
      "of queued/dispatched/running/finished; RunReset at most once per scheduling; a sync in progress keeps " +
      "the MR temporarily unapproved; bounds and pruning; inputs never mutated; state stays JSON",
    (mrCountMax) => {
      check({ ...CONFIGS[0]![1], mrCountMax }, PROPERTIES.serial);
    },
  );
});
