// The SyncCoordinator's Lua scripts (src/lua/syncCoordinator-<event>-<keys>.lua, each including
// src/lua/includes/syncCoordinator.lua: config, MR entry layout, the serial Mailbox), one per core event, so one
// transition stays one EVALSHA.

import { scriptSet } from "../shared/redis-script.js";

/** The SyncCoordinator scripts; `define` registers them on a client, `run` runs one. */
export const syncScripts = scriptSet([
  "syncCoordinator-startSync-2",
  "syncCoordinator-finishSync-2",
  "syncCoordinator-scheduleReset-2",
  "syncCoordinator-beginReset-2",
  "syncCoordinator-finishReset-2",
  "syncCoordinator-snapshot-1",
]);

/** The event script for each core event tag. */
export const EVENT_SCRIPTS = {
  StartSync: "syncCoordinator-startSync-2",
  FinishSync: "syncCoordinator-finishSync-2",
  ScheduleReset: "syncCoordinator-scheduleReset-2",
  BeginReset: "syncCoordinator-beginReset-2",
  FinishReset: "syncCoordinator-finishReset-2",
} as const;
