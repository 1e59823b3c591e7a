/**
 * Explicit-state models of the core `SyncCoordinator` (seed 000, ../../shared/seeds/000_a68bbd6ee7280424.txt)
 * for `interleave check`: merge requests whose code-owner syncs and approval resets are driven through the
 * core's own `transition` by callers that act on its results and effects, over a discrete clock. Each mode the
 * core ships — the flag off (the legacy route), `entry-check` (the seed's change) and `serial` — is verified
 * against the promises that mode makes; the seed's buggy behaviours are model variants found with their
 * shortest counterexamples: the legacy route and the entry-check mode against the serial promise "a reset
 * never runs while a sync of its merge request is in progress" (the TTL marker and the 10 s delay are guesses;
 * the entry check leaves the gap the seed lists under "Known limitations"), a reset worker without the entry
 * check, and the scenario's own legacy code (`legacyFlow`).
 *
 * The callers are the seed's: a sync starts, does its work (its rules are half-built until it finishes) and
 * finishes or fails; a push schedules a reset; the worker an `EnqueueReset` or `RunReset` effect starts runs
 * BeginReset when its delay is over, and after `Proceed` reads the rules and deletes the approvals they cover —
 * a step of its own, so a sync can start in between (the seed's race) — and then finishes the reset.
 */
import { SyncCoordinator } from "@interleave/core";
import {
  type CheckedModel,
  defineModel,
  type FingerprintBuilder,
  type Fingerprinted,
  MachineCache,
  type StateSpaceModel,
} from "@interleave/sim";
import { sizeOption } from "../model-options.js";
import * as EntryCheck from "./entry-check.js";
import { type LegacyState, legacyFlow } from "./legacy.js";
import type { Effect, Event, Result, Route } from "./protocol.js";
import { params, temporarilyUnapproved } from "./sync-vs-reset.js";

/**
 * What the caller knows of one sync, from the coordinator's results and effects: `idle` (not started, or its
 * StartSync was rejected: it retries later), `waiting` (serial: queued, waits for its `RunSync`), `running`
 * (doing its work: the merge request's rules are half-built until it finishes), `done` (finished or failed).
 */
export type SyncStage = "idle" | "waiting" | "running" | "done";

/**
 * What the caller knows of one reset: `idle` (not scheduled, or its ScheduleReset was rejected: it retries
 * later), `pending` (entry-check: the coordinator holds it until the merge request's syncs finish), `queued`
 * (serial: in the merge request's queue, waits for its `RunReset`), `enqueued` (a reset worker job exists and
 * runs BeginReset once its delay is over), `proceeded` (the worker got `Proceed` and is about to read the rules
 * and delete the approvals), `deleted` (the worker deleted the approvals and is about to FinishReset),
 * `finished`. `scheduling` exists only inside one step (a ScheduleReset waiting for its own effect).
 */
export type ResetStage =
  | "idle"
  | "pending"
  | "queued"
  | "enqueued"
  | "proceeded"
  | "deleted"
  | "finished"
  | "scheduling";

/**
 * The coordinator a model drives: the core's `SyncCoordinator.State` (serial), the seed's coordinator behind
 * its flag (./entry-check.ts), or the scenario's legacy code (./legacy.ts).
 */
export type FlowState = SyncCoordinator.State | EntryCheck.State | LegacyState;

/**
 * State of {@link syncCoordinatorModel}. Syncs and resets are indexed `mr * perMr + k` (MR `!1`, `!2`, …;
 * syncs `s1`, `s2`, …; resets `r1`, `r2`, … of each MR).
 *
 * - `coordinator`: the coordinator state and its fingerprint, from the model's {@link MachineCache}.
 * - `nowMs`: the clock (ms), advanced by `tick`.
 * - `syncs`, `resets`: each caller's stage.
 * - `dueMs`: per reset, when its enqueued worker job may run (ms; `0` once due or when none is enqueued).
 * - `markedUntilMs`: per MR, until when the legacy code keeps it temporarily unapproved (ms; `0` once
 *   expired): the 15 s marker every accepted ScheduleReset sets (a ghost, flag off and legacy code only).
 * - `strays`: stray reset workers delivered so far (at most `straysMax`).
 * - `broken`: a bit per transition property the last input broke (ghost), see {@link SC_TRANSITION_PROPERTIES}.
 */
export interface SyncCoordinatorModelState {
  readonly coordinator: Fingerprinted<FlowState>;
  readonly nowMs: number;
  readonly syncs: readonly SyncStage[];
  readonly resets: readonly ResetStage[];
  readonly dueMs: readonly number[];
  readonly markedUntilMs: readonly number[];
  readonly strays: number;
  readonly broken: number;
}

/**
 * An input of {@link syncCoordinatorModel}: advance the clock, a sync's step (`mr`, `sync`: indexes), or a
 * reset's step (`mr`, `reset`). `deleteApprovals` is the reset worker's work (read the rules, delete the
 * approvals they cover), no coordinator event; `strayBeginReset` is a stray worker of the reset (Sidekiq's
 * at-least-once delivery of a job already handled, or a worker enqueued regardless of the coordinator).
 */
export type SyncCoordinatorInput =
  | { readonly op: "tick" }
  | {
      readonly op: "startSync" | "finishSyncOk" | "finishSyncFailed";
      readonly mr: number;
      readonly sync: number;
    }
  | {
      readonly op: "scheduleReset" | "beginReset" | "deleteApprovals" | "finishReset" | "strayBeginReset";
      readonly mr: number;
      readonly reset: number;
    };

/** The coordinator a model drives: the core in one of its modes, or the scenario's legacy code. */
export type SyncCoordinatorFlow = "flag-off" | "entry-check" | "serial" | "legacy-code";

