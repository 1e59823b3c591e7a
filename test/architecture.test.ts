/**
 * ARCHITECTURE.md matches the tree: every repository path it names exists, every file a row of its tables
 * names exists in that row's folder, and every folder of the simulator, the runtime and the scenarios is
 * described there — so a moved file or a new folder fails here until the page says so.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const doc = readFileSync(join(root, "ARCHITECTURE.md"), "utf8");
const ROOTS = ["packages/", "scenarios/", "bench/", "examples/", "docs/", "test/"];

/** Backticked spans of `text`, e.g. "`packages/core/src`" → "packages/core/src". */
const spans = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
const folders = (dir: string): string[] =>
  readdirSync(join(root, dir)).filter((name) => statSync(join(root, dir, name)).isDirectory());
const tableRows = (): string[][] =>
  doc
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| ---"))
    .map((line) => line.split("|").slice(1, -1));

describe("ARCHITECTURE.md matches the tree", () => {
  it("every repository path it names exists", () => {
    const named = spans(doc)
      .map((span) => span.split(/\s/)[0] ?? "")
      .filter((span) => ROOTS.some((prefix) => span.startsWith(prefix)) && !/[<>*]/.test(span));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it("every .ts or .lua file a table row names exists under the row's folder", () => {
    const missing: string[] = [];
    for (const row of tableRows()) {
      const folder = spans(row.join("|")).find(
        (span) => ROOTS.some((prefix) => span.startsWith(prefix)) && existsSync(join(root, span)),
      );
      if (folder === undefined) continue;
      for (const span of spans(row.join("|"))) {
        for (const name of span.split(/[\s,()]+/)) {
          if (!/^[\w./-]+\.(ts|lua)$/.test(name) || ROOTS.some((prefix) => name.startsWith(prefix))) continue;
          if (!existsSync(join(root, folder, name))) missing.push(`${folder} ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("names every folder of packages/sim/src, packages/runtime-redis/src and scenarios/", () => {
    const expected = [
      ...folders("packages/sim/src").map((name) => `packages/sim/src/${name}`),
      ...folders("packages/runtime-redis/src").map((name) => `${name}/`),
      ...folders("scenarios")
        .filter((name) => name !== "node_modules" && name !== "support")
        .map((name) => `scenarios/${name}/`),
    ];
    const text = doc.replaceAll("`, `", "` `");
    const absent = expected.filter((path) => {
      const simLeaf = path.startsWith("packages/sim/src/") ? `\`${path.split("/").at(-1)}\`` : null;
      return !text.includes(`\`${path}`) && (simLeaf === null || !text.includes(simLeaf));
    });
    expect(absent).toEqual([]);
  });
});
