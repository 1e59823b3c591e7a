-- syncCoordinator-finishReset: the core SyncCoordinator's FinishReset: completes the MR's Reset order in flight
-- and dispatches the MR's next order.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs
-- ARGV[1] mr  ARGV[2] resetId
--
-- Reply: {atMs, "ResetFinished", "", 0, {}, effects} | {atMs, "Unknown", "reset", 0, {}, {}} | {atMs, "NoConfig"}
--        | {atMs, "Corrupt", problem}   (effects: the MR's next order, ("RunSync"|"RunReset", id), if any)
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(_, at)
  local before, after, effects = complete_order(mr, 'Reset', id)
  if after == nil then return reply(at, 'Unknown', 'reset') end
  after.d = without(before.d, id)
  after.r = without(before.r, id)
  commit(KEYS[2], mr, after, at)
  return reply(at, 'ResetFinished', '', 0, {}, effects)
end)
