/**
 * The SyncCoordinator events and the random event sequences its tests drive, for both machines that take them:
 * the core's serial coordinator (packages/core/test/sync-coordinator*.test.ts) and the seed's racy routes,
 * flag off and entry-check (scenarios/sync-vs-reset/entry-check*.test.ts). Both speak the core's five events
 * (seed 000: shared/seeds/000_a68bbd6ee7280424.txt); what differs (state, results, effects, the reference
 * model) is a parameter.
 *
 * - Example tests: the event builders, {@link runOf} and {@link mrOf}.
 * - Property tests: {@link ops} (random sequences of StartSync, FinishSync, ScheduleReset, BeginReset and
 *   FinishReset over MRs a and b, with sync and reset ids drawn fresh or reused and nondecreasing atMs),
 *   {@link propertyRunner} (replays them against a reference model), {@link label} and the properties both
 *   machines keep.
 */
import { AssertionError, type SyncCoordinator } from "@interleave/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import { deepFreeze } from "./deep-freeze.js";

/** The core's five order events (its lease events, Heartbeat and Expire, are tested on their own). */
export type Event = Exclude<SyncCoordinator.Event, { readonly _tag: "Heartbeat" | "Expire" }>;

// ---------------------------------------------------------------------------------------------------------
// Example tests

export const startSync = (mr: string, syncId: string, atMs = 0): Event => ({
  _tag: "StartSync",
  mr,
  syncId,
  atMs,
});
export const finishSync = (mr: string, syncId: string, atMs = 0, outcome: "ok" | "failed" = "ok"): Event => ({
  _tag: "FinishSync",
  mr,
  syncId,
  outcome,
  atMs,
});
export const scheduleReset = (mr: string, resetId: string, atMs = 0): Event => ({
  _tag: "ScheduleReset",
  mr,
  resetId,
  atMs,
});
export const beginReset = (mr: string, resetId: string, atMs = 0): Event => ({
  _tag: "BeginReset",
  mr,
  resetId,
  atMs,
});
export const finishReset = (mr: string, resetId: string, atMs = 0): Event => ({
  _tag: "FinishReset",
  mr,
  resetId,
  atMs,
});

/** `run(state, ...events)` for `machine`: applies `events` in order; returns the final state. */
export function runOf<S>(machine: {
  transition(state: S, event: Event): { readonly state: S };
}): (state: S, ...events: readonly Event[]) => S {
  return (state, ...events) =>
    events.reduce((current, event) => machine.transition(current, event).state, state);
}

/** What the coordinator keeps for `mr`, if anything (MR names like `__proto__` are ordinary). */
export function mrOf<M>(state: { readonly mrs: Readonly<Record<string, M>> }, mr: string): M | undefined {
  return Object.hasOwn(state.mrs, mr) ? state.mrs[mr] : undefined;
}

/** What the example helpers below use of a coordinator. */
export interface SyncMachine<S> {
  transition(
    state: S,
    event: Event,
  ): { readonly state: S; readonly effects: readonly unknown[]; readonly result: unknown };
  isTemporarilyUnapproved(state: S, mr: string, atMs: number): boolean;
  syncInProgress(state: S, mr: string): boolean;
}

/** A coordinator's state as far as the helpers read it: per MR, at least the legacy marker. */
type MrsState = { readonly mrs: Readonly<Record<string, { readonly unapprovedUntilMs: number }>> };

/**
 * CreateService marks the MR temporarily unapproved: from `idle` (the seed's 15 s marker), StartSync at 1 s
 * marks `!1` at once and for as long as the sync runs, then the marker alone until 16 s.
 */
