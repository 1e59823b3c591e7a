-- syncCoordinator-beginReset: the core SyncCoordinator's BeginReset, the reset worker's entry check: Proceed
-- only when the reset's order is the MR's order in flight.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs
-- ARGV[1] mr  ARGV[2] resetId
--
-- Reply: {atMs, "Proceed", "", 0, {}, {}} | {atMs, "Deferred", "", 0, {}, {}} | {atMs, "Unknown", "reset", 0, {},
--        {}} | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
--- @include "includes/syncCoordinator"

local mr, id = ARGV[1], ARGV[2]
return run_event(function(_, at)
  local e = entry_of(mr)
  if e == nil or not contains(e.d, id) then return reply(at, 'Unknown', 'reset') end
  if not is_in_flight(e, 'Reset', id) then return reply(at, 'Deferred') end
  if contains(e.r, id) then return reply(at, 'Proceed') end
  local next = copy_mr(e)
  next.r[#next.r + 1] = id
  redis.call('HSET', KEYS[2], mr, encode_mr(next))
  return reply(at, 'Proceed')
end)
