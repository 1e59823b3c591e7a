// The shared loader of the runtime's Lua scripts: each script is a file `src/lua/<machine>-<command>-<keys>.lua`
// (BullMQ's naming; copied to `dist/lua/` by the build) with a header listing KEYS, ARGV and its reply, and
// `--- @include` lines for the pieces shared in `src/lua/includes/`. `scriptSet` registers a machine's scripts on
// an ioredis client with `defineCommand` (EVALSHA, falling back to EVAL when the server lacks the script, e.g.
// after a restart) and runs them. Also the decoding every script shares: the `CORRUPT` reply, integer and
// string reply elements, integer fields read back.

import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";
import { CorruptValueError } from "./errors.js";

/**
 * The name of a script file in `src/lua/` without `.lua`, BullMQ's `<machine>-<command>-<numberOfKeys>`, e.g.
 * `lease-acquire-1`: the number after the last `-` is how many of the script's arguments are KEYS.
 */
export type ScriptFile = `${string}-${"0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"}`;

const sources = new Map<string, string>();
const INCLUDE = /^--- @include "([A-Za-z0-9_/-]+)"[ \t]*$/gm;

/** The raw text of `src/lua/<name>.lua` (or `dist/lua/` when running the build), read once and cached. */
function luaFile(name: string): string {
  let source = sources.get(name);
  if (source === undefined) {
    source = readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), "utf8");
    sources.set(name, source);
  }
  return source;
}

/**
 * The text of the script `src/lua/<file>.lua` with its includes resolved: each line
 * `--- @include "includes/<piece>"` is replaced by that piece (itself resolved the same way), and a piece
 * already included earlier in the script is left out, so a shared function is defined once per script.
 *
 * @throws the `fs` error when a file is missing (a build that did not copy `src/lua`); an `Error` for an
 *   include cycle.
 */
export function scriptSource(file: string): string {
  const seen = new Set<string>();
  const resolve = (name: string, path: readonly string[]): string => {
    if (path.includes(name)) throw new Error(`Lua include cycle: ${[...path, name].join(" -> ")}`);
    return luaFile(name).replace(INCLUDE, (_line, piece: string) => {
      if (seen.has(piece)) return "";
      seen.add(piece);
      return resolve(piece, [...path, name]);
    });
  };
  return resolve(file, []);
}

/** How many KEYS script `file` takes: the number its name ends with. */
export function numberOfKeys(file: ScriptFile): number {
  const n = Number(file.slice(file.lastIndexOf("-") + 1));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Lua script name ${file} does not end with -<keys>`);
  return n;
}

/** The ioredis command a script is registered as: `interleave:` is not a valid method name, so `interleave_<file>`. */
export function commandName(file: ScriptFile): string {
  return `interleave_${file.replaceAll("-", "_")}`;
}

/**
 * The scripts of one machine: {@link ScriptSet.define} registers them on a client, {@link ScriptSet.run}
 * runs one. Every machine builds its set with {@link scriptSet}.
 */
export interface ScriptSet<F extends ScriptFile> {
  /** The scripts of the set, as given to {@link scriptSet} (the cluster test checks every one's keys). */
  readonly files: readonly F[];
  /**
   * Registers each script on `redis` as a command (`redis.defineCommand`: EVALSHA, falling back to EVAL when
   * the server lacks the script), unless a command of that name is already there (several machines may share
   * one client).
   */
  define(redis: Redis | Cluster): void;
  /**
   * Runs script `file` with `keys` (as many as its name says) then `args`, and returns its raw reply (an
   * array for every script of this package).
   *
   * @throws {@link CorruptValueError} when the reply is `["CORRUPT", key, problem]`; the ioredis error when
   *   the command fails (connection lost, script error); an `Error` when the script was not defined on this
   *   client, the number of keys is wrong or the reply is not an array.
   */
  run(
    redis: Redis | Cluster,
    file: F,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown[]>;
}

/** The {@link ScriptSet} of `files` (names of `src/lua/` scripts, see {@link ScriptFile}). */
export function scriptSet<const F extends ScriptFile>(files: readonly F[]): ScriptSet<F> {
  // Each file's ioredis command name and number of keys, computed once (run is on every transition's path).
  const meta = new Map<string, { readonly command: string; readonly keys: number }>(
    files.map((file) => [file, { command: commandName(file), keys: numberOfKeys(file) }]),
  );
  return {
    files,
    define(redis) {
      const commands = redis as unknown as Record<string, unknown>;
      for (const file of files) {
        const command = commandName(file);
        if (typeof commands[command] !== "function") {
          redis.defineCommand(command, { lua: scriptSource(file), numberOfKeys: numberOfKeys(file) });
        }
      }
    },
    async run(redis, file, keys, args) {
      const { command, keys: keyCount } = meta.get(file) ?? { command: "", keys: -1 };
      if (keys.length !== keyCount) {
        throw new Error(`Redis script ${file} takes ${keyCount} keys, got ${keys.length}`);
      }
      const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[
        command
      ];
      if (typeof fn !== "function") {
        throw new Error(`Redis script ${file} is not defined on this client (call define first)`);
      }
      batchWrites(redis);
      const reply = await fn.call(redis, ...keys, ...args);
      if (!Array.isArray(reply)) {
        throw new Error(`Redis script ${file} replied ${JSON.stringify(reply)}, expected an array`);
      }
      if (reply[0] === "CORRUPT") throw new CorruptValueError(String(reply[1]), String(reply[2]));
      return reply;
    },
  };
}

/** The sockets {@link batchWrites} corked, until the end of the current tick. */
const corked = new WeakSet<object>();

/**
 * Corks the client's socket until the end of the current tick (`process.nextTick`) when commands are already in
 * flight on it, so that the commands sent meanwhile — this script call and those of concurrent callers — leave in
 * one `writev` instead of one `write` each (Nagle's rule: with nothing in flight the command goes at once, so a
 * lone caller waits for nothing and the server starts on it while the others are batched). The order of commands
 * on the connection is unchanged (ioredis still writes and queues each command at once; only the bytes wait),
 * and so is each reply. Not for a `Cluster` (no single socket) or a client that is not ready (its commands wait
 * in ioredis's offline queue).
 */
function batchWrites(redis: Redis | Cluster): void {
  const client = redis as {
    stream?: { cork?: () => void; uncork(): void };
    commandQueue?: { readonly length: number };
  };
  const stream = client.stream;
  if (stream === undefined || typeof stream.cork !== "function" || redis.status !== "ready") return;
  // Nothing in flight (`commandQueue` is ioredis's list of commands awaiting a reply): write at once.
  if (corked.has(stream) || (client.commandQueue?.length ?? 1) === 0) return;
  stream.cork();
  corked.add(stream);
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
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

/** Reads a string reply element, asserting its type. */
export function replyString(reply: readonly unknown[], index: number, script: string): string {
  const value = reply[index];
  if (typeof value !== "string") {
    throw new Error(`Redis script ${script}: reply[${index}] is ${JSON.stringify(value)}, expected a string`);
  }
  return value;
}

/** Parses an integer field read back from Redis; a missing or non-integer one is a `CorruptValueError`. */
export function parseStoredInt(key: string, field: string, raw: string | null | undefined): number {
  if (raw == null || !/^-?\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new CorruptValueError(
      key,
      `${field} is not an integer: ${raw == null ? "missing" : JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}
