/**
 * README's "Use it in your own repository" cannot fall behind the CLI (issue 20): every `npx interleave
 * <command> …` it shows names a command that exists with options its `--help` lists, `explore` has the
 * `--shard` the CI matrix uses and `soak` has none (the section says so), and the scenario and the
 * assertVariant test it shows are examples/first-race's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.split("## Use it in your own repository")[1]?.split(/^## /m)[0] ?? "";

/** What `interleave <command> --help` prints (ANSI codes stripped). */
async function helpOf(command: string): Promise<string> {
  let out = "";
  await runCli([command, "--help"], { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd: root });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes.
  return out.replace(/\u001b\[[0-9;]*m/g, "");
}

describe('README "Use it in your own repository"', () => {
  it("exists", () => {
    expect(section.length).toBeGreaterThan(1_000);
  });

  it("shows only commands and options the CLI has", async () => {
    const uses = [...section.matchAll(/npx interleave ([a-z]+)([^\n`]*)/g)];
    expect(uses.length).toBeGreaterThanOrEqual(5);
    for (const [line, command, rest] of uses) {
      const help = await helpOf(command!);
      expect(help, line).toContain(`interleave ${command}`);
      for (const [option] of rest!.matchAll(/--[a-z][a-z-]*/g))
        expect(help, `${line}: ${option}`).toContain(option);
    }
  });

  it("says explore has --shard and soak has not, as the CLI does", async () => {
    expect(section).toMatch(/--shard \$\{\{ matrix\.shard \}\}\/4 --seed /);
    expect(section).toContain("`soak` has no `--shard`");
    expect(await helpOf("explore")).toContain("--shard <i/n>");
    expect(await helpOf("soak")).not.toContain("--shard");
  });

  it("shows examples/first-race's registry and both of its variants", () => {
    const scenario = readFileSync(join(root, "examples/first-race/scenarios/nightly-report.ts"), "utf8");
    for (const variant of section.matchAll(/assertVariant\(nightlyReport, "([a-z-]+)"\)/g)) {
      expect(scenario).toContain(`"${variant[1]}": {`);
    }
    expect([...section.matchAll(/assertVariant\(nightlyReport/g)]).toHaveLength(2);
  });
});
