--[[
  syncCoordinator-startSync: the core SyncCoordinator's StartSync.
  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] syncId
  Returns {atMs, "SyncStarted", route, running 0|1, {}, effects} | {atMs, "Rejected", reason, 0, {}, {}}
          | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}  (effects: "RunSync", syncId, 0 when dispatched)
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  if config.route == 'legacy' then return reply(at, 'SyncStarted', 'legacy', 1) end
  if config.route == 'coordinator' then
    local existing = entry_of(mr)
    if existing ~= nil and contains(existing.s, id) then return reply(at, 'SyncStarted', 'coordinator', 1) end
    local room = admit_or_raise(config, mr, at)
    if room == nil then return reply(at, 'Rejected', 'mr-limit') end
    if #room.entry.s >= config.pendingMax then return reply(at, 'Rejected', 'pending-full') end
    local e = copy_mr(room.entry)
    e.s[#e.s + 1] = id
    e.u = marked(config, room.entry, at)
    commit(KEYS[2], mr, e, at, room.sweep)
    return reply(at, 'SyncStarted', 'coordinator', 1)
  end
  local room = admit_or_raise(config, mr, at)
  if room == nil then return reply(at, 'Rejected', 'mr-limit') end
  local e = copy_mr(room.entry)
  local status, effects = submit(config, e, 'Sync', id)
  if status == 'duplicate' then
    local running = 0
    if is_in_flight(room.entry, 'Sync', id) then running = 1 end
    return reply(at, 'SyncStarted', 'serial', running)
  end
  if status == 'full' then return reply(at, 'Rejected', 'pending-full') end
  e.u = marked(config, room.entry, at)
  commit(KEYS[2], mr, e, at, room.sweep)
  local running = 0
  if #effects > 0 then running = 1 end
  return reply(at, 'SyncStarted', 'serial', running, {}, effects)
end)
