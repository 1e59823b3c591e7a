-- mb-take.lua: an instance takes up to ARGV[3] dispatched orders, each under a lease with a fencing token.
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] instance  ARGV[3] how many (integer >= 1)
-- Returns {atMs, {{id, key|false, orderJson, token, cancelled 0|1, leaseUntilMs}, ...}} | {atMs, "NoConfig"}
--         | {"CORRUPT", key, problem}
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local taken = {}
  local want = tonumber(ARGV[3])
  while #taken < want do
    local id = redis.call('LPOP', K.dispatch)
    if not id then break end
    local dk = redis.call('HGET', K.dkey, id)
    if dk then
      local key, cancelled = false, 0
      if dk == 'N' then
        if redis.call('SISMEMBER', K.kcan, id) == 1 then cancelled = 1 end
      else
        key = string.sub(dk, 3)
        local e = get_entry(key)
        if e == nil or e.f ~= id then corrupt(K.dkey, 'in-flight order ' .. id .. ' is not in flight under its key') end
        cancelled = e.c
      end
      local token = redis.call('INCR', K.token)
      local until_ms = at + cfg.leaseTtlMs
      redis.call('ZADD', K.leases, until_ms, id)
      redis.call('HSET', K.holder, id, ARGV[2] .. '|' .. token)
      taken[#taken + 1] = { id, key, order_json(id), token, cancelled, until_ms }
    end
  end
  return { at, taken }
end)
