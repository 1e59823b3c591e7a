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
--                        pendingPerMrMax, leaseTtlMs; written once by config-init-2.lua (a config stored before
--                        leases lacks leaseTtlMs: open adds it, see syncCoordinator-upgrade-1.lua)
--   <base>:mrs     hash  mr -> JSON of the core's MrState plus the Mailbox work of the MR:
--                        {"d":[scheduledResets],"r":[runningResets],"u":"unapprovedUntilMs",
--                         "f":[kind,id] (in flight, absent = none), "q":[[kind,id],...] (pending orders, FIFO),
--                         "t":"token","x":"expiresAtMs" (the lease of the order in flight; absent = none)}
--                        (entries written by earlier versions also hold "s":[] and "p":[], always empty in the
--                        serial mode: accepted when empty, dropped on the next write; and may hold an order in
--                        flight without a lease: it gets one, with no effect, at the MR's next event)
--   <base>:fence   string the core's lastToken: the last fencing token granted (absent = 0); never decreases,
--                        also when MR entries are pruned
-- An MR without an entry in <base>:mrs has no state (the core's pruning deletes the field).
--
-- Every event script: KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence;  ARGV[1] mr, then the
-- event's fields (see each script). Before the event applies, the MR's order in flight is reclaimed when its
-- lease expired (atMs >= expiresAtMs; the core's reclaimExpired), and its effects come first in the reply.
-- Reply:
--   {atMs, tag, reason|what|"" , n, drained, effects, reclaimed}
--   tag: SyncStarted (n = running 0|1) | SyncFinished (drained = reset ids) | ResetQueued (n = running 0|1)
--        | Proceed | Deferred | ResetFinished | Rejected (reason "mr-limit"|"pending-full")
--        | Unknown (what "sync"|"reset") | Renewed (n = expiresAtMs) | Stale
--        | Expired (reclaimed = {kind, id, token} or {}) | NoConfig | Corrupt (the 3rd element is the problem)
--        | or {"CORRUPT", key, problem} for a malformed config field or fence counter
--   effects: flat list of quadruples (kind, id, token, expiresAtMs), kind "RunSync"|"RunReset"; all for ARGV[1].

--- @include "includes/now_ms"
--- @include "includes/fmt"
--- @include "includes/is_int"

-- Raises a corrupt error (caught by run_event) about `key`.
local function corrupt(key, problem)
  error({corrupt = problem, key = key})
end

-- The config as a table, or nil when the coordinator has none.
local function read_config(key)
  local v = redis.call('HMGET', key, 'mrCountMax', 'pendingPerMrMax', 'legacyTtlMs', 'leaseTtlMs')
  if not v[1] then return nil end
  if not is_uint(v[4]) or tonumber(v[4]) < 1 then
    corrupt(key, 'config field leaseTtlMs is absent or not a positive integer (open the coordinator to upgrade it)')
  end
  return {mrCountMax = tonumber(v[1]), pendingPerMrMax = tonumber(v[2]), ttl = tonumber(v[3]),
    leaseTtl = tonumber(v[4])}
end

-- The fence counter (the core's lastToken), read once per script by run_event; grant() advances it.
local fence = {n = 0}

local function read_fence(key)
  local raw = redis.call('GET', key)
  if not raw then return 0 end
  if not is_uint(raw) then corrupt(key, 'fence counter is not an integer string') end
  return tonumber(raw)
end

-- A fresh lease at `at`: the next fencing token (stored at once) and its expiry.
local function grant(config, at)
  fence.n = fence.n + 1
  redis.call('SET', KEYS[3], fmt(fence.n))
  return fence.n, at + config.leaseTtl
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

-- Decodes the lease fields t, x of entry `e` in place. Returns nil, or the problem.
local function decode_lease(e)
  if e.t == nil and e.x == nil then return nil end
  if not is_uint(e.t) or tonumber(e.t) < 1 then return 'field t (lease token) is not a positive integer string' end
  if not is_uint(e.x) then return 'field x (lease expiry) is not an integer string' end
  if e.f == nil then return 'a lease (fields t, x) with no order in flight' end
  e.t = tonumber(e.t)
  e.x = tonumber(e.x)
  return nil
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
  local bad = decode_lease(e)
  if bad then return nil, 'entry of MR ' .. mr .. ': ' .. bad end
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
  return {d = copy(e.d), r = copy(e.r), u = e.u, f = e.f, q = copy(e.q), t = e.t, x = e.x}
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

-- The core's holds: whether `token` is the lease of `e`'s order kind/id in flight; a nil token always matches.
local function holds(e, kind, id, token)
  return token == nil or (is_in_flight(e, kind, id) and e.t == token)
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
  if e.t ~= nil then parts[#parts + 1] = '"t":"' .. fmt(e.t) .. '","x":"' .. fmt(e.x) .. '"' end
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

local function reply(at, tag, s, n, drained, effects, reclaimed)
  return {at, tag, s or '', n or 0, drained or {}, effects or {}, reclaimed or {}}
end

-- Dispatches the order {kind, id} of `e` under a fresh lease; returns its effect (a quadruple).
local function dispatch(config, e, kind, id, at)
  e.f = {kind, id}
  e.t, e.x = grant(config, at)
  return {'Run' .. kind, id, e.t, e.x}
end

-- The serial Mailbox's Submit of order {kind, id} to `e` (an entry with room made by admit). Returns
-- 'duplicate', 'full', or 'ok', effects (a RunSync/RunReset quadruple when dispatched now).
local function submit(config, e, kind, id, at)
  if is_in_flight(e, kind, id) then return 'duplicate', nil end
  for _, o in ipairs(e.q) do
    if o[1] == kind and o[2] == id then return 'duplicate', nil end
  end
  if e.f == nil then
    -- An idle MR: a slot is always free (inFlightMax = keyCountMax = mrCountMax, MRs never wait).
    return 'ok', dispatch(config, e, kind, id, at)
  end
  if #e.q + 1 > config.pendingPerMrMax then return 'full', nil end
  e.q[#e.q + 1] = {kind, id}
  return 'ok', {}
end

-- The serial Mailbox's Complete of the in-flight order of `e` (its lease ends): dispatches the MR's next
-- order, if any, under a fresh lease. Returns the effects (one quadruple or none).
local function complete(config, e, at)
  e.f, e.t, e.x = nil, nil, nil
  if #e.q == 0 then return {} end
  local head = e.q[1]
  table.remove(e.q, 1)
  return dispatch(config, e, head[1], head[2], at)
end

-- Reads `mr`'s entry, raising a corrupt error (caught by run_event) when malformed or when its lease token
-- was never granted (above the fence counter).
local function entry_of(mr)
  local e, bad = read_mr(KEYS[2], mr)
  if bad then corrupt(KEYS[2], bad) end
  if e ~= nil and e.t ~= nil and e.t > fence.n then
    corrupt(KEYS[2], 'entry of MR ' .. mr .. ': lease token ' .. fmt(e.t) .. ' above the fence counter ' .. fmt(fence.n))
  end
  return e
end

-- The core's reclaimExpired for `mr` at `at`, applied in place: an expired Sync is completed as failed and
-- the MR's next order dispatched; an expired Reset stays in flight, stops running and is dispatched again
-- under a fresh lease. Returns the effects and the reclaimed order {kind, id, token} (nil when none).
-- First, an order in flight stored by a version without leases gets one (no effect: its holder runs it).
local function reclaim(config, mr, at)
  local e = entry_of(mr)
  if e == nil or e.f == nil then return {}, nil end
  if e.t == nil then
    e.t, e.x = grant(config, at)
    redis.call('HSET', KEYS[2], mr, encode_mr(e))
  end
  if at < e.x then return {}, nil end
  local kind, id = e.f[1], e.f[2]
  local reclaimed = {kind, id, e.t}
  local after = copy_mr(e)
  if kind == 'Sync' then
    local effects = complete(config, after, at)
    commit(KEYS[2], mr, after, at)
    return effects, reclaimed
  end
  after.r = without(after.r, id)
  local effect = dispatch(config, after, 'Reset', id, at)
  redis.call('HSET', KEYS[2], mr, encode_mr(after))
  return effect, reclaimed
end

-- An optional fencing token argument: nil for "" (not fenced), else the integer.
local function token_arg(raw)
  if raw == nil or raw == '' then return nil end
  if not is_int(raw) then error('token must be an integer, got ' .. raw) end
  return tonumber(raw)
end

-- Runs an event of MR ARGV[1]: reads the time, the config and the fence counter, reclaims the MR's expired
-- order, then `body(config, at, reclaimed)`, which returns the reply; the reclaim's effects come first.
local function run_event(body)
  local at = now_ms()
  local ok, out = pcall(function()
    local config = read_config(KEYS[1])
    if config == nil then return {at, 'NoConfig'} end
    fence.n = read_fence(KEYS[3])
    local pre, reclaimed = reclaim(config, ARGV[1], at)
    local r = body(config, at, reclaimed)
    if #pre > 0 then
      local effects = copy(pre)
      for _, v in ipairs(r[6]) do effects[#effects + 1] = v end
      r[6] = effects
    end
    return r
  end)
  if not ok then
    if type(out) == 'table' and out.corrupt then
      if out.key == KEYS[2] then return {at, 'Corrupt', out.corrupt} end
      return {'CORRUPT', out.key, out.corrupt}
    end
    error(out)
  end
  return out
end

local function admit_or_raise(config, mr, at)
  local room, bad = admit(config, KEYS[2], mr, at)
  if bad then corrupt(KEYS[2], bad) end
  return room
end

-- StartSync and ScheduleReset: admits `mr` (reply Rejected "mr-limit"), submits the order {kind, id} (reply
-- Rejected "pending-full"); a new order gets `change(e)`, the marker and is committed. Returns the reply to
-- give instead, or nil, 'duplicate' | 'ok', running (0|1: the order is in flight), effects.
local function submit_order(config, mr, at, kind, id, change)
  local room = admit_or_raise(config, mr, at)
  if room == nil then return reply(at, 'Rejected', 'mr-limit') end
  local e = copy_mr(room.entry)
  local status, effects = submit(config, e, kind, id, at)
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

-- FinishSync and FinishReset: 'stale' when `token` is not the lease of the order {kind, id} in flight; nil
-- when that order is not in flight (the caller answers Unknown); else the MR's entry, a copy of it with the
-- order completed, and the effects (the MR's next order dispatched under a fresh lease, if any).
local function complete_order(config, mr, kind, id, token, at)
  local before = entry_of(mr)
  if not holds(before, kind, id, token) then return 'stale' end
  if before == nil or not is_in_flight(before, kind, id) then return nil end
  local after = copy_mr(before)
  return before, after, complete(config, after, at)
end
