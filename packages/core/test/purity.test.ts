// Keeps packages/core/src pure: no clock, randomness, timers, promises, process, console or non-relative
// imports (TigerBeetle's tidy.zig bans such constructs the same way). Comments are ignored; strings are not.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = fileURLToPath(new URL("../src", import.meta.url));

/** One banned construct found in a source file. */
interface Finding {
  readonly offset: number;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

/** Banned constructs; each pattern runs against code with comments blanked out. */
const BANNED: readonly { readonly rule: string; readonly pattern: RegExp }[] = [
  { rule: "Date (read time from atMs)", pattern: /\bDate\b/g },
  { rule: "performance.", pattern: /\bperformance\s*\./g },
  { rule: "Math.random", pattern: /\bMath\s*\.\s*random\b/g },
  { rule: "setTimeout", pattern: /\bsetTimeout\b/g },
  { rule: "setInterval", pattern: /\bsetInterval\b/g },
  { rule: "setImmediate", pattern: /\bsetImmediate\b/g },
  { rule: "queueMicrotask", pattern: /\bqueueMicrotask\b/g },
  { rule: "Promise", pattern: /\bPromise\b/g },
  { rule: "async", pattern: /\basync\s/g },
  { rule: "await", pattern: /\bawait\s/g },
  { rule: "process.", pattern: /\bprocess\s*\./g },
  { rule: "console.", pattern: /\bconsole\s*\./g },
  { rule: "require(", pattern: /\brequire\s*\(/g },
  { rule: "dynamic import(", pattern: /\bimport\s*\(/g },
];

/** `import ... from "x"`, `export ... from "x"` and `import "x"`, possibly spanning lines. */
const MODULE_SPECIFIER = /\b(?:import|export)\b(?:[^;"'`]*?\bfrom)?\s*(["'])([^"']*)\1/g;

/**
 * `code` with `//` and `/* *\/` comments replaced by spaces (newlines kept, so line numbers hold).
 * String and template literals are skipped so that `"http://x"` is not taken for a comment.
 */
function stripComments(code: string): string {
  let out = "";
  let index = 0;
  while (index < code.length) {
    const char = code[index]!;
    const next = code[index + 1];
    if (char === "/" && next === "/") {
      const end = code.indexOf("\n", index);
      const stop = end === -1 ? code.length : end;
      out += " ".repeat(stop - index);
      index = stop;
    } else if (char === "/" && next === "*") {
      const end = code.indexOf("*/", index + 2);
      const stop = end === -1 ? code.length : end + 2;
      out += code.slice(index, stop).replace(/[^\n]/g, " ");
      index = stop;
    } else if (char === '"' || char === "'" || char === "`") {
      let stop = index + 1;
      while (stop < code.length && code[stop] !== char) {
        stop += code[stop] === "\\" ? 2 : 1;
      }
      out += code.slice(index, stop + 1);
      index = stop + 1;
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}

function lineAt(code: string, offset: number): number {
  return code.slice(0, offset).split("\n").length;
}

/**
 * Every banned construct in `code`, a source file at `filePath` under `root`: the rules above, plus
 * imports whose specifier is not relative or that resolve outside `root`.
 */
function scan(code: string, filePath: string, root: string): Finding[] {
  const stripped = stripComments(code);
  const lines = code.split("\n");
  const findings: Finding[] = [];
  const report = (offset: number, rule: string) => {
    const line = lineAt(stripped, offset);
    findings.push({ offset, line, rule, text: lines[line - 1]?.trim() ?? "" });
  };
  for (const { rule, pattern } of BANNED) {
    for (const match of stripped.matchAll(pattern)) {
      report(match.index, rule);
    }
  }
  for (const match of stripped.matchAll(MODULE_SPECIFIER)) {
    const specifier = match[2] ?? "";
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
      report(match.index, `non-relative import "${specifier}"`);
    } else if (relative(root, resolve(dirname(filePath), specifier)).startsWith(`..${sep}`)) {
      report(match.index, `import "${specifier}" leaves ${root}`);
    }
  }
  return findings.sort((a, b) => a.offset - b.offset);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(dir, name))
    .sort();
}

describe("purity of packages/core/src", () => {
  const files = sourceFiles(srcDir);

  it("has source files to check", () => {
    expect(files.map((file) => relative(srcDir, file))).toEqual(
      expect.arrayContaining(["index.ts", "assert.ts", "machine.ts", "lease.ts", "claim-queue.ts"]),
    );
  });

  it.each(files.map((file) => [relative(srcDir, file), file]))(
    "%s uses no clock, randomness, timers or I/O",
    (_name, file) => {
      const findings = scan(readFileSync(file, "utf8"), file, srcDir).map(
        ({ line, rule, text }) => `${relative(srcDir, file)}:${line}: ${rule}: ${text}`,
      );
      expect(findings).toEqual([]);
    },
  );
});

describe("the purity scanner", () => {
  const root = "/pkg/src";
  const at = (code: string) =>
    scan(code, "/pkg/src/machine.ts", root).map(({ line, rule }) => `${line}: ${rule}`);

  it("finds banned constructs, naming the line", () => {
    expect(at("const a = 1;\nconst now = Date.now();\n")).toEqual(["2: Date (read time from atMs)"]);
    expect(at("const r = Math.random();")).toEqual(["1: Math.random"]);
    expect(at("async function f() { await g(); }")).toEqual(["1: async", "1: await"]);
    expect(at("new Promise(() => setTimeout(f, 1));")).toEqual(["1: Promise", "1: setTimeout"]);
    expect(at("process.env.X; console.log(1); require('fs');")).toEqual([
      "1: process.",
      "1: console.",
      "1: require(",
    ]);
  });

  it("finds non-relative imports and relative imports that leave src", () => {
    expect(at('import { readFileSync } from "node:fs";')).toEqual(['1: non-relative import "node:fs"']);
    expect(at('import {\n  x,\n} from "fast-check";')).toEqual(['1: non-relative import "fast-check"']);
    expect(at('export * as Lease from "lodash";')).toEqual(['1: non-relative import "lodash"']);
    expect(at('import "reflect-metadata";')).toEqual(['1: non-relative import "reflect-metadata"']);
    expect(at('import { y } from "../../sim/src/index.js";')).toEqual([
      '1: import "../../sim/src/index.js" leaves /pkg/src',
    ]);
    expect(at('const m = import("./lease.js");')).toEqual(["1: dynamic import("]);
  });

  it("accepts relative imports and ignores comments, but not strings", () => {
    expect(at('import { assert } from "./assert.js";\nexport type { T } from "./internal/t.js";')).toEqual(
      [],
    );
    expect(at("// Date.now() is banned\n/* Math.random()\n console.log */ const a = 1;")).toEqual([]);
    expect(at('const url = "http://example.com"; const d = Date;')).toEqual([
      "1: Date (read time from atMs)",
    ]);
    expect(at('const s = "no Date here";')).toEqual(["1: Date (read time from atMs)"]);
    expect(at("const updatedAtMs = 1; const isDateLike = false;")).toEqual([]);
  });
});