export function expectStartSyncMarksMr<S extends MrsState>(machine: SyncMachine<S>, idle: S): void {
  const run = runOf(machine);
  expect(machine.isTemporarilyUnapproved(idle, "!1", 1_000)).toBe(false);
  const { state } = machine.transition(idle, startSync("!1", "s1", 1_000));
  expect(machine.isTemporarilyUnapproved(state, "!1", 1_000)).toBe(true);
  expect(machine.syncInProgress(state, "!1")).toBe(true);
  expect(mrOf(state, "!1")?.unapprovedUntilMs).toBe(16_000); // the legacy key too (rollback safety)
  // Long after the marker expired, the sync still holds the MR.
  expect(machine.isTemporarilyUnapproved(state, "!1", 60_000)).toBe(true);
  const done = run(state, finishSync("!1", "s1", 2_000));
  expect(machine.syncInProgress(done, "!1")).toBe(false);
  expect(machine.isTemporarilyUnapproved(done, "!1", 15_999)).toBe(true); // the marker
  expect(machine.isTemporarilyUnapproved(done, "!1", 16_000)).toBe(false);
  expect(machine.isTemporarilyUnapproved(done, "!2", 2_000)).toBe(false);
}

/** Whatever else `!1` (or another MR) has going on, StartSync and FinishSync answer on `route`. */
export function expectRoute<S>(machine: SyncMachine<S>, idle: S, route: string): void {
  const busy = runOf(machine)(idle, startSync("!2", "s0"), startSync("!1", "s1"), scheduleReset("!1", "r1"));
  for (const state of [idle, busy]) {
    expect(machine.transition(state, startSync("!1", "s9")).result).toMatchObject({
      _tag: "SyncStarted",
      route,
    });
  }
  expect(machine.transition(busy, finishSync("!1", "s1")).result).toMatchObject({
    _tag: "SyncFinished",
    route,
  });
}

/** A config row a coordinator refuses: the fields overridden, the field the error names, its message. */
export type Refusal = [override: Readonly<Record<string, unknown>>, field: string, message: string];

/** The numeric fields both coordinators validate, each with a bad value and the message naming it. */
export const NUMBER_FIELD_REFUSALS: readonly Refusal[] = [
  [{ legacyTtlMs: 0 }, "legacyTtlMs", "SyncCoordinator config: legacyTtlMs (0) must be a positive integer"],
  [
    { legacyResetDelayMs: -1 },
    "legacyResetDelayMs",
    "SyncCoordinator config: legacyResetDelayMs (-1) must be an integer >= 0",
  ],
  [{ mrCountMax: 1.5 }, "mrCountMax", "SyncCoordinator config: mrCountMax (1.5) must be a positive integer"],
  [
    { pendingPerMrMax: "8" },
    "pendingPerMrMax",
    'SyncCoordinator config: pendingPerMrMax ("8") must be a positive integer',
  ],
];

/**
 * `done` holds `!1` with a marker expiring at 15 s and no work, and `!2` with work, at mrCountMax 2: a new MR
 * is refused until `!1`'s marker expires, then sweeps `!1` and leaves `!2` as it was.
 */
export function expectSweepsExpiredMr<S extends MrsState>(machine: SyncMachine<S>, done: S): void {
  expect(mrOf(done, "!1")?.unapprovedUntilMs).toBe(15_000);
  expect(machine.transition(done, scheduleReset("!3", "r3", 14_999)).result).toEqual({
    _tag: "Rejected",
    reason: "mr-limit",
  });
  const swept = machine.transition(done, scheduleReset("!3", "r3", 15_000));
  expect((swept.result as { readonly _tag: string })._tag).not.toBe("Rejected");
  expect(Object.keys(swept.state.mrs)).toEqual(["!2", "!3"]);
  expect(swept.state.mrs["!2"]).toBe(done.mrs["!2"]);
}

/**
 * MR names like Object.prototype members are ordinary: from `idle`, a reset of `__proto__`, a sync of
 * `constructor` and a reset of `toString` leave the MRs `keys` in a plain record; a change to `toString` keeps
 * `__proto__`'s entry, the state stays JSON, and queries about `hasOwnProperty` and `valueOf` see no MR.
 */
