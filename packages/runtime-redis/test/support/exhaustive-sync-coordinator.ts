// The SyncCoordinator of the exhaustive conformance test (test/exhaustive.conformance.test.ts): a small model
// over the core's serial coordinator (bounds below), the state written in place through the codec's
// `encodeState` (MR entries with their leases, and the fence counter), and every event run through the
// coordinator's scripts (`apply`, which hands out no effect). The order lease lasts one tick, so the model's
// clock (0..2 ticks) reaches states whose lease is live, expires right at the event (relative expiry 0) or
// expired a tick ago: every event is compared with and without a reclaim before it. Fenced events carry the
// MR's current lease token, an older one, or none; Heartbeat and Expire are events of the model.

import { SyncCoordinator as Core } from "@interleave/core";
import type { Redis } from "ioredis";
import { replyInt } from "../../src/shared/redis-script.js";
import { decodeStep, encodeState } from "../../src/sync-coordinator/sync-codec.js";
import type { RedisSyncCoordinator, SyncCommand } from "../../src/sync-coordinator/sync-coordinator.js";
import { type CoreModel, type RedisMachine, TICK_MS } from "./exhaustive.js";

/** The coordinator's config: legacyTtlMs 2 ticks, leaseTtlMs 1 tick, at most 2 MRs, 2 pending orders per MR. */
export const SYNC_CONFIG: Core.Config = {
  legacyTtlMs: 2 * TICK_MS,
  leaseTtlMs: TICK_MS,
  mrCountMax: 2,
  pendingPerMrMax: 2,
};
const MRS = ["!1", "!2"] as const;
const SYNC_IDS = ["s1", "s2"] as const;
const RESET_IDS = ["r1", "r2"] as const;
/**
 * The depth of the checker's BFS (unfenced events, Expire and ticks from the initial state): 5, where the core
 * reaches 12,312 states (about 5 s of the checker) and their events make 440,488 pairs — far over the budget.
 * So `pnpm test` compares a seeded sample of {@link SYNC_SAMPLE_SIZE} of them that holds every state within
 * {@link SYNC_DEPTH_KEPT} (511 states, 17,478 pairs: what the test compared in full before). The lease tokens
 * multiply the states: depth 4 has 2,748, depth 6 45,183 (29 s of the checker alone), depth 7 133,002.
 * `EXHAUSTIVE_SYNC_DEPTH`, `EXHAUSTIVE_SYNC_SAMPLE` (a size, or `all`) and `EXHAUSTIVE_SEED` change them.
 */
export const SYNC_DEPTH_MAX = Number(process.env.EXHAUSTIVE_SYNC_DEPTH ?? 5);
/** Every state within this depth is in the sample. */
export const SYNC_DEPTH_KEPT = Math.min(3, SYNC_DEPTH_MAX);
/** How many states the sample holds (all of them when the space within the depth is smaller). */
export const SYNC_SAMPLE_SIZE =
  process.env.EXHAUSTIVE_SYNC_SAMPLE === "all"
    ? Number.POSITIVE_INFINITY
    : Number(process.env.EXHAUSTIVE_SYNC_SAMPLE ?? 2_000);
/** The seed of the sample (fast-check's PRNG). */
export const EXHAUSTIVE_SEED = Number(process.env.EXHAUSTIVE_SEED ?? 19);

/** The model's bounds, as the test names them (the depth and the sample are said by `coverage`). */
export const SYNC_BOUNDS = `MRs !1, !2; syncs s1, s2; resets r1, r2; legacyTtlMs ${2 * TICK_MS}, leaseTtlMs ${TICK_MS}, mrCountMax 2, pendingPerMrMax 2; tokens: none, current, older (compared, not explored); clock 0..${2 * TICK_MS} ms by ${TICK_MS}`;

function unfencedEvents(): readonly SyncCommand[] {
  const events: SyncCommand[] = [];
  for (const mr of MRS) {
    for (const syncId of SYNC_IDS) {
      events.push({ _tag: "StartSync", mr, syncId }, { _tag: "FinishSync", mr, syncId, outcome: "ok" });
    }
    events.push({ _tag: "FinishSync", mr, syncId: "s1", outcome: "failed" });
    for (const resetId of RESET_IDS) {
      events.push(
        { _tag: "ScheduleReset", mr, resetId },
        { _tag: "BeginReset", mr, resetId },
        { _tag: "FinishReset", mr, resetId },
      );
    }
    events.push({ _tag: "Expire", mr });
  }
  return events;
}
const UNFENCED = unfencedEvents();

/**
 * The fenced events of `state`: per MR, Heartbeat with its lease token and an older one (or the last token
 * granted when it has no lease); for its order in flight, its finishing events (BeginReset and FinishReset, or
 * FinishSync ok) with the current and the older token, and the other id of its kind with the current token.
 */
