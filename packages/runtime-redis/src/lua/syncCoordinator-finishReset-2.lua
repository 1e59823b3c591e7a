--[[
  syncCoordinator-finishReset: the core SyncCoordinator's FinishReset.
  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] resetId
  Returns {atMs, "ResetFinished", "", 0, {}, effects} | {atMs, "Unknown", "reset", 0, {}, {}} | {atMs, "NoConfig"}
          | {atMs, "Corrupt", problem}   (effects, serial: the MR's next order, ("RunSync"|"RunReset", id, 0))
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  if config.route == 'legacy' then return reply(at, 'ResetFinished') end
  local e = entry_of(mr)
  local effects = {}
  local next
  if config.route == 'coordinator' then
    if e == nil or not contains(e.d, id) or contains(e.p, id) then return reply(at, 'Unknown', 'reset') end
    next = copy_mr(e)
  else
    if e == nil or not is_in_flight(e, 'Reset', id) then return reply(at, 'Unknown', 'reset') end
    next = copy_mr(e)
    effects = complete(next)
  end
  next.d = without(e.d, id)
  next.r = without(e.r, id)
  commit(KEYS[2], mr, next, at)
  return reply(at, 'ResetFinished', '', 0, {}, effects)
end)
