/**
 * The canonical serialiser of plain data: the default key of a state (equal data, equal strings, whatever the
 * order of object keys), hashed into a fingerprint by the checker.
 */
import { assert } from "@interleave/core";

/**
 * A canonical string of plain data: equal data (whatever the order of object keys) gives equal strings.
 * Objects are written with sorted keys and `undefined` members dropped, arrays in order, strings as JSON,
 * numbers as `String(n)` (so `-0` is `0`). The default {@link StateSpaceModel.key}; a model that needs
 * speed writes its own.
 *
 * @throws `AssertionError` for values that are not plain data (functions, symbols, bigints, class
 *   instances such as Map or Date), naming the path.
 */
export function canonicalKey(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, out, "$");
  return out.join("");
}

function writeCanonical(value: unknown, out: string[], path: string): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(Number.isNaN(value) ? "NaN" : String(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "undefined":
      out.push("undefined");
      return;
    case "object":
      break;
    default:
      assert(false, () => `canonicalKey: ${path} is a ${typeof value}, not plain data`);
  }
  if (value === null) {
    out.push("null");
    return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      writeCanonical(value[i], out, `${path}[${i}]`);
    }
    out.push("]");
    return;
  }
  const proto = Object.getPrototypeOf(value);
  assert(
    proto === Object.prototype || proto === null,
    () => `canonicalKey: ${path} is a ${proto?.constructor?.name ?? "class instance"}, not plain data`,
  );
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  out.push("{");
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out.push(",");
    out.push(JSON.stringify(k), ":");
    writeCanonical(record[k], out, `${path}.${k}`);
  }
  out.push("}");
}
