/** The config-validation check the machines' example tests share. */
import { InvalidConfigError } from "@interleave/core";
import { expect } from "vitest";

/**
 * `build` throws an InvalidConfigError naming `field` whose message is `message` (with `contains`: includes
 * it).
 */
export function expectInvalidConfig(
  build: () => unknown,
  field: string,
  message: string,
  { contains = false }: { readonly contains?: boolean } = {},
): void {
  let error: unknown;
  try {
    build();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InvalidConfigError);
  expect((error as InvalidConfigError).field).toBe(field);
  if (contains) {
    expect((error as InvalidConfigError).message).toContain(message);
  } else {
    expect((error as InvalidConfigError).message).toBe(message);
  }
}