/** Size and variant of {@link syncCoordinatorModel}; every duration is integer ms. */
export interface SyncCoordinatorModelOptions {
  /**
   * The core with `featureFlag: false` (`flag-off`), or on in `entry-check` or `serial` mode; or
   * `legacy-code`, the scenario's `legacyFlow` (the code before the seed's change). Default `entry-check`.
   */
  readonly flow?: SyncCoordinatorFlow;
  /**
   * The reset worker: `entry-check` (BeginReset, then the work on `Proceed`) or `no-entry-check` (the work
   * straight away, then FinishReset: the scenario's `coordinator-no-entry-check`). Default `entry-check`.
   */
  readonly worker?: "entry-check" | "no-entry-check";
  /** Merge requests `!1..!N`. Default 2. */
  readonly mrs?: number;
  /** Syncs per merge request (`s1..`), each started once (retried after a rejection). Default 2. */
  readonly syncsPerMr?: number;
  /** Resets per merge request (`r1..`), each scheduled once (retried after a rejection). Default 2. */
  readonly resetsPerMr?: number;
  /** One `tick` advances the clock by this much. Default 5,000. */
  readonly stepMs?: number;
  /** The clock stops here (no `tick` beyond). Default 20,000. */
  readonly horizonMs?: number;
  /** Stray reset workers in all (see {@link SyncCoordinatorInput}). Default 1; 0 for the legacy route. */
  readonly straysMax?: number;
  /**
   * Coordinator config. Defaults: the scenario's `legacyTtlMs` 15,000 and `legacyResetDelayMs` 10,000,
   * `mrCountMax` 1 (two merge requests share room for one: admission, sweeping and `mr-limit` are part of
   * the space), `pendingPerMrMax` 2. `legacy-code` always uses the scenario's timings.
   */
  readonly coordinator?: Partial<
    Pick<EntryCheck.Config, "legacyTtlMs" | "legacyResetDelayMs" | "mrCountMax" | "pendingPerMrMax">
  >;
  /** The invariants checked, by name. Default: the promises of the flow (see {@link promisesOf}). */
  readonly invariants?: readonly string[];
  /**
   * Called with every coordinator step the model takes (cached or not): the event and its answer. For tests
   * (which results and effects a space reaches); the model itself never reads what it returns.
   */
  readonly observe?: (event: Event, step: CoordinatorStep) => void;
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `sync-coordinator-<flow>`. */
  readonly name?: string;
}

/** The serial mode's promise, the one the seed's race breaks: checked when the reset deletes approvals. */
export const SC_RESET_DURING_SYNC = "a reset never runs while a sync of its merge request is in progress";
/** Serial: the caller never has two orders of one merge request running. */
export const SC_ONE_AT_A_TIME = "at most one sync or reset of a merge request runs at a time";
/** Entry-check and serial: checked on each BeginReset. */
export const SC_NO_PROCEED_DURING_SYNC =
  "BeginReset never returns Proceed while a sync of its merge request is in progress";
/** Entry-check: no reset stays pending once its merge request has no sync in progress. */
export const SC_DRAINED = "pending resets are drained when no sync remains";
/** Serial: the queue is work-conserving. */
export const SC_DISPATCHED =
  "queued syncs and resets are dispatched when nothing of their merge request runs";
/** Every mode: one run per scheduling, and a scheduled reset is always held by someone who will run it. */
export const SC_EXACTLY_ONCE = "every scheduled reset runs exactly once (none lost, none twice)";
/** Flag on: checked at every clock value, so also after the 15 s marker expired. */
export const SC_UNAPPROVED_DURING_SYNC = "a sync in progress keeps the merge request temporarily unapproved";
/** Flag on. */
export const SC_UNAPPROVED_UNTIL_RESET =
  "a scheduled reset keeps the merge request temporarily unapproved until it finishes";
/** Every mode: the coordinator answers a caller that follows the protocol with the results the core documents. */
export const SC_ANSWERS = "every step of a well-behaved caller gets a documented answer";
/** Flag off: legacy exactly (one half of it). */
export const SC_LEGACY_ENQUEUE =
  "with the flag off each ScheduleReset enqueues its reset worker after the legacy delay and no other event changes anything";
/** Flag off: legacy exactly (the other half). */
export const SC_LEGACY_MARKER =
  "with the flag off a merge request is temporarily unapproved exactly until the legacy TTL after its last scheduled reset";

/** The properties of a transition, checked through the ghost bit mask `broken` (bit = index). */
export const SC_TRANSITION_PROPERTIES: readonly string[] = [
  SC_RESET_DURING_SYNC,
  SC_NO_PROCEED_DURING_SYNC,
  SC_EXACTLY_ONCE,
  SC_ANSWERS,
  SC_LEGACY_ENQUEUE,
];

const BIT: Readonly<Record<string, number>> = Object.fromEntries(
  SC_TRANSITION_PROPERTIES.map((name, i) => [name, 1 << i]),
);

/**
 * The promises a flow makes, as the names of the invariants its pass model checks (in reporting order).
 * The flag off and the legacy code promise the legacy behaviour exactly; `entry-check` promises everything
 * but {@link SC_RESET_DURING_SYNC} and {@link SC_ONE_AT_A_TIME} (its known limitation); `serial` those too.
 */
export function promisesOf(flow: SyncCoordinatorFlow): readonly string[] {
  switch (flow) {
    case "flag-off":
    case "legacy-code":
      return [SC_ANSWERS, SC_LEGACY_ENQUEUE, SC_LEGACY_MARKER, SC_EXACTLY_ONCE];
    case "entry-check":
      return [
        SC_ANSWERS,
        SC_NO_PROCEED_DURING_SYNC,
        SC_DRAINED,
        SC_EXACTLY_ONCE,
        SC_UNAPPROVED_DURING_SYNC,
        SC_UNAPPROVED_UNTIL_RESET,
      ];
    case "serial":
      return [
        SC_ANSWERS,
        SC_RESET_DURING_SYNC,
        SC_ONE_AT_A_TIME,
        SC_NO_PROCEED_DURING_SYNC,
        SC_DISPATCHED,
        SC_EXACTLY_ONCE,
        SC_UNAPPROVED_DURING_SYNC,
        SC_UNAPPROVED_UNTIL_RESET,
      ];
  }
}

/** Op codes of the coordinator events in the model's {@link MachineCache}. */
const OP = {
  startSync: 0,
  finishSyncOk: 1,
  finishSyncFailed: 2,
  scheduleReset: 3,
  beginReset: 4,
  finishReset: 5,
};
const OP_COUNT = 6;

const SYNC_CODE: Readonly<Record<SyncStage, number>> = { idle: 0, waiting: 1, running: 2, done: 3 };
const RESET_CODE: Readonly<Record<ResetStage, number>> = {
  idle: 0,
  pending: 1,
  queued: 2,
  enqueued: 3,
  proceeded: 4,
  deleted: 5,
  finished: 6,
  scheduling: 7,
};

/** A reset a worker holds: dispatched or enqueued, running, or done with its work but not finished. */
const WORKING: ReadonlySet<ResetStage> = new Set(["enqueued", "proceeded", "deleted"]);
/** Where the caller sends a stray worker: no other worker of the reset is queued or running. */
const STRAY_TARGETS: ReadonlySet<ResetStage> = new Set(["pending", "queued", "finished"]);
/** Resets scheduled and not finished. */
const SCHEDULED: ReadonlySet<ResetStage> = new Set(["pending", "queued", "enqueued", "proceeded", "deleted"]);

