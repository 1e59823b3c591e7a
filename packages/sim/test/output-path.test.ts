/**
 * Output locations are checked before anything runs (issue 20, "bad input"): a `--traces-dir` or report path
 * that cannot take files fails at once with exit 2 and one line naming it — nothing hangs on /proc — and a
 * write that fails after exploring still prints the results, then exits 2 naming the file.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TraceWriter } from "../src/cli/common.js";
import { runCli } from "../src/cli/index.js";
import type { Scenario } from "../src/index.js";
import { checkOutputDirectory, checkOutputFile } from "../src/io/output-path.js";
import { writeTrace } from "../src/io/trace-file.js";
import { lostUpdate } from "./fixtures.js";

const scenarios: readonly Scenario[] = [lostUpdate];

async function cli(args: string[], cwd: string, writer?: TraceWriter) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
    { scenarios, ...(writer === undefined ? {} : { writeTrace: writer }) },
  );
  return { code, stdout, stderr };
}

const temporary = () => mkdtempSync(join(tmpdir(), "interleave-out-"));

describe("output locations are checked before exploring", () => {
  const bad: readonly [string, (cwd: string) => string, RegExp][] = [
    [
      "a directory under /proc",
      () => "/proc/t",
      /--traces-dir \/proc\/t: \/proc is on the kernel's proc pseudo-filesystem/,
    ],
    ["a directory under /sys", () => "/sys/interleave-t", /\/sys is on the kernel's sysfs pseudo-filesystem/],
    [
      "a file where a directory is expected",
      (cwd) => {
        writeFileSync(join(cwd, "afile"), "x");
        return "afile";
      },
      /--traces-dir afile is not a directory$/,
    ],
    [
      "a directory below a file",
      (cwd) => {
        writeFileSync(join(cwd, "afile"), "x");
        return "afile/sub";
      },
      /--traces-dir afile\/sub: .*afile is not a directory$/,
    ],
  ];
  for (const [what, dirOf, message] of bad) {
    it(`explore --traces-dir <${what}> exits 2 with one line, before exploring`, async () => {
      const cwd = temporary();
      const dir = dirOf(cwd);
      const r = await cli(["explore", "--seed", "1", "--traces-dir", dir], cwd);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    });
  }

  it("soak --traces-dir /proc/t exits 2 with the same line", async () => {
    const r = await cli(["soak", "--schedules", "2", "--seeds", "1", "--traces-dir", "/proc/t"], temporary());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^interleave: --traces-dir \/proc\/t: \/proc is on the kernel's proc pseudo-filesystem/,
    );
  });

  it.skipIf(process.getuid?.() === 0)(
    "a read-only --traces-dir exits 2 naming it (not as root)",
    async () => {
      const cwd = temporary();
      mkdirSync(join(cwd, "ro"));
      chmodSync(join(cwd, "ro"), 0o555);
      const r = await cli(["explore", "--seed", "1", "--traces-dir", "ro"], cwd);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^interleave: --traces-dir ro is not writable \(EACCES\)$/);
    },
  );

  it("a directory that does not exist yet is fine (created when a trace is written), and the probe leaves nothing", () => {
    const cwd = temporary();
    checkOutputDirectory(cwd, "a/b/c", "--traces-dir");
    expect(existsSync(join(cwd, "a"))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("report --out checks its file's place: not a directory, not under /proc", async () => {
    const cwd = temporary();
    expect(() => checkOutputFile(cwd, "report")).toThrow(/^report .* is a directory, not a file$/);
    expect(() => checkOutputFile("/proc/x/report.html", "report")).toThrow(/proc pseudo-filesystem/);
    const found = await cli(["explore", "--seed", "1", "--json"], cwd);
    const trace = JSON.parse(found.stdout).results[0].trace as string;
    const r = await cli(["report", trace, "--out", "/proc/t/report.html"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^interleave: report \/proc\/t\/report\.html: \/proc is on the kernel's proc/,
    );
  });
});

describe("a write that fails after exploring", () => {
  const failing: TraceWriter = (path) => {
    throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
  };

  it("still prints the results table, then exits 2 naming the file", async () => {
    const cwd = temporary();
    const r = await cli(["explore", "--seed", "1", "--traces-dir", "out"], cwd, failing);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/read-then-write/);
    expect(r.stdout).toMatch(/atomic-increment/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^interleave: cannot write .*out\/lost-update\.read-then-write\.seed-\d+\.json: EACCES \(the results above stand/,
    );
  });

  it("with --json the document is printed too, then exit 2", async () => {
    const cwd = temporary();
    const r = await cli(["explore", "--seed", "1", "--json"], cwd, failing);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.results.map((x: { verdict: string }) => x.verdict)).toEqual(["violation", "pass"]);
    expect(doc.results[0].trace).toBeNull();
    expect(r.stderr).toMatch(/cannot write .*lost-update\.read-then-write/);
  });

  it("the default writer still writes (the injected writer replaces only the trace files)", async () => {
    const cwd = temporary();
    const r = await cli(["explore", "--seed", "1", "--json"], cwd, writeTrace);
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, JSON.parse(r.stdout).results[0].trace))).toBe(true);
  });
});
