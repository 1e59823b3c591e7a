-- syncCoordinator-finishSync: the core SyncCoordinator's FinishSync: completes the MR's Sync order in flight
-- ("ok" or "failed" alike; fenced when a token is given) and dispatches the MR's next order.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] syncId  ARGV[3] outcome "ok"|"failed"  ARGV[4] token of its RunSync ("" = not fenced)
--
-- Reply: {atMs, "SyncFinished", "", 0, drained reset ids, effects, {}} | {atMs, "Unknown", "sync", 0, {},
--        effects, {}} | {atMs, "Stale", "", 0, {}, effects, {}} (the token is not the lease of this sync in
--        flight) | {atMs, "NoConfig"} | {atMs, "Corrupt", problem} | {"CORRUPT", key, problem}
--        effects: the reclaim's, then the MR's next order ("RunSync"|"RunReset", id, token, expiresAtMs), if any
--- @include "includes/syncCoordinator"

local mr, id, token = ARGV[1], ARGV[2], token_arg(ARGV[4])
return run_event(function(config, at)
  local before, e, effects = complete_order(config, mr, 'Sync', id, token, at)
  if before == 'stale' then return reply(at, 'Stale') end
  if e == nil then return reply(at, 'Unknown', 'sync') end
  local drained = {}
  if effects[1] == 'RunReset' then drained = {effects[2]} end
  commit(KEYS[2], mr, e, at)
  return reply(at, 'SyncFinished', '', 0, drained, effects)
end)
