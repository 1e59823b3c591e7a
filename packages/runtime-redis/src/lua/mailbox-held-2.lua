-- mailbox-held: the orders this instance holds under a lease (taken by a mailbox-finish), so that an instance can
-- take back what a take handed it when the take's reply never arrived (a connection lost after the script ran
-- and the command resent: the first take's orders would otherwise sit under a lease with no handler until it
-- lapsed).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] instance
--
-- Reply: {atMs, {{id, key|false, orderJson, token, cancelled 0|1, expiresAtMs}, ...}} | {atMs, "NoConfig"}
--        | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

return mailbox_event(false, function(at)
  local held = {}
  local prefix = ARGV[2] .. '|'
  local pairs_ = redis.call('HGETALL', K.holder)
  for i = 1, #pairs_, 2 do
    local id, value = pairs_[i], pairs_[i + 1]
    if string.sub(value, 1, #prefix) == prefix then
      local token = tonumber(string.sub(value, #prefix + 1))
      if token == nil then corrupt(K.holder, 'holder of ' .. id .. ' is not instance|token: ' .. value) end
      local dk = redis.call('HGET', K.dkey, id)
      local expires_at_ms = tonumber(redis.call('ZSCORE', K.leases, id))
      if dk and expires_at_ms then
        local key, cancelled = flight_of(id, dk, false)
        held[#held + 1] = { id, key, order_json(id), token, cancelled, expires_at_ms }
      end
    end
  end
  return { at, held }
end)
