// Shared by the property tests of the machines (the core's and the scenarios' seed machines).

/**
 * Freezes `value` and everything reachable from it, so that a transition that mutated its input throws
 * (ES modules are strict mode). Returns `value`.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
