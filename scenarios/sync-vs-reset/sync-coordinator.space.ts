/**
 * The explicit-state model of seed 000 (../../shared/seeds/000_a68bbd6ee7280424.txt) for `interleave check`:
 * merge requests whose code-owner syncs and approval resets are driven through a coordinator's own
 * `transition` by callers that act on its results and effects, over a discrete clock. The coordinator is one
 * of ./sync-coordinator.flows.ts: the core's serial `SyncCoordinator`, or the seed's reproductions kept in this
 * scenario — the entry-check coordinator (./entry-check.ts), its flag-off route and the legacy code
 * (./legacy.ts). Each is verified against the promises it makes (./sync-coordinator.promises.ts); the seed's
 * buggy behaviours are model variants found with their shortest counterexamples against the serial promise
 * "a reset never runs while a sync of its merge request is in progress" (the TTL marker and the 10 s delay are
 * guesses; the entry check leaves the gap the seed lists under "Known limitations"), and a reset worker
 * without the entry check.
 *
 * The callers are the seed's: a sync starts, does its work (its rules are half-built until it finishes) and
 * finishes or fails; a push schedules a reset; the worker an `EnqueueReset` or `RunReset` effect starts runs
 * BeginReset when its delay is over, and after `Proceed` reads the rules and deletes the approvals they cover —
 * a step of its own, so a sync can start in between (the seed's race) — and then finishes the reset.
 */
import { MachineCache, type StateSpaceModel } from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";
import type * as EntryCheck from "./entry-check.js";
import type { Effect, Event } from "./protocol.js";
import {
  type CoordinatorStep,
  coreFlow,
  entryCheckFlow,
  type FlowState,
  legacyCodeFlow,
} from "./sync-coordinator.flows.js";
import {
  BIT,
  promisesOf,
  SC_ANSWERS,
  SC_DISPATCHED,
  SC_DRAINED,
  SC_EXACTLY_ONCE,
  SC_LEGACY_ENQUEUE,
  SC_LEGACY_MARKER,
  SC_NO_PROCEED_DURING_SYNC,
  SC_ONE_AT_A_TIME,
  SC_RESET_DURING_SYNC,
  SC_UNAPPROVED_DURING_SYNC,
  SC_UNAPPROVED_UNTIL_RESET,
  type SyncCoordinatorFlow,
} from "./sync-coordinator.promises.js";
import {
  Draft,
  type ResetStage,
  type SyncCoordinatorInput,
  type SyncCoordinatorModelState,
  type SyncStage,
} from "./sync-coordinator.state.js";
import { params, temporarilyUnapproved } from "./sync-vs-reset.js";

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
 * 10,863 states; {@link SC_BOUNDS} 62,092 (entry-check) and 38,384 (serial, whose order leases — tokens and expiries — are part of the state). Checked only for
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
