// Claim-queue payloads: what `enqueue` accepts (a string, or any JSON value), how it is stored (a string as
// itself, anything else as its JSON text marked with the item field `k = "j"`), and the typed errors for a
// payload that is not JSON or is too large. A string is stored exactly as every release before JSON payloads
// stored it, so items written by an older runtime read back unchanged.

/**
 * A JSON value: what `JSON.parse` can return. A claim-queue payload is one; a string payload is stored as the
 * string itself, every other value as its `JSON.stringify` text.
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Default bound on an enqueued payload, in bytes of UTF-8 (of the JSON text for a non-string payload). */
export const PAYLOAD_BYTES_MAX_DEFAULT = 512 * 1024;

/** Deepest nesting of arrays and objects a payload may have (the payload itself is depth 0). */
export const PAYLOAD_DEPTH_MAX = 64;

/** An enqueued payload exceeds `payloadBytesMax`; nothing was stored. `bytes` is the stored form's size. */
export class PayloadTooLargeError extends Error {
  override readonly name = "PayloadTooLargeError";
  constructor(
    readonly scope: string,
    readonly bytes: number,
    readonly payloadBytesMax: number,
  ) {
    super(
      `payload of scope ${JSON.stringify(scope)} is ${bytes} bytes, above payloadBytesMax ${payloadBytesMax}`,
    );
  }
}

/**
 * An enqueued payload is not a JSON value; nothing was stored. `path` locates the offending part
 * (`payload`, `payload.order.items[2]`), `problem` says what it is, e.g. `payload.retry: a function is not
 * JSON`. A `TypeError`, as the raw error of `JSON.stringify` or `Buffer.byteLength` it replaces was.
 */
export class InvalidPayloadError extends TypeError {
  override readonly name = "InvalidPayloadError";
  constructor(
    readonly scope: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`payload of scope ${JSON.stringify(scope)} is not JSON: ${path}: ${problem}`);
  }
}

/** A payload in its stored form: the text for field `p` and its kind (`"1"` a string, `"2"` JSON text). */
export interface EncodedPayload {
  readonly kind: "1" | "2";
  readonly text: string;
}

/**
 * Checks `payload` and returns its stored form: a string as itself (kind `"1"`), any other JSON value as its
 * `JSON.stringify` text (kind `"2"`).
 *
 * @throws {@link InvalidPayloadError} for `undefined`, a function, a symbol, a bigint, a non-finite number, an
 *   object that is not a plain object or array (a `Date`, a `Map`, a class instance), a cycle, an array hole,
 *   or nesting deeper than {@link PAYLOAD_DEPTH_MAX}; {@link PayloadTooLargeError} when the stored form is
 *   above `bytesMax` bytes of UTF-8.
 */
export function encodePayload(scope: string, payload: unknown, bytesMax: number): EncodedPayload {
  let encoded: EncodedPayload;
  if (typeof payload === "string") {
    encoded = { kind: "1", text: payload };
  } else {
    checkJson(scope, payload, "payload", 0, new Set());
    encoded = { kind: "2", text: JSON.stringify(payload) };
  }
  const bytes = Buffer.byteLength(encoded.text, "utf8");
  if (bytes > bytesMax) throw new PayloadTooLargeError(scope, bytes, bytesMax);
  return encoded;
}

/**
 * The payload stored as `text` with kind `kind` (`"j"` JSON text, `null` a string): the string itself, or
 * the parsed JSON value. `null` text (no payload) gives `null`.
 *
 * @throws `SyntaxError` when kind `"j"` text is not JSON (the caller reports it as a corrupt value).
 */
export function decodePayload(text: string | null, kind: string | null): JsonValue | null {
  if (text === null) return null;
  return kind === "j" ? (JSON.parse(text) as JsonValue) : text;
}

/** Throws an {@link InvalidPayloadError} unless `value` (at `path`, `depth`) is a JSON value. */
function checkJson(scope: string, value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  const fail = (problem: string): never => {
    throw new InvalidPayloadError(scope, path, problem);
  };
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) fail(`${value} is not JSON (JSON.stringify would write null)`);
      return;
    case "undefined":
      fail(
        depth === 0
          ? "undefined is not JSON (leave the payload argument out to keep the stored payload)"
          : "undefined is not JSON (JSON.stringify would drop it)",
      );
      return;
    case "function":
    case "symbol":
    case "bigint":
      fail(`a ${typeof value} is not JSON`);
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.has(object)) fail("a cycle: it contains itself");
  if (depth >= PAYLOAD_DEPTH_MAX) fail(`nested deeper than PAYLOAD_DEPTH_MAX (${PAYLOAD_DEPTH_MAX})`);
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) throw new InvalidPayloadError(scope, `${path}[${i}]`, "an array hole is not JSON");
      checkJson(scope, object[i], `${path}[${i}]`, depth + 1, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "object";
      fail(`a ${name} is not JSON; pass a plain object, an array or a string`);
    }
    for (const [key, field] of Object.entries(object)) {
      const step = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      checkJson(scope, field, step, depth + 1, ancestors);
    }
  }
  ancestors.delete(object);
}
