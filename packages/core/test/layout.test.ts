/** The core's files stay readable (issue 18): none over 600 lines. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const src = join(import.meta.dirname, "../src");

it("no core source file is over 600 lines", () => {
  const paths = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((path) =>
    path.endsWith(".ts"),
  );
  expect(paths.length).toBeGreaterThan(10);
  const long = paths
    .map((path) => ({ path, lines: readFileSync(join(src, path), "utf8").split("\n").length - 1 }))
    .filter((file) => file.lines > 600);
  expect(long).toEqual([]);
});
