--[[
  lease-common: functions shared by the lease and fenced-resource scripts, prepended to each of them by the
  loader (redis-script.ts), so every transition stays one EVALSHA.

  lease_now()               the server time in ms (`TIME`), the `atMs` of the transition
  lease_int(v)              v as an integer when it is the decimal text of one (at most 16 characters), else nil
  lease_read(key, fields)   HMGET of `fields` from the hash at `key`: returns the values, or nil and a
                            {"CORRUPT", key, problem} reply when the key holds another type; `present` is true
                            when the hash exists (a missing hash is a lease or resource never used)
]]
local function lease_now()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end

local function lease_int(v)
  if type(v) ~= 'string' or not string.match(v, '^%-?%d+$') or #v > 16 then return nil end
  return tonumber(v)
end

local function lease_read(key, fields)
  -- pcall: a key of another type answers an error, reported as CORRUPT
  local f = redis.pcall('HMGET', key, unpack(fields))
  if f.err then
    return nil, {'CORRUPT', key, 'the key holds a ' .. redis.call('TYPE', key).ok .. ', expected a hash'}
  end
  local present = false
  for i = 1, #fields do
    if f[i] then present = true end
  end
  if not present then present = redis.call('EXISTS', key) == 1 end
  return f, nil, present
end

-- The lease hash: holder (absent when free), token, expiresAtMs. Returns holder (false when free), token,
-- expiresAtMs, or nil and a CORRUPT reply.
local function lease_state(key)
  local f, corrupt, present = lease_read(key, {'holder', 'token', 'expiresAtMs'})
  if corrupt then return nil, nil, nil, corrupt end
  if not present then return false, 0, 0, nil end
  local token = lease_int(f[2])
  local expiresAtMs = lease_int(f[3])
  if token == nil then return nil, nil, nil, {'CORRUPT', key, 'token is not an integer: ' .. tostring(f[2])} end
  if expiresAtMs == nil then
    return nil, nil, nil, {'CORRUPT', key, 'expiresAtMs is not an integer: ' .. tostring(f[3])}
  end
  if f[1] == '' then return nil, nil, nil, {'CORRUPT', key, 'holder is empty'} end
  return f[1], token, expiresAtMs, nil
end
