-- syncCoordinator-startSync: the core SyncCoordinator's StartSync: the Sync order joins the MR's FIFO queue
-- and runs now (a RunSync effect with a fresh lease) when the MR is idle.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] syncId
--
-- Reply: {atMs, "SyncStarted", "", running 0|1, {}, effects, {}} | {atMs, "Rejected", reason, 0, {}, effects, {}}
--        | {atMs, "NoConfig"} | {atMs, "Corrupt", problem} | {"CORRUPT", key, problem}
--        effects: the reclaim's (includes/syncCoordinator.lua), then "RunSync", syncId, token, expiresAtMs when
--        dispatched
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  local refused, _, running, effects = submit_order(config, mr, at, 'Sync', id, nil)
  if refused then return refused end
  return reply(at, 'SyncStarted', '', running, {}, effects)
end)
