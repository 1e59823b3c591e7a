-- now_ms(): the server time in ms since the epoch (`TIME`), the `atMs` of every transition, so client clocks
-- play no part.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
