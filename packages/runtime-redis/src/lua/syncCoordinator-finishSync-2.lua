-- syncCoordinator-finishSync: the core SyncCoordinator's FinishSync: completes the MR's Sync order in flight
-- ("ok" or "failed" alike) and dispatches the MR's next order.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs
-- ARGV[1] mr  ARGV[2] syncId  ARGV[3] outcome "ok"|"failed"
--
-- Reply: {atMs, "SyncFinished", "", 0, drained reset ids, effects} | {atMs, "Unknown", "sync", 0, {}, {}}
--        | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
--        effects: the MR's next order, ("RunSync"|"RunReset", id), if any
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(_, at)
  local _, e, effects = complete_order(mr, 'Sync', id)
  if e == nil then return reply(at, 'Unknown', 'sync') end
  local drained = {}
  if effects[1] == 'RunReset' then drained = {effects[2]} end
  commit(KEYS[2], mr, e, at)
  return reply(at, 'SyncFinished', '', 0, drained, effects)
end)
