-- includes/mailbox.lua: shared pieces of the keyed-mailbox scripts (included by every mailbox-*.lua; not a
-- command by itself). Mirrors packages/core/src/mailbox.ts transition by transition.
--
-- ARGV[1] of every script is <base> = <prefix>:{<name>}:mb. Layout (one hash tag, so one cluster slot):
--   <base>:config    hash  inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax (integers), policy
--                          (the normalised core Policy as JSON), leaseTtlMs; written once by config-init-2.lua (the scripts take the
--                          lease TTL per call, ARGV leaseTtlMs; the stored one is checked equal at open)
--   <base>:state     hash  n inFlightCount, sd shuttingDown 0|1, wk bypass orders waiting in ready, seq counter
--   <base>:orders    hash  order id -> the order as JSON (written by the client; never re-encoded here), for
--                          every live order (in flight or pending, keyed or bypass)
--   <base>:kinds     hash  order id -> kind, for every live order
--   <base>:entries   hash  key -> JSON {f: in-flight id (absent = none), c: cancelled 0|1, b: cancelledBy
--                          (absent = null)}; a key without work has no field
--   <base>:pending:<key> list  the key's pending ids, FIFO (absent when none), so that a transition costs O(1)
--                          and not O(pending). Format 1 (before issue 22) kept them in the entry as p: [ids];
--                          get_entry moves such a `p` into the list on first touch (README.md, KeyedMailbox:
--                          "Stored format").
--   <base>:keyorder  zset  keys with work, score = insertion sequence (the core's `keys` order)
--   <base>:keyless   zset  in-flight bypass order ids, score = insertion sequence (the core's `keyless` order)
--   <base>:kcan      set   in-flight bypass order ids that were cancelled (by Shutdown)
--   <base>:ready     list  the core's `ready`: "K:" .. key or "O:" .. bypass order id
--   runtime bookkeeping (not core state): <base>:dispatch list of dispatched order ids not yet taken by an
--   instance; <base>:dkey hash id -> "K:" .. key | "N" (the Dispatch key) for every in-flight order;
--   <base>:leases zset id -> the lease's expiresAtMs; <base>:holder hash id -> instance .. "|" .. token;
--   <base>:token string fencing-token counter; channels <base>:cancel (order id) and <base>:wake ("1", once at the
--   end of a script that dispatched and left orders in the dispatch list).
-- Replies put a Lua false where the core has null. A malformed value gives {"CORRUPT", key, problem}.

local B = ARGV[1]
local K = {
  config = B .. ':config', state = B .. ':state', orders = B .. ':orders', kinds = B .. ':kinds',
  entries = B .. ':entries', keyorder = B .. ':keyorder', keyless = B .. ':keyless', kcan = B .. ':kcan',
  ready = B .. ':ready', dispatch = B .. ':dispatch', dkey = B .. ':dkey', leases = B .. ':leases',
  holder = B .. ':holder', token = B .. ':token', cancel = B .. ':cancel', wake = B .. ':wake',
}

-- The list of `key`'s pending ids.
local function plist(key)
  return B .. ':pending:' .. key
end

-- Set by dispatch(): the event script publishes one wake-up at its end when orders are left in the dispatch
-- list (an order this script also took needs none).
local woke = false

--- @include "includes/now_ms"
--- @include "includes/fmt"
--- @include "includes/is_int"

local function corrupt(key, problem)
  error({ corrupt = true, key = key, problem = problem })
end

-- Runs f; turns a corrupt() into the CORRUPT reply.
local function guarded(f)
  local ok, res = pcall(f)
  if ok then return res end
  if type(res) == 'table' and res.corrupt then return { 'CORRUPT', res.key, res.problem } end
  error(res)
end

local function read_config()
  local v = redis.call('HMGET', K.config, 'inFlightMax', 'pendingPerKeyMax', 'keylessPendingMax', 'keyCountMax',
    'policy')
  if not v[1] then return nil end
  for i = 1, 4 do
    if not is_uint(v[i]) then corrupt(K.config, 'a bound is not an integer: ' .. tostring(v[i])) end
  end
  local ok, p = pcall(cjson.decode, v[5] or '')
  if not ok or type(p) ~= 'table' or type(p.kinds) ~= 'table' or type(p.matrix) ~= 'table'
    or type(p.neverCancel) ~= 'table' then
    corrupt(K.config, 'policy is not a policy JSON object')
  end
  local kinds, never = {}, {}
  for _, k in ipairs(p.kinds) do kinds[k] = true end
  for _, k in ipairs(p.neverCancel) do never[k] = true end
  return {
    inFlightMax = tonumber(v[1]), pendingPerKeyMax = tonumber(v[2]), keylessPendingMax = tonumber(v[3]),
    keyCountMax = tonumber(v[4]), kinds = kinds, never = never, matrix = p.matrix,
  }
end

local function cell(cfg, row, col)
  local r = cfg.matrix[row]
  local c = type(r) == 'table' and r[col] or nil
  if type(c) ~= 'table' or (c.inFlight ~= 'keep' and c.inFlight ~= 'cancel')
    or (c.incoming ~= 'queue' and c.incoming ~= 'coalesce' and c.incoming ~= 'drop') then
    corrupt(K.config, 'policy has no valid cell ' .. tostring(row) .. ' x ' .. tostring(col))
  end
  return c
end

local function read_state()
  local v = redis.call('HMGET', K.state, 'n', 'sd', 'wk', 'seq')
  for i = 1, 4 do
    if not is_uint(v[i]) then corrupt(K.state, 'field ' .. ({ 'n', 'sd', 'wk', 'seq' })[i] .. ' is not an integer: ' .. tostring(v[i])) end
  end
  return { n = tonumber(v[1]), sd = tonumber(v[2]), wk = tonumber(v[3]), seq = tonumber(v[4]) }
end

local function write_state(st)
  redis.call('HSET', K.state, 'n', fmt(st.n), 'sd', fmt(st.sd), 'wk', fmt(st.wk), 'seq', fmt(st.seq))
end

local function next_seq(st)
  st.seq = st.seq + 1
  return st.seq
end

local function encode_entry(e)
  return cjson.encode({ f = e.f, c = e.c, b = e.b })
end

-- The entry {f, c, b} of `key` (nil when the key has no work). A format-1 entry (pending ids in `p`) is
-- rewritten here: its ids move to the key's pending list (corrupt when that list is not empty).
local function get_entry(key)
  local raw = redis.call('HGET', K.entries, key)
  if not raw then return nil end
  local ok, e = pcall(cjson.decode, raw)
  if not ok or type(e) ~= 'table' or (e.p ~= nil and type(e.p) ~= 'table') or (e.f ~= nil and type(e.f) ~= 'string')
    or (e.c ~= 0 and e.c ~= 1) or (e.b ~= nil and type(e.b) ~= 'string') then
    corrupt(K.entries, 'entry of key ' .. key .. ' is malformed: ' .. string.sub(raw, 1, 80))
  end
  if e.p ~= nil then
    for _, id in ipairs(e.p) do
      if type(id) ~= 'string' then corrupt(K.entries, 'entry of key ' .. key .. ' has a non-string pending id') end
    end
    if redis.call('LLEN', plist(key)) > 0 then
      corrupt(K.entries, 'entry of key ' .. key .. ' has format-1 pending ids and a pending list')
    end
    for _, id in ipairs(e.p) do redis.call('RPUSH', plist(key), id) end
    e.p = nil
    redis.call('HSET', K.entries, key, encode_entry(e))
  end
  return e
end

local function pending_len(key)
  return redis.call('LLEN', plist(key))
end

-- Stores the entry of `key` (deleting it when it has no work: not in flight, no pending ids in its list),
-- keeping `keys` insertion order.
local function put_entry(st, key, e)
  if e.f == nil and pending_len(key) == 0 then
    redis.call('HDEL', K.entries, key)
    redis.call('ZREM', K.keyorder, key)
    return
  end
  redis.call('HSET', K.entries, key, encode_entry(e))
  if not redis.call('ZSCORE', K.keyorder, key) then redis.call('ZADD', K.keyorder, next_seq(st), key) end
end

local function order_json(id)
  local raw = redis.call('HGET', K.orders, id)
  if not raw then corrupt(K.orders, 'live order ' .. id .. ' has no stored order') end
  return raw
end

local function order_kind(id)
  local kind = redis.call('HGET', K.kinds, id)
  if not kind then corrupt(K.kinds, 'live order ' .. id .. ' has no stored kind') end
  return kind
end

local function store_order(id, kind, json)
  redis.call('HSET', K.orders, id, json)
  redis.call('HSET', K.kinds, id, kind)
end

local function drop_order(id)
  redis.call('HDEL', K.orders, id)
  redis.call('HDEL', K.kinds, id)
end

-- A Dispatch effect for order `id` under `key` (false for a bypass order); queues it for the instances.
local function dispatch(id, key)
  redis.call('RPUSH', K.dispatch, id)
  redis.call('HSET', K.dkey, id, key and ('K:' .. key) or 'N')
  woke = true
  return { 'Dispatch', key, order_json(id), id }
end

local function cancel_effect(key, id, reason, by)
  redis.call('PUBLISH', K.cancel, id)
  return { 'Cancel', key, id, reason, by }
end

local function can_dispatch_now(cfg, st)
  return st.n < cfg.inFlightMax and redis.call('LLEN', K.ready) == 0
end

-- Submit (core `submit`): returns {tag, fields, effects}.
local function submit(cfg, st, id, keyed, key, kind, json)
  if st.sd == 1 then return { 'Rejected', { id, 'shutting-down' }, {} } end
  if redis.call('HEXISTS', K.orders, id) == 1 then return { 'Duplicate', { id }, {} } end
  if not keyed or not cfg.kinds[kind] then
    if can_dispatch_now(cfg, st) then
      store_order(id, kind, json)
      redis.call('ZADD', K.keyless, next_seq(st), id)
      st.n = st.n + 1
      write_state(st)
      return { 'Accepted', { id, 1, {}, false }, { dispatch(id, false) } }
    end
    if st.wk >= cfg.keylessPendingMax then return { 'Rejected', { id, 'pending-full' }, {} } end
    store_order(id, kind, json)
    redis.call('RPUSH', K.ready, 'O:' .. id)
    st.wk = st.wk + 1
    write_state(st)
    return { 'Accepted', { id, 0, {}, false }, {} }
  end
  local e = get_entry(key)
  if e == nil then
    if redis.call('ZCARD', K.keyorder) >= cfg.keyCountMax then return { 'Rejected', { id, 'key-limit' }, {} } end
    store_order(id, kind, json)
    if can_dispatch_now(cfg, st) then
      put_entry(st, key, { f = id, c = 0 })
      st.n = st.n + 1
      write_state(st)
      return { 'Accepted', { id, 1, {}, false }, { dispatch(id, key) } }
    end
    redis.call('RPUSH', plist(key), id)
    put_entry(st, key, { c = 0 })
    redis.call('RPUSH', K.ready, 'K:' .. key)
    write_state(st)
    return { 'Accepted', { id, 0, {}, false }, {} }
  end
  local c
  local in_kind
  local npending = pending_len(key)
  if e.f ~= nil then
    in_kind = order_kind(e.f)
    c = cell(cfg, in_kind, kind)
    if c.incoming == 'drop' and npending == 0 then return { 'Dropped', { id, e.f }, {} } end
  else
    c = cell(cfg, kind, kind)
  end
  -- Only a coalescing cell reads the pending ids (O(pending)); queueing costs O(1).
  local superseded = {}
  if c.incoming == 'coalesce' and npending > 0 then
    for _, pid in ipairs(redis.call('LRANGE', plist(key), 0, -1)) do
      if order_kind(pid) == kind then superseded[#superseded + 1] = pid end
    end
  end
  if npending - #superseded + 1 > cfg.pendingPerKeyMax then return { 'Rejected', { id, 'pending-full' }, {} } end
  for _, pid in ipairs(superseded) do
    redis.call('LREM', plist(key), 1, pid)
    drop_order(pid)
  end
  store_order(id, kind, json)
  redis.call('RPUSH', plist(key), id)
  local effects = {}
  local cancelled = false
  if e.f ~= nil and c.inFlight == 'cancel' and e.c == 0 and not cfg.never[in_kind] then
    e.c = 1
    e.b = id
    cancelled = e.f
    effects[1] = cancel_effect(key, e.f, 'superseded', id)
  end
  put_entry(st, key, e)
  write_state(st)
  return { 'Accepted', { id, 0, superseded, cancelled }, effects }
end

-- Dispatches the head of ready into a free slot (core `dispatchHead`); returns the Dispatch effects.
local function dispatch_head(cfg, st)
  if st.sd == 1 or st.n >= cfg.inFlightMax then return {} end
  local head = redis.call('LPOP', K.ready)
  if not head then return {} end
  st.n = st.n + 1
  local tag, rest = string.sub(head, 1, 2), string.sub(head, 3)
  if tag == 'O:' then
    st.wk = st.wk - 1
    redis.call('ZADD', K.keyless, next_seq(st), rest)
    return { dispatch(rest, false) }
  end
  if tag ~= 'K:' then corrupt(K.ready, 'entry is neither K: nor O:: ' .. string.sub(head, 1, 80)) end
  local e = get_entry(rest)
  local id = e ~= nil and e.f == nil and redis.call('LPOP', plist(rest))
  if not id then
    corrupt(K.ready, 'ready key ' .. rest .. ' has no pending orders or has one in flight')
  end
  e.f = id
  e.c = 0
  e.b = nil
  put_entry(st, rest, e)
  return { dispatch(id, rest) }
end

-- Forgets the runtime bookkeeping of an in-flight order that left the mailbox.
local function forget_flight(id)
  redis.call('HDEL', K.dkey, id)
  redis.call('ZREM', K.leases, id)
  redis.call('HDEL', K.holder, id)
  redis.call('LREM', K.dispatch, 0, id)
end

-- Complete (core `complete`): returns {tag, fields, effects}.
local function complete(cfg, st, keyed, key, id, outcome)
  if not keyed then
    if not redis.call('ZSCORE', K.keyless, id) then return { 'NotInFlight', { id }, {} } end
    redis.call('ZREM', K.keyless, id)
    redis.call('SREM', K.kcan, id)
  else
    local e = get_entry(key)
    if e == nil or e.f ~= id then return { 'NotInFlight', { id }, {} } end
    e.f = nil
    e.c = 0
    e.b = nil
    put_entry(st, key, e)
    if pending_len(key) > 0 then redis.call('RPUSH', K.ready, 'K:' .. key) end
  end
  drop_order(id)
  forget_flight(id)
  st.n = st.n - 1
  local effects = dispatch_head(cfg, st)
  write_state(st)
  local dispatched = false
  if effects[1] then dispatched = effects[1][4] end
  return { 'Completed', { id, outcome, dispatched }, effects }
end

-- JavaScript's own-key order: canonical array indices first (numeric), then insertion order.
local function js_order(members)
  local idx, rest = {}, {}
  for _, m in ipairs(members) do
    if (m == '0' or string.match(m, '^[1-9]%d*$')) and #m <= 10 and tonumber(m) < 4294967295 then
      idx[#idx + 1] = m
    else
      rest[#rest + 1] = m
    end
  end
  table.sort(idx, function(a, b) return tonumber(a) < tonumber(b) end)
  for _, m in ipairs(rest) do idx[#idx + 1] = m end
  return idx
end

-- Shutdown (core `shutdown`): returns {tag, fields, effects}.
local function shutdown(cfg, st)
  if st.sd == 1 then return { 'AlreadyShutDown', {}, {} } end
  local cancelled, pending, effects = {}, {}, {}
  for _, key in ipairs(js_order(redis.call('ZRANGE', K.keyorder, 0, -1))) do
    local e = get_entry(key)
    if e == nil then corrupt(K.keyorder, 'key ' .. key .. ' has no entry') end
    for _, pid in ipairs(redis.call('LRANGE', plist(key), 0, -1)) do
      pending[#pending + 1] = order_json(pid)
      drop_order(pid)
    end
    redis.call('DEL', plist(key))
    if e.f ~= nil then
      cancelled[#cancelled + 1] = e.f
      if e.c == 0 then
        effects[#effects + 1] = cancel_effect(key, e.f, 'shutdown', false)
        e.c = 1
      end
    end
    put_entry(st, key, e)
  end
  for _, id in ipairs(js_order(redis.call('ZRANGE', K.keyless, 0, -1))) do
    cancelled[#cancelled + 1] = id
    if redis.call('SISMEMBER', K.kcan, id) == 0 then
      effects[#effects + 1] = cancel_effect(false, id, 'shutdown', false)
      redis.call('SADD', K.kcan, id)
    end
  end
  for _, entry in ipairs(redis.call('LRANGE', K.ready, 0, -1)) do
    if string.sub(entry, 1, 2) == 'O:' then
      local id = string.sub(entry, 3)
      pending[#pending + 1] = order_json(id)
      drop_order(id)
    end
  end
  redis.call('DEL', K.ready)
  st.wk = 0
  st.sd = 1
  write_state(st)
  return { 'ShutDown', { cancelled, pending }, effects }
end

-- Every event script: the server time, then `body(cfg, st)` guarded (a corrupt() becomes the CORRUPT reply)
-- after reading the config (the reply {atMs, "NoConfig"} without one) and, when `with_state`, the state hash.
local function mailbox_event(with_state, body)
  local at = now_ms()
  return guarded(function()
    local cfg = read_config()
    if cfg == nil then return { at, 'NoConfig' } end
    local st = nil
    if with_state then st = read_state() end
    local reply = body(at, cfg, st)
    if woke and redis.call('LLEN', K.dispatch) > 0 then redis.call('PUBLISH', K.wake, '1') end
    return reply
  end)
end

-- The key (false for a bypass order) and the cancelled flag (0|1) of in-flight order `id` whose Dispatch key
-- is `dk` ("N" or "K:" .. key). `strict`: an order not in flight under its key is corrupt (else not cancelled).
local function flight_of(id, dk, strict)
  if dk == 'N' then
    if redis.call('SISMEMBER', K.kcan, id) == 1 then return false, 1 end
    return false, 0
  end
  local key = string.sub(dk, 3)
  local e = get_entry(key)
  if e ~= nil and e.f == id then return key, e.c end
  if strict then corrupt(K.dkey, 'in-flight order ' .. id .. ' is not in flight under its key') end
  return key, 0
end

-- Takes up to `want` dispatched orders for `instance`, each under a lease expiring at `expires_at_ms` with a
-- fresh fencing token: {{id, key|false, orderJson, token, cancelled 0|1, expiresAtMs}, ...}.
local function take(instance, want, expires_at_ms)
  local taken = {}
  while #taken < want do
    local id = redis.call('LPOP', K.dispatch)
    if not id then break end
    local dk = redis.call('HGET', K.dkey, id)
    if dk then
      local key, cancelled = flight_of(id, dk, true)
      local token = redis.call('INCR', K.token)
      redis.call('ZADD', K.leases, expires_at_ms, id)
      redis.call('HSET', K.holder, id, instance .. '|' .. token)
      taken[#taken + 1] = { id, key, order_json(id), token, cancelled, expires_at_ms }
    end
  end
  return taken
end