type ResetOp = "scheduleReset" | "beginReset" | "deleteApprovals" | "finishReset" | "strayBeginReset";
/** A step of either coordinator: the next state, the effects and the result. */
export interface CoordinatorStep {
  readonly state: FlowState;
  readonly effects: readonly Effect[];
  readonly result: Result;
}

/** The coordinator a model drives, whichever flow it is. */
interface Flow {
  readonly route: Route;
  readonly initial: FlowState;
  transition(state: FlowState, event: Event): CoordinatorStep;
  fingerprint(state: FlowState, into: FingerprintBuilder): void;
  describe(state: FlowState): string;
}

/**
 * The seed-000 merge requests: M merge requests, each with S syncs and R resets, driven by the seed's callers
 * through one coordinator (see the file header), with a `tick` that advances the clock by `stepMs` up to
 * `horizonMs`. Every event of the coordinator is sent — StartSync, FinishSync (`ok` and `failed`),
 * ScheduleReset, BeginReset, FinishReset — in any order the callers allow; the caller of a rejected
 * StartSync or ScheduleReset retries later; a stray reset worker (at most `straysMax`) runs BeginReset for a
 * reset no other worker holds (pending, queued or finished) and must be turned away.
 *
 * Invariants (by flow, see {@link promisesOf}): {@link SC_RESET_DURING_SYNC} (checked when a reset deletes
 * approvals), {@link SC_ONE_AT_A_TIME}, {@link SC_NO_PROCEED_DURING_SYNC}, {@link SC_DRAINED},
 * {@link SC_DISPATCHED}, {@link SC_EXACTLY_ONCE} (none twice: no second EnqueueReset, RunReset or Proceed for a
 * reset a worker holds or finished; none lost: a pending or queued reset always has a sync or order of its
 * merge request running to release it), {@link SC_UNAPPROVED_DURING_SYNC}, {@link SC_UNAPPROVED_UNTIL_RESET},
 * {@link SC_ANSWERS}, {@link SC_LEGACY_ENQUEUE}, {@link SC_LEGACY_MARKER}. What the caller knows is kept from
 * results and effects only; the coordinator's own state is read through `isTemporarilyUnapproved`.
 *
 * Size (coordinator transitions go through a {@link MachineCache}): {@link SC_LEGACY_BOUNDS} with the flag off
 * 10,863 states; {@link SC_BOUNDS} 62,092 (entry-check) and 26,144 (serial). Checked only for
 * {@link SC_RESET_DURING_SYNC}, the legacy route breaks it in 6 inputs (StartSync, ScheduleReset, two ticks to
 * the 10 s delay, BeginReset, the delete), entry-check in 4 (ScheduleReset, BeginReset → Proceed, StartSync,
 * the delete: the seed's Known limitation) and a worker without the entry check in 3 (ScheduleReset,
 * StartSync, the delete).
 *
 * Not modelled: repeated StartSync / ScheduleReset of a live id (idempotent in the core, pinned by its unit
 * tests); worker crashes; a stray worker while another worker of the same reset is queued or running (the
 * modes differ there by design: entry-check answers `Unknown` to a second BeginReset of a running reset, serial
 * answers `Proceed` again — "it still holds the MR" — so in serial two concurrent workers of one reset would
 * both run it).
 *
 * @throws `RangeError` naming a size that is not a positive integer (`straysMax` may be 0), or a
 *   `legacy-code` flow with a config other than the scenario's; `InvalidConfigError` (from the core) for a
 *   bad coordinator config.
 */
