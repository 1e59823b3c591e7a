--[[
  syncCoordinator-beginReset: the core SyncCoordinator's BeginReset, the reset worker's entry check.
  KEYS[1] <base>:config  KEYS[2] <base>:mrs
  ARGV[1] mr  ARGV[2] resetId
  Returns {atMs, "Proceed", "", 0, {}, {}} | {atMs, "Deferred", "", 0, {}, {}} | {atMs, "Unknown", "reset", 0, {},
          {}} | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
]]
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(config, at)
  if config.route == 'legacy' then return reply(at, 'Proceed') end
  local e = entry_of(mr)
  if config.route == 'coordinator' then
    if e == nil or not contains(e.d, id) or contains(e.r, id) then return reply(at, 'Unknown', 'reset') end
    if contains(e.p, id) then return reply(at, 'Deferred') end
    local next = copy_mr(e)
    if #e.s > 0 then
      next.p[#next.p + 1] = id
      redis.call('HSET', KEYS[2], mr, encode_mr(next))
      return reply(at, 'Deferred')
    end
    next.r[#next.r + 1] = id
    redis.call('HSET', KEYS[2], mr, encode_mr(next))
    return reply(at, 'Proceed')
  end
  if e == nil or not contains(e.d, id) then return reply(at, 'Unknown', 'reset') end
  if not is_in_flight(e, 'Reset', id) then return reply(at, 'Deferred') end
  if contains(e.r, id) then return reply(at, 'Proceed') end
  local next = copy_mr(e)
  next.r[#next.r + 1] = id
  redis.call('HSET', KEYS[2], mr, encode_mr(next))
  return reply(at, 'Proceed')
end)