export function expectOrdinaryMrNames<S extends MrsState>(
  machine: SyncMachine<S>,
  idle: S,
  keys: readonly string[],
): void {
  const state = runOf(machine)(
    idle,
    scheduleReset("__proto__", "r1"),
    startSync("constructor", "s1"),
    scheduleReset("toString", "r2"),
  );
  expect(Object.getPrototypeOf(state.mrs)).toBe(Object.prototype);
  expect(Object.keys(state.mrs)).toEqual(keys);
  const next = machine.transition(state, scheduleReset("toString", "r3", 1)).state;
  expect(mrOf(next, "__proto__")).toBe(mrOf(state, "__proto__"));
  expect(JSON.parse(JSON.stringify(next))).toEqual(next);
  expect(machine.isTemporarilyUnapproved(state, "hasOwnProperty", 0)).toBe(false);
  expect(machine.syncInProgress(state, "valueOf")).toBe(false);
}

/** Bad events (empty ids, bad times, unknown tags or outcomes) and bad queries throw AssertionError on `state`. */
export function expectProgrammerErrorsAsserted<S>(machine: SyncMachine<S>, state: S): void {
  const bad: Event[] = [
    startSync("", "s1"),
    startSync("!1", ""),
    startSync("!1", "s1", -1),
    startSync("!1", "s1", 1.5),
    scheduleReset("!1", ""),
    beginReset("", "r1"),
    finishReset("!1", "r1", Number.NaN),
    { _tag: "FinishSync", mr: "!1", syncId: "s1", outcome: "crashed", atMs: 0 } as unknown as Event,
    { _tag: "Bogus", mr: "!1", atMs: 0 } as unknown as Event,
  ];
  for (const event of bad) {
    expect(() => machine.transition(state, event)).toThrow(AssertionError);
  }
  expect(() => machine.isTemporarilyUnapproved(state, "", 0)).toThrow(AssertionError);
  expect(() => machine.isTemporarilyUnapproved(state, "!1", -5)).toThrow(AssertionError);
  expect(() => machine.syncInProgress(state, "")).toThrow(AssertionError);
}

// ---------------------------------------------------------------------------------------------------------
// Property tests: the generator

export const MRS = ["a", "b"] as const;

/** Small bounds and a short marker, so that every bound is hit and markers expire within a run. */
export const BASE_CONFIG = {
  legacyTtlMs: 5_000,
  legacyResetDelayMs: 2_000,
  mrCountMax: 2,
  pendingPerMrMax: 2,
};

/** How an op picks its id: one the model holds for the MR now, one used before (any MR), or a fresh one. */
type IdPick = { readonly kind: "live" | "used"; readonly index: number } | { readonly kind: "fresh" };

export interface Op {
  readonly _tag: Event["_tag"];
  readonly mr: (typeof MRS)[number];
  readonly pick: IdPick;
  readonly outcome: "ok" | "failed";
  readonly dtMs: number;
}

const pick = (live: number, used: number, fresh: number): fc.Arbitrary<IdPick> =>
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

const opOf = (tags: readonly Event["_tag"][], idPick: fc.Arbitrary<IdPick>): fc.Arbitrary<Op> =>
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

/** Random op sequences; {@link propertyRunner} turns each into events. */
export const ops = fc.array(op, { maxLength: 60, size: "max" });

// ---------------------------------------------------------------------------------------------------------
// Property tests: replaying against a reference model

/** A coordinator over the five events: the core's `SyncCoordinator`, or the seed's entry-check module. */
export interface SyncFlow<S, C, Ef, R> {
  initial(config: C): S;
  transition(
    state: S,
    event: Event,
  ): { readonly state: S; readonly effects: readonly Ef[]; readonly result: R };
  isTemporarilyUnapproved(state: S, mr: string, atMs: number): boolean;
  syncInProgress(state: S, mr: string): boolean;
}

/** One applied event, with the (deep-frozen) state before and after it. */
export interface Observation<S, Ef, R> {
  readonly before: S;
  readonly event: Event;
  readonly after: S;
  readonly effects: readonly Ef[];
  readonly result: R;
}

/** A reference model: the ids it holds (for the generator's `live` picks), and its check of each step. */
export interface ReferenceModel<O> {
  liveSyncs(mr: string): readonly string[];
  liveResets(mr: string): readonly string[];
  observe(o: O): void;
}

/** The parts of a result {@link label} reads. */
interface Answer {
  readonly _tag: string;
  readonly reason?: string;
  readonly what?: string;
  readonly running?: boolean;
  readonly drained?: readonly string[];
}

