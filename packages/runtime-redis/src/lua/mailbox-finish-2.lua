-- mailbox-finish: the core's Complete for an order an instance holds (fenced by its lease token), or the
-- Complete ("failed") of every order whose lease expired (ARGV[2] = "" : the reaper); then, in the same script,
-- takes up to ARGV[6] dispatched orders for the instance (the slot the finished order freed
-- goes to the next order, often the one this Complete dispatched, without another round trip or a wake-up).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id ("" = reap expired leases)  ARGV[3] instance  ARGV[4] token  ARGV[5] outcome
-- ARGV[6] how many to take (integer >= 0; absent = 0)  ARGV[7] leaseTtlMs of taken orders (positive integer, ms)
--
-- Reply: {atMs, "Completed", {id, outcome, dispatched id|false}, effects, taken}
--        | {atMs, "NotInFlight", {id}, {}, taken} | {atMs, "Lost", {}, {}, taken}
--        | {atMs, "Reaped", {ids}, effects, taken} | {atMs, "NoConfig"} | {"CORRUPT", key, problem};
--        taken = {{id, key|false, orderJson, token, cancelled 0|1, expiresAtMs}, ...} (each under a lease with a fresh fencing token)
--- @include "includes/mailbox"

return mailbox_event(true, function(at, cfg, st)
  local function finish(id, outcome)
    local dk = redis.call('HGET', K.dkey, id)
    if not dk then return { 'NotInFlight', { id }, {} } end
    if dk == 'N' then return complete(cfg, st, false, '', id, outcome) end
    return complete(cfg, st, true, string.sub(dk, 3), id, outcome)
  end
  local want = tonumber(ARGV[6] or '0')
  local function taking(r)
    if want > 0 then r[5] = take(ARGV[3], want, at + tonumber(ARGV[7])) else r[5] = {} end
    return r
  end
  if ARGV[2] == '' then
    local ids = redis.call('ZRANGEBYSCORE', K.leases, '-inf', at, 'LIMIT', 0, 100)
    local effects = {}
    for _, id in ipairs(ids) do
      local r = finish(id, 'failed')
      for _, eff in ipairs(r[3]) do effects[#effects + 1] = eff end
    end
    return taking({ at, 'Reaped', ids, effects })
  end
  if redis.call('HGET', K.holder, ARGV[2]) ~= ARGV[3] .. '|' .. ARGV[4] then return taking({ at, 'Lost', {}, {} }) end
  local r = finish(ARGV[2], ARGV[5])
  return taking({ at, r[1], r[2], r[3] })
end)
