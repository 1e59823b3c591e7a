/**
 * Lua scripting for the simulated Redis: a script's real source runs in fengari (Lua 5.3 in plain JS, the VM
 * ioredis-mock uses), synchronously inside the server's transition, with Redis 7's `redis.*`, `cjson`,
 * `KEYS`/`ARGV` and reply conversions at the bridge.
 *
 * Why fengari (measured on this machine, node 20, 10,000 runs each, redis.call answered by a stub):
 * - fengari, one shared VM, chunk compiled once: claimQueue-claim-4 (includes expanded) 92 µs/run, `return 1`
 *   1 µs/run; a fresh VM + compile per run: 1,261 µs and 229 µs.
 * - wasmoon 1.16 (Lua 5.4 in WebAssembly), one shared engine: 436 µs/run with `doStringSync` per run, 221 µs with
 *   the chunk compiled once (the JS↔wasm bridge of every `redis.call` dominates), `return 1` 4 µs; creating an
 *   engine is asynchronous (271 µs, a Promise), so a transition could not make one.
 * fengari is synchronous from end to end and 2.4× faster on the runtime's scripts, so it is the one kept.
 * Through the whole server (EVALSHA of claimQueue-claim-4 as one `redisServer.transition`, TIME and HMGET and
 * ZRANGEBYSCORE included): 160-320 µs per call on the shared 2-core machine; `return 1`: 7-15 µs.
 *
 * Lua 5.1 semantics over Lua 5.3: Redis runs Lua 5.1, where every number is a double; fengari's integers are
 * 32-bit and wrap (`tonumber("1767225600") * 1000` would overflow), so this module makes every numeral and every
 * string→number conversion a float (lobject's `luaO_str2num` patched) and writes numbers as 5.1 does (`%.14g`,
 * no `.0`: `luaO_tostring` patched). Integers still come from `#`, `string.len`, `math.floor` (within 32 bits);
 * arithmetic mixing them with a float is float. `tostring` and `string.format` are wrapped to match: `%s` of a
 * number writes it as 5.1 does, `%d` of an integral number beyond 32 bits is written through `%.0f`. fengari's
 * `%.Nf` rounds an exact tie up (`%.1f` of 2.25 is `2.3`) where C rounds it to even (`2.2`).
 *
 * Determinism: one shared VM; each call runs the cached compiled chunk with a fresh global environment (a new
 * table reading through to the protected globals), so nothing a script sets survives the call; writing a
 * global fails as in Redis 7 (`Attempt to modify a readonly table`), reading a missing one fails (`Script
 * attempted to access nonexistent global variable`); `string`/`math`/`table`/`cjson`/`redis` are read-only
 * proxies (so `pairs(string)` sees nothing — a divergence); `math.random`, `os`, `io`, `load*`, `require` are
 * absent, and so are Redis's `bit`, `struct` and `cmsgpack` libraries (no runtime script uses them). A script
 * is bounded to 50 million Lua instructions (then it fails: no run hangs). Strings cross the bridge as JS
 * strings (UTF-8), so a script handling binary bytes that are not UTF-8 would see them altered.
 */
import { createHash } from "node:crypto";
import { encodeJson, pushJson } from "./cjson.js";
import { fengari, LuaRaise, luaNumberText, type Untyped } from "./fengari.js";
import type { Reply } from "./keyspace.js";

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

/** SHA-1 of a script's source, lower-case hex: its EVALSHA name. */
export function sha1hex(source: string): string {
  return createHash("sha1").update(source, "utf8").digest("hex");
}

/** Runs one Redis command for a script: `argv` as the script gave it; the reply, or null for an unknown command. */
export type ScriptCall = (argv: readonly string[]) => Reply;

const INSTRUCTIONS_PER_HOOK = 1_000_000;
const HOOKS_MAX = 50;
const COMPILED_MAX = 256;

/** The one VM, its compiled chunks (source → registry ref), and the call in progress. */
export interface Vm {
  readonly L: Untyped;
  readonly compiled: Map<string, number>;
  envMeta: number;
  readonly nullRef: object;
  call: ScriptCall | null;
  jsError: unknown;
  /** The script line of the last error a library function raised (for the error reply's `on @user_script:N`). */
  raisedAt: string | null;
  hooks: number;
}

let vm: Vm | null = null;

