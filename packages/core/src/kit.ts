/**
 * @interleave/core/kit — the helpers the core's machines are written with, for a machine of your own in the
 * same style (a seed reproduction in `scenarios/`, or a service's machine): config fields validated into one
 * `InvalidConfigError` naming the field, event fields asserted (an `AssertionError` is a caller bug), time as
 * integer ms, and records that keep `__proto__` as data.
 *
 * - `configInteger(machine, config, field, min)`: `config[field]` when it is a safe integer `>= min`; else
 *   throws `InvalidConfigError(field, "<machine> config: <field> (<value>) must be …")`.
 * - `describeValue(value)`: a value rendered for an error message (numbers as-is, the rest as JSON).
 * - `assertTime(atMs)`, `assertName(name, value)`, `assertToken(token)`: throw `AssertionError` unless
 *   `atMs` is an integer ms `>= 0`, `value` a non-empty string, `token` a positive integer.
 * - `addMs(atMs, durationMs)`: the sum, asserted to stay a safe integer.
 * - `cappedDoublingMs(baseMs, capMs, n, what)`: `min(capMs, baseMs * 2^(n - 1))`, the retry back-off.
 * - `unknownEvent(event)`: the default branch of a `switch` over `_tag` (a compile error when one is missing).
 * - `getOwn`, `withEntry`, `withoutEntry`: read, set and delete an own key of a plain record, immutably.
 * - `NO_EFFECTS`: the shared empty effect list.
 */
export {
  addMs,
  assertName,
  assertTime,
  assertToken,
  cappedDoublingMs,
  configInteger,
  describeValue,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
export { getOwn, withEntry, withoutEntry } from "./internal/record.js";
