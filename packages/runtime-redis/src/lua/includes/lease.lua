-- lease: functions shared by the lease and fenced-resource scripts (included once per script by the loader,
-- src/shared/redis-script.ts, so every transition stays one EVALSHA).
--
-- lease_int(v)              v as an integer when it is the decimal text of one (is_int), else nil
-- lease_read(key, fields)   HMGET of `fields` from the hash at `key`: returns the values, or nil and a
--                           {"CORRUPT", key, problem} reply when the key holds another type; `present` is true
--                           when the hash exists (a missing hash is a lease or resource never used)
-- lease_state(key)          the lease hash: holder (false when free), token, expiresAtMs, or nil and a CORRUPT reply
-- lease_owned(key, caller, callerToken)
--                           atMs and the lease hash, plus the reply to give instead when the caller's grant is not
--                           the current one ({"NotOwner", atMs, holder, token}) or the hash is corrupt
--- @include "includes/now_ms"
--- @include "includes/is_int"

local function lease_int(v)
  if not is_int(v) then return nil end
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

local function lease_state(key)
  -- One HMGET of the three fields (no field list built per call); pcall: a key of another type answers an
  -- error, reported as CORRUPT.
  local f = redis.pcall('HMGET', key, 'holder', 'token', 'expiresAtMs')
  if f.err then
    return nil, nil, nil, {'CORRUPT', key, 'the key holds a ' .. redis.call('TYPE', key).ok .. ', expected a hash'}
  end
  local holder, rawToken, rawExpiresAtMs = f[1], f[2], f[3]
  -- A missing hash is a lease never used; a hash without these fields is reported below (token missing).
  if not (holder or rawToken or rawExpiresAtMs) and redis.call('EXISTS', key) == 0 then return false, 0, 0, nil end
  local token = lease_int(rawToken)
  if token == nil then return nil, nil, nil, {'CORRUPT', key, 'token is not an integer: ' .. tostring(rawToken)} end
  local expiresAtMs = lease_int(rawExpiresAtMs)
  if expiresAtMs == nil then
    return nil, nil, nil, {'CORRUPT', key, 'expiresAtMs is not an integer: ' .. tostring(rawExpiresAtMs)}
  end
  if holder == '' then return nil, nil, nil, {'CORRUPT', key, 'holder is empty'} end
  return holder, token, expiresAtMs, nil
end

local function lease_owned(key, caller, callerToken)
  local atMs = now_ms()
  local holder, token, expiresAtMs, corrupt = lease_state(key)
  if corrupt then return atMs, nil, corrupt end
  if holder ~= caller or token ~= callerToken then
    return atMs, nil, {'NotOwner', atMs, holder, token}
  end
  return atMs, expiresAtMs, nil
end
