/**
 * Validation and record helpers for the scenario's own machines (./entry-check.ts): the core keeps its copies
 * internal (not exported), and a seed reproduction must not deep-import the core.
 */
import { assert, InvalidConfigError } from "@interleave/core";

/** Effects of a step that has none. */
export const NO_EFFECTS: readonly never[] = Object.freeze([]);

/** Renders a value for an error message: numbers as-is, everything else as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || value === undefined) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Reads `config[field]`; throws `InvalidConfigError` naming it unless it is a safe integer `>= min`. */
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

/** Asserts that `atMs` is a non-negative safe integer (ms). */
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

/** `atMs + durationMs`, asserted to stay a safe integer. */
export function addMs(atMs: number, durationMs: number): number {
  const sumMs = atMs + durationMs;
  assert(Number.isSafeInteger(sumMs), () => `time overflow: ${atMs} + ${durationMs} is not a safe integer`);
  return sumMs;
}

/** The value under own property `key`, or `undefined` (never an `Object.prototype` member). */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A copy of `record` with `key` set (a computed key defines a data property, so "__proto__" stays data). */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  return { ...record, [key]: value };
}

/** A copy of `record` without `key`; other entries keep their identity and order. */
export function withoutEntry<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([entryKey]) => entryKey !== key));
}
