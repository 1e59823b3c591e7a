-- fmt(n): an integer (up to 2^53) as decimal text, never in exponent notation, for storing in a hash.
local function fmt(n)
  return string.format('%.0f', n)
end
