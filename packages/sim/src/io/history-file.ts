/**
 * History files for `interleave lincheck`: read one and validate it (lincheck/history.ts holds the format).
 * Kept in io/ so the checker itself stays pure.
 */
import { readFileSync } from "node:fs";
import { type History, parseHistory } from "../lincheck/history.js";
import { InputError } from "../model/scenario.js";

/**
 * Read and validate a JSONL history file. Throws {@link InputError} with one line for a missing or unreadable
 * file, a truncated line, a foreign header or an operation that does not fit the schema.
 */
export function readHistory(path: string): History {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read history file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return parseHistory(text, path);
}
