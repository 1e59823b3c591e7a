// SyncCoordinator: per merge request (MR), the ordering between the code-owner approval-rules sync (which
// deletes and recreates the MR's code-owner rules) and resets of approvals (a worker reads the rules, then
// deletes the approvals they cover), as a pure state machine. Modelled on seed 000
// (../shared/seeds/000_a68bbd6ee7280424.txt): a reset that ran during a sync read half-built rules and missed
// approvals. The seed's change defers resets while a sync runs and re-checks on entry, which narrows the race
// without closing it ("Known limitations"); this machine closes it by running an MR's syncs and resets one
// after another through a per-MR queue (a Mailbox). The seed's racy routes (the legacy TTL marker and delayed
// worker, the entry check) are reproductions of the seed and live in scenarios/sync-vs-reset, not here.

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
 * SyncCoordinator configuration, validated by {@link initial}.
 *
 * - `mrCountMax`: MRs with coordinator state at once (`mr-limit` beyond it). Positive integer.
 * - `pendingPerMrMax`: per MR, orders queued behind the one in flight (`pending-full` beyond it; the
 *   Mailbox's `pendingPerKeyMax`). Positive integer.
 * - `legacyTtlMs`: how long the seed's legacy "temporarily unapproved" key lives after a StartSync or
 *   ScheduleReset sets it, ms (the seed sets it "alongside coordinator keys for rollback safety"). Positive
 *   integer; default 15,000 (the seed's 15 s `temporarily_unapprove!`).
 *
 * Deprecated, accepted and ignored (they selected routes that no longer exist in the core):
 * - `featureFlag`: only `true` is accepted; `false` (the legacy route) throws.
 * - `mode`: only `"serial"` is accepted; `"entry-check"` throws.
 * - `legacyResetDelayMs`: the legacy reset worker's delay; validated (integer `>= 0`) when present, unused.
 */
export interface Config {
  readonly mrCountMax: number;
  readonly pendingPerMrMax: number;
  readonly legacyTtlMs?: number;
  /** @deprecated The core has only the serial coordinator; `true` is accepted and ignored. */
  readonly featureFlag?: true;
  /** @deprecated The core has only the serial coordinator; `"serial"` is accepted and ignored. */
  readonly mode?: "serial";
  /** @deprecated Used only by the legacy route (now in scenarios/sync-vs-reset); accepted and ignored. */
  readonly legacyResetDelayMs?: number;
}

/** The config as stored in {@link State}: validated, defaults filled in, deprecated fields dropped. */
export interface ResolvedConfig {
  readonly mrCountMax: number;
  readonly pendingPerMrMax: number;
  readonly legacyTtlMs: number;
}

/**
 * What the coordinator keeps for one MR. Id lists hold each id at most once, in arrival order.
 *
 * - `scheduledResets`: reset ids scheduled and not yet finished (queued or dispatched).
 * - `runningResets`: reset ids whose BeginReset returned `Proceed` and that have not finished. A subset of
 *   `scheduledResets`; each is the MR's order in flight.
 * - `unapprovedUntilMs`: the legacy "temporarily unapproved" key, ms; `0` = never set. Live iff
 *   `atMs < unapprovedUntilMs`.
 */
export interface MrState {
  readonly scheduledResets: readonly string[];
  readonly runningResets: readonly string[];
  readonly unapprovedUntilMs: number;
}

/**
 * SyncCoordinator state: plain JSON data.
 *
 * - `mrs`: per MR id, at most `mrCountMax` entries. An entry is removed (pruned) by an event that changes
 *   it when it then holds no reset, has no Mailbox work, and its marker is not live at the event's `atMs`; an
 *   entry whose marker is still live stays (the marker is data). An entry left behind with an expired marker
 *   is swept when a new MR needs its room.
 * - `mailbox`: the per-MR Mailbox (kinds `Sync` and `Reset`, FIFO, one order in flight per MR). Syncs live
 *   only here.
 */
export interface State {
  readonly config: ResolvedConfig;
  readonly mrs: Readonly<Record<string, MrState>>;
  readonly mailbox: Mailbox.State;
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
 * - `RunSync`: the sync `syncId` of `mr` may now do its work (delete and recreate the rules).
 * - `RunReset`: start the reset worker for `resetId` of `mr` now.
 */
export type Effect =
  | { readonly _tag: "RunSync"; readonly mr: string; readonly syncId: string }
  | { readonly _tag: "RunReset"; readonly mr: string; readonly resetId: string };

/** The code path that handled a sync event: the core has one (the seed's racy ones: scenarios/sync-vs-reset). */
export type Route = "serial";

/**
 * SyncCoordinator results. Unless stated otherwise, a result that changes nothing returns the very same
 * state object and no effects.
 *
 * - `SyncStarted` (StartSync): `running` is `true` when the Sync order was dispatched now (with a `RunSync`
 *   effect) — otherwise it waits for a `RunSync` effect from a later event. A StartSync of a sync id already
 *   queued or in flight is idempotent: state unchanged, no effect, and `running` tells whether it is in flight.
 * - `SyncFinished` (FinishSync): `drained` lists the reset dispatched next (with a `RunReset`), if any.
 * - `ResetQueued` (ScheduleReset): the Reset order is in the MR's queue; `running` is `true` when it was
 *   dispatched now (with a `RunReset` effect). For a reset id already scheduled: idempotent, `running` tells
 *   whether its order is in flight.
 * - `Proceed` (BeginReset): the reset's order is in flight; the worker may read the rules and delete
 *   approvals now; the reset is running. A repeated BeginReset of a running reset answers `Proceed` again.
 * - `Deferred` (BeginReset): the reset's order is queued, not dispatched (state unchanged; its `RunReset`
 *   comes later): the worker must skip this MR.
 * - `ResetFinished` (FinishReset): the reset is finished; the MR's next order may be dispatched (with a
 *   `RunSync` or `RunReset` effect).
 * - `Rejected` (StartSync, ScheduleReset): nothing changed; the caller should retry later. `"mr-limit"`: a new
 *   MR while `mrCountMax` MRs have state (after sweeping the expired ones). `"pending-full"`: the MR has
 *   `pendingPerMrMax` orders queued behind the one in flight.
 * - `Unknown`: nothing changed. `"sync"` (FinishSync): its Sync order is not in flight. `"reset"`: BeginReset
 *   of a reset not scheduled; FinishReset of a reset whose order is not in flight.
 */
export type Result =
  | { readonly _tag: "SyncStarted"; readonly route: Route; readonly running: boolean }
  | { readonly _tag: "SyncFinished"; readonly route: Route; readonly drained: readonly string[] }
  | { readonly _tag: "ResetQueued"; readonly running: boolean }
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Deferred" }
  | { readonly _tag: "ResetFinished" }
  | { readonly _tag: "Rejected"; readonly reason: "mr-limit" | "pending-full" }
  | { readonly _tag: "Unknown"; readonly what: "sync" | "reset" };

type Step = Transition<State, Result, Effect>;

const MACHINE = "SyncCoordinator";

/** The Mailbox policy: syncs and resets of one MR, FIFO, nothing superseded. */
const SERIAL_POLICY: Mailbox.Policy = Mailbox.fifoPolicy(["Sync", "Reset"]);

const LEGACY_TTL_MS_DEFAULT = 15_000; // the seed's 15 s `temporarily_unapprove!` key

type OrderKind = "Sync" | "Reset";

const EMPTY_MR: MrState = { scheduledResets: [], runningResets: [], unapprovedUntilMs: 0 };

const OUTCOMES: readonly unknown[] = ["ok", "failed"];

const RACY_ROUTE =
  "the racy route is a seed reproduction that lives in scenarios/sync-vs-reset; the core has only the serial coordinator";

// ---------------------------------------------------------------------------------------------------------
// Public functions

/**
 * The empty coordinator for `config`, after validating every field; builds the Mailbox (kinds `Sync` and
 * `Reset`, {@link Mailbox.fifoPolicy}, `inFlightMax` and `keyCountMax` = `mrCountMax` so MRs never wait for
 * each other, `pendingPerKeyMax` = `pendingPerMrMax`).
 *
 * @throws `InvalidConfigError` naming the field: `mrCountMax`, `pendingPerMrMax` (or `legacyTtlMs` when
 *   present) not a positive integer, `legacyResetDelayMs` present and not an integer `>= 0`; `featureFlag`
 *   other than `true` or `mode` other than `"serial"` (`false` / `"entry-check"`: the seed's racy routes, in
 *   scenarios/sync-vs-reset). E.g. `SyncCoordinator config: mrCountMax (0) must be a positive integer`.
 * @example
 * const coordinator = SyncCoordinator.initial({ mrCountMax: 10_000, pendingPerMrMax: 16 });
 */
export function initial(config: Config): State {
  const fields: Readonly<Record<string, unknown>> =
    typeof config === "object" && config !== null ? (config as unknown as Record<string, unknown>) : {};
  checkDeprecated(fields);
  const legacyTtlMs =
    fields.legacyTtlMs === undefined
      ? LEGACY_TTL_MS_DEFAULT
      : configInteger(MACHINE, config, "legacyTtlMs", 1);
  if (fields.legacyResetDelayMs !== undefined) {
    configInteger(MACHINE, config, "legacyResetDelayMs", 0);
  }
  const mrCountMax = configInteger(MACHINE, config, "mrCountMax", 1);
  const pendingPerMrMax = configInteger(MACHINE, config, "pendingPerMrMax", 1);
  const mailbox = Mailbox.initial({
    policy: SERIAL_POLICY,
    inFlightMax: mrCountMax,
    pendingPerKeyMax: pendingPerMrMax,
    keylessPendingMax: 1,
    keyCountMax: mrCountMax,
  });
  return { config: { mrCountMax, pendingPerMrMax, legacyTtlMs }, mrs: {}, mailbox };
}

/**
 * Applies one event. Pure: never mutates `state` or the event, performs no effect itself (it returns them),
 * and returns the same `state` object when nothing changed; MRs the event did not touch keep their identity.
 *
 * StartSync and ScheduleReset set the marker and submit a `Sync` / `Reset` order to the MR's FIFO queue; the
 * order dispatched (now or by a later event) comes out as a `RunSync` / `RunReset` effect, and only then may
 * the caller start it. BeginReset of a dispatched reset → `Proceed`; FinishReset and FinishSync (`"ok"` or
 * `"failed"`) complete the order in flight, dispatching the MR's next one. At most one order of an MR is in
 * flight, so a sync never runs while a reset of its MR is dispatched, and vice versa: the race the seed lists
 * under "Known limitations" cannot happen.
 *
 * The marker is never shortened: it becomes `max(unapprovedUntilMs, atMs + legacyTtlMs)`. Idempotent repeats
 * (a StartSync of a sync queued or in flight, a ScheduleReset of a reset scheduled) leave the state as it is,
 * the marker included.
 *
 * Deterministic: the same state and event always give the same step; each MR's orders run in arrival order.
 *
 * @throws `AssertionError` on a malformed event: `atMs` not a non-negative integer, `mr`, `syncId` or
 *   `resetId` not a non-empty string, an unknown `outcome` or `_tag`.
 * @example
 * const { state, effects, result } = SyncCoordinator.transition(coordinator, {
 *   _tag: "ScheduleReset", mr: "!42", resetId: "push-2", atMs: 1_000,
 * });
 * // nothing else queued for !42:
 * // result: { _tag: "ResetQueued", running: true }
 * // effects: [{ _tag: "RunReset", mr: "!42", resetId: "push-2" }]
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
 * ms) because its approvals may be about to change. `true` when the marker is live
 * (`atMs < unapprovedUntilMs`) or the MR has an order in flight or queued.
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
  return getOwn(state.mailbox.keys, mr) !== undefined;
}

/**
 * Whether a code-owner sync of `mr` is in progress (the seed's `code_owner_sync_in_progress?`): a `Sync`
 * order of the MR is in flight (dispatched, not finished).
 *
 * @throws `AssertionError` when `mr` is not a non-empty string.
 */
export function syncInProgress(state: State, mr: string): boolean {
  assertName("mr", mr);
  return getOwn(state.mailbox.keys, mr)?.inFlight?.order.kind === "Sync";
}

// ---------------------------------------------------------------------------------------------------------
// Config and events

/** Refuses the deprecated route fields unless they name the serial coordinator (or are absent). */
function checkDeprecated(fields: Readonly<Record<string, unknown>>): void {
  const { featureFlag, mode } = fields;
  if (featureFlag !== undefined && featureFlag !== true) {
    const why = featureFlag === false ? RACY_ROUTE : "deprecated, omit it (only true is accepted)";
    throw new InvalidConfigError(
      "featureFlag",
      `${MACHINE} config: featureFlag (${describeValue(featureFlag)}): ${why}`,
    );
  }
  if (mode !== undefined && mode !== "serial") {
    const why = mode === "entry-check" ? RACY_ROUTE : 'deprecated, omit it (only "serial" is accepted)';
    throw new InvalidConfigError("mode", `${MACHINE} config: mode (${describeValue(mode)}): ${why}`);
  }
}

function assertEvent(mr: string, idName: string, id: string, atMs: number): void {
  assertTime(atMs);
  assertName("mr", mr);
  assertName(idName, id);
}

// ---------------------------------------------------------------------------------------------------------
// The per-MR Mailbox

/** The Mailbox order id of sync or reset `id` of `mr`: encodes kind, MR and id (ids are scoped to both). */
function orderId(kind: OrderKind, mr: string, id: string): string {
  return JSON.stringify([kind, mr, id]);
}

/** Whether the order `kind`/`id` of `mr` is in flight (dispatched, not completed) in the Mailbox. */
function inFlight(mailbox: Mailbox.State, kind: OrderKind, mr: string, id: string): boolean {
  return getOwn(mailbox.keys, mr)?.inFlight?.order.id === orderId(kind, mr, id);
}

/** The Mailbox's Dispatch effects as RunSync / RunReset effects (a FIFO policy never cancels). */
function runEffects(mr: string, effects: readonly Mailbox.Effect[]): readonly Effect[] {
  if (effects.length === 0) {
    return NO_EFFECTS;
  }
  return effects.map((effect): Effect => {
    assert(
      effect._tag === "Dispatch" && effect.key === mr,
      () => `the Mailbox may only dispatch the event's MR, got ${describeValue(effect)}`,
    );
    const { kind, payload } = effect.order;
    assert(typeof payload === "string", () => `order payload must be an id, got ${describeValue(payload)}`);
    return kind === "Sync"
      ? { _tag: "RunSync", mr, syncId: payload }
      : { _tag: "RunReset", mr, resetId: payload };
  });
}

/** Submits the `kind`/`id` order of `mr`; `undefined` when pending-full ({@link admit} made the MR's room). */
function submit(
  base: State,
  kind: OrderKind,
  mr: string,
  id: string,
): { readonly mailbox: Mailbox.State; readonly effects: readonly Effect[] } | "duplicate" | undefined {
  const order: Mailbox.Order = { id: orderId(kind, mr, id), key: mr, kind, payload: id };
  const { state: mailbox, effects, result } = Mailbox.transition(base.mailbox, { _tag: "Submit", order });
  if (result._tag === "Duplicate") {
    return "duplicate";
  }
  if (result._tag === "Rejected" && result.reason === "pending-full") {
    return undefined;
  }
  assert(result._tag === "Accepted", () => `the Mailbox answered ${describeValue(result)} to ${order.id}`);
  return { mailbox, effects: runEffects(mr, effects) };
}

/** Completes the in-flight order `kind`/`id` of `mr`, dispatching the MR's next order. */
function complete(
  state: State,
  kind: OrderKind,
  mr: string,
  id: string,
  outcome: "done" | "failed",
): { readonly mailbox: Mailbox.State; readonly effects: readonly Effect[] } {
  const completed = Mailbox.transition(state.mailbox, {
    _tag: "Complete",
    key: mr,
    orderId: orderId(kind, mr, id),
    outcome,
  });
  assert(completed.result._tag === "Completed", () => `${kind} ${id} of ${mr} must be in flight`);
  return { mailbox: completed.state, effects: runEffects(mr, completed.effects) };
}

function startSync(state: State, mr: string, syncId: string, atMs: number): Step {
  const room = admit(state, mr, atMs);
  if (room === undefined) {
    return unchanged(state, MR_LIMIT);
  }
  const submitted = submit(room.state, "Sync", mr, syncId);
  if (submitted === "duplicate") {
    const running = inFlight(state.mailbox, "Sync", mr, syncId);
    return unchanged(state, { _tag: "SyncStarted", route: "serial", running });
  }
  if (submitted === undefined) {
    return unchanged(state, PENDING_FULL);
  }
  const entry: MrState = { ...room.entry, unapprovedUntilMs: markedUntil(state.config, room.entry, atMs) };
  const next = withMr({ ...room.state, mailbox: submitted.mailbox }, mr, entry, atMs);
  return step(state, next, submitted.effects, {
    _tag: "SyncStarted",
    route: "serial",
    running: submitted.effects.length > 0,
  });
}

function finishSync(state: State, mr: string, syncId: string, outcome: "ok" | "failed", atMs: number): Step {
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(state.mailbox, "Sync", mr, syncId)) {
    return unchanged(state, UNKNOWN_SYNC);
  }
  const completed = complete(state, "Sync", mr, syncId, outcome === "ok" ? "done" : "failed");
  const drained = completed.effects.flatMap((effect) => (effect._tag === "RunReset" ? [effect.resetId] : []));
  const next = withMr({ ...state, mailbox: completed.mailbox }, mr, entry, atMs);
  return step(state, next, completed.effects, { _tag: "SyncFinished", route: "serial", drained });
}

function scheduleReset(state: State, mr: string, resetId: string, atMs: number): Step {
  const existing = getOwn(state.mrs, mr);
  if (existing?.scheduledResets.includes(resetId) === true) {
    const running = inFlight(state.mailbox, "Reset", mr, resetId);
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
  const next = withMr({ ...room.state, mailbox: submitted.mailbox }, mr, entry, atMs);
  return step(state, next, submitted.effects, { _tag: "ResetQueued", running: submitted.effects.length > 0 });
}

function beginReset(state: State, mr: string, resetId: string): Step {
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !entry.scheduledResets.includes(resetId)) {
    return unchanged(state, UNKNOWN_RESET);
  }
  if (!inFlight(state.mailbox, "Reset", mr, resetId)) {
    return unchanged(state, { _tag: "Deferred" });
  }
  if (entry.runningResets.includes(resetId)) {
    return unchanged(state, { _tag: "Proceed" });
  }
  const running: MrState = { ...entry, runningResets: [...entry.runningResets, resetId] };
  return step(state, replaceMr(state, mr, running), NO_EFFECTS, { _tag: "Proceed" });
}

function finishReset(state: State, mr: string, resetId: string, atMs: number): Step {
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(state.mailbox, "Reset", mr, resetId)) {
    return unchanged(state, UNKNOWN_RESET);
  }
  const completed = complete(state, "Reset", mr, resetId, "done");
  const finished: MrState = {
    ...entry,
    scheduledResets: entry.scheduledResets.filter((id) => id !== resetId),
    runningResets: entry.runningResets.filter((id) => id !== resetId),
  };
  const next = withMr({ ...state, mailbox: completed.mailbox }, mr, finished, atMs);
  return step(state, next, completed.effects, { _tag: "ResetFinished" });
}

// ---------------------------------------------------------------------------------------------------------
// MR entries: admission, pruning, invariants

const MR_LIMIT: Result = { _tag: "Rejected", reason: "mr-limit" };
const PENDING_FULL: Result = { _tag: "Rejected", reason: "pending-full" };
const UNKNOWN_SYNC: Result = { _tag: "Unknown", what: "sync" };
const UNKNOWN_RESET: Result = { _tag: "Unknown", what: "reset" };

/** The marker after setting it at `atMs`: `atMs + legacyTtlMs`, never shorter than it was. */
function markedUntil(config: ResolvedConfig, entry: MrState, atMs: number): number {
  return Math.max(entry.unapprovedUntilMs, addMs(atMs, config.legacyTtlMs));
}

/** Whether `mr`'s entry may be removed at `atMs`: no reset, no live marker, no Mailbox work. */
function isPrunable(state: State, mr: string, entry: MrState, atMs: number): boolean {
  return (
    entry.scheduledResets.length === 0 &&
    entry.unapprovedUntilMs <= atMs &&
    getOwn(state.mailbox.keys, mr) === undefined
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

/** `base` with `mr`'s entry set to `entry`, or removed when prunable at `atMs`; `base` when unchanged. */
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
  const { scheduledResets, runningResets, unapprovedUntilMs } = a;
  return (
    scheduledResets === b.scheduledResets &&
    runningResets === b.runningResets &&
    unapprovedUntilMs === b.unapprovedUntilMs
  );
}

function unique(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

/** Asserts what every stored entry keeps (`state` is the state it is stored into); returns `entry`. */
function checkMr(state: State, mr: string, entry: MrState): MrState {
  const { pendingPerMrMax } = state.config;
  const { scheduledResets: scheduled, runningResets: running } = entry;
  const label = () => `MR ${describeValue(mr)}: ${describeValue(entry)}`;
  assert(unique(scheduled) && unique(running), () => `${label()}: ids repeat`);
  assert(
    running.every((id) => scheduled.includes(id)),
    () => `${label()}: running resets must be a subset of the scheduled ones`,
  );
  assert(
    scheduled.length <= pendingPerMrMax + 1,
    () => `${label()}: above pendingPerMrMax ${pendingPerMrMax} + 1 in flight`,
  );
  assert(
    running.every((id) => inFlight(state.mailbox, "Reset", mr, id)),
    () => `${label()}: a running reset must be in flight`,
  );
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
    const { mailbox } = after;
    assert(
      Object.keys(mailbox.keys).every((mr) => getOwn(after.mrs, mr) !== undefined),
      "every MR with Mailbox work must have an entry",
    );
    assert(mailbox.ready.length === 0, "MRs never wait for each other in the Mailbox");
  }
  return { state: after, effects, result };
}
