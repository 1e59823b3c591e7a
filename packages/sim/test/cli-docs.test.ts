/**
 * The guides cannot fall behind the CLI: every long option of every command's `--help` is documented in
 * docs/cli.md (in that command's section), every command has a heading there, and README.md links the guides
 * (every `docs/*.md` it names exists). Relative links inside the guides point at files that exist.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cliDoc = readFileSync(join(root, "docs/cli.md"), "utf8");
const GUIDES = [
  "docs/authoring.md",
  "docs/replay.md",
  "docs/properties.md",
  "docs/cli.md",
  "docs/linearizability.md",
];

/** What `interleave <argv>` prints on stdout (ANSI codes stripped), and its exit code. */
async function help(argv: string[]): Promise<{ code: number; text: string }> {
  let out = "";
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd: root });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes.
  return { code, text: out.replace(/\u001b\[[0-9;]*m/g, "") };
}

/** The commands `interleave --help` lists under "Commands:". */
async function commands(): Promise<string[]> {
  const { text } = await help(["--help"]);
  const section = text.split(/^Commands:$/m)[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

/** The part of docs/cli.md under the `##`/`###` heading naming `interleave <command>`, up to the next such heading. */
function sectionOf(command: string): string {
  const lines = cliDoc.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^#{2,3} .*\\binterleave ${command}\\b`).test(l));
  if (start < 0) return "";
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

describe("docs/cli.md documents the CLI", () => {
  it("interleave --help lists the commands, and each has a ## or ### heading in docs/cli.md", async () => {
    const listed = await commands();
    expect(listed).toEqual(
      expect.arrayContaining(["explore", "replay", "check", "report", "soak", "lincheck"]),
    );
    for (const command of listed) {
      expect(cliDoc, `a heading for "${command}"`).toMatch(new RegExp(`^#{2,3} .*\\b${command}\\b`, "m"));
    }
  });

  for (const command of ["explore", "replay", "check", "report", "soak", "lincheck"]) {
    it(`every long option of "interleave ${command} --help" appears in docs/cli.md's ${command} section`, async () => {
      const { code, text } = await help([command, "--help"]);
      expect(code).toBe(0);
      const options = [...new Set([...text.matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0]))].filter(
        (o) => o !== "--help",
      );
      expect(options.length).toBeGreaterThan(0);
      const section = sectionOf(command);
      expect(section, `docs/cli.md has no "interleave ${command}" heading`).not.toBe("");
      const missing = options.filter((o) => !new RegExp(`${o}(?![a-z0-9-])`).test(section));
      expect(missing, `options of ${command} missing from docs/cli.md`).toEqual([]);
    });
  }
});

describe("README.md links the guides", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");

  it("every docs/*.md it names exists", () => {
    const named = [...new Set([...readme.matchAll(/docs\/[\w.-]+\.md/g)].map((m) => m[0]))];
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) expect(existsSync(join(root, path)), path).toBe(true);
  });

  it("links the guides and the benchmarks", () => {
    for (const path of [...GUIDES, "docs/benchmarks.md"]) expect(readme).toContain(`](${path})`);
  });
});

describe("the guides' relative links", () => {
  for (const guide of GUIDES) {
    it(`${guide}: every relative link points at a file that exists`, () => {
      const text = readFileSync(join(root, guide), "utf8").replace(/^```[\s\S]*?^```$/gm, "");
      const targets = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1]!)
        .filter((t) => !/^[a-z]+:/.test(t));
      for (const target of targets) {
        expect(existsSync(resolve(dirname(join(root, guide)), target)), `${guide} → ${target}`).toBe(true);
      }
    });
  }
});
