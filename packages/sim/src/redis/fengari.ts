/**
 * The fengari Lua VM as the simulated Redis loads it: the untyped module handle, patched once so numbers behave
 * as in Redis's Lua 5.1 (every numeral and string→number conversion a double, numbers written `%.14g`), and the
 * error a JS library function raises into Lua. See lua.ts for why fengari and what the patch changes.
 */
import { createRequire } from "node:module";
import { formatG } from "./keyspace.js";

// fengari ships no types; the few functions used here are reached through this untyped handle.
// biome-ignore lint/suspicious/noExplicitAny: fengari has no type declarations.
export type Untyped = any;
const require = createRequire(import.meta.url);
export const fengari: Untyped = require("fengari");
const lobject: Untyped = require("fengari/src/lobject.js");
const lstring: Untyped = require("fengari/src/lstring.js");
const { to_luastring } = fengari;

patchNumbersToLua51();

/** Lua 5.1's number text: `%.14g` (`3`, `3.5`, `1e+15`, `inf`, `nan`), the text redis.call and tostring use. */
export function luaNumberText(n: number): string {
  if (Number.isNaN(n)) return n > 0 ? "nan" : "-nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return formatG(n, 14);
}

function patchNumbersToLua51(): void {
  if (lobject.__interleaveLua51 === true) return;
  const str2num = lobject.luaO_str2num;
  lobject.luaO_str2num = (s: unknown, o: Untyped) => {
    const size = str2num(s, o);
    if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
    return size;
  };
  lobject.luaO_tostring = (L: unknown, obj: Untyped) => {
    const text = obj.ttisinteger() ? String(obj.value) : luaNumberText(obj.value);
    obj.setsvalue(lstring.luaS_bless(L, to_luastring(text)));
  };
  lobject.__interleaveLua51 = true;
}

/**
 * An error a library function raises in Lua: thrown in JS, turned into a Lua error by the VM's native-error
 * handler (lua.ts's `onNativeError`); `where` prefixes the script position (`user_script:3: `) as luaL_error does.
 */
export class LuaRaise extends Error {
  constructor(
    message: string,
    readonly where = true,
  ) {
    super(message);
  }
}
