// The one way the core reports programmer errors: a violated precondition, postcondition or config.
// Operating errors (a busy lease, a stale token) are never thrown; machines return them as tagged results.

/**
 * Thrown by {@link assert} when a precondition or postcondition does not hold: an impossible state, an
 * event with a non-integer `atMs`, a `batchSize` out of bounds. It signals a bug in the caller or in the
 * core, never an operating condition, so callers should not catch it to recover.
 */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/** One invalid config field: its name and the message naming the machine, the field and the value. */
export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Thrown by a machine's `initial(config)` when a config field is missing, has the wrong type or breaks a
 * relation with another field. `field` names the (first) offending field; the message names the machine, the
 * field and the value, e.g. `ClaimQueue config: heartbeatIntervalMs (15000) must be below leaseTtlMs (15000)`.
 * A machine that validates every field before throwing (ClaimQueue) lists each invalid field in `problems`
 * (its own checks in field order, then the relations between fields), and its message then names them all,
 * one per line; for one invalid field the message is that field's message alone.
 */
export class InvalidConfigError extends Error {
  override readonly name = "InvalidConfigError";
  /** The config field that failed validation (the first one, when several did), e.g. `"heartbeatIntervalMs"`. */
  readonly field: string;
  /** Every invalid field with its message, `field` first; `[{ field, message }]` when only one was reported. */
  readonly problems: readonly ConfigProblem[];

  /**
   * @param field - the config field that failed validation.
   * @param message - the full message, naming the machine, the field and its value.
   * @param problems - every invalid field, when there are several (default: this one alone).
   */
  constructor(field: string, message: string, problems?: readonly ConfigProblem[]) {
    super(message);
    this.field = field;
    this.problems = problems ?? [{ field, message }];
  }

  /**
   * One error for every problem of `machine`'s config (at least one): `field` is the first problem's; the
   * message is the first problem's message when there is one, else `<machine> config has <n> invalid fields:`
   * and one `  - <problem>` line each (the problem's message without its `<machine> config: ` prefix).
   *
   * @example
   * throw InvalidConfigError.of("ClaimQueue", [
   *   { field: "leaseTtlMs", message: "ClaimQueue config: leaseTtlMs (0) must be a positive integer" },
   *   { field: "itemCountMax", message: "ClaimQueue config: itemCountMax (-1) must be a positive integer" },
   * ]);
   */
  static of(machine: string, problems: readonly ConfigProblem[]): InvalidConfigError {
    const first = problems[0];
    assert(first !== undefined, "InvalidConfigError.of needs at least one problem");
    if (problems.length === 1) return new InvalidConfigError(first.field, first.message);
    const prefix = `${machine} config: `;
    const lines = problems.map(
      (p) => `  - ${p.message.startsWith(prefix) ? p.message.slice(prefix.length) : p.message}`,
    );
    return new InvalidConfigError(
      first.field,
      `${machine} config has ${problems.length} invalid fields:\n${lines.join("\n")}`,
      [...problems],
    );
  }
}

/**
 * Throws an {@link AssertionError} with `message` unless `condition` is truthy; narrows `condition` for
 * the type checker otherwise. Pass `message` as a function when building it costs something (it runs only
 * on failure, so hot paths stay cheap). Assertions stay on in production (TigerBeetle's TIGER_STYLE): a core
 * machine that reaches an impossible state must stop rather than corrupt the state it hands back.
 *
 * @example
 * assert(Number.isSafeInteger(event.atMs), `atMs must be an integer, got ${event.atMs}`);
 */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === "function" ? message() : message);
  }
}
