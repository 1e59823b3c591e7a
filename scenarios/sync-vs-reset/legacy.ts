/**
 * The legacy code of seed 000 (../../shared/seeds/000_a68bbd6ee7280424.txt), before the coordinator and
 * with `deterministic_approval_rules_sync` off: scheduling a reset sets the 15 s `temporarily_unapprove!` key
 * and enqueues the reset worker with `perform_in(10.seconds)`; syncs are not tracked; the reset worker has no
 * entry check (BeginReset always proceeds). Both mitigations are guesses that the sync is done — the scenario's
 * `legacy-ttl` and `flag-off` variants and the checker find the race. A reproduction, not a machine to embed:
 * the core ships only the serial `SyncCoordinator`.
 *
 * The rules live here once: {@link legacyStep} is the whole legacy answer to an event; {@link transition} is
 * the legacy code itself (a marker per MR), and the entry-check coordinator's flag-off route (./entry-check.ts)
 * applies the same rules to its per-MR entries.
 */
import type { Event, Result, Step } from "./protocol.js";

/** The legacy timings, ms: the marker's TTL and the reset worker's enqueue delay. */
export interface LegacyConfig {
  readonly legacyTtlMs: number;
  readonly legacyResetDelayMs: number;
}

/** The seed's numbers: the 15 s `temporarily_unapprove!` key and `perform_in(10.seconds)`. */
export const LEGACY_TIMINGS: LegacyConfig = { legacyTtlMs: 15_000, legacyResetDelayMs: 10_000 };

/** What the legacy code keeps: the `temporarily_unapproved` TTL key per MR (ms until which it lives). */
export interface LegacyState {
  readonly unapprovedUntilMs: Readonly<Record<string, number>>;
}

/**
 * The legacy answer to `event` and, for a ScheduleReset, until when the marker lives (`atMs + legacyTtlMs`;
 * `null` for every other event, which changes nothing): ScheduleReset → `ResetEnqueued` with one
 * `EnqueueReset` after `legacyResetDelayMs`; StartSync → `SyncStarted` (route `legacy`, running); FinishSync →
 * `SyncFinished` (nothing drained); BeginReset → `Proceed`; FinishReset → `ResetFinished`.
 */
export function legacyStep(
  config: LegacyConfig,
  event: Event,
): { readonly markUntilMs: number | null } & Omit<Step<unknown>, "state"> {
  switch (event._tag) {
    case "ScheduleReset": {
      const delayMs = config.legacyResetDelayMs;
      return {
        markUntilMs: event.atMs + config.legacyTtlMs,
        effects: [{ _tag: "EnqueueReset", mr: event.mr, resetId: event.resetId, delayMs }],
        result: { _tag: "ResetEnqueued", delayMs },
      };
    }
    case "StartSync":
      return answer({ _tag: "SyncStarted", route: "legacy", running: true });
    case "FinishSync":
      return answer({ _tag: "SyncFinished", route: "legacy", drained: [] });
    case "BeginReset":
      return answer({ _tag: "Proceed" });
    case "FinishReset":
      return answer({ _tag: "ResetFinished" });
  }
}

function answer(result: Result): { readonly markUntilMs: null } & Omit<Step<unknown>, "state"> {
  return { markUntilMs: null, effects: [], result };
}

/** The legacy code before any event: no marker. */
export function initial(): LegacyState {
  return { unapprovedUntilMs: {} };
}

/**
 * The legacy code with the seed's timings ({@link LEGACY_TIMINGS}): a ScheduleReset overwrites the MR's
 * marker with `atMs + 15 s`; nothing else changes state. Pure.
 */
export function transition(state: LegacyState, event: Event): Step<LegacyState> {
  const { markUntilMs, effects, result } = legacyStep(LEGACY_TIMINGS, event);
  if (markUntilMs === null) return { state, effects, result };
  return {
    state: { unapprovedUntilMs: { ...state.unapprovedUntilMs, [event.mr]: markUntilMs } },
    effects,
    result,
  };
}

/** Whether the legacy marker of `mr` is live at `atMs` (the merge check's `temporarily_unapproved?`). */
export function isTemporarilyUnapproved(state: LegacyState, mr: string, atMs: number): boolean {
  return atMs < (Object.hasOwn(state.unapprovedUntilMs, mr) ? state.unapprovedUntilMs[mr]! : 0);
}

/** The legacy code as a store machine for the scenario and the models. */
export const legacyFlow = { initial, transition };