export function syncCoordinatorModel(
  options: SyncCoordinatorModelOptions = {},
): StateSpaceModel<SyncCoordinatorModelState, SyncCoordinatorInput> {
  const flowName = options.flow ?? "entry-check";
  const legacyRoute = flowName === "flag-off" || flowName === "legacy-code";
  const checkEntry = (options.worker ?? "entry-check") === "entry-check";
  const mrCount = sizeOption(options.mrs, 2, "mrs");
  const syncsPerMr = sizeOption(options.syncsPerMr, 2, "syncsPerMr");
  const resetsPerMr = sizeOption(options.resetsPerMr, 2, "resetsPerMr");
  const stepMs = sizeOption(options.stepMs, 5_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 20_000, "horizonMs");
  const straysMax = options.straysMax ?? (legacyRoute ? 0 : 1);
  if (!Number.isSafeInteger(straysMax) || straysMax < 0) {
    throw new RangeError(`straysMax must be a non-negative integer, got ${straysMax}`);
  }
  const config: EntryCheck.Config = {
    legacyTtlMs: params.coordinator.legacyTtlMs,
    legacyResetDelayMs: params.coordinator.legacyResetDelayMs,
    mrCountMax: 1,
    pendingPerMrMax: 2,
    ...options.coordinator,
    featureFlag: flowName !== "flag-off" && flowName !== "legacy-code",
  };
  const flow =
    flowName === "legacy-code"
      ? legacyCodeFlow(config)
      : flowName === "serial"
        ? coreFlow(config)
        : entryCheckFlow(config);
  const invariantNames = options.invariants ?? promisesOf(flowName);
  const mrs = Array.from({ length: mrCount }, (_, i) => `!${i + 1}`);
  const syncIds = Array.from({ length: syncsPerMr }, (_, i) => `s${i + 1}`);
  const resetIds = Array.from({ length: resetsPerMr }, (_, i) => `r${i + 1}`);
  const idsPerMr = Math.max(syncsPerMr, resetsPerMr);
  const expectedDelayMs = legacyRoute ? config.legacyResetDelayMs : 0;
  const coordinators = new MachineCache(
    (state: FlowState, event: Event) => {
      const step = flow.transition(state, event);
      return { state: step.state, result: step };
    },
    flow.fingerprint,
    options.cacheSlots === undefined ? {} : { slots: options.cacheSlots },
  );
  /** The cache code of an event: clock step, MR, id and op, packed (fits 31 bits at any sane size). */
  const code = (op: number, mr: number, k: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * mrCount + mr) * idsPerMr + k) * OP_COUNT + op;

  const alphabet: SyncCoordinatorInput[] = [{ op: "tick" }];
  for (let mr = 0; mr < mrCount; mr++) {
    for (let sync = 0; sync < syncsPerMr; sync++) {
      for (const op of ["startSync", "finishSyncOk", "finishSyncFailed"] as const) {
        alphabet.push({ op, mr, sync });
      }
    }
    for (let reset = 0; reset < resetsPerMr; reset++) {
      for (const op of [
        "scheduleReset",
        "beginReset",
        "deleteApprovals",
        "finishReset",
        "strayBeginReset",
      ] as const) {
        if (op === "beginReset" && !checkEntry) continue;
        if (op === "strayBeginReset" && straysMax === 0) continue;
        alphabet.push({ op, mr, reset });
      }
    }
  }

  const syncRunning = (syncs: readonly SyncStage[], mr: number) => {
    for (let k = 0; k < syncsPerMr; k++) if (syncs[mr * syncsPerMr + k] === "running") return true;
    return false;
  };
  /** Orders of `mr` the caller runs: syncs running, resets a worker holds. */
  const runningCount = (s: SyncCoordinatorModelState, mr: number) => {
    let n = 0;
    for (let k = 0; k < syncsPerMr; k++) if (s.syncs[mr * syncsPerMr + k] === "running") n++;
    for (let k = 0; k < resetsPerMr; k++) if (WORKING.has(s.resets[mr * resetsPerMr + k]!)) n++;
    return n;
  };
  const mrIndex = (mr: string) => mrs.indexOf(mr);

  /** A successor under construction: copies what it changes, records the transition properties broken. */
  class Draft {
    syncs: SyncStage[] | null = null;
    resets: ResetStage[] | null = null;
    dueMs: number[] | null = null;
    markedUntilMs: number[] | null = null;
    broken = 0;
    coordinator: Fingerprinted<FlowState>;
    strays: number;

    constructor(readonly from: SyncCoordinatorModelState) {
      this.coordinator = from.coordinator;
      this.strays = from.strays;
    }
    sync(i: number): SyncStage {
      return (this.syncs ?? this.from.syncs)[i]!;
    }
    setSync(i: number, stage: SyncStage): void {
      this.syncs ??= this.from.syncs.slice();
      this.syncs[i] = stage;
    }
    reset(i: number): ResetStage {
      return (this.resets ?? this.from.resets)[i]!;
    }
    setReset(i: number, stage: ResetStage, dueMs = 0): void {
      this.resets ??= this.from.resets.slice();
      this.resets[i] = stage;
      if ((this.dueMs ?? this.from.dueMs)[i] !== dueMs) {
        this.dueMs ??= this.from.dueMs.slice();
        this.dueMs[i] = dueMs;
      }
    }
    mark(mr: number, untilMs: number): void {
      const current = (this.markedUntilMs ?? this.from.markedUntilMs)[mr]!;
      if (untilMs <= current) return;
      this.markedUntilMs ??= this.from.markedUntilMs.slice();
      this.markedUntilMs[mr] = untilMs;
    }
    break(property: string): void {
      this.broken |= BIT[property]!;
    }
    /** The successor, or `from` itself when nothing changed. */
    done(): SyncCoordinatorModelState {
      const s = this.from;
      if (
        this.coordinator === s.coordinator &&
        this.syncs === null &&
        this.resets === null &&
        this.markedUntilMs === null &&
        this.strays === s.strays &&
        this.broken === s.broken
      ) {
        return s;
      }
      return {
        coordinator: this.coordinator,
        nowMs: s.nowMs,
        syncs: this.syncs ?? s.syncs,
        resets: this.resets ?? s.resets,
        dueMs: this.dueMs ?? s.dueMs,
        markedUntilMs: this.markedUntilMs ?? s.markedUntilMs,
        strays: this.strays,
        broken: this.broken,
      };
    }
  }

  /** Runs `event` (identified by `op`, `mr`, `k`) through the cached coordinator; the step's answer. */
  const run = (d: Draft, op: number, mr: number, k: number, event: () => Event): CoordinatorStep => {
    const cached = coordinators.step(d.coordinator, code(op, mr, k, d.from.nowMs), event);
    options.observe?.(event(), cached.result);
    if (!cached.unchanged) d.coordinator = cached.next;
    if (legacyRoute && !cached.unchanged && op !== OP.scheduleReset) d.break(SC_LEGACY_ENQUEUE);
    return cached.result;
  };

  /** Acts on the effects of a step the way the seed's callers do; checks none of them repeats a run. */
  const act = (d: Draft, event: Event, effects: readonly Effect[]) => {
    for (const effect of effects) {
      const mr = mrIndex(effect.mr);
      if (mr < 0 || effect.mr !== event.mr) {
        d.break(SC_ANSWERS);
        continue;
      }
      if (effect._tag === "RunSync") {
        const k = syncIds.indexOf(effect.syncId);
        if (k < 0 || d.sync(mr * syncsPerMr + k) !== "waiting") d.break(SC_ANSWERS);
        else d.setSync(mr * syncsPerMr + k, "running");
        continue;
      }
      const k = resetIds.indexOf(effect.resetId);
      const i = mr * resetsPerMr + k;
      if (k < 0) {
        d.break(SC_ANSWERS);
        continue;
      }
      const stage = d.reset(i);
      if (effect._tag === "RunReset") {
        if (stage !== "queued") d.break(SC_EXACTLY_ONCE);
        d.setReset(i, "enqueued");
        continue;
      }
      // EnqueueReset: for the reset being scheduled, or a pending one drained.
      if (stage !== "scheduling" && stage !== "pending") d.break(SC_EXACTLY_ONCE);
      if (effect.delayMs !== expectedDelayMs) d.break(legacyRoute ? SC_LEGACY_ENQUEUE : SC_ANSWERS);
      d.setReset(i, "enqueued", effect.delayMs > 0 ? d.from.nowMs + effect.delayMs : 0);
    }
  };

  /** `ids` are exactly the resets of `event`'s MR that `effects` release (RunReset / EnqueueReset). */
  const releasedAre = (ids: readonly string[], effects: readonly Effect[]) => {
    const released = effects.flatMap((e) =>
      e._tag === "EnqueueReset" || e._tag === "RunReset" ? [e.resetId] : [],
    );
    return released.length === ids.length && released.every((id, i) => id === ids[i]);
  };

  const syncStep = (
    s: SyncCoordinatorModelState,
    op: "startSync" | "finishSyncOk" | "finishSyncFailed",
    mr: number,
    k: number,
  ): SyncCoordinatorModelState | null => {
    const i = mr * syncsPerMr + k;
    const stage = s.syncs[i]!;
    if (stage !== (op === "startSync" ? "idle" : "running")) return null;
    const atMs = s.nowMs;
    const d = new Draft(s);
    if (op === "startSync") {
      const event: Event = { _tag: "StartSync", mr: mrs[mr]!, syncId: syncIds[k]!, atMs };
      const step = run(d, OP.startSync, mr, k, () => event);
      const r = step.result;
      if (r._tag === "Rejected") {
        if (legacyRoute || step.effects.length > 0) d.break(SC_ANSWERS);
        return d.done();
      }
      if (r._tag !== "SyncStarted" || r.route !== flow.route) {
        d.break(SC_ANSWERS);
        return d.done();
      }
      d.setSync(i, flow.route === "serial" ? "waiting" : "running");
      act(d, event, step.effects);
      if (r.running !== (d.sync(i) === "running")) d.break(SC_ANSWERS);
      return d.done();
    }
    const outcome = op === "finishSyncOk" ? "ok" : "failed";
    const event: Event = { _tag: "FinishSync", mr: mrs[mr]!, syncId: syncIds[k]!, outcome, atMs };
    const step = run(d, OP[op], mr, k, () => event);
    const r = step.result;
    d.setSync(i, "done");
    if (r._tag !== "SyncFinished" || r.route !== flow.route || !releasedAre(r.drained, step.effects)) {
      d.break(SC_ANSWERS);
    }
    act(d, event, step.effects);
    return d.done();
  };

  /** Whether a reset's step is enabled: its caller is at the stage the step starts from. */
  const enabled = (s: SyncCoordinatorModelState, op: ResetOp, stage: ResetStage, due: boolean): boolean => {
    switch (op) {
      case "scheduleReset":
        return stage === "idle";
      case "beginReset":
        return due;
      case "strayBeginReset":
        return s.strays < straysMax && STRAY_TARGETS.has(stage);
      case "deleteApprovals":
        return stage === "proceeded" || (!checkEntry && due);
      case "finishReset":
        return stage === "deleted";
    }
  };

  const resetStep = (
    s: SyncCoordinatorModelState,
    op: ResetOp,
    mr: number,
    k: number,
  ): SyncCoordinatorModelState | null => {
    const i = mr * resetsPerMr + k;
    const stage = s.resets[i]!;
    const atMs = s.nowMs;
    const due = stage === "enqueued" && s.dueMs[i]! <= atMs;
    if (!enabled(s, op, stage, due)) return null;
    const d = new Draft(s);
    const mrId = mrs[mr]!;
    const resetId = resetIds[k]!;
    switch (op) {
      case "scheduleReset": {
        const event: Event = { _tag: "ScheduleReset", mr: mrId, resetId, atMs };
        const step = run(d, OP.scheduleReset, mr, k, () => event);
        const r = step.result;
        if (r._tag === "Rejected") {
          if (step.effects.length > 0 || (legacyRoute && r.reason !== "mr-limit")) d.break(SC_ANSWERS);
          if (flowName === "legacy-code") d.break(SC_ANSWERS);
          return d.done();
        }
        if (legacyRoute) d.mark(mr, atMs + config.legacyTtlMs);
        if (r._tag === "ResetEnqueued") {
          if (flow.route === "serial") d.break(SC_ANSWERS);
          if (r.delayMs !== expectedDelayMs) d.break(legacyRoute ? SC_LEGACY_ENQUEUE : SC_ANSWERS);
          d.setReset(i, "scheduling");
          act(d, event, step.effects);
          // The worker must have been enqueued by this very step: else the reset is lost.
          if (d.reset(i) === "scheduling") {
            d.break(SC_EXACTLY_ONCE);
            d.setReset(i, "pending");
          }
        } else if (r._tag === "ResetDeferred") {
          if (flow.route !== "coordinator" || step.effects.length > 0) d.break(SC_ANSWERS);
          d.setReset(i, "pending");
        } else if (r._tag === "ResetQueued") {
          if (flow.route !== "serial") d.break(SC_ANSWERS);
          d.setReset(i, "queued");
          act(d, event, step.effects);
          if (r.running !== (d.reset(i) === "enqueued")) d.break(SC_ANSWERS);
        } else {
          d.break(SC_ANSWERS);
        }
        return d.done();
      }
      case "beginReset":
      case "strayBeginReset": {
        const stray = op === "strayBeginReset";
        if (stray) d.strays = s.strays + 1;
        const event: Event = { _tag: "BeginReset", mr: mrId, resetId, atMs };
        const step = run(d, OP.beginReset, mr, k, () => event);
        const r = step.result;
        if (step.effects.length > 0) d.break(SC_ANSWERS);
        if (r._tag === "Proceed") {
          if (syncRunning(s.syncs, mr)) d.break(SC_NO_PROCEED_DURING_SYNC);
          // A stray worker let in runs the reset a second time (or outside its turn).
          if (stray) d.break(SC_EXACTLY_ONCE);
          d.setReset(i, "proceeded");
        } else if (stray) {
          // Turned away: pending (entry-check) or queued (serial) → Deferred; finished → Unknown.
          const expected = stage === "finished" ? "Unknown" : "Deferred";
          if (r._tag !== expected) d.break(SC_ANSWERS);
        } else if (r._tag === "Deferred" && flow.route === "coordinator") {
          // The entry check: a sync started since the worker was enqueued; drained when it finishes.
          d.setReset(i, "pending");
        } else {
          d.break(SC_ANSWERS);
        }
        return d.done();
      }
      case "deleteApprovals": {
        // The reset's work: read the rules, delete the approvals they cover (no coordinator event).
        if (syncRunning(s.syncs, mr)) d.break(SC_RESET_DURING_SYNC);
        d.setReset(i, "deleted");
        return d.done();
      }
      case "finishReset": {
        const event: Event = { _tag: "FinishReset", mr: mrId, resetId, atMs };
        const step = run(d, OP.finishReset, mr, k, () => event);
        if (step.result._tag !== "ResetFinished") d.break(SC_ANSWERS);
        d.setReset(i, "finished");
        act(d, event, step.effects);
        return d.done();
      }
    }
  };

  const tick = (s: SyncCoordinatorModelState): SyncCoordinatorModelState | null => {
    const nowMs = s.nowMs + stepMs;
    if (nowMs > horizonMs) return null;
    // Canonical clock data: a job whose delay is over and a marker that expired read as 0.
    const dueMs = s.dueMs.some((t) => t !== 0 && t <= nowMs)
      ? s.dueMs.map((t) => (t <= nowMs ? 0 : t))
      : s.dueMs;
    const markedUntilMs = s.markedUntilMs.some((t) => t !== 0 && t <= nowMs)
      ? s.markedUntilMs.map((t) => (t <= nowMs ? 0 : t))
      : s.markedUntilMs;
    return { ...s, nowMs, dueMs, markedUntilMs, broken: 0 };
  };

  const next = (
    s: SyncCoordinatorModelState,
    input: SyncCoordinatorInput,
  ): SyncCoordinatorModelState | null => {
    switch (input.op) {
      case "tick":
        return tick(s);
      case "startSync":
      case "finishSyncOk":
      case "finishSyncFailed":
        return syncStep(s, input.op, input.mr, input.sync);
      default:
        return resetStep(s, input.op, input.mr, input.reset);
    }
  };

  const holdsForEveryMr = (check: (s: SyncCoordinatorModelState, mr: number) => boolean) => ({
    holds: (s: SyncCoordinatorModelState) => {
      for (let mr = 0; mr < mrCount; mr++) if (!check(s, mr)) return false;
      return true;
    },
  });
  const anySync = (s: SyncCoordinatorModelState, mr: number, test: (stage: SyncStage) => boolean) => {
    for (let k = 0; k < syncsPerMr; k++) if (test(s.syncs[mr * syncsPerMr + k]!)) return true;
    return false;
  };
  const anyReset = (s: SyncCoordinatorModelState, mr: number, test: (stage: ResetStage) => boolean) => {
    for (let k = 0; k < resetsPerMr; k++) if (test(s.resets[mr * resetsPerMr + k]!)) return true;
    return false;
  };
  const unapproved = (s: SyncCoordinatorModelState, mr: number) =>
    temporarilyUnapproved(s.coordinator.state, mrs[mr]!, s.nowMs);
  const isPending = (stage: ResetStage) => stage === "pending";
  const isQueued = (stage: ResetStage) => stage === "queued";
  const isScheduled = (stage: ResetStage) => SCHEDULED.has(stage);
  const isWaiting = (stage: SyncStage) => stage === "waiting";
  const inProgress = (stage: SyncStage) => stage === "running" || stage === "waiting";

  const stateInvariants: Readonly<Record<string, { holds: (s: SyncCoordinatorModelState) => boolean }>> = {
    [SC_ONE_AT_A_TIME]: holdsForEveryMr((s, mr) => runningCount(s, mr) <= 1),
    [SC_DRAINED]: holdsForEveryMr((s, mr) => syncRunning(s.syncs, mr) || !anyReset(s, mr, isPending)),
    [SC_DISPATCHED]: holdsForEveryMr(
      (s, mr) => runningCount(s, mr) > 0 || !(anySync(s, mr, isWaiting) || anyReset(s, mr, isQueued)),
    ),
    [SC_UNAPPROVED_DURING_SYNC]: holdsForEveryMr((s, mr) => !anySync(s, mr, inProgress) || unapproved(s, mr)),
    [SC_UNAPPROVED_UNTIL_RESET]: holdsForEveryMr(
      (s, mr) => !anyReset(s, mr, isScheduled) || unapproved(s, mr),
    ),
    [SC_LEGACY_MARKER]: holdsForEveryMr((s, mr) => unapproved(s, mr) === s.nowMs < s.markedUntilMs[mr]!),
  };
  const lost = holdsForEveryMr((s, mr) => {
    if (anyReset(s, mr, isPending) && !syncRunning(s.syncs, mr)) return false;
    return !anyReset(s, mr, isQueued) || runningCount(s, mr) > 0;
  });

  const invariants = invariantNames.map((name) => {
    const bit = BIT[name];
    const state = stateInvariants[name];
    if (name === SC_EXACTLY_ONCE) {
      return { name, holds: (s: SyncCoordinatorModelState) => (s.broken & bit!) === 0 && lost.holds(s) };
    }
    if (bit !== undefined) return { name, holds: (s: SyncCoordinatorModelState) => (s.broken & bit) === 0 };
    if (state === undefined) throw new RangeError(`no invariant named "${name}"`);
    return { name, holds: state.holds };
  });

  const describeInput = (input: SyncCoordinatorInput) => {
    if (input.op === "tick") return `tick +${stepMs / 1000}s`;
    const mr = mrs[input.mr]!;
    if ("sync" in input) {
      const id = syncIds[input.sync]!;
      if (input.op === "startSync") return `StartSync ${mr} ${id}`;
      return `FinishSync ${mr} ${id} ${input.op === "finishSyncOk" ? "ok" : "failed"}`;
    }
    const id = resetIds[input.reset]!;
    switch (input.op) {
      case "scheduleReset":
        return `ScheduleReset ${mr} ${id}`;
      case "beginReset":
        return `BeginReset ${mr} ${id}`;
      case "strayBeginReset":
        return `BeginReset ${mr} ${id} (stray worker)`;
      case "deleteApprovals":
        return `${id} deletes approvals of ${mr}`;
      case "finishReset":
        return `FinishReset ${mr} ${id}`;
    }
  };

  return {
    name: options.name ?? `sync-coordinator-${flowName}`,
    initial: {
      coordinator: coordinators.wrap(flow.initial),
      nowMs: 0,
      syncs: Array.from({ length: mrCount * syncsPerMr }, () => "idle"),
      resets: Array.from({ length: mrCount * resetsPerMr }, () => "idle"),
      dueMs: Array.from({ length: mrCount * resetsPerMr }, () => 0),
      markedUntilMs: Array.from({ length: mrCount }, () => 0),
      strays: 0,
      broken: 0,
    },
    inputs: () => alphabet,
    next,
    invariants,
    fingerprint: (s, into) => {
      into.int(s.coordinator.hi);
      into.int(s.coordinator.lo);
      into.int(s.nowMs);
      into.int(s.strays);
      into.int(s.broken);
      for (const stage of s.syncs) into.int(SYNC_CODE[stage]);
      for (let i = 0; i < s.resets.length; i++) {
        into.int(RESET_CODE[s.resets[i]!]);
        into.int(s.dueMs[i]!);
      }
      for (const t of s.markedUntilMs) into.int(t);
    },
    describe: describeInput,
    describeState: (s) => {
      const callers = mrs.map((mr, m) => {
        const syncs = syncIds.map((id, k) => `${id}:${s.syncs[m * syncsPerMr + k]}`);
        const resets = resetIds.map((id, k) => {
          const stage = s.resets[m * resetsPerMr + k]!;
          const due = s.dueMs[m * resetsPerMr + k]!;
          return `${id}:${stage}${due > 0 ? `@${due}` : ""}`;
        });
        return `${mr}{${[...syncs, ...resets].join(" ")}}`;
      });
      return `t=${s.nowMs / 1000}s ${callers.join(" ")} coordinator ${flow.describe(s.coordinator.state)}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The coordinators

/** The core `SyncCoordinator` (serial) with `config`'s marker TTL and bounds. */
function coreFlow(config: EntryCheck.Config): Flow {
  const { legacyTtlMs, mrCountMax, pendingPerMrMax } = config;
  const initial = SyncCoordinator.initial({ legacyTtlMs, mrCountMax, pendingPerMrMax });
  return {
    route: "serial",
    initial,
    transition: (state, event) => SyncCoordinator.transition(state as SyncCoordinator.State, event),
    fingerprint: (state, into) => fingerprintCoordinator(state as SyncCoordinator.State, into),
    describe: (state) => describeCoordinator(state as SyncCoordinator.State),
  };
}

/** The seed's coordinator behind its flag (./entry-check.ts) with `config`: the flag-off route or the entry check. */
function entryCheckFlow(config: EntryCheck.Config): Flow {
  const initial = EntryCheck.initial(config);
  return {
    route: EntryCheck.routeOf(config),
    initial,
    transition: (state, event) => EntryCheck.transition(state as EntryCheck.State, event),
    fingerprint: (state, into) => fingerprintCoordinator(state as EntryCheck.State, into),
    describe: (state) => describeCoordinator(state as EntryCheck.State),
  };
}

/** The scenario's `legacyFlow` (the code before the seed's change); it has the scenario's timings only. */
function legacyCodeFlow(config: EntryCheck.Config): Flow {
  const { legacyTtlMs, legacyResetDelayMs } = params.coordinator;
  if (config.legacyTtlMs !== legacyTtlMs || config.legacyResetDelayMs !== legacyResetDelayMs) {
    throw new RangeError(
      `legacy-code runs with the scenario's legacyTtlMs ${legacyTtlMs} and legacyResetDelayMs ${legacyResetDelayMs}`,
    );
  }
  const initial: LegacyState = { unapprovedUntilMs: {} };
  return {
    route: "legacy",
    initial,
    transition: (state, event) => legacyFlow.transition(state as LegacyState, event),
    fingerprint: (state, into) => {
      const markers = (state as LegacyState).unapprovedUntilMs;
      for (const mr of Object.keys(markers).sort()) {
        into.string(mr);
        into.int(markers[mr]!);
      }
    },
    describe: (state) => JSON.stringify((state as LegacyState).unapprovedUntilMs),
  };
}

