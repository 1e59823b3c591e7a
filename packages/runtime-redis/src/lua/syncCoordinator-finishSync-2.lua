--[[
  syncCoordinator-finishSync: the core SyncCoordinator's FinishSync.
  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] syncId  ARGV[3] outcome "ok"|"failed"
  Returns {atMs, "SyncFinished", route, 0, drained reset ids, effects} | {atMs, "Unknown", "sync", 0, {},
          effects} (entry-check drains pending resets even then) | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
          effects: ("EnqueueReset", resetId, 0)* (entry-check) or one ("RunSync"|"RunReset", id, 0) (serial)
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  if config.route == 'legacy' then return reply(at, 'SyncFinished', 'legacy', 0) end
  local before = entry_of(mr)
  if config.route == 'coordinator' then
    local known = before ~= nil and contains(before.s, id)
    if before == nil or (not known and (#before.s > 0 or #before.p == 0)) then
      return reply(at, 'Unknown', 'sync')
    end
    local e = copy_mr(before)
    if known then e.s = without(before.s, id) end
    local drained = {}
    if #e.s == 0 then drained = before.p end
    if #drained > 0 then e.p = {} end
    local effects = {}
    for _, reset in ipairs(drained) do
      effects[#effects + 1] = 'EnqueueReset'; effects[#effects + 1] = reset; effects[#effects + 1] = 0
    end
    commit(KEYS[2], mr, e, at)
    if known then return reply(at, 'SyncFinished', 'coordinator', 0, drained, effects) end
    return reply(at, 'Unknown', 'sync', 0, {}, effects)
  end
  if before == nil or not is_in_flight(before, 'Sync', id) then return reply(at, 'Unknown', 'sync') end
  local e = copy_mr(before)
  local effects = complete(e)
  local drained = {}
  if effects[1] == 'RunReset' then drained = {effects[2]} end
  commit(KEYS[2], mr, e, at)
  return reply(at, 'SyncFinished', 'serial', 0, drained, effects)
end)
