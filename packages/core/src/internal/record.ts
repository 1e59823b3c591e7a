// Copy-on-write helpers for the `Record<string, T>` maps in machine state. They read own properties only,
// so keys such as "constructor" or "__proto__" never resolve to Object.prototype members.

/** The value stored under `key`, or `undefined` when `record` has no own property `key`. */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A copy of `record` with `key` set to `value`; other entries keep their identity. (A computed key in an
 * object literal defines a data property, so a "__proto__" key stays an ordinary entry.)
 */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  return { ...record, [key]: value };
}

/** A copy of `record` without `key`; other entries keep their identity and order. */
export function withoutEntry<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  // Object.fromEntries defines data properties, so a "__proto__" key stays an ordinary entry.
  return Object.fromEntries(Object.entries(record).filter(([entryKey]) => entryKey !== key));
}
