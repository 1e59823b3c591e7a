/**
 * The registered explicit-state models of seed 000 (../../shared/seeds/000_a68bbd6ee7280424.txt) for
 * `interleave check`: the serial coordinator (core `SyncCoordinator`), the seed's entry-check coordinator and
 * its flag-off route, and the scenario's legacy code, each verified against the promises it makes, and the
 * seed's races found as model variants with their shortest counterexamples. The model itself is in
 * ./sync-coordinator.space.ts, the coordinators it drives in ./sync-coordinator.flows.ts, the promises in
 * ./sync-coordinator.promises.ts; all re-exported here.
 */
import { type CheckedModel, defineModel } from "@interleave/sim";
import { SC_RESET_DURING_SYNC } from "./sync-coordinator.promises.js";
import {
  SC_NO_WEDGE,
  SC_ONE_LIVE_HOLDER,
  syncCoordinatorRecoveryModel,
} from "./sync-coordinator.recovery.js";
import { type SyncCoordinatorModelOptions, syncCoordinatorModel } from "./sync-coordinator.space.js";

export * from "./sync-coordinator.flows.js";
export * from "./sync-coordinator.promises.js";
export * from "./sync-coordinator.recovery.js";
export * from "./sync-coordinator.space.js";
export type {
  ResetStage,
  SyncCoordinatorInput,
  SyncCoordinatorModelState,
  SyncStage,
} from "./sync-coordinator.state.js";

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

// ---------------------------------------------------------------------------------------------------------
// Recovery: the order leases (issue 19, "Nothing can wedge"), ./sync-coordinator.recovery.ts

const RECOVERY_BOUNDS_TEXT =
  "1 MR, 1 sync and 2 resets whose callers may stop at any point (killed, or stopped past the lease and resumed with their old token), 1 s ticks to 5 s with Expire for every MR at each tick, leaseTtlMs 2 s, fenced store";

/** The serial coordinator's recovery from a dead or stopped holder. */
export const syncCoordinatorRecoveryChecked = defineModel({
  name: "sync-coordinator-serial-recovery",
  machine: "SyncCoordinator",
  description: `serial with order leases: StartSync, Heartbeat, the rules' fenced writes, FinishSync, ScheduleReset, BeginReset, the fenced delete, FinishReset, the stale worker's events, Expire; ${RECOVERY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "pass",
  why: "an expired order is reclaimed (a sync fails, a reset is dispatched again under a new token), so nothing waits behind a dead holder for longer than its lease, no two callers hold a live lease, stale holders are answered Stale and fenced out, no reset is lost",
  build: () => syncCoordinatorRecoveryModel(),
});

/** The serial coordinator before issue 19: no lease expires (within the horizon) — a dead holder wedges its MR. */
export const syncCoordinatorNoLeaseChecked = defineModel({
  name: "sync-coordinator-serial-no-lease",
  machine: "SyncCoordinator",
  description: `serial whose orders never expire (leaseTtlMs beyond the horizon, as before issue 19), checked for "${SC_NO_WEDGE}"; ${RECOVERY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "a sync whose process died stays in flight: the reset queued behind it waits forever (the runtime test asserted exactly that)",
  build: () =>
    syncCoordinatorRecoveryModel({
      coordinatorLeaseTtlMs: 1_000_000,
      invariants: [SC_NO_WEDGE],
      name: "sync-coordinator-serial-no-lease",
    }),
});

/** A reset worker that sends its events without its token: the stale worker finishes the new one's order. */
export const syncCoordinatorUnfencedWorkerChecked = defineModel({
  name: "sync-coordinator-serial-unfenced-reset-worker",
  machine: "SyncCoordinator",
  description: `serial with a reset worker that sends BeginReset and FinishReset without its token, checked for "${SC_ONE_LIVE_HOLDER}"; ${RECOVERY_BOUNDS_TEXT}`,
  source: SOURCE,
  expect: "violation",
  why: "after a reset is dispatched again, the stopped worker's unfenced FinishReset completes the order the new worker holds: the next sync runs beside it",
  build: () =>
    syncCoordinatorRecoveryModel({
      unfencedResetWorker: true,
      invariants: [SC_ONE_LIVE_HOLDER],
      name: "sync-coordinator-serial-unfenced-reset-worker",
    }),
});

/** Every SyncCoordinator model, in the order `interleave check` lists them: the three modes, the races, then the recovery models. */
export const syncCoordinatorModels: readonly CheckedModel[] = [
  syncCoordinatorFlagOffChecked,
  syncCoordinatorEntryCheckChecked,
  syncCoordinatorSerialChecked,
  syncCoordinatorFlagOffResetDuringSyncChecked,
  syncCoordinatorLegacyTtlChecked,
  syncCoordinatorEntryCheckResetDuringSyncChecked,
  syncCoordinatorNoEntryCheckChecked,
  syncCoordinatorRecoveryChecked,
  syncCoordinatorNoLeaseChecked,
  syncCoordinatorUnfencedWorkerChecked,
];
