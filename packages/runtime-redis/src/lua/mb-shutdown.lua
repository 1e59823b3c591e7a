-- mb-shutdown.lua: the core Mailbox's Shutdown.
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base
-- Returns {atMs, "ShutDown", {cancelled ids, pending order JSONs}, effects} | {atMs, "AlreadyShutDown", {}, {}}
--         | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local st = read_state()
  local r = shutdown(cfg, st)
  return { at, r[1], r[2], r[3] }
end)
