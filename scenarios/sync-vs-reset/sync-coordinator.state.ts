/**
 * The state of the seed-000 models (./sync-coordinator.space.ts): what each caller knows of its sync or reset,
 * the clock and the ghosts, and the draft a successor is built in (seed 000,
 * ../../shared/seeds/000_a68bbd6ee7280424.txt).
 */
import type { Fingerprinted } from "@interleave/sim/statespace";
import type { FlowState } from "./sync-coordinator.flows.js";
import { BIT, SC_TRANSITION_PROPERTIES } from "./sync-coordinator.promises.js";

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
/** A successor under construction: copies what it changes, records the transition properties broken. */
export class Draft {
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
