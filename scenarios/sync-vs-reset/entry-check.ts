/**
 * The seed's merged coordinator (seed 000, ../../shared/seeds/000_a68bbd6ee7280424.txt), gated by its feature
 * flag `deterministic_approval_rules_sync`, as a pure `initial` / `transition` machine. Flag off: the legacy
 * route, exactly (./legacy.ts's rules on a per-MR entry). Flag on: resets scheduled during a sync are deferred
 * and drained when the MR's last sync finishes (also when it fails), and the reset service re-checks on entry
 * (BeginReset) — which narrows the race but, as the seed says under "Known limitations", does not close it: a
 * sync can still start between BeginReset → `Proceed` and the deletion of approvals. A reproduction of the seed
 * for the scenario's `coordinator-*` and `flag-off` variants and the checker's models; the machine a service
 * embeds is the core's serial `SyncCoordinator`.
 */
import { AssertionError, assert, InvalidConfigError } from "@interleave/core";
import {
  addMs,
  assertName,
  assertTime,
  configInteger,
  describeValue,
  getOwn,
  NO_EFFECTS,
  withEntry,
  withoutEntry,
} from "@interleave/core/kit";
import { legacyStep } from "./legacy.js";
import type { Effect, Event, Step as FlowStep, Result, Route } from "./protocol.js";

export type { Effect, Event, Result, Route } from "./protocol.js";

/**
 * Configuration, validated by {@link initial}. Durations are integer ms.
 *
 * - `featureFlag`: the seed's `deterministic_approval_rules_sync`. `false` keeps the legacy code paths
 *   exactly (a TTL marker and a delayed reset worker, no sync tracking).
 * - `legacyTtlMs`: how long the legacy "temporarily unapproved" marker lives after it is set (the seed's 15 s
 *   `temporarily_unapprove!` key; set with the flag on too, "for rollback safety"). Positive integer.
 * - `legacyResetDelayMs`: the legacy reset worker's enqueue delay (`perform_in(10.seconds)`). Integer `>= 0`;
 *   used only with the flag off.
 * - `mrCountMax`: MRs with coordinator state at once (`mr-limit` beyond it). Positive integer.
 * - `pendingPerMrMax`: with the flag on, per MR, sync ids in progress and resets scheduled and not finished
 *   (so pending resets too), each at most this many (`pending-full` beyond it).
 */
export interface Config {
  readonly featureFlag: boolean;
  readonly legacyTtlMs: number;
  readonly legacyResetDelayMs: number;
  readonly mrCountMax: number;
  readonly pendingPerMrMax: number;
}

/**
 * What the coordinator keeps for one MR. Id lists hold each id at most once, in arrival order.
 *
 * - `syncs`: sync ids in progress (flag on; always empty with the flag off).
 * - `pendingResets`: reset ids deferred until the MR's syncs finish, FIFO. A subset of `scheduledResets`.
 * - `scheduledResets`: reset ids scheduled and not yet finished, whatever their stage (pending, enqueued,
 *   running). Flag on only.
 * - `runningResets`: reset ids whose BeginReset returned `Proceed` and that have not finished. A subset of
 *   `scheduledResets`, disjoint from `pendingResets`. A reset in `scheduledResets` but in neither list is
 *   enqueued.
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
 * State: plain JSON data. `mrs`: per MR id, at most `mrCountMax` entries. An entry is removed (pruned) by an
 * event that changes it when it then holds no sync and no reset and its marker is not live at the event's
 * `atMs`; an entry left behind with an expired marker is swept when a new MR needs its room.
 */
export interface State {
  readonly config: Config;
  readonly mrs: Readonly<Record<string, MrState>>;
}

type Step = FlowStep<State>;

const MACHINE = "SyncCoordinator";

const EMPTY_MR: MrState = {
  syncs: [],
  pendingResets: [],
  scheduledResets: [],
  runningResets: [],
  unapprovedUntilMs: 0,
};

const OUTCOMES: readonly unknown[] = ["ok", "failed"];

/**
 * The empty coordinator for `config`, after validating every field.
 *
 * @throws `InvalidConfigError` naming the field: `featureFlag` not a boolean, `legacyTtlMs`, `mrCountMax` or
 *   `pendingPerMrMax` not a positive integer, `legacyResetDelayMs` not an integer `>= 0`.
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
  const legacyTtlMs = configInteger(MACHINE, config, "legacyTtlMs", 1);
  const legacyResetDelayMs = configInteger(MACHINE, config, "legacyResetDelayMs", 0);
  const mrCountMax = configInteger(MACHINE, config, "mrCountMax", 1);
  const pendingPerMrMax = configInteger(MACHINE, config, "pendingPerMrMax", 1);
  return { config: { featureFlag, legacyTtlMs, legacyResetDelayMs, mrCountMax, pendingPerMrMax }, mrs: {} };
}

/**
 * Applies one event. Pure: never mutates `state` or the event, performs no effect itself, and returns the
 * same `state` object when nothing changed; MRs the event did not touch keep their identity.
 *
 * Flag off (legacy, exactly): ScheduleReset sets the marker to `atMs + legacyTtlMs` and emits
 * `EnqueueReset` with `delayMs: legacyResetDelayMs`; StartSync, FinishSync, BeginReset and FinishReset change
 * nothing and answer `SyncStarted`/`SyncFinished` (route `"legacy"`), `Proceed`, `ResetFinished`. The one
 * departure from legacy: a ScheduleReset for a new MR at `mrCountMax` live markers is `Rejected`.
 *
 * Flag on (the seed's change): StartSync adds the sync id and sets the marker (`SyncStarted`, route
 * `"coordinator"`, running). ScheduleReset sets the marker, then enqueues the reset now (`EnqueueReset`,
 * `delayMs: 0`, `ResetEnqueued`) when no sync of the MR is in progress, else keeps it pending
 * (`ResetDeferred`). BeginReset of an enqueued reset: a sync in progress → `Deferred` (back to pending), else
 * `Proceed` (running); of a pending reset → `Deferred` (a stale worker, unchanged). FinishReset of an enqueued
 * or running reset ends it (a worker without the entry check finishes without BeginReset). FinishSync (`"ok"`
 * or `"failed"`) removes the sync id and, when no sync of the MR remains, enqueues every pending reset, FIFO
 * (`drained`). Idempotent repeats (a StartSync of a sync in progress, a ScheduleReset of a reset scheduled)
 * leave the state as it is and report the id's stage. `Unknown` `"sync"`: a FinishSync of an id not in
 * progress — which still drains the pending resets when no sync remains, so the ensure path never strands
 * them; `"reset"`: BeginReset of a reset not scheduled or already running, FinishReset of one not scheduled or
 * pending. `Rejected`: `mr-limit` (a new MR at `mrCountMax`), `pending-full` (see {@link Config}). Known
 * limitation, kept on purpose (the seed's): nothing stops a StartSync after BeginReset answered `Proceed` and
 * before the reset deleted the approvals.
 *
 * The marker is never shortened: it becomes `max(unapprovedUntilMs, atMs + legacyTtlMs)`.
 *
 * @throws `AssertionError` on a malformed event.
 */
