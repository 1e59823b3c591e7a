// The runtime's errors shared by every machine, and the one place where a script's error reply becomes a typed
// error: each error reply of a script carries an {@link ErrorCode} and {@link replyError} maps it (as BullMQ maps
// its script error codes with one function). Operating outcomes (`NotOwner`, `Busy`, `Rejected`, …) are not
// errors: they are the core's results and go back to the caller as values.

/** The one line a user without `redis-server` on PATH gets from the tests and the benchmarks. */
export const REDIS_SERVER_MISSING =
  "redis-server was not found on PATH: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you own";

/** A machine of this runtime as errors name it. */
export type Machine = "lease" | "fenced resource" | "claim queue" | "keyed mailbox" | "sync coordinator";

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
 * The config stored in Redis for a claim queue, keyed mailbox or sync coordinator differs from the one this
 * client was given (every client of one machine must use the same config). Thrown by `open`; nothing changed.
 */
export class ConfigMismatchError extends Error {
  override readonly name = "ConfigMismatchError";
  constructor(
    /** Which machine, e.g. `"claim queue"`. */
    readonly machine: Machine,
    /** The machine's config key. */
    readonly key: string,
    /** The first differing field. */
    readonly field: string,
    /** The stored value (`null` when absent). */
    readonly stored: string | null,
    /** The value this client was given. */
    readonly given: string,
  ) {
    super(
      `${machine} config at ${JSON.stringify(key)}: ${field} is ${stored ?? "absent"} in Redis but ${given} was given; ` +
        `every client of a ${machine} must use the same config`,
    );
  }
}

/**
 * The machine's config hash is gone (e.g. the data was flushed): its scripts refuse to act without it. Open the
 * machine again (`ClaimQueue.open`, `KeyedMailbox.open`, `RedisSyncCoordinator.open`).
 */
export class NotInitializedError extends Error {
  override readonly name = "NotInitializedError";
  constructor(
    /** Which machine, e.g. `"claim queue"`. */
    readonly machine: Machine,
    /** The missing config key. */
    readonly key: string,
  ) {
    super(`${machine} config ${JSON.stringify(key)} is missing in Redis; open the ${machine} again`);
  }
}

/**
 * The error replies of the runtime's scripts, one code each (the reply's tag; see the headers in `src/lua/`).
 *
 * - `Corrupt`: `{"CORRUPT", key, problem}` or `{atMs, "Corrupt", problem}`: a stored value the runtime did
 *   not write; nothing changed. → {@link CorruptValueError}
 * - `NoConfig`: `{atMs, "NoConfig"}`: the config hash is gone. → {@link NotInitializedError}
 * - `ConfigMismatch`: `{"Mismatch", field, stored, given}` (config-init-2.lua). → {@link ConfigMismatchError}
 * - `BadBatchSize`: `{atMs, "BadBatchSize", claimBatchSizeMax}`: a claim outside `[1, claimBatchSizeMax]`
 *   (the client checks it first, so only a client with another config meets it). → `RangeError`
 */
export enum ErrorCode {
  Corrupt = "Corrupt",
  NoConfig = "NoConfig",
  ConfigMismatch = "Mismatch",
  BadBatchSize = "BadBatchSize",
}

/** What {@link replyError} needs to name the error: the machine, its config key, the key a `Corrupt` reply is about. */
export interface ReplyContext {
  readonly machine: Machine;
  readonly configKey: string;
  readonly corruptKey: string;
}

/** The {@link ErrorCode} of a script reply, or `undefined` when it is not an error reply. */
export function errorCode(reply: readonly unknown[]): ErrorCode | undefined {
  if (reply[0] === "CORRUPT") return ErrorCode.Corrupt;
  if (reply[0] === ErrorCode.ConfigMismatch) return ErrorCode.ConfigMismatch;
  switch (reply[1]) {
    case ErrorCode.Corrupt:
    case ErrorCode.NoConfig:
    case ErrorCode.BadBatchSize:
      return reply[1];
    default:
      return undefined;
  }
}

/**
 * The typed error for a script's error reply (see {@link ErrorCode}), or `undefined` when `reply` is not one.
 * The one mapping from script codes to errors: every machine goes through it.
 */
export function replyError(reply: readonly unknown[], context: ReplyContext): Error | undefined {
  const code = errorCode(reply);
  switch (code) {
    case undefined:
      return undefined;
    case ErrorCode.Corrupt:
      return reply[0] === "CORRUPT"
        ? new CorruptValueError(String(reply[1]), String(reply[2]))
        : new CorruptValueError(context.corruptKey, String(reply[2]));
    case ErrorCode.NoConfig:
      return new NotInitializedError(context.machine, context.configKey);
    case ErrorCode.ConfigMismatch:
      return new ConfigMismatchError(
        context.machine,
        context.configKey,
        String(reply[1]),
        typeof reply[2] === "string" ? reply[2] : null,
        String(reply[3]),
      );
    case ErrorCode.BadBatchSize:
      return new RangeError(
        `${context.machine}: batchSize must be an integer in [1, ${String(reply[2])}] (the stored claimBatchSizeMax)`,
      );
  }
}

/** Throws {@link replyError}'s error when `reply` is an error reply; returns `reply` otherwise. */
export function checkReply(reply: unknown[], context: ReplyContext): unknown[] {
  const error = replyError(reply, context);
  if (error !== undefined) throw error;
  return reply;
}
