/**
 * The results tables of `explore`, `soak` and `check`, fitted to the terminal: a bordered table whose widest
 * columns are wrapped at word boundaries until it fits `width`, or — when even the narrowest wrapping is too
 * wide — one block per record of `key: value` lines. Nothing is cut: every cell's text is shown in full.
 * Output depends only on the rows and the width.
 */
import Table from "cli-table3";
import pc from "picocolors";

/** Width used when the output is not a terminal and `COLUMNS` is not set. */
export const TABLE_WIDTH_DEFAULT = 100;

/**
 * The width output is fitted to: `COLUMNS` when it is a positive integer (the user's explicit choice), else the
 * terminal's width when stdout is one, else undefined (callers fall back on {@link TABLE_WIDTH_DEFAULT}).
 */
export function outputColumns(
  env: { readonly COLUMNS?: string | undefined },
  stdout: { readonly isTTY?: boolean; readonly columns?: number },
): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS !== undefined && /^\d+$/.test(env.COLUMNS.trim()) && fromEnv > 0) return fromEnv;
  return stdout.isTTY === true && stdout.columns !== undefined && stdout.columns > 0
    ? stdout.columns
    : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI colour codes.
const ANSI = /\u001b\[[0-9;]*m/g;

/** Characters a string takes on screen (ANSI colour codes left out; every other code point counts one). */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** Shortest content width a column may be wrapped to, below which stacking is preferred. */
const COLUMN_CHARS_MIN = 6;

/**
 * `text` wrapped at spaces into lines of at most `width` visible characters; a word longer than `width` is
 * split (so nothing is cut). Existing newlines are kept.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      let w = word;
      while (visibleLength(w) > width) {
        if (line !== "") {
          out.push(line);
          line = "";
        }
        const [head, tail] = splitVisible(w, width);
        out.push(head);
        w = tail;
      }
      const candidate = line === "" ? w : `${line} ${w}`;
      if (visibleLength(candidate) <= width) line = candidate;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/** The first `width` visible characters of `text` (its ANSI codes kept) and the rest. */
function splitVisible(text: string, width: number): [string, string] {
  let seen = 0;
  let i = 0;
  while (i < text.length && seen < width) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: skips an ANSI colour code.
    const m = /^\u001b\[[0-9;]*m/.exec(text.slice(i));
    if (m !== null) {
      i += m[0].length;
      continue;
    }
    const cp = text.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    seen++;
  }
  return [text.slice(0, i), text.slice(i)];
}

/** The longest word (visible characters) of a cell. */
function longestWord(text: string): number {
  return Math.max(0, ...text.split(/[ \n]/).map(visibleLength));
}

/** The widest line (visible characters) of a cell. */
function widestLine(text: string): number {
  return Math.max(0, ...text.split("\n").map(visibleLength));
}

export interface FitTableOptions {
  /** Column headings, plain text (drawn bold). */
  readonly head: readonly string[];
  /** One array of cell texts per record, as many as `head`. */
  readonly rows: readonly (readonly string[])[];
  /** Width in characters that no line may exceed. */
  readonly width: number;
}

/**
 * The table (no trailing newline) in at most `width` characters per line:
 *
 * - every column at its natural width when that fits;
 * - else the widest columns wrapped at word boundaries, one character at a time from the widest, never below
 *   the longest word of the column (nor {@link COLUMN_CHARS_MIN});
 * - else stacked: one block per record, one `key: value` line per column with the keys aligned, values wrapped
 *   under themselves, a blank line between blocks and after the last.
 */
export function fitTable(options: FitTableOptions): string {
  const { head, rows, width } = options;
  const n = head.length;
  const natural = head.map((h, i) => Math.max(widestLine(h), ...rows.map((r) => widestLine(r[i] ?? ""))));
  const minimum = head.map((h, i) =>
    Math.min(
      natural[i]!,
      Math.max(COLUMN_CHARS_MIN, longestWord(h), ...rows.map((r) => longestWord(r[i] ?? ""))),
    ),
  );
  // content + one space of padding each side + one border per column + the closing border
  const tableWidth = (ws: readonly number[]) => ws.reduce((a, w) => a + w + 3, 1);
  const widths = [...natural];
  while (tableWidth(widths) > width) {
    let widest = -1;
    for (let i = 0; i < n; i++)
      if (widths[i]! > minimum[i]! && (widest === -1 || widths[i]! > widths[widest]!)) widest = i;
    if (widest === -1) return stacked(head, rows, width);
    widths[widest]!--;
  }
  const table = new Table({
    head: head.map((h, i) => pc.bold(wrapText(h, widths[i]!).join("\n"))),
    colWidths: widths.map((w) => w + 2),
    wordWrap: false,
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push(r.map((cell, i) => wrapText(cell, widths[i]!).join("\n")));
  return table.toString();
}

/** One block per record of `key: value` lines, within `width` (see {@link fitTable}). */
function stacked(head: readonly string[], rows: readonly (readonly string[])[], width: number): string {
  const keyWidth = Math.max(...head.map((h) => visibleLength(h) + 1));
  // values start after the keys; on a very narrow terminal they go on the next lines, indented by two
  const inline = width - keyWidth - 1 >= 20;
  const blocks = rows.map((r) =>
    head
      .flatMap((h, i) => {
        const key = pc.bold(`${h}:`);
        const cell = r[i] ?? "";
        if (!inline) return [key, ...wrapText(cell, width - 2).map((l) => `  ${l}`)];
        const pad = " ".repeat(keyWidth - visibleLength(h));
        const [first, ...more] = wrapText(cell, width - keyWidth - 1);
        return [`${key}${pad}${first}`, ...more.map((l) => `${" ".repeat(keyWidth + 1)}${l}`)];
      })
      .join("\n"),
  );
  // a blank line after the last block too, so the text that follows does not read as one more field
  return `${blocks.join("\n\n")}\n`;
}

/**
 * A line of prose below a table, wrapped at spaces to `width` with its continuation lines indented by `indent`
 * spaces (joined by newlines). Commands to paste are not passed through it: they stay one line each.
 */
export function wrapProse(line: string, width: number, indent: number): string {
  const lead = /^ */.exec(line)![0];
  const [head = "", ...rest] = wrapText(line.slice(lead.length), Math.max(1, width - lead.length));
  const first = `${lead}${head}`;
  const more = rest.join(" ");
  if (more === "") return first;
  const pad = " ".repeat(indent);
  return [first, ...wrapText(more, Math.max(1, width - indent)).map((l) => `${pad}${l}`)].join("\n");
}
