-- includes/syncCoordinator.lua: shared pieces of the SyncCoordinator scripts (included by every
-- syncCoordinator-<event>.lua; not a command by itself). Mirrors packages/core/src/sync-coordinator.ts: the
-- serial coordinator, whose per-MR FIFO Mailbox (packages/core/src/mailbox.ts with fifoPolicy) runs an MR's
-- syncs and resets one after another. The seed's racy routes (legacy TTL marker, entry check) are not here:
-- they live in scenarios/sync-vs-reset.
--
-- Layout of one coordinator (all keys share the hash tag {name}, so it lives in one cluster slot; the core's
-- mrCountMax bound and its sweep span every MR, so the MRs cannot be spread over slots):
--   <base>:config  hash  featureFlag "1", mode "serial" (constants: a coordinator stored by an earlier client in
--                        a racy mode is refused at open as a config mismatch), legacyTtlMs, mrCountMax,
--                        pendingPerMrMax; written once by config-init-2.lua
--   <base>:mrs     hash  mr -> JSON of the core's MrState plus the Mailbox work of the MR:
--                        {"d":[scheduledResets],"r":[runningResets],"u":"unapprovedUntilMs",
--                         "f":[kind,id] (in flight, absent = none), "q":[[kind,id],...] (pending orders, FIFO)}
--                        (entries written by earlier versions also hold "s":[] and "p":[], always empty in the
--                        serial mode: accepted when empty, dropped on the next write)
-- An MR without an entry in <base>:mrs has no state (the core's pruning deletes the field).
--
-- Every event script: KEYS[1] <base>:config  KEYS[2] <base>:mrs;  ARGV[1] mr  ARGV[2] sync or reset id
-- (ARGV[3] outcome "ok"|"failed" for FinishSync). Reply:
--   {atMs, tag, reason|what|"" , n, drained, effects}
--   tag: SyncStarted (n = running 0|1) | SyncFinished (drained = reset ids) | ResetQueued (n = running 0|1)
--        | Proceed | Deferred | ResetFinished | Rejected (reason "mr-limit"|"pending-full")
--        | Unknown (what "sync"|"reset") | NoConfig | Corrupt (the 3rd element is the problem)
--   effects: flat list of pairs (kind, id), kind "RunSync"|"RunReset"; all for ARGV[1].

--- @include "includes/now_ms"
--- @include "includes/fmt"
--- @include "includes/is_int"

-- The config as a table, or nil when the coordinator has none.
local function read_config(key)
  local v = redis.call('HMGET', key, 'mrCountMax', 'pendingPerMrMax', 'legacyTtlMs')
  if not v[1] then return nil end
  return {mrCountMax = tonumber(v[1]), pendingPerMrMax = tonumber(v[2]), ttl = tonumber(v[3])}
end

local function is_list_of_strings(t)
  if type(t) ~= 'table' then return false end
  local n = 0
  for k, v in pairs(t) do
    n = n + 1
    if type(k) ~= 'number' or type(v) ~= 'string' or v == '' then return false end
  end
  return n == #t
end

local function is_order(t)
  return type(t) == 'table' and #t == 2 and (t[1] == 'Sync' or t[1] == 'Reset') and type(t[2]) == 'string'
    and t[2] ~= ''
end

-- Decodes one stored entry. Returns entry, nil; or nil, problem when it is not what the scripts write.
local function decode_mr(mr, raw)
  local ok, e = pcall(cjson.decode, raw)
  if not ok or type(e) ~= 'table' then return nil, 'entry of MR ' .. mr .. ' is not a JSON object' end
  for _, name in ipairs({'d', 'r'}) do
    if not is_list_of_strings(e[name]) then
      return nil, 'entry of MR ' .. mr .. ': field ' .. name .. ' is not a list of ids'
    end
  end
  for _, name in ipairs({'s', 'p'}) do
    if e[name] ~= nil and not (is_list_of_strings(e[name]) and #e[name] == 0) then
      return nil, 'entry of MR ' .. mr .. ': field ' .. name .. ' is not an empty list (no racy mode here)'
    end
  end
  if not is_uint(e.u) then return nil, 'entry of MR ' .. mr .. ': field u is not an integer string' end
  if e.f ~= nil and not is_order(e.f) then return nil, 'entry of MR ' .. mr .. ': field f is not an order' end
  if e.q == nil then e.q = {} end
  if type(e.q) ~= 'table' then return nil, 'entry of MR ' .. mr .. ': field q is not a list of orders' end
  for _, o in ipairs(e.q) do
    if not is_order(o) then return nil, 'entry of MR ' .. mr .. ': field q is not a list of orders' end
  end
  e.u = tonumber(e.u)
  return e, nil
end

-- The entry of `mr`: entry, nil; nil, nil when absent; nil, problem when malformed.
local function read_mr(key, mr)
  local raw = redis.call('HGET', key, mr)
  if not raw then return nil, nil end
  return decode_mr(mr, raw)
end

local function empty_mr()
  return {d = {}, r = {}, u = 0, q = {}}
end

local function copy(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  return out
end

local function copy_mr(e)
  return {d = copy(e.d), r = copy(e.r), u = e.u, f = e.f, q = copy(e.q)}
end

local function contains(list, id)
  for _, v in ipairs(list) do if v == id then return true end end
  return false
end

local function without(list, id)
  local out = {}
  for _, v in ipairs(list) do if v ~= id then out[#out + 1] = v end end
  return out
end

local function is_in_flight(e, kind, id)
  return e ~= nil and e.f ~= nil and e.f[1] == kind and e.f[2] == id
end

-- The core's isPrunable: no reset, marker not live, no Mailbox work.
local function prunable(e, at)
  return #e.d == 0 and e.u <= at and e.f == nil and #e.q == 0
end

-- The core's markedUntil: max(u, at + legacyTtlMs).
local function marked(config, e, at)
  return math.max(e.u, at + config.ttl)
end

local function encode_list(list)
  if #list == 0 then return '[]' end
  return cjson.encode(list)
end

local function encode_mr(e)
  local parts = {'"d":' .. encode_list(e.d), '"r":' .. encode_list(e.r), '"u":"' .. fmt(e.u) .. '"'}
  if e.f ~= nil then parts[#parts + 1] = '"f":' .. cjson.encode(e.f) end
  if #e.q > 0 then parts[#parts + 1] = '"q":' .. cjson.encode(e.q) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- The core's admit: {entry = e, sweep = {mrs to delete}} or nil (mr-limit), or nil, problem (corrupt).
-- The sweep is applied only by commit(), so a step that ends unchanged leaves the swept entries in place.
local function admit(config, key, mr, at)
  local existing, bad = read_mr(key, mr)
  if bad then return nil, bad end
  if existing ~= nil then return {entry = existing, sweep = {}}, nil end
  local count = redis.call('HLEN', key)
  if count < config.mrCountMax then return {entry = empty_mr(), sweep = {}}, nil end
  local all = redis.call('HGETALL', key)
  local sweep = {}
  for i = 1, #all, 2 do
    local e, problem = decode_mr(all[i], all[i + 1])
    if problem then return nil, problem end
    if prunable(e, at) then sweep[#sweep + 1] = all[i] end
  end
  if #sweep == 0 then return nil, nil end
  return {entry = empty_mr(), sweep = sweep}, nil
end

-- The core's withMr after admit: applies the sweep, then stores `e` for `mr` or deletes it when prunable.
local function commit(key, mr, e, at, sweep)
  if sweep ~= nil and #sweep > 0 then redis.call('HDEL', key, unpack(sweep)) end
  if prunable(e, at) then
    redis.call('HDEL', key, mr)
  else
    redis.call('HSET', key, mr, encode_mr(e))
  end
end

local function reply(at, tag, s, n, drained, effects)
  return {at, tag, s or '', n or 0, drained or {}, effects or {}}
end

-- The serial Mailbox's Submit of order {kind, id} to `e` (an entry with room made by admit). Returns
-- 'duplicate', 'full', or 'ok', effects (a RunSync/RunReset pair when dispatched now).
local function submit(config, e, kind, id)
  if is_in_flight(e, kind, id) then return 'duplicate', nil end
  for _, o in ipairs(e.q) do
    if o[1] == kind and o[2] == id then return 'duplicate', nil end
  end
  if e.f == nil then
    -- An idle MR: a slot is always free (inFlightMax = keyCountMax = mrCountMax, MRs never wait).
    e.f = {kind, id}
    return 'ok', {'Run' .. kind, id}
  end
  if #e.q + 1 > config.pendingPerMrMax then return 'full', nil end
  e.q[#e.q + 1] = {kind, id}
  return 'ok', {}
end

-- The serial Mailbox's Complete of the in-flight order of `e`: dispatches the MR's next order, if any.
-- Returns the effects (one pair or none).
local function complete(e)
  e.f = nil
  if #e.q == 0 then return {} end
  local head = e.q[1]
  table.remove(e.q, 1)
  e.f = head
  return {'Run' .. head[1], head[2]}
end

-- Runs `body(config, at)` after reading the time and the config; body returns the reply.
local function run_event(body)
  local at = now_ms()
  local config = read_config(KEYS[1])
  if config == nil then return {at, 'NoConfig'} end
  local ok, out = pcall(body, config, at)
  if not ok then
    if type(out) == 'table' and out.corrupt then return {at, 'Corrupt', out.corrupt} end
    error(out)
  end
  return out
end

-- Reads `mr`'s entry, raising a corrupt error (caught by run_event) when malformed.
local function entry_of(mr)
  local e, bad = read_mr(KEYS[2], mr)
  if bad then error({corrupt = bad}) end
  return e
end

local function admit_or_raise(config, mr, at)
  local room, bad = admit(config, KEYS[2], mr, at)
  if bad then error({corrupt = bad}) end
  return room
end

-- StartSync and ScheduleReset: admits `mr` (reply Rejected "mr-limit"), submits the order {kind, id} (reply
-- Rejected "pending-full"); a new order gets `change(e)`, the marker and is committed. Returns the reply to
-- give instead, or nil, 'duplicate' | 'ok', running (0|1: the order is in flight), effects.
local function submit_order(config, mr, at, kind, id, change)
  local room = admit_or_raise(config, mr, at)
  if room == nil then return reply(at, 'Rejected', 'mr-limit') end
  local e = copy_mr(room.entry)
  local status, effects = submit(config, e, kind, id)
  if status == 'full' then return reply(at, 'Rejected', 'pending-full') end
  if status == 'duplicate' then
    local running = 0
    if is_in_flight(room.entry, kind, id) then running = 1 end
    return nil, status, running, {}
  end
  if change ~= nil then change(e) end
  e.u = marked(config, room.entry, at)
  commit(KEYS[2], mr, e, at, room.sweep)
  local running = 0
  if #effects > 0 then running = 1 end
  return nil, status, running, effects
end

-- FinishSync and FinishReset: the MR's entry, a copy of it with its order {kind, id} completed, and the
-- effects (the MR's next order dispatched, if any); nil when that order is not in flight (the caller answers
-- Unknown).
local function complete_order(mr, kind, id)
  local before = entry_of(mr)
  if before == nil or not is_in_flight(before, kind, id) then return nil end
  local after = copy_mr(before)
  return before, after, complete(after)
end
