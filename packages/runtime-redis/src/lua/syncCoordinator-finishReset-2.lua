--[[
  syncCoordinator-finishReset: the core SyncCoordinator's FinishReset: completes the MR's Reset order in flight
  and dispatches the MR's next order.

  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] resetId

  Reply: {atMs, "ResetFinished", "", 0, {}, effects} | {atMs, "Unknown", "reset", 0, {}, {}} | {atMs, "NoConfig"}
         | {atMs, "Corrupt", problem}   (effects: the MR's next order, ("RunSync"|"RunReset", id), if any)
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(_, at)
  local e = entry_of(mr)
  if e == nil or not is_in_flight(e, 'Reset', id) then return reply(at, 'Unknown', 'reset') end
  local next = copy_mr(e)
  local effects = complete(next)
  next.d = without(e.d, id)
  next.r = without(e.r, id)
  commit(KEYS[2], mr, next, at)
  return reply(at, 'ResetFinished', '', 0, {}, effects)
end)
