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

/**
 * Thrown by a machine's `initial(config)` when a config field is missing, has the wrong type or breaks a
 * relation with another field. `field` names the offending field; the message names the machine, the
 * field and the value, e.g. `ClaimQueue config: heartbeatIntervalMs (15000) must be below leaseTtlMs (15000)`.
 */
export class InvalidConfigError extends Error {
  override readonly name = "InvalidConfigError";
  /** The config field that failed validation, e.g. `"heartbeatIntervalMs"`. */
  readonly field: string;

  /**
   * @param field - the config field that failed validation.
   * @param message - the full message, naming the machine, the field and its value.
   */
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
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
