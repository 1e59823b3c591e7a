// The SyncCoordinator of the exhaustive conformance test (test/exhaustive.conformance.test.ts): a small model
// over the core's serial coordinator (bounds below), the state written in place through the codec's
// `encodeState`, and every event run through the coordinator's scripts (`apply`, which hands out no effect).

import { SyncCoordinator as Core } from "@interleave/core";
import type { Redis } from "ioredis";
import { encodeState } from "../../src/sync-coordinator/sync-codec.js";
import type { RedisSyncCoordinator, SyncCommand } from "../../src/sync-coordinator/sync-coordinator.js";
import { type CoreModel, type RedisMachine, TICK_MS } from "./exhaustive.js";

/** The coordinator's config: legacyTtlMs 2 ticks, at most 2 MRs, 2 pending orders per MR. */
export const SYNC_CONFIG: Core.Config = { legacyTtlMs: 2 * TICK_MS, mrCountMax: 2, pendingPerMrMax: 2 };
const MRS = ["!1", "!2"] as const;
const SYNC_IDS = ["s1", "s2"] as const;
const RESET_IDS = ["r1", "r2"] as const;
/** The depth of the checker's BFS (events and ticks from the initial state). */
export const SYNC_DEPTH_MAX = 4;

/** The model's bounds, as the test names them. */
export const SYNC_BOUNDS = `MRs !1, !2; syncs s1, s2; resets r1, r2; legacyTtlMs ${2 * TICK_MS}, mrCountMax 2, pendingPerMrMax 2; clock 0..${2 * TICK_MS} ms by ${TICK_MS}; depth ≤ ${SYNC_DEPTH_MAX}`;

function syncEvents(): readonly SyncCommand[] {
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
  }
  return events;
}
const EVENTS = syncEvents();

/** The model: the core's serial SyncCoordinator under every event above, within {@link SYNC_BOUNDS}. */
export const syncModel: CoreModel<Core.State, SyncCommand> = {
  initial: Core.initial(SYNC_CONFIG),
  events: () => EVENTS,
  step: (s, e, atMs) => Core.transition(s, { ...e, atMs } as Core.Event).state,
  shift: (s, d) => {
    const mrs: Record<string, Core.MrState> = {};
    for (const [mr, m] of Object.entries(s.mrs)) {
      mrs[mr] = m.unapprovedUntilMs === 0 ? m : { ...m, unapprovedUntilMs: m.unapprovedUntilMs + d };
    }
    return { ...s, mrs };
  },
  nowMaxMs: 2 * TICK_MS,
};

/** The coordinator on Redis as the exhaustive test drives it; `mrsKey` is its `<base>:mrs` hash. */
export function syncMachine(
  coordinator: () => RedisSyncCoordinator,
  mrsKey: string,
): RedisMachine<Core.State, SyncCommand, Core.Result> {
  return {
    name: "SyncCoordinator",
    async write(redis: Redis, state) {
      const fields = encodeState(state);
      await redis.del(mrsKey);
      if (Object.keys(fields).length > 0) await redis.hset(mrsKey, fields);
    },
    async apply(_redis, c) {
      const { atMs, result, effects } = await coordinator().apply(c);
      return { atMs, result, effects, state: (await coordinator().snapshot()).state };
    },
    transition: (s, e, atMs) => Core.transition(s, { ...e, atMs } as Core.Event),
  };
}