/** The reference model's per-MR bookkeeping that both models share: syncs → dispatched, resets → stage. */
export interface MrModelShape {
  readonly syncs: Map<string, boolean>;
  readonly resets: Map<string, unknown>;
}

/** The base of a reference model: its MRs, created on first use and forgotten once they hold nothing. */
export abstract class MrModels<M extends MrModelShape> {
  protected readonly mrs = new Map<string, M>();
  constructor(private readonly emptyMr: () => M) {}

  protected mr(mr: string): M {
    let entry = this.mrs.get(mr);
    if (entry === undefined) {
      entry = this.emptyMr();
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

  /** Whether the model has a sync of `mr` in progress (the serial coordinator: dispatched). */
  syncRunning(mr: string): boolean {
    return [...(this.mrs.get(mr)?.syncs.values() ?? [])].some((dispatched) => dispatched);
  }

  /** Forgets the MRs with no sync and no reset. */
  protected forgetIdle(): void {
    for (const [mr, entry] of this.mrs) {
      if (entry.syncs.size === 0 && entry.resets.size === 0) {
        this.mrs.delete(mr);
      }
    }
  }

  /** A StartSync or ScheduleReset of an id the model already holds for that MR. */
  protected isRepeat(event: Event): boolean {
    const entry = this.mrs.get(event.mr);
    if (entry === undefined) {
      return false;
    }
    return (
      (event._tag === "StartSync" && entry.syncs.has(event.syncId)) ||
      (event._tag === "ScheduleReset" && entry.resets.has(event.resetId))
    );
  }

  /** When `unchanged`, the step returned the very same state and no effects. */
  protected expectUnchanged(
    unchanged: boolean,
    { before, after, effects, result }: Observation<unknown, unknown, { readonly _tag: string }>,
  ): void {
    if (unchanged) {
      expect(after, `${result._tag} returns the same state`).toBe(before);
      expect(effects, `${result._tag} has no effects`).toEqual([]);
    }
  }

  /** Only a StartSync or ScheduleReset is rejected, and never a repeat. */
  protected expectRejectable(event: Event): void {
    expect(["StartSync", "ScheduleReset"]).toContain(event._tag);
    expect(this.isRepeat(event), "a repeat is never rejected").toBe(false);
  }

  /** `after` has at most `mrCountMax` MRs and stays JSON. */
  protected expectBounded(after: { readonly mrs: object }, mrCountMax: number): void {
    expect(Object.keys(after.mrs).length, "at most mrCountMax MRs").toBeLessThanOrEqual(mrCountMax);
    expect(JSON.parse(JSON.stringify(after)), "the state stays JSON").toEqual(after);
  }

  /**
   * `mr` (`entry` in `after`) is temporarily unapproved at `atMs` while it has a sync in progress or work in
   * the model, and was not pruned with work.
   */
  protected expectHeld<S>(flow: Queries<S>, after: S, mr: string, entry: unknown, atMs: number): void {
    const model = this.mrs.get(mr) ?? this.emptyMr();
    if (flow.syncInProgress(after, mr) || model.resets.size > 0 || model.syncs.size > 0) {
      expect(flow.isTemporarilyUnapproved(after, mr, atMs), `MR ${mr} is temporarily unapproved`).toBe(true);
    }
    if (entry === undefined) {
      expect(model.syncs.size + model.resets.size, `MR ${mr} pruned with work`).toBe(0);
    }
  }
}

/**
 * A Rejected `mr-limit`: `event`'s MR is new, and `before` holds `mrCountMax` MRs of which none could be
 * swept (`prunable`, the sweep's rule written out by the test).
 */
export function expectMrLimit<M>(
  before: { readonly mrs: Readonly<Record<string, M>> },
  event: Event,
  mrCountMax: number,
  prunable: (mr: string, entry: M) => boolean,
): void {
  expect(mrOf(before, event.mr), "mr-limit only for a new MR").toBeUndefined();
  expect(Object.keys(before.mrs)).toHaveLength(mrCountMax);
  for (const [mr, entry] of Object.entries(before.mrs)) {
    expect(prunable(mr, entry), `mr-limit: ${mr} could not be swept`).toBe(false);
  }
}

/**
 * Replaying {@link ops} through `flow`, each sequence from the empty coordinator with a fresh `model(config)`
 * observing every step. States and events are deep-frozen, so a transition that mutated its input would throw
 * (ES modules are strict).
 */
export function propertyRunner<
  S,
  C extends { readonly mrCountMax: number },
  Ef extends { readonly _tag: string },
  R extends Answer,
>(flow: SyncFlow<S, C, Ef, R>, model: (config: C) => ReferenceModel<Observation<S, Ef, R>>) {
  type O = Observation<S, Ef, R>;

  /** Replays `sequence` from the empty coordinator, calling `observe` after every transition. */
  function replay(config: C, sequence: readonly Op[], observe: (o: O) => void): void {
    let state = deepFreeze(flow.initial(config));
    const reference = model(config);
    const used = { sync: [] as string[], reset: [] as string[] };
    let atMs = 0;
    for (const current of sequence) {
      atMs += current.dtMs;
      const event = deepFreeze(eventOf(current, atMs, reference, used));
      const { state: after, effects, result } = flow.transition(state, event);
      deepFreeze(after);
      const observation = { before: state, event, after, effects, result };
      reference.observe(observation);
      observe(observation);
      state = after;
    }
  }

  return {
    replay,

    /** Replays 300 random sequences under `config`, running `properties` (and the model's checks) after every step. */
    check(config: C, properties: readonly ((o: O) => void)[] = []): void {
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
    },

    /**
     * The test that, per named config, 150 sample sequences with mrCountMax 1 and 2 reach exactly the labels
     * `reached` lists for it (see {@link label}).
     */
    itReachesEveryLabel(
      configs: readonly (readonly [string, C])[],
      reached: Readonly<Record<string, readonly string[]>>,
    ): void {
      it.each(configs)(
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
          expect([...seen].sort()).toEqual([...(reached[name] ?? [])].sort());
        },
      );
    },
  };
}

function eventOf(
  current: Op,
  atMs: number,
  model: ReferenceModel<never>,
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

/** A label per kind of step, to show the generator reaches every branch. */
export function label({
  event,
  result,
  effects,
}: {
  readonly event: Event;
  readonly result: Answer;
  readonly effects: readonly { readonly _tag: string }[];
}): string[] {
  const labels = [`${event._tag} → ${result._tag}`];
  if (result._tag === "Rejected" || result._tag === "Unknown") {
    labels.push(`${result._tag} ${"reason" in result ? result.reason : result.what}`);
  }
  if (result._tag === "SyncStarted" || result._tag === "ResetQueued") {
    labels.push(`${result._tag} running ${result.running}`);
  }
  if (result._tag === "SyncFinished" && (result.drained?.length ?? 0) > 0) {
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

export const sorted = (ids: Iterable<string>) => [...ids].sort();

// ---------------------------------------------------------------------------------------------------------
// Property tests: what both machines keep

type Queries<S> = Pick<SyncFlow<S, never, never, never>, "isTemporarilyUnapproved" | "syncInProgress">;

/** BeginReset never answers Proceed while a sync of its MR is in progress, as observed at BeginReset. */
export function noProceedDuringSync<S>(
  flow: Queries<S>,
): (o: { readonly before: S; readonly after: S; readonly event: Event; readonly result: Answer }) => void {
  return ({ before, after, event, result }) => {
    if (result._tag === "Proceed") {
      expect(flow.syncInProgress(before, event.mr), "Proceed while a sync is in progress").toBe(false);
      expect(flow.syncInProgress(after, event.mr), "Proceed while a sync is in progress").toBe(false);
    }
  };
}

/** Flag on: a sync in progress keeps its MR temporarily unapproved, however old the marker is. */
export function unapprovedDuringSync<S>(
  flow: Queries<S>,
): (o: { readonly after: S; readonly event: Event }) => void {
  return ({ after, event }) => {
    for (const mr of MRS) {
      if (flow.syncInProgress(after, mr)) {
        expect(flow.isTemporarilyUnapproved(after, mr, event.atMs + 1_000_000)).toBe(true);
      }
    }
  };
}