export function transition(state: State, event: Event): Step {
  assertTime(event.atMs);
  assertName("mr", event.mr);
  if (event._tag === "StartSync" || event._tag === "FinishSync") assertName("syncId", event.syncId);
  else assertName("resetId", event.resetId);
  if (event._tag === "FinishSync") {
    assert(
      OUTCOMES.includes(event.outcome),
      () => `outcome must be "ok" or "failed", got ${describeValue(event.outcome)}`,
    );
  }
  if (!state.config.featureFlag) return legacyRoute(state, event);
  switch (event._tag) {
    case "StartSync":
      return startSyncCoordinator(state, event.mr, event.syncId, event.atMs);
    case "FinishSync":
      return finishSyncCoordinator(state, event.mr, event.syncId, event.atMs);
    case "ScheduleReset":
      return scheduleResetCoordinator(state, event.mr, event.resetId, event.atMs);
    case "BeginReset":
      return beginResetCoordinator(state, event.mr, event.resetId);
    case "FinishReset":
      return finishResetCoordinator(state, event.mr, event.resetId, event.atMs);
    default:
      throw new AssertionError(`unknown event _tag: ${describeValue((event as { _tag?: unknown })._tag)}`);
  }
}

/**
 * The merge check's `temporarily_unapproved?` for `mr` at `atMs`: the legacy marker is live, or, with the flag
 * on, a sync of the MR is in progress or a reset is scheduled and not finished.
 */
export function isTemporarilyUnapproved(state: State, mr: string, atMs: number): boolean {
  assertName("mr", mr);
  assertTime(atMs);
  const entry = getOwn(state.mrs, mr);
  if (entry !== undefined && atMs < entry.unapprovedUntilMs) return true;
  if (!state.config.featureFlag) return false;
  return entry !== undefined && (entry.syncs.length > 0 || entry.scheduledResets.length > 0);
}

/** The seed's `code_owner_sync_in_progress?`: a sync id is recorded (always `false` with the flag off). */
export function syncInProgress(state: State, mr: string): boolean {
  assertName("mr", mr);
  if (!state.config.featureFlag) return false;
  return (getOwn(state.mrs, mr)?.syncs.length ?? 0) > 0;
}

/** The route the config picks (the seed's worker routes by the flag alone). */
export function routeOf(config: Config): Route {
  return config.featureFlag ? "coordinator" : "legacy";
}

/** The machine, for `world.store`. */
export const entryCheckFlow = { initial, transition };

// ---------------------------------------------------------------------------------------------------------
// Flag off: the legacy rules (./legacy.ts) on the MR's entry

function legacyRoute(state: State, event: Event): Step {
  const { markUntilMs, effects, result } = legacyStep(state.config, event);
  if (markUntilMs === null) return unchanged(state, result);
  const room = admit(state, event.mr, event.atMs);
  if (room === undefined) return unchanged(state, MR_LIMIT);
  const entry: MrState = {
    ...room.entry,
    unapprovedUntilMs: markedUntil(state.config, room.entry, event.atMs),
  };
  return step(state, withMr(room.state, event.mr, entry, event.atMs), effects, result);
}

// ---------------------------------------------------------------------------------------------------------
// Flag on: the entry-check coordinator

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

/** Whether an entry may be removed at `atMs`: it holds no sync and no reset, and its marker is not live. */
function isPrunable(entry: MrState, atMs: number): boolean {
  return entry.syncs.length === 0 && entry.scheduledResets.length === 0 && entry.unapprovedUntilMs <= atMs;
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
  const kept = Object.entries(state.mrs).filter(([, entry]) => !isPrunable(entry, atMs));
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
  if (isPrunable(entry, atMs)) {
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
  } else {
    assert(
      syncs.length <= pendingPerMrMax && scheduled.length <= pendingPerMrMax,
      () => `${label()}: above pendingPerMrMax ${pendingPerMrMax}`,
    );
    assert(pending.length === 0 || syncs.length > 0, () => `${label()}: pending resets without a sync`);
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
  }
  return { state: after, effects, result };
}
