-- syncCoordinator-finishReset: the core SyncCoordinator's FinishReset: completes the MR's Reset order in flight
-- (fenced when a token is given) and dispatches the MR's next order.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr  ARGV[2] resetId  ARGV[3] token of its RunReset ("" = not fenced)
--
-- Reply: {atMs, "ResetFinished", "", 0, {}, effects, {}} | {atMs, "Unknown", "reset", 0, {}, effects, {}}
--        | {atMs, "Stale", "", 0, {}, effects, {}} | {atMs, "NoConfig"} | {atMs, "Corrupt", problem}
--        | {"CORRUPT", key, problem}
--        effects: the reclaim's, then the MR's next order ("RunSync"|"RunReset", id, token, expiresAtMs), if any
--- @include "includes/syncCoordinator"

local mr, id, token = ARGV[1], ARGV[2], token_arg(ARGV[3])
return run_event(function(config, at)
  local before, after, effects = complete_order(config, mr, 'Reset', id, token, at)
  if before == 'stale' then return reply(at, 'Stale') end
  if after == nil then return reply(at, 'Unknown', 'reset') end
  after.d = without(before.d, id)
  after.r = without(before.r, id)
  commit(KEYS[2], mr, after, at)
  return reply(at, 'ResetFinished', '', 0, {}, effects)
end)
