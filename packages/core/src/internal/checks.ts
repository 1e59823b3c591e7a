// Validation helpers shared by the machines: config fields (thrown as InvalidConfigError) and event
// fields (thrown through `assert`). Exported to other machines through `@interleave/core/kit` (kit.ts).

import { AssertionError, assert, type ConfigProblem, InvalidConfigError } from "../assert.js";

/** Effects of a machine that has none; shared so a transition allocates nothing for them. */
export const NO_EFFECTS: readonly never[] = Object.freeze([]);

/** Renders a config value for an error message: numbers as-is, everything else as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || value === undefined) {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * Reads `config[field]` and throws {@link InvalidConfigError} unless it is a safe integer `>= min`.
 * The message reads `<machine> config: <field> (<value>) must be a positive integer` (or
 * `... an integer >= <min>`).
 */
export function configInteger(machine: string, config: unknown, field: string, min: number): number {
  const fields =
    typeof config === "object" && config !== null ? (config as Readonly<Record<string, unknown>>) : {};
  const value = fields[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    const requirement = min === 1 ? "a positive integer" : `an integer >= ${min}`;
    throw new InvalidConfigError(
      field,
      `${machine} config: ${field} (${describeValue(value)}) must be ${requirement}`,
    );
  }
  return value;
}

/**
 * {@link configInteger} for a field renamed for one name per concept (docs/deprecations.md): reads `field`, or
 * its deprecated old name `old` when only that one is given, and names in an error the one the caller used.
 *
 * @throws {@link InvalidConfigError} as {@link configInteger}, or naming `old` when both names are given with
 *   different values, e.g. `ClaimQueue config: maxAttempts (4) is the deprecated name of attemptsMax (5); give
 *   attemptsMax only`.
 */
export function renamedConfigInteger(
  machine: string,
  config: unknown,
  field: string,
  old: string,
  min: number,
): number {
  const fields =
    typeof config === "object" && config !== null ? (config as Readonly<Record<string, unknown>>) : {};
  const value = fields[field];
  const oldValue = fields[old];
  if (oldValue === undefined) {
    return configInteger(machine, config, field, min);
  }
  if (value === undefined) {
    return configInteger(machine, config, old, min);
  }
  if (value !== oldValue) {
    throw new InvalidConfigError(
      old,
      `${machine} config: ${old} (${describeValue(oldValue)}) is the deprecated name of ${field} ` +
        `(${describeValue(value)}); give ${field} only`,
    );
  }
  return configInteger(machine, config, field, min);
}

/**
 * Collects config problems so a machine can report every invalid field at once. `read(check, fallback)` runs
 * one field's check and returns its value, or records the check's {@link InvalidConfigError} and returns
 * `fallback` (the caller skips relations that involve a field in `failed`); `add` records a relation's problem;
 * `throwIfAny` throws them all as one {@link InvalidConfigError} (`InvalidConfigError.of`).
 */
export class ConfigProblems {
  private readonly list: ConfigProblem[] = [];
  /** The fields that failed their own check. */
  readonly failed = new Set<string>();

  constructor(private readonly machine: string) {}

  /** `check()`, or `fallback` after recording the {@link InvalidConfigError} it threw (other errors pass). */
  read<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      for (const problem of error.problems) {
        this.list.push(problem);
        this.failed.add(problem.field);
      }
      return fallback;
    }
  }

  /** Records the problem `message` about `field`. */
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  /** Throws the recorded problems as one `InvalidConfigError.of(machine, problems)`; returns when none. */
  throwIfAny(): void {
    if (this.list.length > 0) throw InvalidConfigError.of(this.machine, this.list);
  }
}

/** Asserts that `atMs` is a non-negative safe integer (ms); time enters the core only this way. */
export function assertTime(atMs: number): void {
  assert(Number.isSafeInteger(atMs) && atMs >= 0, () => `atMs must be a non-negative integer, got ${atMs}`);
}

/** Asserts that `value` (named `name` in the message) is a non-empty string. */
export function assertName(name: string, value: string): void {
  assert(
    typeof value === "string" && value.length > 0,
    () => `${name} must be a non-empty string, got ${describeValue(value)}`,
  );
}

/** Asserts that a fencing token carried by an event is a safe integer. */
export function assertToken(token: number): void {
  assert(Number.isSafeInteger(token), () => `token must be an integer, got ${describeValue(token)}`);
}

/** Asserts that `atMs + durationMs` stays a safe integer and returns it. */
export function addMs(atMs: number, durationMs: number): number {
  const sumMs = atMs + durationMs;
  assert(Number.isSafeInteger(sumMs), () => `time overflow: ${atMs} + ${durationMs} is not a safe integer`);
  return sumMs;
}

/**
 * Fails on an event whose `_tag` no branch handled. The parameter type `never` makes a missing branch a
 * compile error; the runtime check catches untyped callers.
 */
export function unknownEvent(event: never): never {
  const tag: unknown = (event as { readonly _tag?: unknown } | null)?._tag;
  throw new AssertionError(`unknown event _tag: ${describeValue(tag)}`);
}

/**
 * `min(capMs, baseMs * 2^(n - 1))` for the `n`-th consecutive retry or defer (`n >= 1`): with base 1000 and
 * cap 8000, 1000, 2000, 4000, 8000, 8000, ... Never overflows, whatever `n`. `what` names `n` in the error.
 *
 * @throws `AssertionError` when `n` is not an integer `>= 1`.
 */
export function cappedDoublingMs(baseMs: number, capMs: number, n: number, what: string): number {
  assert(Number.isSafeInteger(n) && n >= 1, () => `${what} must be an integer >= 1, got ${describeValue(n)}`);
  if (baseMs === 0) {
    return 0;
  }
  if (n - 1 >= 53) {
    return capMs; // baseMs >= 1, so baseMs * 2^53 already exceeds any safe-integer cap
  }
  return Math.min(capMs, baseMs * 2 ** (n - 1));
}