function intoIds(ids: readonly string[], into: FingerprintBuilder): void {
  into.int(ids.length);
  for (const id of ids) into.string(id);
}

/**
 * Feeds a canonical key of a coordinator state to `into`: its MR entries and (serial) Mailbox keys in sorted
 * MR order, so the history-dependent insertion order of the records does not matter. The config is fixed per
 * model, so it is left out.
 */
function fingerprintCoordinator(c: SyncCoordinator.State | EntryCheck.State, into: FingerprintBuilder): void {
  const mrs = Object.keys(c.mrs).sort();
  into.int(mrs.length);
  for (const mr of mrs) {
    const e = c.mrs[mr]!;
    into.string(mr);
    into.int(e.unapprovedUntilMs);
    // The serial coordinator keeps no sync or pending ids (its syncs are Mailbox orders): empty lists.
    intoIds("syncs" in e ? e.syncs : [], into);
    intoIds("pendingResets" in e ? e.pendingResets : [], into);
    intoIds(e.scheduledResets, into);
    intoIds(e.runningResets, into);
  }
  if (!("mailbox" in c)) return;
  const serial = c.mailbox;
  const keys = Object.keys(serial.keys).sort();
  into.int(keys.length);
  into.int(serial.inFlightCount);
  into.int(serial.ready.length + Object.keys(serial.keyless).length + (serial.shuttingDown ? 1 : 0));
  for (const key of keys) {
    const work = serial.keys[key]!;
    into.string(key);
    if (work.inFlight === null) into.int(-1);
    else {
      into.string(work.inFlight.order.id);
      into.int(work.inFlight.cancelled ? 1 : 0);
    }
    into.int(work.pending.length);
    for (const order of work.pending) into.string(order.id);
  }
}

