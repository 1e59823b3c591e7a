/**
 * The results tables fit the terminal (cli/table.ts): at 80, 100 and 200 columns no line of `explore`'s table
 * is wider than the terminal and every cell's text is still there — a bordered table with wrapped columns when
 * it fits, one `key: value` block per record when it does not. Also `COLUMNS` and the non-terminal default.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import {
  fitTable,
  outputColumns,
  TABLE_WIDTH_DEFAULT,
  visibleLength,
  wrapProse,
  wrapText,
} from "../src/cli/table.js";
import type { Scenario } from "../src/index.js";
import { lostUpdate } from "./fixtures.js";

const HEAD = [
  "scenario",
  "variant",
  "expect",
  "verdict",
  "property violated",
  "strategy",
  "schedules",
  "states",
  "elapsed",
  "seed",
];
const ROWS = [
  [
    "heartbeat-vs-ack",
    "updated-at-guard",
    "violation",
    "✓ violation",
    "every enqueued scope is acked or dead-lettered within 240 s",
    "random (default)",
    "1",
    "—",
    "3.08s",
    "1",
  ],
  [
    "heartbeat-vs-ack",
    "retry-without-recheck",
    "violation",
    "✓ violation",
    "a claimed item is only mutated by its current holder",
    "random (default)",
    "49",
    "—",
    "0.54s",
    "3517234430",
  ],
  ["sync-vs-reset", "serial", "pass", "✓ pass (sampled)", "—", "pct(d=3)", "10000", "—", "4.76s", "1"],
];

/** Every word of every cell and heading, in order of appearance. */
const words = (cells: readonly string[]) => cells.flatMap((c) => c.split(" "));

function expectFits(text: string, width: number): void {
  for (const line of text.split("\n")) expect(visibleLength(line), line).toBeLessThanOrEqual(width);
}

function expectAllThere(text: string): void {
  const flat = stripVTControlCharacters(text);
  for (const w of words([...HEAD.flatMap((h) => h.split(" ")), ...ROWS.flat()])) expect(flat).toContain(w);
  // a wrapped cell keeps its words in order within its column
  for (const row of ROWS) expect(flat).toContain(row[9]);
}

describe("fitTable", () => {
  it("at 200 columns: one bordered table, the property column wrapped, nothing cut", () => {
    const text = fitTable({ head: HEAD, rows: ROWS, width: 200 });
    expectFits(text, 200);
    expectAllThere(text);
    expect(text.startsWith("┌")).toBe(true);
    expect(text).not.toContain("…");
  });

  for (const width of [100, 80]) {
    it(`at ${width} columns: stacked, one block of key: value lines per record`, () => {
      const text = fitTable({ head: HEAD, rows: ROWS, width });
      expectFits(text, width);
      expectAllThere(text);
      const blocks = stripVTControlCharacters(text).split("\n\n");
      expect(blocks).toHaveLength(ROWS.length);
      expect(blocks[1]).toMatch(/^scenario: +heartbeat-vs-ack\nvariant: +retry-without-recheck\n/);
      expect(blocks[1]).toContain("property violated: a claimed item is only mutated by its current holder");
      expect(blocks[1]).toMatch(/\nseed: +3517234430$/);
    });
  }

  it("wraps columns before it stacks, when the shortest words allow a table", () => {
    const text = fitTable({
      head: ["model", "invariant violated"],
      rows: [["lease", "at most one holder at a time, and its fencing token is the newest"]],
      width: 40,
    });
    expectFits(text, 40);
    expect(text.startsWith("┌")).toBe(true);
    expect(stripVTControlCharacters(text).replace(/[│\s]+/g, " ")).toContain(
      "at most one holder at a time, and its fencing token is the newest",
    );
  });

  it("wrapProse keeps the line's indent and indents what follows", () => {
    expect(wrapProse("  a / b: sampled — 10,000 schedules of random", 24, 4)).toBe(
      "  a / b: sampled —\n    10,000 schedules of\n    random",
    );
  });

  it("splits a word longer than the width instead of cutting it", () => {
    expect(wrapText("abcdefghij klm", 4)).toEqual(["abcd", "efgh", "ij", "klm"]);
  });
});

describe("the width", () => {
  it("COLUMNS first, then the terminal's, else none (the tables use TABLE_WIDTH_DEFAULT)", () => {
    expect(outputColumns({ COLUMNS: "72" }, { isTTY: true, columns: 150 })).toBe(72);
    expect(outputColumns({}, { isTTY: true, columns: 150 })).toBe(150);
    expect(outputColumns({ COLUMNS: "wide" }, { isTTY: false })).toBeUndefined();
    expect(outputColumns({}, { isTTY: false, columns: 150 })).toBeUndefined();
    expect(TABLE_WIDTH_DEFAULT).toBe(100);
  });
});

describe("interleave explore's table at 80, 100 and 200 columns", () => {
  const scenarios: readonly Scenario[] = [lostUpdate];
  async function explore(columns: number | undefined) {
    let stdout = "";
    const cwd = mkdtempSync(join(tmpdir(), "interleave-table-"));
    const code = await runCli(
      ["explore", "--seed", "5"],
      { stdout: (t) => (stdout += t), stderr: () => {}, cwd, columns },
      { scenarios },
    );
    expect(code).toBe(0);
    const text = stripVTControlCharacters(stdout);
    // the table: after the header line, up to the first line of prose
    const lines = text.split("\n");
    const end = lines.findIndex((l) => /^(What each pass means|Counterexamples)/.test(l));
    return { text, table: lines.slice(1, end).join("\n") };
  }

  for (const width of [80, 100, 200]) {
    it(`at ${width}: no table line wider than ${width}, every cell present`, async () => {
      const { table } = await explore(width);
      expectFits(table, width);
      for (const w of [
        "lost-update",
        "read-then-write",
        "atomic-increment",
        "violation",
        "every",
        "increment",
        "counted",
        "random",
        "(default)",
        "(sampled)",
      ])
        expect(table).toContain(w);
      for (const h of ["scenario", "variant", "expect", "verdict", "strategy", "schedules", "states", "seed"])
        expect(table).toContain(h);
    });
  }

  it("wraps the prose below the table too; only the commands to paste stay one line", async () => {
    const { text } = await explore(80);
    // The commands to paste (`npx interleave replay …`, or `pnpm …` inside this repository) stay one line.
    const prose = text.split("\n").filter((l) => !/\b(pnpm|npx interleave) /.test(l));
    expectFits(prose.join("\n"), 80);
    expect(text).toMatch(/\n {2}lost-update \/ atomic-increment: sampled — /);
  });

  it("without a width (not a terminal, no COLUMNS) it fits 100 columns", async () => {
    const { table } = await explore(undefined);
    expectFits(table, TABLE_WIDTH_DEFAULT);
  });
});