const PRELUDE = `
local G = _G
local protected = setmetatable({}, {__mode = "k"})
local function readonly(t)
  local proxy = setmetatable({}, {__index = t,
    __newindex = function() error("Attempt to modify a readonly table", 2) end, __metatable = false})
  protected[proxy] = true
  return proxy
end
local raw_rawset = rawset
rawset = function(t, k, v)
  if protected[t] then error("Attempt to modify a readonly table", 2) end
  return raw_rawset(t, k, v)
end
getmetatable("").__metatable = false
for _, name in ipairs({"dofile", "loadfile", "load", "loadstring", "require", "collectgarbage", "print"}) do
  G[name] = nil
end
math.random = nil; math.randomseed = nil
unpack = table.unpack
local raw_tostring = tostring
tostring = function(v) if type(v) == "number" then return v .. "" end return raw_tostring(v) end
local raw_format, unpack_n = string.format, table.unpack
string.format = function(fmt, ...)
  local args, n, k = {...}, select("#", ...), 0
  local spec = "%%([-+ #0]*%d*%.?%d*)([a-zA-Z%%])"
  local out = string.gsub(fmt, spec, function(flags, conv)
    if conv == "%" then return nil end
    k = k + 1
    local v = args[k]
    if type(v) ~= "number" then return nil end
    if conv == "s" then args[k] = v .. "" end
    if (conv == "d" or conv == "i") and not string.find(flags, ".", 1, true) and v == math.floor(v)
      and (v > 2147483647 or v < -2147483648) then return "%" .. flags .. ".0f" end
    return nil
  end)
  return raw_format(out, unpack_n(args, 1, n))
end
for _, name in ipairs({"string", "math", "table", "cjson", "redis"}) do G[name] = readonly(G[name]) end
G._G = readonly(G)
return {__index = function(_, k)
  local v = G[k]
  if v == nil then error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
  return v
end, __newindex = function() error("Attempt to modify a readonly table", 2) end, __metatable = false}
`;

function str(s: string): Untyped {
  return to_luastring(s);
}

function getVm(): Vm {
  if (vm !== null) return vm;
  const L = lauxlib.luaL_newstate();
  for (const [name, open] of [
    ["_G", lualib.luaopen_base],
    ["string", lualib.luaopen_string],
    ["table", lualib.luaopen_table],
    ["math", lualib.luaopen_math],
  ] as const) {
    lauxlib.luaL_requiref(L, str(name), open, 1);
    lua.lua_pop(L, 1);
  }
  lua.lua_atnativeerror(L, onNativeError);
  const nullRef = Object.freeze({ cjsonNull: true });
  const self: Vm = {
    L,
    compiled: new Map(),
    envMeta: 0,
    nullRef,
    call: null,
    jsError: null,
    raisedAt: null,
    hooks: 0,
  };
  registerLibraries(self);
  if (lauxlib.luaL_loadbuffer(L, str(PRELUDE), null, str("=prelude")) !== lua.LUA_OK) {
    throw new Error(`Lua prelude: ${to_jsstring(lua.lua_tostring(L, -1))}`);
  }
  lua.lua_call(L, 0, 1);
  self.envMeta = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  vm = self;
  return self;
}

/**
 * fengari calls this with any JS exception thrown inside a function called from Lua: a {@link LuaRaise} becomes
 * the Lua error (a string); anything else is a bug of the bridge, kept in `jsError` and rethrown after the run.
 */
function onNativeError(L: Untyped): number {
  const e = lua.lua_touserdata(L, -1);
  if (e instanceof LuaRaise) {
    lauxlib.luaL_where(L, 2);
    const where = to_jsstring(lua.lua_tostring(L, -1));
    lua.lua_pop(L, 1);
    if (vm !== null) vm.raisedAt = /^user_script:(\d+): $/.exec(where)?.[1] ?? null;
    lua.lua_pushstring(L, str(e.where ? `${where}${e.message}` : e.message));
    return 1;
  }
  if (vm !== null && vm.jsError === null) vm.jsError = e;
  lua.lua_pushstring(L, str("internal error in the simulated Redis"));
  return 1;
}

function setFunctions(L: Untyped, fns: Record<string, (L: Untyped) => number>): void {
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, str(name));
  }
}

