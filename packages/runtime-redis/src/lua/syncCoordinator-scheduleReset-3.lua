-- syncCoordinator-scheduleReset: the core SyncCoordinator's ScheduleReset: the Reset order joins the MR's
-- FIFO queue and runs now (a RunReset effect with a fresh lease) when the MR is idle.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] resetId
--
-- Reply: {atMs, "ResetQueued", "", running 0|1, {}, effects, {}} | {atMs, "Rejected", reason, 0, {}, effects, {}}
--        | {atMs, "NoConfig"} | {atMs, "Corrupt", problem} | {"CORRUPT", key, problem}
--        effects: the reclaim's, then "RunReset", resetId, token, expiresAtMs when dispatched
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  local existing = entry_of(mr)
  if existing ~= nil and contains(existing.d, id) then
    local running = 0
    if is_in_flight(existing, 'Reset', id) then running = 1 end
    return reply(at, 'ResetQueued', '', running)
  end
  local refused, status, running, effects = submit_order(config, mr, at, 'Reset', id, function(e)
    e.d[#e.d + 1] = id
  end)
  if refused then return refused end
  if status == 'duplicate' then error('reset ' .. id .. ' of ' .. mr .. ' is queued but not scheduled') end
  return reply(at, 'ResetQueued', '', running, {}, effects)
end)
