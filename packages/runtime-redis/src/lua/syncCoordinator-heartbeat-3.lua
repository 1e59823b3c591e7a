-- syncCoordinator-heartbeat: the core SyncCoordinator's Heartbeat: the holder of the lease `token` of the
-- MR's order in flight renews it to atMs + leaseTtlMs.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] token of the order's RunSync / RunReset
--
-- Reply: {atMs, "Renewed", "", expiresAtMs, {}, effects, {}} | {atMs, "Stale", "", 0, {}, effects, {}} (the
--        token is not the MR's current lease: it expired and was reclaimed, or never was)
--        | {atMs, "NoConfig"} | {atMs, "Corrupt", problem} | {"CORRUPT", key, problem}
--        (effects: the reclaim's, if any — then the answer is Stale)
--- @include "includes/syncCoordinator"

local mr, token = ARGV[1], token_arg(ARGV[2])
return run_event(function(config, at)
  local e = entry_of(mr)
  if e == nil or e.t == nil or e.t ~= token then return reply(at, 'Stale') end
  local x = at + config.leaseTtl
  if x ~= e.x then
    local next = copy_mr(e)
    next.x = x
    redis.call('HSET', KEYS[2], mr, encode_mr(next))
  end
  return reply(at, 'Renewed', '', x)
end)