function registerLibraries(self: Vm): void {
  const { L } = self;
  lua.lua_newtable(L);
  setFunctions(L, {
    call: (L) => redisCall(self, L, false),
    pcall: (L) => redisCall(self, L, true),
    error_reply: (L) => {
      const msg = to_jsstring(lauxlib.luaL_checklstring(L, 1));
      pushErrTable(L, msg.includes(" ") ? msg : `ERR ${msg}`);
      return 1;
    },
    status_reply: (L) => {
      lua.lua_newtable(L);
      lua.lua_pushvalue(L, 1);
      lua.lua_setfield(L, -2, str("ok"));
      return 1;
    },
    sha1hex: (L) => {
      lua.lua_pushstring(L, str(sha1hex(to_jsstring(lauxlib.luaL_checklstring(L, 1)))));
      return 1;
    },
    log: () => 0,
    set_repl: () => 0,
    replicate_commands: (L) => {
      lua.lua_pushboolean(L, true);
      return 1;
    },
  });
  for (const [name, n] of [
    ["LOG_DEBUG", 0],
    ["LOG_VERBOSE", 1],
    ["LOG_NOTICE", 2],
    ["LOG_WARNING", 3],
    ["REPL_NONE", 0],
    ["REPL_AOF", 1],
    ["REPL_SLAVE", 2],
    ["REPL_REPLICA", 2],
    ["REPL_ALL", 3],
  ] as const) {
    lua.lua_pushnumber(L, n);
    lua.lua_setfield(L, -2, str(name));
  }
  lua.lua_setglobal(L, str("redis"));
  lua.lua_newtable(L);
  setFunctions(L, {
    encode: (L) => {
      lauxlib.luaL_checkany(L, 1);
      lua.lua_pushstring(L, str(encodeJson(self, L, 1, 0)));
      return 1;
    },
    decode: (L) => {
      const text = to_jsstring(lauxlib.luaL_checklstring(L, 1));
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new LuaRaise(`Expected value but found invalid token at character 1`);
      }
      pushJson(self, L, value);
      return 1;
    },
  });
  lua.lua_pushlightuserdata(L, self.nullRef);
  lua.lua_setfield(L, -2, str("null"));
  lua.lua_setglobal(L, str("cjson"));
}

function pushErrTable(L: Untyped, message: string): void {
  lua.lua_newtable(L);
  lua.lua_pushstring(L, str(message));
  lua.lua_setfield(L, -2, str("err"));
}

/** redis.call / redis.pcall: the arguments as Redis strings, the command run, its reply converted to Lua. */
function redisCall(self: Vm, L: Untyped, protectedCall: boolean): number {
  const n = lua.lua_gettop(L);
  if (n === 0) throw new LuaRaise("Please specify at least one argument for this redis lib call");
  const argv: string[] = [];
  for (let i = 1; i <= n; i++) {
    const t = lua.lua_type(L, i);
    if (t === lua.LUA_TNUMBER) argv.push(luaNumberText(lua.lua_tonumber(L, i)));
    else if (t === lua.LUA_TSTRING) argv.push(to_jsstring(lua.lua_tolstring(L, i)));
    else throw new LuaRaise("Lua redis lib command arguments must be strings or integers");
  }
  if (self.call === null) throw new Error("redis.call outside a script run");
  const reply = self.call(argv);
  if (typeof reply === "object" && reply !== null && "error" in reply) {
    if (protectedCall) {
      pushErrTable(L, reply.error);
      return 1;
    }
    throw new LuaRaise(reply.error, false);
  }
  pushReply(L, reply);
  return 1;
}