function fencedEvents(state: Core.State): readonly SyncCommand[] {
  const events: SyncCommand[] = [];
  for (const mr of MRS) {
    const lease = state.mrs[mr]?.lease ?? null;
    const order = state.mailbox.keys[mr]?.inFlight?.order;
    if (lease === null || order === undefined) {
      events.push({ _tag: "Heartbeat", mr, token: state.lastToken });
      continue;
    }
    const current = lease.token;
    const older = current - 1;
    events.push({ _tag: "Heartbeat", mr, token: current }, { _tag: "Heartbeat", mr, token: older });
    const id = String(order.payload);
    if (order.kind === "Sync") {
      const other = id === "s1" ? "s2" : "s1";
      for (const token of [current, older]) {
        events.push({ _tag: "FinishSync", mr, syncId: id, outcome: "ok", token });
      }
      events.push({ _tag: "FinishSync", mr, syncId: other, outcome: "ok", token: current });
    } else {
      const other = id === "r1" ? "r2" : "r1";
      for (const token of [current, older]) {
        events.push(
          { _tag: "BeginReset", mr, resetId: id, token },
          { _tag: "FinishReset", mr, resetId: id, token },
        );
      }
      events.push({ _tag: "FinishReset", mr, resetId: other, token: current });
    }
  }
  return events;
}

/**
 * The model: the core's serial SyncCoordinator within {@link SYNC_BOUNDS}. The checker explores the unfenced
 * events and Expire (a fenced event reaches no state they do not, but a renewed lease: the same state, relative
 * to the clock, as a fresh dispatch); every state found is compared under {@link syncEvents}.
 */
export const syncModel: CoreModel<Core.State, SyncCommand> = {
  initial: Core.initial(SYNC_CONFIG),
  events: () => UNFENCED,
  step: (s, e, atMs) => Core.transition(s, { ...e, atMs } as Core.Event).state,
  shift: (s, d) => {
    const mrs: Record<string, Core.MrState> = {};
    for (const [mr, m] of Object.entries(s.mrs)) {
      mrs[mr] = {
        ...m,
        unapprovedUntilMs: m.unapprovedUntilMs === 0 ? 0 : m.unapprovedUntilMs + d,
        lease: m.lease === null ? null : { ...m.lease, expiresAtMs: m.lease.expiresAtMs + d },
      };
    }
    return { ...s, mrs };
  },
  nowMaxMs: 2 * TICK_MS,
};

/** The events each state is compared under: the unfenced ones, Expire, and the fenced ones of the state. */
export const syncEvents = (s: Core.State): readonly SyncCommand[] => [...UNFENCED, ...fencedEvents(s)];

/** Runs a FinishReset through another script (an injected bug), for the exhaustive test's bug check. */
export type FinishResetScript = (
  redis: Redis,
  keys: readonly string[],
  args: readonly string[],
) => Promise<unknown[]>;

/**
 * The coordinator on Redis as the exhaustive test drives it; `base` is its key base (`<base>:mrs`,
 * `<base>:fence`). With `finishReset`, FinishReset events run through that script instead (an injected bug).
 */
export function syncMachine(
  coordinator: () => RedisSyncCoordinator,
  finishReset?: FinishResetScript,
): RedisMachine<Core.State, SyncCommand, Core.Result> {
  return {
    name: finishReset === undefined ? "SyncCoordinator" : "SyncCoordinator (injected bug)",
    pipelined: true,
    keys: () => {
      const { base } = coordinator();
      return [`${base}:mrs`, `${base}:fence`];
    },
    write(redis: Redis, state) {
      const { base } = coordinator();
      const { mrs, fence } = encodeState(state);
      const tx = redis.multi();
      tx.del(`${base}:mrs`, `${base}:fence`);
      if (Object.keys(mrs).length > 0) tx.hset(`${base}:mrs`, mrs);
      tx.set(`${base}:fence`, fence);
      return tx.exec();
    },
    async apply(redis, c) {
      const { base } = coordinator();
      if (finishReset !== undefined && c._tag === "FinishReset") {
        const keys = [`${base}:config`, `${base}:mrs`, `${base}:fence`];
        const reply = await finishReset(redis, keys, [
          c.mr,
          c.resetId,
          c.token === undefined ? "" : String(c.token),
        ]);
        return {
          atMs: replyInt(reply, 0, "buggy finishReset"),
          ...decodeStep(reply, c.mr, "buggy finishReset"),
        };
      }
      return coordinator().apply(c);
    },
    read: async () => (await coordinator().snapshot()).state,
    transition: (s, e, atMs) => Core.transition(s, { ...e, atMs } as Core.Event),
  };
}
