// The shared loader of the runtime's Lua scripts: each script is a file in `src/lua/` (copied to `dist/lua/`
// by the build) with a header listing KEYS, ARGV and its reply; `defineScripts` registers them on an ioredis
// client with `defineCommand` (EVALSHA, falling back to EVAL when the server lacks the script, e.g. after a
// restart). Also the decoding of replies every script shares: the `CORRUPT` reply and its typed error.

import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

/**
 * A value found in Redis that the runtime did not write (wrong key type, a field that is not an integer,
 * a missing field). The script that found it changed nothing; the runtime never overwrites such a value.
 */
export class CorruptValueError extends Error {
  override readonly name = "CorruptValueError";
  /** The Redis key holding the value. */
  readonly key: string;
  /** What was wrong, e.g. `token is not an integer: "abc"`. */
  readonly problem: string;

  constructor(key: string, problem: string) {
    super(`corrupt value at Redis key ${JSON.stringify(key)}: ${problem}; nothing was changed`);
    this.key = key;
    this.problem = problem;
  }
}

/**
 * One script: its file in `src/lua/` (without `.lua`), how many of its arguments are KEYS, and optionally a
 * shared file of Lua functions prepended to it (`lease-common`, `cq-common`), so that the script stays one
 * EVALSHA.
 */
export interface ScriptSpec {
  readonly file: string;
  readonly numberOfKeys: number;
  readonly prelude?: string;
}

const sources = new Map<string, string>();

/**
 * The text of `src/lua/<file>.lua` (or `dist/lua/` when running the build), read once and cached.
 *
 * @throws the `fs` error when the file is missing (a build that did not copy `src/lua`).
 */
export function scriptSource(file: string): string {
  let source = sources.get(file);
  if (source === undefined) {
    source = readFileSync(new URL(`../lua/${file}.lua`, import.meta.url), "utf8");
    sources.set(file, source);
  }
  return source;
}

/**
 * Registers each script of `specs` on `redis` as a command named by its key (`redis.defineCommand`), unless
 * a command of that name is already there (so several managers can share one client). Call
 * {@link runScript} to run one.
 */
export function defineScripts(redis: Redis | Cluster, specs: Readonly<Record<string, ScriptSpec>>): void {
  const commands = redis as unknown as Record<string, unknown>;
  for (const [command, spec] of Object.entries(specs)) {
    if (typeof commands[command] !== "function") {
      const lua =
        spec.prelude === undefined
          ? scriptSource(spec.file)
          : `${scriptSource(spec.prelude)}\n${scriptSource(spec.file)}`;
      redis.defineCommand(command, { lua, numberOfKeys: spec.numberOfKeys });
    }
  }
}

/**
 * Runs the command `command` registered by {@link defineScripts} with `keys` then `args` and returns its raw
 * reply (an array for every script of this package).
 *
 * @throws {@link CorruptValueError} when the reply is `["CORRUPT", key, problem]`; the ioredis error when
 *   the command fails (connection lost, script error).
 */
export async function runScript(
  redis: Redis | Cluster,
  command: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown[]> {
  const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[command];
  if (typeof fn !== "function") {
    throw new Error(`Redis script command ${command} is not defined on this client (call defineScripts)`);
  }
  const reply = await fn.call(redis, ...keys, ...args);
  if (!Array.isArray(reply)) {
    throw new Error(`Redis script ${command} replied ${JSON.stringify(reply)}, expected an array`);
  }
  if (reply[0] === "CORRUPT") {
    throw new CorruptValueError(String(reply[1]), String(reply[2]));
  }
  return reply;
}

/** Reads an integer reply element (ioredis gives Lua numbers as JS numbers), asserting its type. */
export function replyInt(reply: readonly unknown[], index: number, script: string): number {
  const value = reply[index];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new Error(
      `Redis script ${script}: reply[${index}] is ${JSON.stringify(value)}, expected an integer`,
    );
  }
  return value;
}
