/**
 * Redis's `cjson` for the simulated Redis's Lua: `cjson.encode` as lua-cjson writes (an empty table is `{}`, a
 * table whose keys are 1..n — sparse up to n > 2·count when n > 10 — is an array with `null` holes, numbers
 * `%.14g`, `/` escaped as `\\/`, object keys in the VM's table order, which may differ from Redis's: compare JSON
 * after parsing) and `cjson.decode` (null → `cjson.null`, numbers as doubles, arrays 1-based).
 */
import { fengari, LuaRaise, luaNumberText, type Untyped } from "./fengari.js";
import type { Vm } from "./lua.js";

const { lua, to_luastring, to_jsstring } = fengari;
const CJSON_DEPTH_MAX = 1000;

function str(s: string): Untyped {
  return to_luastring(s);
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const escaped = ESCAPES[c];
    if (escaped !== undefined) out += escaped;
    else if (c.charCodeAt(0) < 0x20) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `${out}"`;
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new LuaRaise("Cannot serialise number: must not be NaN or Inf");
  return luaNumberText(n);
}

/** cjson.encode of the value at `idx`, as Redis's lua-cjson writes it (see the module comment for the rules). */
export function encodeJson(self: Vm, L: Untyped, idx: number, depth: number): string {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TNIL) return "null";
  if (t === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, idx) ? "true" : "false";
  if (t === lua.LUA_TNUMBER) return jsonNumber(lua.lua_tonumber(L, idx));
  if (t === lua.LUA_TSTRING) return jsonString(to_jsstring(lua.lua_tolstring(L, idx)));
  if (t === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, idx) === self.nullRef) return "null";
  if (t !== lua.LUA_TTABLE) {
    throw new LuaRaise(`Cannot serialise ${to_jsstring(lua.lua_typename(L, t))}: type not supported`);
  }
  if (depth >= CJSON_DEPTH_MAX) throw new LuaRaise(`Cannot serialise, excessive nesting (${depth + 1})`);
  const abs = lua.lua_absindex(L, idx);
  const entries: [string | number, string][] = [];
  const indexes: [number, string][] = [];
  let isArray = true;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, abs) !== 0) {
    const kt = lua.lua_type(L, -2);
    let key: string | number;
    if (kt === lua.LUA_TNUMBER) {
      const index: number = lua.lua_tonumber(L, -2);
      key = index;
      if (!(Number.isInteger(index) && index >= 1)) isArray = false;
      else max = Math.max(max, index);
    } else if (kt === lua.LUA_TSTRING) {
      key = to_jsstring(lua.lua_tolstring(L, -2));
      isArray = false;
    } else throw new LuaRaise("Cannot serialise table: table key must be a number or string");
    const encoded = encodeJson(self, L, -1, depth + 1);
    entries.push([key, encoded]);
    if (typeof key === "number") indexes.push([key, encoded]);
    lua.lua_pop(L, 1);
  }
  if (isArray && entries.length > 0) {
    if (max > entries.length * 2 && max > 10)
      throw new LuaRaise("Cannot serialise table: excessively sparse array");
    const items = new Array<string>(max).fill("null");
    for (const [k, v] of indexes) items[k - 1] = v;
    return `[${items.join(",")}]`;
  }
  const fields = entries.map(([k, v]) => `${jsonString(typeof k === "number" ? luaNumberText(k) : k)}:${v}`);
  return `{${fields.join(",")}}`;
}

/** cjson.decode's value pushed onto the Lua stack (null → cjson.null, numbers as doubles, arrays 1-based). */
export function pushJson(self: Vm, L: Untyped, v: unknown): void {
  if (v === null) lua.lua_pushlightuserdata(L, self.nullRef);
  else if (typeof v === "boolean") lua.lua_pushboolean(L, v);
  else if (typeof v === "number") lua.lua_pushnumber(L, v);
  else if (typeof v === "string") lua.lua_pushstring(L, str(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((item, i) => {
      pushJson(self, L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    lua.lua_newtable(L);
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      lua.lua_pushstring(L, str(k));
      pushJson(self, L, item);
      lua.lua_rawset(L, -3);
    }
  }
}
