// The SyncCoordinator's Lua scripts (src/lua/sc-*.lua), registered on an ioredis client with `defineCommand`
// (EVALSHA with an EVAL fallback). Each event script is prefixed with the shared `sc-common.lua` (time,
// config, MR entry layout, the serial Mailbox), so one script per transition stays one EVALSHA.

import type { Cluster, Redis } from "ioredis";
import { defineScripts, type ScriptSpec } from "../shared/redis-script.js";

/** The SyncCoordinator commands: name on the client, script file, number of KEYS, shared prelude. */
const SCRIPTS = {
  interleaveScInit: { file: "sc-init", numberOfKeys: 1 },
  interleaveScStartSync: { file: "sc-start-sync", numberOfKeys: 2, prelude: "sc-common" },
  interleaveScFinishSync: { file: "sc-finish-sync", numberOfKeys: 2, prelude: "sc-common" },
  interleaveScScheduleReset: { file: "sc-schedule-reset", numberOfKeys: 2, prelude: "sc-common" },
  interleaveScBeginReset: { file: "sc-begin-reset", numberOfKeys: 2, prelude: "sc-common" },
  interleaveScFinishReset: { file: "sc-finish-reset", numberOfKeys: 2, prelude: "sc-common" },
  interleaveScSnapshot: { file: "sc-snapshot", numberOfKeys: 1 },
} as const satisfies Readonly<Record<string, ScriptSpec>>;

/** The name of one SyncCoordinator command. */
export type SyncCommand = keyof typeof SCRIPTS;

/** The event script for each core event tag. */
export const EVENT_COMMANDS = {
  StartSync: "interleaveScStartSync",
  FinishSync: "interleaveScFinishSync",
  ScheduleReset: "interleaveScScheduleReset",
  BeginReset: "interleaveScBeginReset",
  FinishReset: "interleaveScFinishReset",
} as const satisfies Readonly<Record<string, SyncCommand>>;

/** Registers the SyncCoordinator scripts on `redis` unless they already are (coordinators may share a client). */
export function defineSyncScripts(redis: Redis | Cluster): void {
  defineScripts(redis, SCRIPTS);
}
