// SyncCoordinator: per merge request (MR), the ordering between the code-owner approval-rules sync (which
// deletes and recreates the MR's code-owner rules) and resets of approvals (a worker reads the rules, then
// deletes the approvals they cover), as a pure state machine. Modelled on seed 000
// (../shared/seeds/000_a68bbd6ee7280424.txt): a reset that ran during a sync read half-built rules and missed
// approvals. The seed's change defers resets while a sync runs and re-checks on entry, which narrows the race
// without closing it ("Known limitations"); this machine closes it by running an MR's syncs and resets one
// after another through a per-MR queue (a Mailbox). The order in flight holds a lease with a fencing token, so
// a process that dies mid-sync or mid-reset never blocks its MR for longer than the lease (issue 19, "Nothing
// can wedge"). The seed's racy routes (the legacy TTL marker and delayed worker, the entry check) are
// reproductions of the seed and live in scenarios/sync-vs-reset, not here. Bookkeeping: ./sync-coordinator-entries.ts.

import { assert, InvalidConfigError } from "./assert.js";
import {
  addMs,
  assertName,
  assertTime,
  assertToken,
  configInteger,
  describeValue,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
import { getOwn } from "./internal/record.js";
import type { Transition } from "./machine.js";
import * as Mailbox from "./mailbox.js";
import {
  admit,
  completeOrder,
  dispatched,
  holds,
  inFlight,
  MR_LIMIT,
  markedUntil,
  PENDING_FULL,
  reclaimExpired,
  replaceMr,
  STALE,
  step,
  submit,
  UNKNOWN_RESET,
  UNKNOWN_SYNC,
  unchanged,
  withMr,
} from "./sync-coordinator-entries.js";

/**
 * SyncCoordinator configuration, validated by {@link initial}.
 *
 * - `mrCountMax`: MRs with coordinator state at once (`mr-limit` beyond it). Positive integer.
 * - `pendingPerMrMax`: per MR, orders queued behind the one in flight (`pending-full` beyond it; the
 *   Mailbox's `pendingPerKeyMax`). Positive integer.
 * - `legacyTtlMs`: how long the seed's legacy "temporarily unapproved" key lives after a StartSync or
 *   ScheduleReset sets it, ms (the seed sets it "alongside coordinator keys for rollback safety"). Positive
 *   integer; default 15,000 (the seed's 15 s `temporarily_unapprove!`).
 * - `leaseTtlMs`: the lease of an MR's order in flight, ms: a `RunSync` / `RunReset` grants it, a `Heartbeat`
 *   renews it to `atMs + leaseTtlMs`; once `atMs >= expiresAtMs` the order is reclaimed (see {@link
 *   transition}). Positive integer; default 30,000.
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
  readonly leaseTtlMs?: number;
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
  readonly leaseTtlMs: number;
}

/** The kind of an MR's order: a sync or a reset. */
export type OrderKind = "Sync" | "Reset";

/**
 * The lease of an MR's order in flight: `token` is its fencing token (coordinator-wide, strictly increasing:
 * every dispatch and every re-dispatch takes the next one), `expiresAtMs` when it expires (ms).
 */
export interface OrderLease {
  readonly token: number;
  readonly expiresAtMs: number;
}

/** The order an expired lease gave up: its kind, its sync or reset id, and the token it held. */
export interface Reclaimed {
  readonly kind: OrderKind;
  readonly id: string;
  readonly token: number;
}

/**
 * What the coordinator keeps for one MR. Id lists hold each id at most once, in arrival order.
 *
 * - `scheduledResets`: reset ids scheduled and not yet finished (queued or dispatched).
 * - `runningResets`: reset ids whose BeginReset returned `Proceed` and that have not finished. A subset of
 *   `scheduledResets`; each is the MR's order in flight.
 * - `unapprovedUntilMs`: the legacy "temporarily unapproved" key, ms; `0` = never set. Live iff
 *   `atMs < unapprovedUntilMs`.
 * - `lease`: the lease of the MR's order in flight; `null` exactly when nothing of the MR is in flight.
 */
export interface MrState {
  readonly scheduledResets: readonly string[];
  readonly runningResets: readonly string[];
  readonly unapprovedUntilMs: number;
  readonly lease: OrderLease | null;
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
 * - `lastToken`: the last fencing token granted (`0` = none yet); never decreases, also when MRs are pruned.
 */
export interface State {
  readonly config: ResolvedConfig;
  readonly mrs: Readonly<Record<string, MrState>>;
  readonly mailbox: Mailbox.State;
  readonly lastToken: number;
}

/**
 * SyncCoordinator events, each for one MR `mr` (non-empty string) at `atMs` (non-negative integer ms).
 * Sync and reset ids are non-empty strings, scoped to their MR (the same id on two MRs names two things).
 * `token` is the fencing token of the `RunSync` / `RunReset` effect that started the order (an integer);
 * when given, the event applies only while that lease is the order's current one (else `Stale`). Without
 * `token` the event is not fenced (callers that cannot outlive their lease, and the seed's scenarios).
 *
 * - `StartSync`: the code-owner sync of `mr` wants to start (the seed's `start_code_owner_sync!`, called by
 *   CreateService before the worker is enqueued, and by the push refresh).
 * - `FinishSync`: the sync ended, `"ok"` or `"failed"` (the seed's `ensure` block runs in both cases).
 * - `ScheduleReset`: a push wants the MR's approvals reset (the seed's `schedule_reset_approvals!`).
 * - `BeginReset`: the reset worker's entry check, before it reads the rules (ResetApprovalsService's
 *   per-MR re-check).
 * - `FinishReset`: the reset worker deleted the approvals (`finish_reset_approvals!`).
 * - `Heartbeat`: the holder of the lease `token` of `mr`'s order in flight is alive: renew the lease.
 * - `Expire`: reclaim `mr`'s order in flight if its lease expired (what every other event of `mr` does first;
 *   a recovery loop sends it so a dead holder's MR moves on even when nothing else happens to it).
 */
export type Event =
  | { readonly _tag: "StartSync"; readonly mr: string; readonly syncId: string; readonly atMs: number }
  | {
      readonly _tag: "FinishSync";
      readonly mr: string;
      readonly syncId: string;
      readonly outcome: "ok" | "failed";
      readonly token?: number | undefined;
      readonly atMs: number;
    }
  | { readonly _tag: "ScheduleReset"; readonly mr: string; readonly resetId: string; readonly atMs: number }
  | {
      readonly _tag: "BeginReset" | "FinishReset";
      readonly mr: string;
      readonly resetId: string;
      readonly token?: number | undefined;
      readonly atMs: number;
    }
  | { readonly _tag: "Heartbeat"; readonly mr: string; readonly token: number; readonly atMs: number }
  | { readonly _tag: "Expire"; readonly mr: string; readonly atMs: number };

/**
 * What the caller must do (the coordinator runs no worker itself). Each carries the lease of the order it
 * starts: `token` (fencing token) and `expiresAtMs` (ms); the holder heartbeats before it expires and passes
 * `token` to its storage writes and to the order's later events.
 *
 * - `RunSync`: the sync `syncId` of `mr` may now do its work (delete and recreate the rules).
 * - `RunReset`: start the reset worker for `resetId` of `mr` now (also again, with a new token, after the
 *   previous run's lease expired).
 */
export type Effect =
  | {
      readonly _tag: "RunSync";
      readonly mr: string;
      readonly syncId: string;
      readonly token: number;
      readonly expiresAtMs: number;
    }
  | {
      readonly _tag: "RunReset";
      readonly mr: string;
      readonly resetId: string;
      readonly token: number;
      readonly expiresAtMs: number;
    };

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
 * - `Renewed` (Heartbeat): the lease now expires at `expiresAtMs` (`atMs + leaseTtlMs`).
 * - `Stale` (Heartbeat, and FinishSync / BeginReset / FinishReset with a `token`): `token` is not the lease
 *   of the order in flight any more (it expired and was reclaimed, or it never was): nothing changed; the
 *   caller lost the order and must stop writing with that token.
 * - `Expired` (Expire): `reclaimed` names the order whose lease expired, `null` when none had.
 */
export type Result =
  | { readonly _tag: "SyncStarted"; readonly route: Route; readonly running: boolean }
  | { readonly _tag: "SyncFinished"; readonly route: Route; readonly drained: readonly string[] }
  | { readonly _tag: "ResetQueued"; readonly running: boolean }
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Deferred" }
  | { readonly _tag: "ResetFinished" }
  | { readonly _tag: "Rejected"; readonly reason: "mr-limit" | "pending-full" }
  | { readonly _tag: "Unknown"; readonly what: "sync" | "reset" }
  | { readonly _tag: "Renewed"; readonly expiresAtMs: number }
  | { readonly _tag: "Stale" }
  | { readonly _tag: "Expired"; readonly reclaimed: Reclaimed | null };

type Step = Transition<State, Result, Effect>;

const MACHINE = "SyncCoordinator";

/** The Mailbox policy: syncs and resets of one MR, FIFO, nothing superseded. */
const SERIAL_POLICY: Mailbox.Policy = Mailbox.fifoPolicy(["Sync", "Reset"]);

const LEGACY_TTL_MS_DEFAULT = 15_000; // the seed's 15 s `temporarily_unapprove!` key

const LEASE_TTL_MS_DEFAULT = 30_000;

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
 * @throws `InvalidConfigError` naming the field: `mrCountMax`, `pendingPerMrMax` (or `legacyTtlMs`,
 *   `leaseTtlMs` when present) not a positive integer, `legacyResetDelayMs` present and not an integer `>= 0`; `featureFlag`
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
  const leaseTtlMs =
    fields.leaseTtlMs === undefined ? LEASE_TTL_MS_DEFAULT : configInteger(MACHINE, config, "leaseTtlMs", 1);
  const mrCountMax = configInteger(MACHINE, config, "mrCountMax", 1);
  const pendingPerMrMax = configInteger(MACHINE, config, "pendingPerMrMax", 1);
  const mailbox = Mailbox.initial({
    policy: SERIAL_POLICY,
    inFlightMax: mrCountMax,
    pendingPerKeyMax: pendingPerMrMax,
    keylessPendingMax: 1,
    keyCountMax: mrCountMax,
  });
  return {
    config: { mrCountMax, pendingPerMrMax, legacyTtlMs, leaseTtlMs },
    mrs: {},
    mailbox,
    lastToken: 0,
  };
}

/**
 * Applies one event. Pure: never mutates `state` or the event, performs no effect itself (it returns them),
 * and returns the same `state` object when nothing changed; MRs the event did not touch keep their identity.
 *
 * StartSync and ScheduleReset set the marker and submit a `Sync` / `Reset` order to the MR's FIFO queue; the
 * order dispatched (now or by a later event) comes out as a `RunSync` / `RunReset` effect carrying its lease,
 * and only then may the caller start it. BeginReset of a dispatched reset → `Proceed`; FinishReset and
 * FinishSync (`"ok"` or `"failed"`) complete the order in flight, dispatching the MR's next one. At most one
 * order of an MR is in flight, so a sync never runs while a reset of its MR is dispatched, and vice versa: the
 * race the seed lists under "Known limitations" cannot happen.
 *
 * Leases: every event of `mr` first reclaims the MR's order in flight when its lease expired
 * (`atMs >= expiresAtMs`): an expired sync is completed as `"failed"` (as the seed's `ensure` block would)
 * and the MR's next order is dispatched; an expired reset is dispatched again (`RunReset` with a new token)
 * and is no longer running, so a reset whose worker died is never lost. The step's effects begin with what
 * the reclaim dispatched; then the event applies to the reclaimed state (so a late holder's fenced event
 * answers `Stale`). A holder that heartbeats more often than `leaseTtlMs` keeps its order.
 *
 * The marker is never shortened: it becomes `max(unapprovedUntilMs, atMs + legacyTtlMs)`. Idempotent repeats
 * (a StartSync of a sync queued or in flight, a ScheduleReset of a reset scheduled) leave the state as it is,
 * the marker included.
 *
 * Deterministic: the same state and event always give the same step; each MR's orders run in arrival order.
 *
 * @throws `AssertionError` on a malformed event: `atMs` not a non-negative integer, `mr`, `syncId` or
 *   `resetId` not a non-empty string, `token` present and not an integer, an unknown `outcome` or `_tag`.
 * @example
 * const { state, effects, result } = SyncCoordinator.transition(coordinator, {
 *   _tag: "ScheduleReset", mr: "!42", resetId: "push-2", atMs: 1_000,
 * });
 * // nothing else queued for !42 (and 6 tokens granted before):
 * // result: { _tag: "ResetQueued", running: true }
 * // effects: [{ _tag: "RunReset", mr: "!42", resetId: "push-2", token: 7, expiresAtMs: 31_000 }]
 */
export function transition(state: State, event: Event): Step {
  checkEvent(event);
  const reclaim = reclaimExpired(state, event.mr, event.atMs);
  const handled = apply(reclaim.state, event, reclaim.reclaimed);
  if (reclaim.state === state) {
    return handled;
  }
  const effects = handled.effects.length === 0 ? reclaim.effects : [...reclaim.effects, ...handled.effects];
  return step(state, handled.state, effects, handled.result);
}

function apply(state: State, event: Event, reclaimed: Reclaimed | null): Step {
  switch (event._tag) {
    case "StartSync":
      return startSync(state, event.mr, event.syncId, event.atMs);
    case "FinishSync":
      return finishSync(state, event.mr, event.syncId, event.outcome, event.token, event.atMs);
    case "ScheduleReset":
      return scheduleReset(state, event.mr, event.resetId, event.atMs);
    case "BeginReset":
      return beginReset(state, event.mr, event.resetId, event.token);
    case "FinishReset":
      return finishReset(state, event.mr, event.resetId, event.token, event.atMs);
    case "Heartbeat":
      return heartbeat(state, event.mr, event.token, event.atMs);
    case "Expire":
      return unchanged(state, { _tag: "Expired", reclaimed });
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

function checkEvent(event: Event): void {
  assertTime(event.atMs);
  assertName("mr", event.mr);
  switch (event._tag) {
    case "StartSync":
      assertName("syncId", event.syncId);
      return;
    case "FinishSync":
      assertName("syncId", event.syncId);
      assert(
        OUTCOMES.includes(event.outcome),
        () => `outcome must be "ok" or "failed", got ${describeValue(event.outcome)}`,
      );
      checkToken(event.token);
      return;
    case "ScheduleReset":
      assertName("resetId", event.resetId);
      return;
    case "BeginReset":
    case "FinishReset":
      assertName("resetId", event.resetId);
      checkToken(event.token);
      return;
    case "Heartbeat":
      assertToken(event.token);
      return;
    case "Expire":
      return;
    default:
      unknownEvent(event);
  }
}

function checkToken(token: number | undefined): void {
  if (token !== undefined) {
    assertToken(token);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Events

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
  const run = dispatched(room.state, mr, submitted.effects, atMs);
  const entry: MrState = {
    ...room.entry,
    unapprovedUntilMs: markedUntil(state.config, room.entry, atMs),
    lease: run.lease ?? room.entry.lease,
  };
  const base: State = { ...room.state, mailbox: submitted.mailbox, lastToken: run.lastToken };
  return step(state, withMr(base, mr, entry, atMs), run.effects, {
    _tag: "SyncStarted",
    route: "serial",
    running: run.effects.length > 0,
  });
}

function finishSync(
  state: State,
  mr: string,
  syncId: string,
  outcome: "ok" | "failed",
  token: number | undefined,
  atMs: number,
): Step {
  if (!holds(state, mr, "Sync", syncId, token)) {
    return unchanged(state, STALE);
  }
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(state.mailbox, "Sync", mr, syncId)) {
    return unchanged(state, UNKNOWN_SYNC);
  }
  const done = completeOrder(state, mr, entry, "Sync", syncId, outcome === "ok" ? "done" : "failed", atMs);
  const drained = done.effects.flatMap((effect) => (effect._tag === "RunReset" ? [effect.resetId] : []));
  return step(state, done.state, done.effects, { _tag: "SyncFinished", route: "serial", drained });
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
  const run = dispatched(room.state, mr, submitted.effects, atMs);
  const entry: MrState = {
    ...room.entry,
    scheduledResets: [...room.entry.scheduledResets, resetId],
    unapprovedUntilMs: markedUntil(state.config, room.entry, atMs),
    lease: run.lease ?? room.entry.lease,
  };
  const base: State = { ...room.state, mailbox: submitted.mailbox, lastToken: run.lastToken };
  return step(state, withMr(base, mr, entry, atMs), run.effects, {
    _tag: "ResetQueued",
    running: run.effects.length > 0,
  });
}

function beginReset(state: State, mr: string, resetId: string, token: number | undefined): Step {
  if (!holds(state, mr, "Reset", resetId, token)) {
    return unchanged(state, STALE);
  }
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

function finishReset(
  state: State,
  mr: string,
  resetId: string,
  token: number | undefined,
  atMs: number,
): Step {
  if (!holds(state, mr, "Reset", resetId, token)) {
    return unchanged(state, STALE);
  }
  const entry = getOwn(state.mrs, mr);
  if (entry === undefined || !inFlight(state.mailbox, "Reset", mr, resetId)) {
    return unchanged(state, UNKNOWN_RESET);
  }
  const finished: MrState = {
    ...entry,
    scheduledResets: entry.scheduledResets.filter((id) => id !== resetId),
    runningResets: entry.runningResets.filter((id) => id !== resetId),
  };
  const done = completeOrder(state, mr, finished, "Reset", resetId, "done", atMs);
  return step(state, done.state, done.effects, { _tag: "ResetFinished" });
}

function heartbeat(state: State, mr: string, token: number, atMs: number): Step {
  const entry = getOwn(state.mrs, mr);
  const lease = entry?.lease ?? null;
  if (entry === undefined || lease === null || lease.token !== token) {
    return unchanged(state, STALE);
  }
  const expiresAtMs = addMs(atMs, state.config.leaseTtlMs);
  const result: Result = { _tag: "Renewed", expiresAtMs };
  if (expiresAtMs === lease.expiresAtMs) {
    return unchanged(state, result);
  }
  return step(state, replaceMr(state, mr, { ...entry, lease: { token, expiresAtMs } }), NO_EFFECTS, result);
}
