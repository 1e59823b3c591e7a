/**
 * Trace files: read (and validate, see trace/schema.ts) and write them, never replacing an existing file.
 * The only module besides cli/ that touches the file system for traces; engine folders stay pure.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { InputError } from "../model/scenario.js";
import type { Trace } from "../trace/format.js";
import { parseTrace } from "../trace/schema.js";

/**
 * Read and validate a trace file. Throws {@link InputError} with one line naming the problem for a missing
 * file, invalid JSON (corrupt or truncated), a foreign JSON document, an unsupported version, or content that
 * does not match its fingerprint (an edited trace: see `parseTrace`). `note` gets one line for a version-1
 * trace, read as the current version.
 */
export function readTrace(path: string, note?: (line: string) => void): Trace {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read trace file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseTrace(text, path, note);
}

/**
 * Write `trace` to `path` (creating directories). An existing file is never replaced: if it already holds
 * this exact trace the write is skipped, otherwise a numbered sibling (`name.1.json`, …) is used.
 * Returns the path written (or found identical).
 */
export function writeTrace(path: string, trace: Trace): string {
  const text = `${JSON.stringify(trace, null, 2)}\n`;
  mkdirSync(dirname(path), { recursive: true });
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? path : path.replace(/\.json$/, `.${i}.json`);
    if (!existsSync(candidate)) {
      writeFileSync(candidate, text, { flag: "wx" });
      return candidate;
    }
    if (readFileSync(candidate, "utf8") === text) return candidate;
  }
  throw new Error(`too many traces named like ${path}`);
}

/** `path` relative to the working directory when it lies below it, else as given (for messages). */
export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
}
