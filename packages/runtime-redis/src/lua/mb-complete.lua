-- mb-complete.lua: the core Mailbox's Complete (unfenced: the conformance tests and operators; instances use
-- mb-finish, which checks the lease token first).
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] "1" keyed | "0" key null  ARGV[3] key  ARGV[4] order id  ARGV[5] outcome
-- Returns {atMs, "Completed", {id, outcome, dispatched id|false}, effects} | {atMs, "NotInFlight", {id}, {}}
--         | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local st = read_state()
  local r = complete(cfg, st, ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5])
  return { at, r[1], r[2], r[3] }
end)
