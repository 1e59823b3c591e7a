-- is_int(s): whether s is the decimal text of an integer (an optional minus sign, at most 16 characters, so
-- tonumber reads it exactly), as the runtime writes every integer field.
-- is_uint(s): is_int without the minus sign (counters, flags, times).
local function is_int(s)
  return type(s) == 'string' and string.match(s, '^%-?%d+$') ~= nil and #s <= 16
end

local function is_uint(s)
  return is_int(s) and string.sub(s, 1, 1) ~= '-'
end
