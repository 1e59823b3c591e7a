-- mailbox-take: an instance takes up to ARGV[3] dispatched orders, each under a lease with a fencing token.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] instance  ARGV[3] how many (integer >= 1)  ARGV[4] leaseTtlMs: positive integer, ms
--
-- Reply: {atMs, {{id, key|false, orderJson, token, cancelled 0|1, expiresAtMs}, ...}} | {atMs, "NoConfig"}
--        | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

return mailbox_event(false, function(at)
  local taken = {}
  local want = tonumber(ARGV[3])
  local expires_at_ms = at + tonumber(ARGV[4])
  while #taken < want do
    local id = redis.call('LPOP', K.dispatch)
    if not id then break end
    local dk = redis.call('HGET', K.dkey, id)
    if dk then
      local key, cancelled = flight_of(id, dk, true)
      local token = redis.call('INCR', K.token)
      redis.call('ZADD', K.leases, expires_at_ms, id)
      redis.call('HSET', K.holder, id, ARGV[2] .. '|' .. token)
      taken[#taken + 1] = { id, key, order_json(id), token, cancelled, expires_at_ms }
    end
  end
  return { at, taken }
end)
