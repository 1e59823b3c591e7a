/**
 * `interleave lincheck <history.jsonl>`: exit 0 for a linearizable Lease history, 1 with the failing window's
 * table for a lease granted to two holders, 2 with one stderr line for bad input, 3 when the budget runs out;
 * `--html` writes the verdict's page, replaces only its own pages and refuses a path it cannot use.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";

const cwd = mkdtempSync(join(tmpdir(), "interleave-lincheck-"));
const header = { format: "interleave-history", version: 1, machine: "Lease", config: { leaseTtlMs: 1_000 } };
const acquire = (holder: string, atMs: number, output: unknown, callMs: number, returnMs: number | null) => ({
  process: holder,
  input: { _tag: "Acquire", holder, atMs },
  ...(returnMs === null ? {} : { output }),
  callMs,
  returnMs,
});
const granted = (token: number, expiresAtMs: number) => ({
  _tag: "Granted",
  token,
  expiresAtMs,
  reclaimed: false,
});

/** Write a history file of these lines; returns its name. */
function file(name: string, lines: readonly unknown[], raw = ""): string {
  writeFileSync(join(cwd, name), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n${raw}`);
  return name;
}

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

const good = file("good.jsonl", [
  header,
  acquire("a", 5, granted(1, 1_005), 0, 10),
  acquire("b", 6, { _tag: "Busy", holder: "a", expiresAtMs: 1_005 }, 2, 12),
  acquire("c", 8, null, 3, null),
]);
const twoHolders = file("two-holders.jsonl", [
  header,
  acquire("a", 5, granted(1, 1_005), 0, 10),
  acquire("b", 6, granted(2, 1_006), 2, 12),
]);

describe("interleave lincheck", () => {
  it("exit 0 and one line for a linearizable history (a pending call included)", async () => {
    const r = await cli(["lincheck", good]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^linearizable: 3 ops against Lease/);
  });

  it("exit 1 and the failing window as a table for a lease granted to two holders", async () => {
    const r = await cli(["lincheck", twoHolders]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("not linearizable: after 1 ops linearized");
    expect(r.stdout).toMatch(/op\s+process\s+call\s+return\s+input\s+output\s+machine says/);
    expect(r.stdout).toContain('"_tag":"Busy"');
  });

  it("--json prints the verdict document", async () => {
    const r = await cli(["lincheck", twoHolders, "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe("not-linearizable");
    expect(doc.window.ops.map((o: { index: number }) => o.index).sort()).toEqual([0, 1]);
  });

  it("--machine and --config override the header; --partition-by checks each key alone", async () => {
    const fenced = file("fenced.jsonl", [
      { ...header, machine: "Nope" },
      {
        process: "n",
        input: { _tag: "Fence", token: 2, key: "k" },
        output: { _tag: "Fenced", token: 2 },
        callMs: 0,
        returnMs: 1,
      },
      {
        process: "o",
        input: { _tag: "Write", token: 1, value: 1, key: "j" },
        output: { _tag: "Accepted", token: 1 },
        callMs: 2,
        returnMs: 3,
      },
    ]);
    expect((await cli(["lincheck", fenced, "--machine", "FencedResource"])).code).toBe(1);
    expect(
      (await cli(["lincheck", fenced, "--machine", "FencedResource", "--partition-by", "key"])).code,
    ).toBe(0);
    expect((await cli(["lincheck", good, "--config", '{"leaseTtlMs":2000}'])).code).toBe(1);
  });

  it("exit 3 when the state budget runs out", async () => {
    const r = await cli(["lincheck", twoHolders, "--states-max", "1"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^unknown: /);
    expect((await cli(["lincheck", good, "--time-budget-ms", "60000"])).code).toBe(0);
  });

  it.each([
    ["a missing file", ["lincheck", "nope.jsonl"], /cannot read history file .*nope.jsonl: ENOENT/],
    [
      "a truncated file",
      ["lincheck", file("cut.jsonl", [header], '{"process":"a","inp')],
      /cut.jsonl:2 is not JSON \(the file looks truncated\)/,
    ],
    [
      "foreign JSON",
      ["lincheck", file("foreign.jsonl", [{ format: "interleave-trace" }])],
      /not an interleave history header/,
    ],
    [
      "an unknown machine",
      ["lincheck", good, "--machine", "Lock"],
      /unknown machine "Lock"; known: ClaimQueue/,
    ],
    [
      "a bad config",
      ["lincheck", good, "--config", '{"leaseTtlMs":0}'],
      /bad config for Lease: .*leaseTtlMs/,
    ],
    ["config that is not JSON", ["lincheck", good, "--config", "{"], /--config is not JSON/],
    [
      "a partition field no op has",
      ["lincheck", good, "--partition-by", "key"],
      /operation 0 has no input field "key"/,
    ],
  ])("exit 2 and one stderr line for %s", async (_, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("interleave lincheck --html", () => {
  const html = (name: string) => join(cwd, name);

  it("writes the failing window's page beside the table, and exit stays 1", async () => {
    const r = await cli(["lincheck", twoHolders, "--html", "two-holders.html"]);
    expect(r).toMatchObject({ code: 1, stderr: "" });
    expect(r.stdout).toContain("not linearizable: after 1 ops linearized");
    expect(r.stdout).toContain(`html written: ${html("two-holders.html")}\n`);
    const page = readFileSync(html("two-holders.html"), "utf8");
    expect(page).toContain('<meta name="generator" content="interleave report">');
    expect(page).toContain('data-verdict="not-linearizable"');
    expect(page).toContain('<div class="lin-lane" data-process="b">');
    expect(page).toMatch(/<div class="lin-op stuck" data-index="\d"/);
    expect(page).toContain("file two-holders.jsonl");
  });

  it("replaces its own page with the next verdict's (linearizable too); --json keeps stdout JSON", async () => {
    expect((await cli(["lincheck", twoHolders, "--html", "verdict.html"])).code).toBe(1);
    const r = await cli(["lincheck", good, "--html", "verdict.html", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe("linearizable");
    const page = readFileSync(html("verdict.html"), "utf8");
    expect(page).toContain('data-verdict="linearizable"');
    expect(page).not.toContain("lin-window");
  });

  it("refuses to overwrite an HTML file it did not write: exit 2, one line, the file untouched", async () => {
    const foreign = "<!doctype html><title>mine</title>\n";
    writeFileSync(html("foreign.html"), foreign);
    const r = await cli(["lincheck", twoHolders, "--html", "foreign.html"]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toBe(
      `interleave: ${html("foreign.html")} exists and is not an interleave report; pass --force to replace it\n`,
    );
    expect(readFileSync(html("foreign.html"), "utf8")).toBe(foreign);
    expect((await cli(["lincheck", twoHolders, "--html", "foreign.html", "--force"])).code).toBe(1);
    expect(readFileSync(html("foreign.html"), "utf8")).toContain('data-verdict="not-linearizable"');
  });

  it.each([
    [
      "a missing directory",
      ["--html", "no/such/dir/out.html"],
      /^interleave: cannot write .*no\/such\/dir\/out.html: the directory .*no\/such\/dir does not exist$/,
    ],
    [
      "the history file itself",
      ["--html", twoHolders],
      /^interleave: --html two-holders.jsonl would overwrite the history file$/,
    ],
  ])("exit 2 and one stderr line for %s, nothing written", async (_, flags, message) => {
    const r = await cli(["lincheck", twoHolders, ...flags]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(join(cwd, "no"))).toBe(false);
    expect(readFileSync(join(cwd, twoHolders), "utf8")).toMatch(/^\{"format":"interleave-history"/);
  });

  it("a bad --html path fails before the history is read", async () => {
    const r = await cli(["lincheck", "nope.jsonl", "--html", "no/out.html"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the directory .*no does not exist/);
  });
});
