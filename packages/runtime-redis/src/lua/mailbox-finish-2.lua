-- mailbox-finish: the core's Complete for an order an instance holds (fenced by its lease token), or the
-- Complete ("failed") of every order whose lease expired (ARGV[2] = "" : the reaper).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id ("" = reap expired leases)  ARGV[3] instance  ARGV[4] token  ARGV[5] outcome
--
-- Reply: {atMs, "Completed", {id, outcome, dispatched id|false}, effects} | {atMs, "Lost"}
--        | {atMs, "Reaped", {ids}, effects} | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

return mailbox_event(true, function(at, cfg, st)
  local function finish(id, outcome)
    local dk = redis.call('HGET', K.dkey, id)
    if not dk then return { 'NotInFlight', { id }, {} } end
    if dk == 'N' then return complete(cfg, st, false, '', id, outcome) end
    return complete(cfg, st, true, string.sub(dk, 3), id, outcome)
  end
  if ARGV[2] == '' then
    local ids = redis.call('ZRANGEBYSCORE', K.leases, '-inf', at, 'LIMIT', 0, 100)
    local effects = {}
    for _, id in ipairs(ids) do
      local r = finish(id, 'failed')
      for _, eff in ipairs(r[3]) do effects[#effects + 1] = eff end
    end
    return { at, 'Reaped', ids, effects }
  end
  if redis.call('HGET', K.holder, ARGV[2]) ~= ARGV[3] .. '|' .. ARGV[4] then return { at, 'Lost' } end
  local r = finish(ARGV[2], ARGV[5])
  return { at, r[1], r[2], r[3] }
end)