/** Redis → Lua: integer → number, bulk → string, nil → false, array → table, status → {ok=}, error → {err=}. */
function pushReply(L: Untyped, r: Reply): void {
  if (r === null) lua.lua_pushboolean(L, false);
  else if (typeof r === "number") lua.lua_pushnumber(L, r);
  else if (typeof r === "string") lua.lua_pushstring(L, str(r));
  else if (Array.isArray(r)) {
    lua.lua_createtable(L, r.length, 0);
    r.forEach((item: Reply, i: number) => {
      pushReply(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if ("status" in r) {
    lua.lua_newtable(L);
    lua.lua_pushstring(L, str(r.status));
    lua.lua_setfield(L, -2, str("ok"));
  } else pushErrTable(L, (r as { error: string }).error);
}

/** Lua → Redis for a script's result (Redis 7.0's conversion; nested tables the same way). */
function toReply(L: Untyped, idx: number): Reply {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TSTRING) return to_jsstring(lua.lua_tolstring(L, idx));
  if (t === lua.LUA_TNUMBER) return Math.trunc(lua.lua_tonumber(L, idx)) || 0;
  if (t === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, idx) ? 1 : null;
  if (t !== lua.LUA_TTABLE) return null;
  const abs = lua.lua_absindex(L, idx);
  for (const field of ["err", "ok"] as const) {
    lua.lua_pushstring(L, str(field));
    lua.lua_rawget(L, abs);
    if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
      const text = to_jsstring(lua.lua_tolstring(L, -1));
      lua.lua_pop(L, 1);
      return field === "err" ? { error: text } : { status: text };
    }
    lua.lua_pop(L, 1);
  }
  const out: Reply[] = [];
  for (let j = 1; ; j++) {
    lua.lua_rawgeti(L, abs, j);
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    out.push(toReply(L, -1));
    lua.lua_pop(L, 1);
  }
  return out;
}

function pushStrings(L: Untyped, items: readonly string[]): void {
  lua.lua_createtable(L, items.length, 0);
  items.forEach((s, i) => {
    lua.lua_pushstring(L, str(s));
    lua.lua_rawseti(L, -2, i + 1);
  });
}

/**
 * Compiles `source` (cached), the error reply when it does not compile: Redis's `ERR Error compiling script
 * (new function): user_script:<line>: <message>`.
 */
function compiled(self: Vm, source: string): number | Reply {
  const cached = self.compiled.get(source);
  if (cached !== undefined) return cached;
  const { L } = self;
  if (lauxlib.luaL_loadbuffer(L, str(source), null, str("@user_script")) !== lua.LUA_OK) {
    const message = to_jsstring(lua.lua_tostring(L, -1));
    lua.lua_pop(L, 1);
    return { error: `ERR Error compiling script (new function): ${message}` };
  }
  if (self.compiled.size >= COMPILED_MAX) {
    for (const ref of self.compiled.values()) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
    self.compiled.clear();
  }
  const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  self.compiled.set(source, ref);
  return ref;
}

/** Whether `source` compiles (SCRIPT LOAD refuses one that does not): null, or the error reply. */
export function compileError(source: string): Reply | null {
  const r = compiled(getVm(), source);
  return typeof r === "number" ? null : r;
}

/**
 * Runs `source` as EVAL does: `KEYS` and `ARGV` set, each `redis.call` through `call` (which runs the command
 * against the script's working set), the result converted to a reply. A runtime error becomes an error reply:
 * `ERR user_script:<line>: <message> script: <sha>, on @user_script:<line>.` for a Lua error, or the command's
 * own error (`WRONGTYPE …`, `ERR …`) with the same suffix when `redis.call` failed — the text of Redis 7.0.
 * Synchronous and deterministic; it throws only for a bug of the simulator (a JS exception in the bridge).
 */
export function runScript(
  source: string,
  sha: string,
  keys: readonly string[],
  args: readonly string[],
  call: ScriptCall,
): Reply {
  const self = getVm();
  const fn = compiled(self, source);
  if (typeof fn !== "number") return fn;
  const { L } = self;
  const top = lua.lua_gettop(L);
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, fn);
  lua.lua_newtable(L);
  pushStrings(L, keys);
  lua.lua_setfield(L, -2, str("KEYS"));
  pushStrings(L, args);
  lua.lua_setfield(L, -2, str("ARGV"));
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, self.envMeta);
  lua.lua_setmetatable(L, -2);
  lua.lua_setupvalue(L, -2, 1);
  self.call = call;
  self.jsError = null;
  self.raisedAt = null;
  self.hooks = 0;
  lua.lua_sethook(
    L,
    (L: Untyped) => {
      self.hooks++;
      if (self.hooks >= HOOKS_MAX) {
        lauxlib.luaL_error(L, str(`script exceeded ${INSTRUCTIONS_PER_HOOK * HOOKS_MAX} Lua instructions`));
      }
    },
    lua.LUA_MASKCOUNT,
    INSTRUCTIONS_PER_HOOK,
  );
  try {
    const status = lua.lua_pcall(L, 0, 1, 0);
    if (self.jsError !== null) throw self.jsError;
    if (status !== lua.LUA_OK) {
      const message =
        lua.lua_type(L, -1) === lua.LUA_TSTRING ? to_jsstring(lua.lua_tolstring(L, -1)) : errorOf(L);
      return { error: scriptError(message, sha, self.raisedAt) };
    }
    return toReply(L, -1);
  } finally {
    lua.lua_sethook(L, null, 0, 0);
    self.call = null;
    lua.lua_settop(L, top);
  }
}

/** The message of a non-string error object: a table's `err` field (error({err=…})), else a generic one. */
function errorOf(L: Untyped): string {
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    const r = toReply(L, -1);
    if (typeof r === "object" && r !== null && "error" in r) return r.error;
  }
  return "ERR user_script: script raised a non-string error";
}

/** Redis 7.0's text for a failed script: a Lua error gets `ERR `; both get ` script: <sha>, on @user_script:N.`. */
function scriptError(message: string, sha: string, raisedAt: string | null): string {
  const where = /^user_script:(\d+): /.exec(message);
  const line = where?.[1] ?? raisedAt ?? "1";
  const text = where !== null ? `ERR ${message}` : message;
  return `${text} script: ${sha}, on @user_script:${line}.`;
}