function describeCoordinator(c: SyncCoordinator.State | EntryCheck.State): string {
  const entries = Object.keys(c.mrs)
    .sort()
    .map((mr) => {
      const e = c.mrs[mr]!;
      const parts = [`until=${e.unapprovedUntilMs}`];
      if ("syncs" in e && e.syncs.length > 0) parts.push(`syncs=${e.syncs.join(",")}`);
      if ("pendingResets" in e && e.pendingResets.length > 0)
        parts.push(`pending=${e.pendingResets.join(",")}`);
      if (e.scheduledResets.length > 0) parts.push(`scheduled=${e.scheduledResets.join(",")}`);
      if (e.runningResets.length > 0) parts.push(`running=${e.runningResets.join(",")}`);
      if ("mailbox" in c && Object.hasOwn(c.mailbox.keys, mr)) {
        const work = c.mailbox.keys[mr]!;
        const orders = [work.inFlight?.order, ...work.pending].flatMap((o) =>
          o === undefined ? [] : [`${o.kind} ${String(o.payload)}`],
        );
        parts.push(`queue=[${orders.join(", ")}]`);
      }
      return `${mr}{${parts.join(" ")}}`;
    });
  return entries.length === 0 ? "{}" : entries.join(" ");
}

// ---------------------------------------------------------------------------------------------------------
// The registered models

