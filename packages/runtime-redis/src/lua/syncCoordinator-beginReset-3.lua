-- syncCoordinator-beginReset: the core SyncCoordinator's BeginReset, the reset worker's entry check: Proceed
-- only when the reset's order is the MR's order in flight (and, when a token is given, holds that lease).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] resetId  ARGV[3] token of its RunReset ("" = not fenced)
--
-- Reply: {atMs, tag, "", 0, {}, effects, {}} with tag "Proceed" | "Deferred" | "Stale";
--        {atMs, "Unknown", "reset", 0, {}, effects, {}} | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
--        | {"CORRUPT", key, problem}   (effects: the reclaim's, if any)
--- @include "includes/syncCoordinator"

local mr, id, token = ARGV[1], ARGV[2], token_arg(ARGV[3])
return run_event(function(_, at)
  local e = entry_of(mr)
  if not holds(e, 'Reset', id, token) then return reply(at, 'Stale') end
  if e == nil or not contains(e.d, id) then return reply(at, 'Unknown', 'reset') end
  if not is_in_flight(e, 'Reset', id) then return reply(at, 'Deferred') end
  if contains(e.r, id) then return reply(at, 'Proceed') end
  local next = copy_mr(e)
  next.r[#next.r + 1] = id
  redis.call('HSET', KEYS[2], mr, encode_mr(next))
  return reply(at, 'Proceed')
end)
