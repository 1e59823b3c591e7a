// SyncCoordinator: per merge request (MR), the ordering between the code-owner approval-rules sync (which
// deletes and recreates the MR's code-owner rules) and resets of approvals (a worker reads the rules, then
// deletes the approvals they cover), as a pure state machine. Modelled on seed 000
// (../shared/seeds/000_a68bbd6ee7280424.txt): a reset that ran during a sync read half-built rules and missed
// approvals. The seed defers resets while a sync runs and re-checks on entry, which narrows the race without
// closing it; the `serial` mode closes it by running an MR's syncs and resets one after another (a Mailbox).

import { assert, InvalidConfigError } from "./assert.js";
import {
  addMs,
  assertName,
  assertTime,
  configInteger,
  describeValue,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
import { getOwn, withEntry, withoutEntry } from "./internal/record.js";
import type { Transition } from "./machine.js";
import * as Mailbox from "./mailbox.js";

/**
 * SyncCoordinator configuration, validated by {@link initial}. Durations are integer ms.
 *
 * - `featureFlag`: the seed's `deterministic_approval_rules_sync`. `false` keeps the legacy code paths
 *   exactly (a TTL marker and a delayed reset worker, no sync tracking).
 * - `mode`: with the flag on, `"entry-check"` (the seed's merged change: defer resets while a sync runs,
 *   re-check on entry) or `"serial"` (an MR's syncs and resets strictly one after another). Validated, but
 *   ignored, with the flag off.
 * - `legacyTtlMs`: how long the legacy "temporarily unapproved" marker lives after it is set (the seed's
 *   15 s `temporarily_unapprove!` key). Positive integer.
 * - `legacyResetDelayMs`: the legacy reset worker's enqueue delay (the seed's `perform_in(10.seconds)`).
 *   Integer `>= 0`; used only with the flag off.
 * - `mrCountMax`: MRs with coordinator state at once (`mr-limit` beyond it). Positive integer.
 * - `pendingPerMrMax`: per MR, with the flag on (`pending-full` beyond it). Entry-check: sync ids in
 *   progress, and resets scheduled and not finished (so pending resets too), each at most this many.
 *   Serial: orders queued behind the one in flight (the Mailbox's `pendingPerKeyMax`).
 */
export interface Config {
  readonly featureFlag: boolean;
  readonly mode: "entry-check" | "serial";
  readonly legacyTtlMs: number;
  readonly legacyResetDelayMs: number;
  readonly mrCountMax: number;
  readonly pendingPerMrMax: number;
}

/**
 * What the coordinator keeps for one MR. Id lists hold each id at most once, in arrival order.
 *
 * - `syncs`: sync ids in progress (flag on, entry-check; always empty otherwise: serial syncs live in the
 *   Mailbox).
 * - `pendingResets`: reset ids deferred until the MR's syncs finish, FIFO (entry-check only). A subset of
 *   `scheduledResets`.
 * - `scheduledResets`: reset ids scheduled and not yet finished, whatever their stage (pending, enqueued,
 *   running; serial: queued or dispatched). Flag on only.
 * - `runningResets`: reset ids whose BeginReset returned `Proceed` and that have not finished. A subset of
 *   `scheduledResets`, disjoint from `pendingResets`. A reset in `scheduledResets` but in neither list is
 *   enqueued (entry-check) or queued/dispatched (serial).
 * - `unapprovedUntilMs`: the legacy TTL marker, ms; `0` = never set. Live iff `atMs < unapprovedUntilMs`.
 */
export interface MrState {
  readonly syncs: readonly string[];
  readonly pendingResets: readonly string[];
  readonly scheduledResets: readonly string[];
  readonly runningResets: readonly string[];
  readonly unapprovedUntilMs: number;
}

/**
 * SyncCoordinator state: plain JSON data.
 *
 * - `mrs`: per MR id, at most `mrCountMax` entries. An entry is removed (pruned) by an event that changes
 *   it when it then holds no sync and no reset, has no Mailbox work (serial), and its marker is not live at
 *   the event's `atMs`; an entry whose marker is still live stays (the marker is data). An entry left behind
 *   with an expired marker is swept when a new MR needs its room.
 * - `serial`: the per-MR Mailbox (kinds `Sync` and `Reset`, FIFO, one order in flight per MR); non-null iff
 *   the flag is on and the mode is `"serial"`.
 */
export interface State {
  readonly config: Config;
  readonly mrs: Readonly<Record<string, MrState>>;
  readonly serial: Mailbox.State | null;
}

/**
 * SyncCoordinator events, each for one MR `mr` (non-empty string) at `atMs` (non-negative integer ms).
 * Sync and reset ids are non-empty strings, scoped to their MR (the same id on two MRs names two things).
 *
 * - `StartSync`: the code-owner sync of `mr` wants to start (the seed's `start_code_owner_sync!`, called by
 *   CreateService before the worker is enqueued, and by the push refresh).
 * - `FinishSync`: the sync ended, `"ok"` or `"failed"` (the seed's `ensure` block runs in both cases).
 * - `ScheduleReset`: a push wants the MR's approvals reset (the seed's `schedule_reset_approvals!`).
 * - `BeginReset`: the reset worker's entry check, before it reads the rules (ResetApprovalsService's
 *   per-MR re-check).
 * - `FinishReset`: the reset worker deleted the approvals (`finish_reset_approvals!`).
 */
export type Event =
  | { readonly _tag: "StartSync"; readonly mr: string; readonly syncId: string; readonly atMs: number }
  | {
      readonly _tag: "FinishSync";
      readonly mr: string;
      readonly syncId: string;
      readonly outcome: "ok" | "failed";
      readonly atMs: number;
    }
  | { readonly _tag: "ScheduleReset"; readonly mr: string; readonly resetId: string; readonly atMs: number }
  | { readonly _tag: "BeginReset"; readonly mr: string; readonly resetId: string; readonly atMs: number }
  | { readonly _tag: "FinishReset"; readonly mr: string; readonly resetId: string; readonly atMs: number };

/**
 * What the caller must do (the coordinator runs no worker itself).
 *
 * - `EnqueueReset`: enqueue the reset worker for `resetId` of `mr`, to run after `delayMs` ms
 *   (`legacyResetDelayMs` with the flag off, `0` with the flag on). Flag off and entry-check.
 * - `RunSync` (serial): the sync `syncId` of `mr` may now do its work (delete and recreate the rules).
 * - `RunReset` (serial): start the reset worker for `resetId` of `mr` now.
 */
export type Effect =
  | { readonly _tag: "EnqueueReset"; readonly mr: string; readonly resetId: string; readonly delayMs: number }
  | { readonly _tag: "RunSync"; readonly mr: string; readonly syncId: string }
  | { readonly _tag: "RunReset"; readonly mr: string; readonly resetId: string };

/** Which code path handled a sync event: decided by the config alone (the seed's worker routes by the flag). */
export type Route = "legacy" | "coordinator" | "serial";

/**
 * SyncCoordinator results. Unless stated otherwise, a result that changes nothing returns the very same
 * state object and no effects.
 *
 * - `SyncStarted` (StartSync): `route` is `"legacy"` (flag off), `"coordinator"` (entry-check) or
 *   `"serial"`. `running`: the caller may do the sync's work now; always `true` for legacy and
 *   coordinator; serial: the Sync order was dispatched now (with a `RunSync` effect) — otherwise it waits
 *   for a `RunSync` effect from a later event. A StartSync of a sync id already in progress (or queued) is
 *   idempotent: state unchanged, no effect, and `running` tells whether that sync may run now.
 * - `SyncFinished` (FinishSync): `drained` lists the reset ids released by this event, in order: entry-check,
 *   the pending resets enqueued (one `EnqueueReset` each) because no sync of the MR remains; serial, the
 *   reset dispatched next (a `RunReset`), if any; legacy, always `[]` (legacy does not track syncs).
 * - `ResetEnqueued` (ScheduleReset, flag off or entry-check): an `EnqueueReset` effect with `delayMs` went
 *   out. Also the answer to a ScheduleReset of a reset id already scheduled and enqueued or running
 *   (entry-check; idempotent: no effect, the worker was enqueued before).
 * - `ResetDeferred` (ScheduleReset, entry-check): a sync of the MR is in progress; the reset is pending and
 *   will be enqueued when the last sync finishes. No effect. Also the answer to a ScheduleReset of a reset id
 *   already pending (idempotent).
 * - `ResetQueued` (ScheduleReset, serial): the Reset order is in the MR's queue; `running` is `true` when it
 *   was dispatched now (with a `RunReset` effect). For a reset id already scheduled: idempotent, `running`
 *   tells whether its order is in flight.
 * - `Proceed` (BeginReset): the worker may read the rules and delete approvals now; the reset is running.
 * - `Deferred` (BeginReset): the worker must skip this MR. Entry-check: a sync is in progress, so the reset
 *   went back to pending (it is drained when the syncs finish), or it was pending already (a stale worker;
 *   state unchanged). Serial: the reset's order is queued, not dispatched (state unchanged; its `RunReset`
 *   comes later).
 * - `ResetFinished` (FinishReset): the reset is finished (serial: the MR's next order may be dispatched, with
 *   a `RunSync` or `RunReset` effect). Flag off: always, the legacy path keeps no reset state.
 * - `Rejected` (StartSync, ScheduleReset): nothing changed; the caller should retry later. `"mr-limit"`: a new
 *   MR while `mrCountMax` MRs have state (after sweeping the expired ones). `"pending-full"`: the MR is at
 *   `pendingPerMrMax` (see {@link Config}).
 * - `Unknown`: a Finish or Begin for an id outside the set it expects (below); nothing changed, with one
 *   exception. `"sync"` (FinishSync, flag on): entry-check, the id is not in progress; serial, its Sync order
 *   is not in flight. Exception (entry-check): when no sync of the MR remains in progress, the MR's pending
 *   resets are still drained (`EnqueueReset` effects, state changed), so the ensure path never strands
 *   them. `"reset"`: BeginReset (entry-check) of a reset not scheduled, or already running; BeginReset
 *   (serial) of a reset not scheduled; FinishReset of a reset not scheduled, or pending (entry-check), or
 *   queued and not dispatched (serial).
 */
export type Result =
  | { readonly _tag: "SyncStarted"; readonly route: Route; readonly running: boolean }
  | { readonly _tag: "SyncFinished"; readonly route: Route; readonly drained: readonly string[] }
  | { readonly _tag: "ResetEnqueued"; readonly delayMs: number }
  | { readonly _tag: "ResetDeferred" }
  | { readonly _tag: "ResetQueued"; readonly running: boolean }
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Deferred" }
  | { readonly _tag: "ResetFinished" }
  | { readonly _tag: "Rejected"; readonly reason: "mr-limit" | "pending-full" }
  | { readonly _tag: "Unknown"; readonly what: "sync" | "reset" };

type Step = Transition<State, Result, Effect>;

const MACHINE = "SyncCoordinator";

/** The serial mode's Mailbox policy: syncs and resets of one MR, FIFO, nothing superseded. */
const SERIAL_POLICY: Mailbox.Policy = Mailbox.fifoPolicy(["Sync", "Reset"]);

type OrderKind = "Sync" | "Reset";

const EMPTY_MR: MrState = {
  syncs: [],
  pendingResets: [],
  scheduledResets: [],
  runningResets: [],
  unapprovedUntilMs: 0,
};

const OUTCOMES: readonly unknown[] = ["ok", "failed"];

// ---------------------------------------------------------------------------------------------------------
// Public functions

/**
 * The empty coordinator for `config`, after validating every field; builds the serial Mailbox when the flag
 * is on and the mode is `"serial"` (kinds `Sync` and `Reset`, {@link Mailbox.fifoPolicy}, `inFlightMax` and
 * `keyCountMax` = `mrCountMax` so MRs never wait for each other, `pendingPerKeyMax` = `pendingPerMrMax`).
 *
 * @throws `InvalidConfigError` naming the field: `featureFlag` not a boolean, `mode` not `"entry-check"` or
 *   `"serial"`, `legacyTtlMs`, `mrCountMax` or `pendingPerMrMax` not a positive integer, `legacyResetDelayMs`
 *   not an integer `>= 0`. E.g. `SyncCoordinator config: legacyTtlMs (0) must be a positive integer`.
 * @example
 * const coordinator = SyncCoordinator.initial({
 *   featureFlag: true, mode: "entry-check", legacyTtlMs: 15_000, legacyResetDelayMs: 10_000,
 *   mrCountMax: 10_000, pendingPerMrMax: 16,
 * });
 */
export function initial(config: Config): State {
  const fields: Readonly<Record<string, unknown>> =
    typeof config === "object" && config !== null ? (config as unknown as Record<string, unknown>) : {};
  const featureFlag = fields.featureFlag;
  if (typeof featureFlag !== "boolean") {
    throw new InvalidConfigError(
      "featureFlag",
      `${MACHINE} config: featureFlag (${describeValue(featureFlag)}) must be a boolean`,
    );
  }
  const mode = fields.mode;
  if (mode !== "entry-check" && mode !== "serial") {
    throw new InvalidConfigError(
      "mode",
      `${MACHINE} config: mode (${describeValue(mode)}) must be "entry-check" or "serial"`,
    );
  }
  const legacyTtlMs = configInteger(MACHINE, config, "legacyTtlMs", 1);
  const legacyResetDelayMs = configInteger(MACHINE, config, "legacyResetDelayMs", 0);
  const mrCountMax = configInteger(MACHINE, config, "mrCountMax", 1);
  const pendingPerMrMax = configInteger(MACHINE, config, "pendingPerMrMax", 1);
  const serial =
    featureFlag && mode === "serial"
      ? Mailbox.initial({
          policy: SERIAL_POLICY,
          inFlightMax: mrCountMax,
          pendingPerKeyMax: pendingPerMrMax,
          keylessPendingMax: 1,
          keyCountMax: mrCountMax,
        })
      : null;
  return {
    config: { featureFlag, mode, legacyTtlMs, legacyResetDelayMs, mrCountMax, pendingPerMrMax },
    mrs: {},
    serial,
  };
}

/**
 * Applies one event. Pure: never mutates `state` or the event, performs no effect itself (it returns them),
 * and returns the same `state` object when nothing changed; MRs the event did not touch keep their identity.
 *
 * Flag off (legacy, exactly): ScheduleReset sets the marker to `atMs + legacyTtlMs` and emits
 * `EnqueueReset` with `delayMs: legacyResetDelayMs`; StartSync, FinishSync, BeginReset and FinishReset change
 * nothing and answer `SyncStarted`/`SyncFinished` (route `"legacy"`), `Proceed`, `ResetFinished`. The one
 * departure from legacy: a ScheduleReset for a new MR at `mrCountMax` live markers is `Rejected`.
 *
 * Flag on, entry-check (the seed's change): StartSync adds the sync id and sets the marker. ScheduleReset
 * sets the marker, then enqueues the reset now (`EnqueueReset`, `delayMs: 0`) when no sync of the MR is in
 * progress, else keeps it pending. BeginReset of an enqueued reset: a sync in progress → `Deferred` (back to
 * pending), else `Proceed` (running). FinishReset of an enqueued or running reset ends it (a worker without
 * the entry check finishes without BeginReset). FinishSync (`"ok"` or `"failed"`) removes the sync id and,
 * when no sync of the MR remains, enqueues every pending reset, FIFO. Known limitation, kept on purpose (the
 * seed's): nothing stops a StartSync after BeginReset answered `Proceed` and before the reset deleted the
 * approvals.
 *
 * Flag on, serial: StartSync and ScheduleReset set the marker and submit a `Sync` / `Reset` order to the
 * MR's FIFO queue; the order dispatched (now or by a later event) comes out as a `RunSync` / `RunReset`
 * effect, and only then may the caller start it. BeginReset of a dispatched reset → `Proceed`; FinishReset
 * and FinishSync complete the order in flight, dispatching the MR's next one. At most one order of an MR is
 * in flight, so a sync never runs while a reset of its MR is dispatched, and vice versa.
 *
 * The marker is never shortened: it becomes `max(unapprovedUntilMs, atMs + legacyTtlMs)` (equal to the
 * legacy overwrite when events come in nondecreasing `atMs`, which the coordinator expects but does not
 * check). Idempotent repeats (a StartSync of a sync in progress, a ScheduleReset of a reset scheduled) leave
 * the state as it is, the marker included.
 *
 * Deterministic: the same state and event always give the same step; drains follow FIFO order.
 *
 * @throws `AssertionError` on a malformed event: `atMs` not a non-negative integer, `mr`, `syncId` or
 *   `resetId` not a non-empty string, an unknown `outcome` or `_tag`.
 * @example
 * const { state, effects, result } = SyncCoordinator.transition(coordinator, {
 *   _tag: "ScheduleReset", mr: "!42", resetId: "push-2", atMs: 1_000,
 * });
 * // entry-check, no sync in progress:
 * // result: { _tag: "ResetEnqueued", delayMs: 0 }
 * // effects: [{ _tag: "EnqueueReset", mr: "!42", resetId: "push-2", delayMs: 0 }]
 */
export function transition(state: State, event: Event): Step {
  switch (event._tag) {
    case "StartSync":
      assertEvent(event.mr, "syncId", event.syncId, event.atMs);
      return startSync(state, event.mr, event.syncId, event.atMs);
    case "FinishSync":
      assertEvent(event.mr, "syncId", event.syncId, event.atMs);
      assert(
        OUTCOMES.includes(event.outcome),
        () => `outcome must be "ok" or "failed", got ${describeValue(event.outcome)}`,
      );
      return finishSync(state, event.mr, event.syncId, event.outcome, event.atMs);
    case "ScheduleReset":
      assertEvent(event.mr, "resetId", event.resetId, event.atMs);
      return scheduleReset(state, event.mr, event.resetId, event.atMs);
    case "BeginReset":
      assertEvent(event.mr, "resetId", event.resetId, event.atMs);
      return beginReset(state, event.mr, event.resetId);
    case "FinishReset":
      assertEvent(event.mr, "resetId", event.resetId, event.atMs);
      return finishReset(state, event.mr, event.resetId, event.atMs);
    default:
      return unknownEvent(event);
  }
}

/**
 * What the merge check asks (`temporarily_unapproved?`): whether `mr` must not be merged at `atMs` (integer
 * ms) because its approvals may be about to change. `true` when the legacy marker is live
 * (`atMs < unapprovedUntilMs`), or, with the flag on, when a sync of the MR is in progress or a reset is
 * scheduled and not finished (serial: the MR has an order in flight or queued).
 *
 * @throws `AssertionError` when `mr` is not a non-empty string or `atMs` not a non-negative integer.
 */
export function isTemporarilyUnapproved(state: State, mr: string, atMs: number): boolean {
  assertName("mr", mr);
  assertTime(atMs);
  const entry = getOwn(state.mrs, mr);
  if (entry !== undefined && atMs < entry.unapprovedUntilMs) {
    return true;
  }
  if (!state.config.featureFlag) {
    return false;
  }
  if (state.serial !== null) {
    return getOwn(state.serial.keys, mr) !== undefined;
  }
  return entry !== undefined && (entry.syncs.length > 0 || entry.scheduledResets.length > 0);
}

/**
 * Whether a code-owner sync of `mr` is in progress (the seed's `code_owner_sync_in_progress?`): entry-check,
 * a sync id is recorded; serial, a `Sync` order of the MR is in flight (dispatched, not finished). With the
 * flag off always `false`: the legacy path does not track syncs.
 *
 * @throws `AssertionError` when `mr` is not a non-empty string.
 */
export function syncInProgress(state: State, mr: string): boolean {
  assertName("mr", mr);
  if (!state.config.featureFlag) {
    return false;
  }
  if (state.serial !== null) {
    return getOwn(state.serial.keys, mr)?.inFlight?.order.kind === "Sync";
  }
  return (getOwn(state.mrs, mr)?.syncs.length ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------------------
// Events

function assertEvent(mr: string, idName: string, id: string, atMs: number): void {
  assertTime(atMs);
  assertName("mr", mr);
  assertName(idName, id);
}

function routeOf(config: Config): Route {
  if (!config.featureFlag) {
    return "legacy";
  }
  return config.mode === "serial" ? "serial" : "coordinator";
}

function startSync(state: State, mr: string, syncId: string, atMs: number): Step {
  switch (routeOf(state.config)) {
    case "legacy":
      return unchanged(state, { _tag: "SyncStarted", route: "legacy", running: true });
    case "coordinator":
      return startSyncCoordinator(state, mr, syncId, atMs);
    case "serial":
      return startSyncSerial(state, mr, syncId, atMs);
  }
}

function finishSync(state: State, mr: string, syncId: string, outcome: "ok" | "failed", atMs: number): Step {
  switch (routeOf(state.config)) {
    case "legacy":
      return unchanged(state, { _tag: "SyncFinished", route: "legacy", drained: [] });
    case "coordinator":
      return finishSyncCoordinator(state, mr, syncId, atMs);
    case "serial":
      return finishSyncSerial(state, mr, syncId, outcome, atMs);
  }
}

function scheduleReset(state: State, mr: string, resetId: string, atMs: number): Step {
  switch (routeOf(state.config)) {
    case "legacy":
      return scheduleResetLegacy(state, mr, resetId, atMs);
    case "coordinator":
      return scheduleResetCoordinator(state, mr, resetId, atMs);
    case "serial":
      return scheduleResetSerial(state, mr, resetId, atMs);
  }
}

function beginReset(state: State, mr: string, resetId: string): Step {
  switch (routeOf(state.config)) {
    case "legacy":
      return unchanged(state, { _tag: "Proceed" });
    case "coordinator":
      return beginResetCoordinator(state, mr, resetId);
    case "serial":
      return beginResetSerial(state, mr, resetId);
  }
}

function finishReset(state: State, mr: string, resetId: string, atMs: number): Step {
  switch (routeOf(state.config)) {
    case "legacy":
      return unchanged(state, { _tag: "ResetFinished" });
    case "coordinator":
      return finishResetCoordinator(state, mr, resetId, atMs);
    case "serial":
      return finishResetSerial(state, mr, resetId, atMs);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Legacy (flag off)

function scheduleResetLegacy(state: State, mr: string, resetId: string, atMs: number): Step {
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  const delayMs = state.config.legacyResetDelayMs;
  const entry: MrState = { ...room.entry, unapprovedUntilMs: markedUntil(state.config, room.entry, atMs) };
  return step(state, withMr(room.state, mr, entry, atMs), [{ _tag: "EnqueueReset", mr, resetId, delayMs }], {
    _tag: "ResetEnqueued",
    delayMs,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Flag on, entry-check (the seed's coordinator)

function startSyncCoordinator(state: State, mr: string, syncId: string, atMs: number): Step {
  const started: Result = { _tag: "SyncStarted", route: "coordinator", running: true };
  if (getOwn(state.mrs, mr)?.syncs.includes(syncId) === true) {
    return unchanged(state, started);
  }
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  if (room.entry.syncs.length >= state.config.pendingPerMrMax) {
    return unchanged(state, PENDING_FULL);
  }
  const entry: MrState = {
    ...room.entry,
    syncs: [...room.entry.syncs, syncId],
    unapprovedUntilMs: markedUntil(state.config, room.entry, atMs),
  };
  return step(state, withMr(room.state, mr, entry, atMs), NO_EFFECTS, started);
}

function finishSyncCoordinator(state: State, mr: string, syncId: string, atMs: number): Step {
  const before = getOwn(state.mrs, mr);
  const known = before?.syncs.includes(syncId) === true;
  if (before === undefined || (!known && (before.syncs.length > 0 || before.pendingResets.length === 0))) {
    return unchanged(state, UNKNOWN_SYNC);
  }
  const syncs = known ? before.syncs.filter((id) => id !== syncId) : before.syncs;
  const drained = syncs.length === 0 ? before.pendingResets : [];
  const entry: MrState = {
    ...before,
    syncs,
    pendingResets: drained.length > 0 ? [] : before.pendingResets,
  };
  const effects: readonly Effect[] = drained.map((resetId) => ({
    _tag: "EnqueueReset",
    mr,
    resetId,
    delayMs: 0,
  }));
  const result: Result = known ? { _tag: "SyncFinished", route: "coordinator", drained } : UNKNOWN_SYNC;
  return step(state, withMr(state, mr, entry, atMs), effects, result);
}

function scheduleResetCoordinator(state: State, mr: string, resetId: string, atMs: number): Step {
  const existing = getOwn(state.mrs, mr);
  if (existing?.scheduledResets.includes(resetId) === true) {
    const pending = existing.pendingResets.includes(resetId);
    return unchanged(state, pending ? DEFERRED_RESET : { _tag: "ResetEnqueued", delayMs: 0 });
  }
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  const current = room.entry;
  if (current.scheduledResets.length >= state.config.pendingPerMrMax) {
    return unchanged(state, PENDING_FULL);
  }
  const defer = current.syncs.length > 0;
  const entry: MrState = {
    ...current,
    scheduledResets: [...current.scheduledResets, resetId],
    pendingResets: defer ? [...current.pendingResets, resetId] : current.pendingResets,
    unapprovedUntilMs: markedUntil(state.config, current, atMs),
  };
  const next = withMr(room.state, mr, entry, atMs);
  if (defer) {
    return step(state, next, NO_EFFECTS, DEFERRED_RESET);
  }
  return step(state, next, [{ _tag: "EnqueueReset", mr, resetId, delayMs: 0 }], {
    _tag: "ResetEnqueued",
    delayMs: 0,
  });
}

function beginResetCoordinator(state: State, mr: string, resetId: string): Step {
  const entry = getOwn(state.mrs, mr);
  if (
    entry === undefined ||
    !entry.scheduledResets.includes(resetId) ||
    entry.runningResets.includes(resetId)
  ) {
    return unchanged(state, UNKNOWN_RESET);
  }
  if (entry.pendingResets.includes(resetId)) {
    return unchanged(state, { _tag: "Deferred" });
  }
  // Enqueued: the seed's per-MR re-check on entry.
  if (entry.syncs.length > 0) {
    const deferred: MrState = { ...entry, pendingResets: [...entry.pendingResets, resetId] };
    return step(state, replaceMr(state, mr, deferred), NO_EFFECTS, { _tag: "Deferred" });
  }
  const running: MrState = { ...entry, runningResets: [...entry.runningResets, resetId] };
  return step(state, replaceMr(state, mr, running), NO_EFFECTS, { _tag: "Proceed" });
}

function finishResetCoordinator(state: State, mr: string, resetId: string, atMs: number): Step {
  const entry = getOwn(state.mrs, mr);
  if (
    entry === undefined ||
    !entry.scheduledResets.includes(resetId) ||
    entry.pendingResets.includes(resetId)
  ) {
    return unchanged(state, UNKNOWN_RESET);
  }
  const finished: MrState = {
    ...entry,
    scheduledResets: entry.scheduledResets.filter((id) => id !== resetId),
    runningResets: entry.runningResets.filter((id) => id !== resetId),
  };
  return step(state, withMr(state, mr, finished, atMs), NO_EFFECTS, { _tag: "ResetFinished" });
}

// ---------------------------------------------------------------------------------------------------------
// Flag on, serial (a per-MR Mailbox)

/**
 * The Mailbox order id of sync or reset `id` of `mr`. Mailbox ids are unique across keys and kinds, while
 * ids here are scoped to their MR and kind, so the order id encodes all three (JSON: unambiguous).
 */
function orderId(kind: OrderKind, mr: string, id: string): string {
  return JSON.stringify([kind, mr, id]);
}

function serialOf(state: State): Mailbox.State {
  assert(state.serial !== null, "the serial mode must have its Mailbox");
  return state.serial;
}

/** Whether the order `kind`/`id` of `mr` is in flight (dispatched, not completed) in the Mailbox. */
function inFlight(serial: Mailbox.State, kind: OrderKind, mr: string, id: string): boolean {
  return getOwn(serial.keys, mr)?.inFlight?.order.id === orderId(kind, mr, id);
}

/** The Mailbox's Dispatch effects as RunSync / RunReset effects (a FIFO policy never cancels). */
function runEffects(mr: string, effects: readonly Mailbox.Effect[]): readonly Effect[] {
  if (effects.length === 0) {
    return NO_EFFECTS;
  }
  return effects.map((effect): Effect => {
    assert(
      effect._tag === "Dispatch" && effect.key === mr,
      () => `the serial Mailbox may only dispatch the event's MR, got ${describeValue(effect)}`,
    );
    const { kind, payload } = effect.order;
    assert(typeof payload === "string", () => `order payload must be an id, got ${describeValue(payload)}`);
    return kind === "Sync"
      ? { _tag: "RunSync", mr, syncId: payload }
      : { _tag: "RunReset", mr, resetId: payload };
  });
}

/**
 * Submits the `kind`/`id` order of `mr`; `undefined` when the Mailbox rejects it (pending-full). A new MR's
 * room was made by {@link admit}, so the Mailbox never answers key-limit.
 */
function submit(
  base: State,
  kind: OrderKind,
  mr: string,
  id: string,
): { readonly serial: Mailbox.State; readonly effects: readonly Effect[] } | "duplicate" | undefined {
  const order: Mailbox.Order = { id: orderId(kind, mr, id), key: mr, kind, payload: id };
  const { state: serial, effects, result } = Mailbox.transition(serialOf(base), { _tag: "Submit", order });
  if (result._tag === "Duplicate") {
    return "duplicate";
  }
  if (result._tag === "Rejected" && result.reason === "pending-full") {
    return undefined;
  }
  assert(
    result._tag === "Accepted",
    () => `the serial Mailbox answered ${describeValue(result)} to ${order.id}`,
  );
  return { serial, effects: runEffects(mr, effects) };
}

/** Completes the in-flight order `kind`/`id` of `mr`, dispatching the MR's next order. */
function complete(
  state: State,
  kind: OrderKind,
  mr: string,
  id: string,
  outcome: "done" | "failed",
): { readonly serial: Mailbox.State; readonly effects: readonly Effect[] } {
  const completed = Mailbox.transition(serialOf(state), {
    _tag: "Complete",
    key: mr,
    orderId: orderId(kind, mr, id),
    outcome,
  });
  assert(completed.result._tag === "Completed", () => `${kind} ${id} of ${mr} must be in flight`);
  return { serial: completed.state, effects: runEffects(mr, completed.effects) };
}

function startSyncSerial(state: State, mr: string, syncId: string, atMs: number): Step {
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  const submitted = submit(room.state, "Sync", mr, syncId);
  if (submitted === "duplicate") {
    const running = inFlight(serialOf(state), "Sync", mr, syncId);
    return unchanged(state, { _tag: "SyncStarted", route: "serial", running });
  }
  if (submitted === undefined) {
    return unchanged(state, PENDING_FULL);
  }
  const entry: MrState = { ...room.entry, unapprovedUntilMs: markedUntil(state.config, room.entry, atMs) };
  const next = withMr({ ...room.state, serial: submitted.serial }, mr, entry, atMs);
  return step(state, next, submitted.effects, {
    _tag: "SyncStarted",
    route: "serial",
    running: submitted.effects.length > 0,
  });
}

function finishSyncSerial(
  state: State,
  mr: string,
  syncId: string,
  outcome: "ok" | "failed",
  atMs: number,
): Step {
  const serial = serialOf(state);
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(serial, "Sync", mr, syncId)) {
    return unchanged(state, UNKNOWN_SYNC);
  }
  const completed = complete(state, "Sync", mr, syncId, outcome === "ok" ? "done" : "failed");
  const drained = completed.effects.flatMap((effect) => (effect._tag === "RunReset" ? [effect.resetId] : []));
  const next = withMr({ ...state, serial: completed.serial }, mr, entry, atMs);
  return step(state, next, completed.effects, { _tag: "SyncFinished", route: "serial", drained });
}

function scheduleResetSerial(state: State, mr: string, resetId: string, atMs: number): Step {
  const existing = getOwn(state.mrs, mr);
  if (existing?.scheduledResets.includes(resetId) === true) {
    const running = inFlight(serialOf(state), "Reset", mr, resetId);
    return unchanged(state, { _tag: "ResetQueued", running });
  }
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  const submitted = submit(room.state, "Reset", mr, resetId);
  assert(submitted !== "duplicate", () => `reset ${resetId} of ${mr} is queued but not scheduled`);
  if (submitted === undefined) {
    return unchanged(state, PENDING_FULL);
  }
  const entry: MrState = {
    ...room.entry,
    scheduledResets: [...room.entry.scheduledResets, resetId],
    unapprovedUntilMs: markedUntil(state.config, room.entry, atMs),
  };
  const next = withMr({ ...room.state, serial: submitted.serial }, mr, entry, atMs);
  return step(state, next, submitted.effects, { _tag: "ResetQueued", running: submitted.effects.length > 0 });
}

function beginResetSerial(state: State, mr: string, resetId: string): Step {
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !entry.scheduledResets.includes(resetId)) {
    return unchanged(state, UNKNOWN_RESET);
  }
  if (!inFlight(serialOf(state), "Reset", mr, resetId)) {
    return unchanged(state, { _tag: "Deferred" });
  }
  if (entry.runningResets.includes(resetId)) {
    return unchanged(state, { _tag: "Proceed" });
  }
  const running: MrState = { ...entry, runningResets: [...entry.runningResets, resetId] };
  return step(state, replaceMr(state, mr, running), NO_EFFECTS, { _tag: "Proceed" });
}

function finishResetSerial(state: State, mr: string, resetId: string, atMs: number): Step {
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(serialOf(state), "Reset", mr, resetId)) {
    return unchanged(state, UNKNOWN_RESET);
  }
  const completed = complete(state, "Reset", mr, resetId, "done");
  const finished: MrState = {
    ...entry,
    scheduledResets: entry.scheduledResets.filter((id) => id !== resetId),
    runningResets: entry.runningResets.filter((id) => id !== resetId),
  };
  const next = withMr({ ...state, serial: completed.serial }, mr, finished, atMs);
  return step(state, next, completed.effects, { _tag: "ResetFinished" });
}

// ---------------------------------------------------------------------------------------------------------
// MR entries: admission, pruning, invariants

const MR_LIMIT: Result = { _tag: "Rejected", reason: "mr-limit" };
const PENDING_FULL: Result = { _tag: "Rejected", reason: "pending-full" };
const UNKNOWN_SYNC: Result = { _tag: "Unknown", what: "sync" };
const UNKNOWN_RESET: Result = { _tag: "Unknown", what: "reset" };
const DEFERRED_RESET: Result = { _tag: "ResetDeferred" };

/** The marker after setting it at `atMs`: `atMs + legacyTtlMs`, never shorter than it was. */
function markedUntil(config: Config, entry: MrState, atMs: number): number {
  return Math.max(entry.unapprovedUntilMs, addMs(atMs, config.legacyTtlMs));
}

/**
 * Whether `mr`'s entry may be removed at `atMs`: it holds no sync and no reset, its marker is not live, and
 * (serial) the Mailbox has no work for it.
 */
function isPrunable(state: State, mr: string, entry: MrState, atMs: number): boolean {
  return (
    entry.syncs.length === 0 &&
    entry.scheduledResets.length === 0 &&
    entry.unapprovedUntilMs <= atMs &&
    (state.serial === null || getOwn(state.serial.keys, mr) === undefined)
  );
}

/**
 * Room for `mr`: its entry and the state to build on. A new MR gets an empty entry; at `mrCountMax` MRs the
 * prunable entries are swept first. `undefined` when no room is left (`mr-limit`).
 */
function admit(
  state: State,
  mr: string,
  atMs: number,
): { readonly state: State; readonly entry: MrState } | undefined {
  const existing = getOwn(state.mrs, mr);
  if (existing !== undefined) {
    return { state, entry: existing };
  }
  const { mrCountMax } = state.config;
  const mrCount = Object.keys(state.mrs).length;
  assert(mrCount <= mrCountMax, () => `${mrCount} MRs have state, above mrCountMax ${mrCountMax}`);
  if (mrCount < mrCountMax) {
    return { state, entry: EMPTY_MR };
  }
  const kept = Object.entries(state.mrs).filter(([key, entry]) => !isPrunable(state, key, entry, atMs));
  if (kept.length === mrCount) {
    return undefined;
  }
  // Object.fromEntries defines data properties, so a "__proto__" MR stays an ordinary entry.
  return { state: { ...state, mrs: Object.fromEntries(kept) }, entry: EMPTY_MR };
}

/**
 * `base` with `mr`'s entry set to `entry`, or removed when prunable at `atMs`; `base` itself when that
 * changes nothing (so a step that changed nothing returns the very same state).
 */
function withMr(base: State, mr: string, entry: MrState, atMs: number): State {
  const current = getOwn(base.mrs, mr);
  if (isPrunable(base, mr, entry, atMs)) {
    return current === undefined ? base : { ...base, mrs: withoutEntry(base.mrs, mr) };
  }
  if (current !== undefined && sameMr(current, entry)) {
    return base;
  }
  return { ...base, mrs: withEntry(base.mrs, mr, checkMr(base, mr, entry)) };
}

/** `state` with `mr`'s existing entry replaced (no pruning: the change keeps a reset scheduled). */
function replaceMr(state: State, mr: string, entry: MrState): State {
  return { ...state, mrs: withEntry(state.mrs, mr, checkMr(state, mr, entry)) };
}

function sameMr(a: MrState, b: MrState): boolean {
  return (
    a.syncs === b.syncs &&
    a.pendingResets === b.pendingResets &&
    a.scheduledResets === b.scheduledResets &&
    a.runningResets === b.runningResets &&
    a.unapprovedUntilMs === b.unapprovedUntilMs
  );
}

function unique(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

/** Asserts what every stored entry keeps (`state` is the state it is stored into); returns `entry`. */
function checkMr(state: State, mr: string, entry: MrState): MrState {
  const { featureFlag, pendingPerMrMax } = state.config;
  const { syncs, pendingResets: pending, scheduledResets: scheduled, runningResets: running } = entry;
  const label = () => `MR ${describeValue(mr)}: ${describeValue(entry)}`;
  assert(
    unique(syncs) && unique(pending) && unique(scheduled) && unique(running),
    () => `${label()}: ids repeat`,
  );
  assert(
    pending.every((id) => scheduled.includes(id) && !running.includes(id)) &&
      running.every((id) => scheduled.includes(id)),
    () => `${label()}: pending and running resets must be disjoint subsets of the scheduled ones`,
  );
  if (!featureFlag) {
    assert(scheduled.length === 0 && syncs.length === 0, () => `${label()}: the legacy path tracks no ids`);
  } else if (state.serial === null) {
    assert(
      syncs.length <= pendingPerMrMax && scheduled.length <= pendingPerMrMax,
      () => `${label()}: above pendingPerMrMax ${pendingPerMrMax}`,
    );
    assert(pending.length === 0 || syncs.length > 0, () => `${label()}: pending resets without a sync`);
  } else {
    assert(syncs.length === 0 && pending.length === 0, () => `${label()}: serial syncs live in the Mailbox`);
    assert(
      scheduled.length <= pendingPerMrMax + 1,
      () => `${label()}: above pendingPerMrMax ${pendingPerMrMax} + 1 in flight`,
    );
    assert(
      running.every((id) => inFlight(state.serial!, "Reset", mr, id)),
      () => `${label()}: a running reset must be in flight`,
    );
  }
  return entry;
}

function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/** A step that may have changed the state; checks the global bound on what changed. */
function step(before: State, after: State, effects: readonly Effect[], result: Result): Step {
  if (after !== before) {
    const { mrCountMax } = after.config;
    const mrCount = Object.keys(after.mrs).length;
    assert(mrCount <= mrCountMax, () => `${mrCount} MRs have state, above mrCountMax ${mrCountMax}`);
    if (after.serial !== null) {
      const serial = after.serial;
      assert(
        Object.keys(serial.keys).every((mr) => getOwn(after.mrs, mr) !== undefined),
        "every MR with Mailbox work must have an entry",
      );
      assert(serial.ready.length === 0, "MRs never wait for each other in the serial Mailbox");
    }
  }
  return { state: after, effects, result };
}