/**
 * Bounds of the registered flag-on models: 2 merge requests sharing room for 1 (`mrCountMax` 1: the second
 * is admitted once the first's entry can be swept, so admission, sweeping and `mr-limit` are in the space),
 * 2 syncs and 2 resets each, 5 s ticks to 15 s (the marker set at 0 expires at the horizon, while a sync may
 * still run), `pendingPerMrMax` 2, 1 stray reset worker. The flag on has no other deadline.
 */
export const SC_BOUNDS: SyncCoordinatorModelOptions = {
  mrs: 2,
  syncsPerMr: 2,
  resetsPerMr: 2,
  stepMs: 5_000,
  horizonMs: 15_000,
  straysMax: 1,
  coordinator: { mrCountMax: 1, pendingPerMrMax: 2 },
};

/**
 * Bounds of the registered legacy-route models: as {@link SC_BOUNDS} with 1 sync per merge request (the
 * legacy route tracks no sync), no stray worker (it keeps no reset ids to turn one away) and 5 s ticks to
 * 20 s, so a reset scheduled at 5 s has its worker run at 15 s and its marker expire at 20 s.
 */
export const SC_LEGACY_BOUNDS: SyncCoordinatorModelOptions = {
  ...SC_BOUNDS,
  syncsPerMr: 1,
  horizonMs: 20_000,
  straysMax: 0,
};

