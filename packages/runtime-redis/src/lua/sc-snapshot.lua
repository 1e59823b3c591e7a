-- sc-snapshot.lua: the whole coordinator read at once (atomic with every other script), for snapshot().
-- KEYS[1] <base>:mrs
-- Returns {atMs, mrs (flat mr/JSON list, as stored)}
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {at, redis.call('HGETALL', KEYS[1])}
