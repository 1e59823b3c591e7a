/** Small helpers the explicit-state models of every family share (sizes and labels). */

/**
 * `value ?? fallback`, checked to be a positive safe integer.
 *
 * @throws `RangeError` naming `name` when it is not.
 */
export function sizeOption(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

/** `text` with its first character upper-cased: `ack` → `Ack` (inputs are labelled like the events). */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
