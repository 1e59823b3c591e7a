--[[
  syncCoordinator-scheduleReset: the core SyncCoordinator's ScheduleReset.
  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] resetId
  Returns {atMs, "ResetEnqueued", "", delayMs, {}, effects} | {atMs, "ResetDeferred", "", 0, {}, {}}
          | {atMs, "ResetQueued", "", running 0|1, {}, effects} | {atMs, "Rejected", reason, 0, {}, {}}
          | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
          effects: ("EnqueueReset", resetId, delayMs) (legacy, entry-check) or ("RunReset", resetId, 0) (serial)
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  if config.route == 'legacy' then
    local room = admit_or_raise(config, mr, at)
    if room == nil then return reply(at, 'Rejected', 'mr-limit') end
    local e = copy_mr(room.entry)
    e.u = marked(config, room.entry, at)
    commit(KEYS[2], mr, e, at, room.sweep)
    return reply(at, 'ResetEnqueued', '', config.delay, {}, {'EnqueueReset', id, config.delay})
  end
  local existing = entry_of(mr)
  if config.route == 'coordinator' then
    if existing ~= nil and contains(existing.d, id) then
      if contains(existing.p, id) then return reply(at, 'ResetDeferred') end
      return reply(at, 'ResetEnqueued', '', 0)
    end
    local room = admit_or_raise(config, mr, at)
    if room == nil then return reply(at, 'Rejected', 'mr-limit') end
    local current = room.entry
    if #current.d >= config.pendingMax then return reply(at, 'Rejected', 'pending-full') end
    local defer = #current.s > 0
    local e = copy_mr(current)
    e.d[#e.d + 1] = id
    if defer then e.p[#e.p + 1] = id end
    e.u = marked(config, current, at)
    commit(KEYS[2], mr, e, at, room.sweep)
    if defer then return reply(at, 'ResetDeferred') end
    return reply(at, 'ResetEnqueued', '', 0, {}, {'EnqueueReset', id, 0})
  end
  if existing ~= nil and contains(existing.d, id) then
    local running = 0
    if is_in_flight(existing, 'Reset', id) then running = 1 end
    return reply(at, 'ResetQueued', '', running)
  end
  local room = admit_or_raise(config, mr, at)
  if room == nil then return reply(at, 'Rejected', 'mr-limit') end
  local e = copy_mr(room.entry)
  local status, effects = submit(config, e, 'Reset', id)
  if status == 'duplicate' then error('reset ' .. id .. ' of ' .. mr .. ' is queued but not scheduled') end
  if status == 'full' then return reply(at, 'Rejected', 'pending-full') end
  e.d[#e.d + 1] = id
  e.u = marked(config, room.entry, at)
  commit(KEYS[2], mr, e, at, room.sweep)
  local running = 0
  if #effects > 0 then running = 1 end
  return reply(at, 'ResetQueued', '', running, {}, effects)
end)
