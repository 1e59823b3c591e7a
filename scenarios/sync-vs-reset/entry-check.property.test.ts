// Property tests for the seed's racy routes (./entry-check.ts: flag off, entry-check), moved from the core
// when it kept only the serial coordinator: random sequences of StartSync, FinishSync, ScheduleReset,
// BeginReset and FinishReset over MRs a and b, with sync and reset ids drawn fresh or reused and
// nondecreasing atMs. After every step the state is checked against a reference model kept from results and
// effects alone (seed 000: ../../shared/seeds/000_a68bbd6ee7280424.txt). The serial coordinator's are in
// packages/core/test/sync-coordinator.property.test.ts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as SyncCoordinator from "./entry-check.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Effect = SyncCoordinator.Effect;
type Result = SyncCoordinator.Result;
type Config = SyncCoordinator.Config;

/** Freezes `value` and everything reachable from it; returns it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}

const MRS = ["a", "b"] as const;

/** Small bounds and a short marker, so that every bound is hit and markers expire within a run. */
const base = { legacyTtlMs: 5_000, legacyResetDelayMs: 2_000, mrCountMax: 2, pendingPerMrMax: 2 };

const CONFIGS: readonly (readonly [string, Config])[] = [
  ["flag off", { ...base, featureFlag: false }],
  ["entry-check", { ...base, featureFlag: true }],
];

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
  /** Syncs in progress (entry-check) or live Sync orders (serial), in arrival order → dispatched. */
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
  expect(mr, "an MR of the state").toBe(Object.keys(state.mrs).find((key) => key === mr));
  return entry.syncs.length === 0 && entry.scheduledResets.length === 0 && entry.unapprovedUntilMs <= atMs;
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

/**
 * The reference model: what every sync and reset should be, from results and effects only. `observe` checks
 * each step against it, then the state against the model.
 */
class Model {
  private readonly mrs = new Map<string, MrModel>();
  private readonly route: "legacy" | "coordinator";

  constructor(private readonly config: Config) {
    this.route = !config.featureFlag ? "legacy" : "coordinator";
  }

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
      result._tag === "Rejected" ||
      (result._tag === "Unknown" && effects.length === 0) ||
      this.isRepeat(o) ||
      (this.route === "legacy" && o.event._tag !== "ScheduleReset");
    if (unchanged) {
      expect(after, `${result._tag} returns the same state`).toBe(before);
      expect(effects, `${result._tag} has no effects`).toEqual([]);
    }
    if (result._tag === "Rejected") {
      this.rejected(o, result.reason);
    } else if (this.route === "legacy") {
      this.legacy(o);
    } else {
      this.entryCheck(o);
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
    if (this.route === "legacy" || entry === undefined) {
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
    expect(Object.keys(after.mrs).length, "at most mrCountMax MRs").toBeLessThanOrEqual(
      this.config.mrCountMax,
    );
    expect(JSON.parse(JSON.stringify(after)), "the state stays JSON").toEqual(after);
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

/** Entry-check: pending resets exist only while a sync of their MR is in progress. */
function pendingOnlyDuringSync({ after }: Observation): void {
  for (const [mr, entry] of Object.entries(after.mrs)) {
    if (entry.syncs.length === 0) {
      expect(entry.pendingResets, `MR ${mr}: drained when no sync remains`).toEqual([]);
    }
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
  "flag off": [],
  "entry-check": [noProceedDuringSync, pendingOnlyDuringSync, unapprovedDuringSync],
};

describe("the seed's coordinator (flag off, entry-check) properties", () => {
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
    "flag off, mrCountMax %i: legacy exactly (a 10 s enqueue per ScheduleReset, a 15 s marker, everything " +
      "else unchanged): state changes only in unapprovedUntilMs; inputs never mutated; state stays JSON",
    (mrCountMax) => {
      check({ ...CONFIGS[0]![1], mrCountMax });
    },
  );

  it.each([2, 1])(
    "entry-check, mrCountMax %i: BeginReset never returns Proceed while a sync of its MR is in progress; " +
      "pending resets are non-empty only while a sync is in progress (drained, FIFO, when none remains, also " +
      "on failure); every scheduled reset is exactly one of pending/enqueued/running/finished; EnqueueReset at " +
      "most once per scheduling; a sync in progress keeps the MR temporarily unapproved; bounds and pruning; " +
      "inputs never mutated; state stays JSON",
    (mrCountMax) => {
      check({ ...CONFIGS[1]![1], mrCountMax }, PROPERTIES["entry-check"]);
    },
  );
});
