// The script loader (src/shared/redis-script.ts): every script of src/lua/ resolves its `--- @include` lines
// to one definition of each shared function, takes as many KEYS as its name says, and compiles in Redis.

import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { numberOfKeys, type ScriptFile, scriptSource } from "../src/shared/redis-script.js";
import { useRedis } from "./support/redis.js";

const scripts = readdirSync(new URL("../src/lua/", import.meta.url))
  .filter((file) => file.endsWith(".lua"))
  .map((file) => file.slice(0, -4) as ScriptFile);

describe("the Lua scripts", () => {
  const redis = useRedis();

  it("are named <machine>-<command>-<numberOfKeys>.lua", () => {
    expect(scripts.length).toBeGreaterThan(20);
    for (const file of scripts) expect(file).toMatch(/^[a-z][A-Za-z]*-[a-z][A-Za-z]*-\d$/);
  });

  it.each(scripts)(
    "%s: includes resolved once each, KEYS within its name's count, compiles",
    async (file) => {
      const source = scriptSource(file);
      expect(source).not.toMatch(/@include/);
      const defined = [...source.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
      expect(defined.filter((name, i) => defined.indexOf(name) !== i)).toEqual([]);
      const used = [...source.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(Math.max(0, ...used)).toBeLessThanOrEqual(numberOfKeys(file));
      const sha = await redis.client().script("LOAD", source);
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
    },
  );
});
