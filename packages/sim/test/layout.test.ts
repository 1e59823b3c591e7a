/**
 * The simulator's layout holds (issue 18, ARCHITECTURE.md): `src/` has no loose file but `index.ts`, no file
 * over 500 lines, and the engine folders do no I/O — no `node:` module but `node:crypto` (the trace
 * fingerprint's SHA-256), no `process`, no `console`, and no import of `io/` or `cli/`. `view/` may read its
 * two asset files through `io/report-assets.ts`; `adapters/`, `io/` and `cli/` are the edges.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "../src");
const ENGINE = ["model", "strategy", "search", "replay", "statespace", "trace", "view", "lincheck"];
const LINES_MAX = 500;

/** Every .ts file below `dir`, as paths relative to src/. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith(".ts") ? [relative(src, path)] : [];
  });
}

/** The code of a file without its comments (so a docstring naming `process` does not count). */
const code = (path: string): string =>
  readFileSync(join(src, path), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");

describe("packages/sim/src layout", () => {
  it("has no loose file but index.ts", () => {
    const loose = readdirSync(src).filter((name) => !statSync(join(src, name)).isDirectory());
    expect(loose).toEqual(["index.ts"]);
  });

  it(`has no file over ${LINES_MAX} lines`, () => {
    const long = files(src)
      .map((path) => ({ path, lines: readFileSync(join(src, path), "utf8").split("\n").length - 1 }))
      .filter((file) => file.lines > LINES_MAX);
    expect(long).toEqual([]);
  });

  it.each(ENGINE)("%s/ does no I/O", (folder) => {
    const found: string[] = [];
    for (const path of files(join(src, folder))) {
      const text = code(path);
      for (const m of text.matchAll(/from "(node:[\w/]+)"/g)) {
        if (m[1] !== "node:crypto") found.push(`${path}: imports ${m[1]}`);
      }
      for (const m of text.matchAll(/from "((?:\.\.\/)+(?:io|cli)\/[\w.-]+)"/g)) {
        if (!(path === "view/html.ts" && m[1] === "../io/report-assets.js"))
          found.push(`${path}: imports ${m[1]}`);
      }
      if (/\bprocess\.\w|\bconsole\.\w/.test(text)) found.push(`${path}: uses process or console`);
    }
    expect(found).toEqual([]);
  });
});
