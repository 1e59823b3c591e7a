-- mb-heartbeat.lua: extends the lease of a taken order, and tells whether it was cancelled (the polling
-- fallback of the pub/sub Cancel).
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id  ARGV[3] instance  ARGV[4] token
-- Returns {atMs, "Ok", cancelled 0|1, leaseUntilMs} | {atMs, "Lost"} (not held with this token: expired and
--         completed, or completed) | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local id = ARGV[2]
  if redis.call('HGET', K.holder, id) ~= ARGV[3] .. '|' .. ARGV[4] then return { at, 'Lost' } end
  local until_ms = at + cfg.leaseTtlMs
  redis.call('ZADD', K.leases, until_ms, id)
  local dk = redis.call('HGET', K.dkey, id)
  local cancelled = 0
  if dk == 'N' then
    if redis.call('SISMEMBER', K.kcan, id) == 1 then cancelled = 1 end
  elseif dk then
    local e = get_entry(string.sub(dk, 3))
    if e ~= nil and e.f == id then cancelled = e.c end
  end
  return { at, 'Ok', cancelled, until_ms }
end)
