// The SyncCoordinator's Lua scripts (src/lua/syncCoordinator-<event>-<keys>.lua, each including
// src/lua/includes/syncCoordinator.lua: config, MR entry layout, fence counter, the serial Mailbox, the lease of
// the order in flight), one per core event, so one transition stays one EVALSHA.

import { scriptSet } from "../shared/redis-script.js";

/** The SyncCoordinator scripts; `define` registers them on a client, `run` runs one. */
export const syncScripts = scriptSet([
  "syncCoordinator-startSync-3",
  "syncCoordinator-finishSync-3",
  "syncCoordinator-scheduleReset-3",
  "syncCoordinator-beginReset-3",
  "syncCoordinator-finishReset-3",
  "syncCoordinator-heartbeat-3",
  "syncCoordinator-expire-3",
  "syncCoordinator-snapshot-2",
  "syncCoordinator-upgrade-1",
]);

/** The event script for each core event tag (each takes KEYS config, mrs, fence). */
export const EVENT_SCRIPTS = {
  StartSync: "syncCoordinator-startSync-3",
  FinishSync: "syncCoordinator-finishSync-3",
  ScheduleReset: "syncCoordinator-scheduleReset-3",
  BeginReset: "syncCoordinator-beginReset-3",
  FinishReset: "syncCoordinator-finishReset-3",
  Heartbeat: "syncCoordinator-heartbeat-3",
  Expire: "syncCoordinator-expire-3",
} as const;