const SOURCE = "shared/seeds/000_a68bbd6ee7280424.txt";
const BOUNDS_TEXT =
  "2 MRs sharing room for 1 (mrCountMax 1), 2 syncs and 2 resets per MR, 5 s ticks to 15 s, TTL 15 s, pendingPerMrMax 2, 1 stray reset worker";
const LEGACY_BOUNDS_TEXT =
  "2 MRs sharing room for 1 (mrCountMax 1), 1 sync and 2 resets per MR, 5 s ticks to 20 s, TTL 15 s, delay 10 s";
const CALLERS =
  "StartSync, FinishSync (ok/failed), ScheduleReset, BeginReset, the reset's delete, FinishReset in any order the callers allow";

/** The flag off: the legacy route, exactly. */
export const syncCoordinatorFlagOffChecked = defineModel({
  name: "sync-coordinator-flag-off",
  machine: "SyncCoordinator",
  description: `flag off: ${CALLERS}; ${LEGACY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "pass",
  why: "with the flag off the coordinator is the legacy code: a 15 s marker and a reset worker 10 s later per ScheduleReset, nothing else",
  build: () => syncCoordinatorModel({ ...SC_LEGACY_BOUNDS, flow: "flag-off" }),
});

/** The seed's merged change: every promise but the serial one. */
export const syncCoordinatorEntryCheckChecked = defineModel({
  name: "sync-coordinator-entry-check",
  machine: "SyncCoordinator",
  description: `entry-check: ${CALLERS}; ${BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "pass",
  why: "no Proceed during a sync; pending resets drained when no sync remains; each reset runs exactly once; the MR stays unapproved during syncs and resets",
  build: () => syncCoordinatorModel({ ...SC_BOUNDS, flow: "entry-check" }),
});

/** The serial mode: the seed's known limitation closed. */
export const syncCoordinatorSerialChecked = defineModel({
  name: "sync-coordinator-serial",
  machine: "SyncCoordinator",
  description: `serial: ${CALLERS}; ${BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "pass",
  why: "a reset never runs during a sync of its MR (one order at a time); queued work is dispatched; each reset runs exactly once; the MR stays unapproved",
  build: () => syncCoordinatorModel({ ...SC_BOUNDS, flow: "serial" }),
});

/** The legacy route (TTL marker + 10 s delay) against the serial promise: found in 6 inputs. */
export const syncCoordinatorFlagOffResetDuringSyncChecked = defineModel({
  name: "sync-coordinator-flag-off-reset-during-sync",
  machine: "SyncCoordinator",
  description: `flag off, checked for "${SC_RESET_DURING_SYNC}"; ${LEGACY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "the 10 s delay is a guess: a sync still running when the delayed reset worker starts has its rules half-built",
  build: () =>
    syncCoordinatorModel({
      ...SC_LEGACY_BOUNDS,
      flow: "flag-off",
      invariants: [SC_RESET_DURING_SYNC],
      name: "sync-coordinator-flag-off-reset-during-sync",
    }),
});

/** The scenario's own legacy code (`legacyFlow`) against the serial promise: the same 6 inputs. */
export const syncCoordinatorLegacyTtlChecked = defineModel({
  name: "sync-coordinator-legacy-ttl",
  machine: "SyncCoordinator",
  description: `the scenario's legacy code (legacyFlow, before the coordinator), checked for "${SC_RESET_DURING_SYNC}"; ${LEGACY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "before the change: the reset worker runs 10 s after it was scheduled, whatever the sync is doing",
  build: () =>
    syncCoordinatorModel({
      ...SC_LEGACY_BOUNDS,
      flow: "legacy-code",
      invariants: [SC_RESET_DURING_SYNC],
      name: "sync-coordinator-legacy-ttl",
    }),
});

/** The seed's merged change against the serial promise: its Known limitation, found in 4 inputs. */
export const syncCoordinatorEntryCheckResetDuringSyncChecked = defineModel({
  name: "sync-coordinator-entry-check-reset-during-sync",
  machine: "SyncCoordinator",
  description: `entry-check, checked for "${SC_RESET_DURING_SYNC}"; ${BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "the seed's Known limitations: a sync starts between the entry check (Proceed) and the deletion of approvals",
  build: () =>
    syncCoordinatorModel({
      ...SC_BOUNDS,
      flow: "entry-check",
      invariants: [SC_RESET_DURING_SYNC],
      name: "sync-coordinator-entry-check-reset-during-sync",
    }),
});

/** The coordinator with a reset worker that skips the entry check: found in 3 inputs. */
export const syncCoordinatorNoEntryCheckChecked = defineModel({
  name: "sync-coordinator-no-entry-check",
  machine: "SyncCoordinator",
  description: `entry-check coordinator, reset worker without BeginReset (the scenario's coordinator-no-entry-check), checked for "${SC_RESET_DURING_SYNC}"; ${BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "resets are deferred only when scheduled during a sync; a sync that starts after the enqueue meets the worker",
  build: () =>
    syncCoordinatorModel({
      ...SC_BOUNDS,
      flow: "entry-check",
      worker: "no-entry-check",
      invariants: [SC_RESET_DURING_SYNC],
      name: "sync-coordinator-no-entry-check",
    }),
});

/** Every SyncCoordinator model, in the order `interleave check` lists them: the three modes, then the races. */
export const syncCoordinatorModels: readonly CheckedModel[] = [
  syncCoordinatorFlagOffChecked,
  syncCoordinatorEntryCheckChecked,
  syncCoordinatorSerialChecked,
  syncCoordinatorFlagOffResetDuringSyncChecked,
  syncCoordinatorLegacyTtlChecked,
  syncCoordinatorEntryCheckResetDuringSyncChecked,
  syncCoordinatorNoEntryCheckChecked,
];
