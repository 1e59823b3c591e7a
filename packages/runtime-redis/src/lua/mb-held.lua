-- mb-held.lua: the orders this instance holds under a lease (after an mb-take), so that an instance can take
-- back what a take handed it when the take's reply never arrived (a connection lost after the script ran and
-- the command resent: the first take's orders would otherwise sit under a lease with no handler until it lapsed).
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] instance
-- Returns {atMs, {{id, key|false, orderJson, token, cancelled 0|1, leaseUntilMs}, ...}} | {atMs, "NoConfig"}
--         | {"CORRUPT", key, problem}
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local held = {}
  local prefix = ARGV[2] .. '|'
  local pairs_ = redis.call('HGETALL', K.holder)
  for i = 1, #pairs_, 2 do
    local id, value = pairs_[i], pairs_[i + 1]
    if string.sub(value, 1, #prefix) == prefix then
      local token = tonumber(string.sub(value, #prefix + 1))
      if token == nil then corrupt(K.holder, 'holder of ' .. id .. ' is not instance|token: ' .. value) end
      local dk = redis.call('HGET', K.dkey, id)
      local until_ms = tonumber(redis.call('ZSCORE', K.leases, id))
      if dk and until_ms then
        local key, cancelled = false, 0
        if dk == 'N' then
          if redis.call('SISMEMBER', K.kcan, id) == 1 then cancelled = 1 end
        else
          key = string.sub(dk, 3)
          local e = get_entry(key)
          if e ~= nil and e.f == id then cancelled = e.c end
        end
        held[#held + 1] = { id, key, order_json(id), token, cancelled, until_ms }
      end
    end
  end
  return { at, held }
end)
