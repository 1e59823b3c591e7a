-- mailbox-heartbeat: extends the lease of a taken order, and tells whether it was cancelled (the polling
-- fallback of the pub/sub Cancel).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id  ARGV[3] instance  ARGV[4] token  ARGV[5] leaseTtlMs: positive integer, ms
--
-- Reply: {atMs, "Ok", cancelled 0|1, expiresAtMs} | {atMs, "Lost"} (not held with this token: expired and
--        completed, or completed) | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

return mailbox_event(false, function(at)
  local id = ARGV[2]
  if redis.call('HGET', K.holder, id) ~= ARGV[3] .. '|' .. ARGV[4] then return { at, 'Lost' } end
  local expires_at_ms = at + tonumber(ARGV[5])
  redis.call('ZADD', K.leases, expires_at_ms, id)
  local dk = redis.call('HGET', K.dkey, id)
  local cancelled = 0
  if dk then
    local _, c = flight_of(id, dk, false)
    cancelled = c
  end
  return { at, 'Ok', cancelled, expires_at_ms }
end)
