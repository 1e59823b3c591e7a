// Options renamed for one name per concept (docs/deprecations.md): the new name wins, the old one is still
// accepted, and a validation error names the one the caller used.

/**
 * The value of option `name`, or of its deprecated old name `old` when only that one is given, with the name
 * the caller used (for error messages). `undefined` when neither is given.
 */
export function renamedOption<O extends object, N extends keyof O & string, D extends keyof O & string>(
  options: O,
  name: N,
  old: D,
): { readonly field: N | D; readonly value: O[N] | O[D] | undefined } {
  if (options[name] !== undefined || options[old] === undefined) return { field: name, value: options[name] };
  return { field: old, value: options[old] };
}
