// The claim queue's Lua scripts (src/lua/claimQueue-<command>-<keys>.lua, each including
// src/lua/includes/claimQueue.lua: time, layout and item decoding), one per core event, so one transition
// stays one EVALSHA.

import { scriptSet } from "../shared/redis-script.js";

/** The claim-queue scripts; `define` registers them on a client, `run` runs one. */
export const claimQueueScripts = scriptSet([
  "claimQueue-enqueue-4",
  "claimQueue-claim-4",
  "claimQueue-owner-5",
  "claimQueue-ackAndClaim-4",
  "claimQueue-counts-4",
  "claimQueue-snapshot-4",
]);
