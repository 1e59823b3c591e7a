// Key names for everything the Redis runtime stores: `${prefix}:{${name}}:${kind}`. The prefix isolates
// tenants (one prefix per application or environment); the `{name}` hash tag keeps every key of one machine
// instance (a lease, a fenced resource, a queue, a mailbox, a coordinator) in one Redis Cluster slot, so a Lua
// script touching them all stays legal on a cluster (the cluster tests check every script call's KEYS).

import { InvalidConfigError } from "@interleave/core";

/** The prefix used when a config gives none. */
export const DEFAULT_PREFIX = "interleave";

/** Longest accepted prefix or name, in UTF-16 code units: a bound on key size (Redis allows 512 MB). */
export const NAME_LENGTH_MAX = 1024;

/**
 * A name given to a runtime call (a lease name, a holder, a queue name, a scope, a resource) that cannot be
 * used: not a string, empty, longer than {@link NAME_LENGTH_MAX}, or (for names inside a hash tag) holding
 * `{` or `}`. `what` says which argument, e.g. `"lease name"`.
 */
export class InvalidNameError extends Error {
  override readonly name = "InvalidNameError";
  /** Which argument was rejected, e.g. `"lease name"` or `"holder"`. */
  readonly what: string;

  constructor(what: string, message: string) {
    super(message);
    this.what = what;
  }
}

/**
 * Validates a config `prefix` (default {@link DEFAULT_PREFIX}) and returns it.
 *
 * @throws core `InvalidConfigError` (field `"prefix"`) when it is not a non-empty string of at most
 *   {@link NAME_LENGTH_MAX} characters without `{` or `}` (braces would break the hash tag).
 */
export function validatePrefix(machine: string, prefix: unknown): string {
  const value = prefix === undefined ? DEFAULT_PREFIX : prefix;
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > NAME_LENGTH_MAX ||
    /[{}]/.test(value)
  ) {
    throw new InvalidConfigError(
      "prefix",
      `${machine} config: prefix (${JSON.stringify(value) ?? String(value)}) must be a non-empty string of at most ${NAME_LENGTH_MAX} characters without "{" or "}"`,
    );
  }
  return value;
}

/**
 * Validates a name passed to a runtime call and returns it.
 *
 * @param what - how the error names the argument, e.g. `"lease name"`.
 * @param hashTag - true when the name goes inside the `{…}` hash tag, so `{` and `}` are refused too.
 * @throws {@link InvalidNameError} when it is not a non-empty string of at most {@link NAME_LENGTH_MAX}
 *   characters (or holds a brace when `hashTag`).
 */
export function validateName(what: string, name: unknown, hashTag: boolean): string {
  if (typeof name !== "string" || name.length === 0 || name.length > NAME_LENGTH_MAX) {
    throw new InvalidNameError(
      what,
      `${what} must be a non-empty string of at most ${NAME_LENGTH_MAX} characters, got ${describe(name)}`,
    );
  }
  if (hashTag && /[{}]/.test(name)) {
    throw new InvalidNameError(what, `${what} must not contain "{" or "}", got ${describe(name)}`);
  }
  return name;
}

/**
 * The key `${prefix}:{${name}}:${kind}`, e.g. `interleave:{orders}:lease`. Validates `name` (as `what`)
 * with {@link validateName}; `prefix` must already be validated and `kind` is a constant of the caller.
 *
 * @throws {@link InvalidNameError} for a bad `name`.
 */
export function taggedKey(prefix: string, what: string, name: unknown, kind: string): string {
  return `${prefix}:{${validateName(what, name, true)}}:${kind}`;
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return value.length > 80 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  return typeof value === "number" ? String(value) : typeof value;
}
