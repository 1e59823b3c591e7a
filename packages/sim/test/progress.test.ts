import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli, WorkerPool } from "../src/cli/index.js";
import { ExploreProgressBar, runsInPart } from "../src/cli/progress.js";
import { exploreVariant, findVariant, type VariantResult } from "../src/index.js";
import type { ExploreProgress } from "../src/search/explore.js";
import { lostUpdate } from "./fixtures.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../../..");
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI (colours, cursor moves)
const ANSI = /\x1b(?:\[[0-9;?]*[A-Za-z]|[78])/g;

/** A terminal as cli-progress sees one: isTTY, a width, and every write kept. */
class FakeTty extends Writable {
  readonly isTTY = true;
  readonly columns = 120;
  readonly writes: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.writes.push(String(chunk));
    done();
  }
  /** The lines drawn (one per redraw), ANSI stripped. */
  lines(): string[] {
    return this.writes
      .map((w) => w.replace(ANSI, ""))
      .filter((w) => w.startsWith("explore") || /variants · /.test(w));
  }
}

describe("the explore progress bar", () => {
  it("draws nothing during the first second, then one throttled line, and clears it at stop", () => {
    const tty = new FakeTty();
    let t = 0;
    const bar = new ExploreProgressBar({ stream: tty, variants: 3, timeBudgetMs: 5000, now: () => t });
    bar.startVariant("lost-update/read-then-write", null);
    for (t = 0; t < 1000; t += 10) bar.update({ schedules: t, violation: false });
    expect(tty.writes).toEqual([]);
    t = 1000;
    bar.update({ schedules: 1234, violation: false });
    expect(tty.lines()).toEqual([
      // 120 columns: the name is shortened so that the line fits in 119
      "explore ▕░░░░░░░░░░░░▏ 0/3 variants · lost-update/read-… · 1,234 schedules · 1,234/s · 0 violations so far · ≤ 14s left",
    ]);
    // at most one redraw per 100 ms of the clock
    for (t = 1001; t < 1100; t += 10) bar.update({ schedules: t * 2, violation: false });
    expect(tty.lines()).toHaveLength(1);
    t = 1100;
    bar.update({ schedules: 2200, violation: true });
    expect(tty.lines().at(-1)).toBe(
      "explore ▕░░░░░░░░░░░░▏ 0/3 variants · lost-update/read-t… · 2,200 schedules · 2,000/s · 1 violation so far · ≤ 14s left",
    );
    bar.finishVariant("violation");
    t = 2000;
    bar.startVariant("lost-update/atomic-increment", null);
    t = 3000;
    bar.update({ schedules: 10, violation: true });
    // 1 variant done with a violation, plus the current one's; 4 s left of this variant + 5 s for the last one
    expect(tty.lines().at(-1)).toBe(
      "explore ▕████░░░░░░░░▏ 1/3 variants · lost-update/atomic-incre… · 10 schedules · 10/s · 2 violations so far · ≤ 9s left",
    );
    const before = tty.writes.length;
    bar.stop();
    const end = tty.writes.slice(before).join("");
    expect(end).toContain("\x1b[2K"); // the line is cleared
    expect(end.endsWith("\n")).toBe(false); // and no newline left behind
    const stopped = tty.writes.length;
    t = 5000;
    bar.startVariant("lost-update/other", null);
    bar.update({ schedules: 99, violation: false });
    bar.stop();
    expect(tty.writes.length).toBe(stopped);
    expect(bar.enabled).toBe(false);
  });

  it("estimates the time left in a seeded variant from its rate, and fits a narrow terminal", () => {
    const tty = Object.assign(new FakeTty(), { columns: 80 });
    let t = 0;
    const bar = new ExploreProgressBar({ stream: tty, variants: 2, now: () => t });
    bar.startVariant("heartbeat-vs-ack/retry-with-recheck", runsInPart(10_000, undefined));
    t = 2000;
    bar.update({ schedules: 4000, violation: false });
    expect(tty.lines()).toEqual([
      "0/2 variants · 4,000 schedules · 2,000/s · 0 violations so far · ~3s left",
    ]);
    const wide = Object.assign(new FakeTty(), { columns: 160 });
    t = 0;
    const bar2 = new ExploreProgressBar({ stream: wide, variants: 2, now: () => t });
    bar2.startVariant("heartbeat-vs-ack/retry-with-recheck", 10_000);
    t = 2000;
    bar2.update({ schedules: 4000, violation: false });
    expect(wide.lines()).toEqual([
      "explore ▕░░░░░░░░░░░░▏ 0/2 variants · heartbeat-vs-ack/retry-with-recheck · 4,000 schedules · 2,000/s · 0 violations so far · ~3s left in this variant",
    ]);
    bar.stop();
    bar2.stop();
  });

  it("exhaustive without a budget shows no time left", () => {
    const tty = new FakeTty();
    let t = 0;
    const bar = new ExploreProgressBar({ stream: tty, variants: 1, now: () => t });
    bar.startVariant("lost-update/atomic-increment", null);
    t = 1500;
    bar.update({ schedules: 30, violation: false });
    expect(tty.lines()[0]).toMatch(/· 30 schedules · 20\/s · 0 violations so far$/);
    bar.stop();
  });

  it("writes nothing when disabled: no stream, or a stream that is not a terminal", () => {
    const pipe = Object.assign(new FakeTty(), { isTTY: false });
    for (const stream of [undefined, pipe]) {
      let t = 0;
      const bar = new ExploreProgressBar({ stream, variants: 1, timeBudgetMs: 100, now: () => t });
      expect(bar.enabled).toBe(false);
      bar.startVariant("lost-update/atomic-increment", 10);
      for (t = 0; t < 3000; t += 50) bar.update({ schedules: t, violation: t > 2000 });
      bar.finishVariant("violation");
      bar.stop();
    }
    expect(pipe.writes).toEqual([]);
  });

  it("counts the runs of a shard", () => {
    expect(runsInPart(10, undefined)).toBe(10);
    expect(runsInPart(10, { index: 0, count: 3 })).toBe(4); // 0 3 6 9
    expect(runsInPart(10, { index: 2, count: 3 })).toBe(3); // 2 5 8
    expect(runsInPart(1, { index: 1, count: 2 })).toBe(0);
  });
});

/** A result without its wall-clock time, for comparing two explorations. */
function timeless(r: VariantResult) {
  return { ...r, elapsedMs: 0 };
}

describe("ExploreOptions.onProgress", () => {
  const cases = [
    ["random", "read-then-write", {}],
    ["random", "atomic-increment", {}],
    ["pct", "read-then-write", {}],
    ["exhaustive", "read-then-write", { bounds: { deviations: Number.POSITIVE_INFINITY } }],
    ["exhaustive", "atomic-increment", { bounds: { deviations: Number.POSITIVE_INFINITY } }],
    ["exhaustive", "atomic-increment", { bounds: { deviations: 2 } }],
  ] as const;
  for (const [strategy, name, extra] of cases) {
    it(`changes nothing and ends at the result's schedules (${strategy}, ${name}, ${JSON.stringify(extra)})`, () => {
      const { scenario, variant } = findVariant([lostUpdate], "lost-update", name);
      const options = { seed: 7, strategy, ...extra };
      const plain = exploreVariant(scenario, variant, options);
      const seen: ExploreProgress[] = [];
      const watched = exploreVariant(scenario, variant, { ...options, onProgress: (p) => seen.push(p) });
      expect(timeless(watched)).toEqual(timeless(plain));
      expect(seen.length).toBe(plain.schedules);
      expect(seen.map((p) => p.schedules)).toEqual(seen.map((_, i) => i + 1));
      expect(seen.at(-1)).toEqual({
        schedules: plain.schedules,
        steps: plain.steps,
        violation: plain.verdict === "violation",
      });
      expect(seen.slice(0, -1).every((p) => !p.violation)).toBe(true);
    });
  }
});

describe("WorkerPool.explore progress", () => {
  it("reports the workers' schedules through shared memory, ending at the result's count", async () => {
    const registry = join(import.meta.dirname, "registry-fixture.ts");
    const pool = new WorkerPool(2);
    try {
      for (const [name, options] of [
        ["atomic-increment", { seed: 9 }],
        ["read-then-write", { seed: 9, shrink: false }],
        ["atomic-increment", { seed: 9, strategy: "exhaustive", bounds: { deviations: 2 } }],
      ] as const) {
        const plain = await pool.explore(registry, "lost-update", name, options);
        const seen: { schedules: number; violation: boolean }[] = [];
        const watched = await pool.explore(registry, "lost-update", name, options, (p) => seen.push(p));
        // How many runs the other worker gets through before it sees an earlier violation depends on timing:
        // a violation's schedules count is compared with its own progress only.
        const same = (r: VariantResult) =>
          r.verdict === "violation" ? { ...timeless(r), schedules: 0, steps: 0 } : timeless(r);
        expect(same(watched)).toEqual(same(plain));
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.at(-1)).toEqual({
          schedules: watched.schedules,
          violation: watched.verdict === "violation",
        });
        const schedules = seen.map((p) => p.schedules);
        expect(schedules).toEqual([...schedules].sort((a, b) => a - b));
        // the poll timer is cleared: no report after the result
        const reports = seen.length;
        await new Promise((r) => setTimeout(r, 300));
        expect(seen.length).toBe(reports);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("interleave explore on a terminal", () => {
  const cli = [
    "node",
    "--conditions=source",
    "--import",
    "tsx",
    "packages/sim/src/cli/bin.ts",
    "explore",
    "sync-vs-reset",
    "--variant",
    "coordinator-entry-check",
    "--strategy",
    "exhaustive",
    "--deviations",
    "4",
    "--time-budget-ms",
    "2500",
    "--seed",
    "1",
  ];
  const env = () => {
    const { INIT_CWD: _cwd, CI: _ci, ...rest } = process.env;
    return rest;
  };
  /** Run `args` in a pseudo-terminal (util-linux `script`) 160 columns wide; stdout and stderr both go there. */
  const inTerminal = async (args: readonly string[]) => {
    const command = `stty cols 160; ${args.join(" ")}`;
    const r = await run("script", ["-qfec", command, "/dev/null"], { cwd: root, env: env() }).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    return r.stdout;
  };

  it("shows the progress line, not with --json or --no-progress, and never on a pipe", async () => {
    const traces = mkdtempSync(join(tmpdir(), "interleave-progress-"));
    const args = [...cli, "--traces-dir", traces];
    const [shown, json, off, piped] = await Promise.all([
      inTerminal(args),
      inTerminal([...args, "--json"]),
      inTerminal([...args, "--no-progress"]),
      run(args[0]!, args.slice(1), { cwd: root, env: env() }).catch(
        (e: { stdout: string; stderr: string }) => e,
      ),
    ]);
    const text = shown.replace(ANSI, "");
    expect(text).toMatch(
      /explore ▕[█░]+▏ 0\/1 variants · sync-vs-reset\/coordinator-entry-check · [\d,]+ schedules? · [\d,]+\/s · 0 violations so far · ≤ \d+s left/,
    );
    expect(shown).toContain("\x1b[2K"); // cleared before the table
    expect(text).toContain("interleave explore · base seed 1"); // the table follows
    for (const out of [json, off]) {
      expect(out).not.toMatch(/schedules? · [\d,]+\/s/);
      expect(out).not.toContain("variants ·");
    }
    expect(JSON.parse(json.replace(/^[^{]*/, "")).results[0].variant).toBe("coordinator-entry-check");
    // piped: never the bar; at most plain progress lines (one per 5 s, so how many depends on the machine)
    expect(piped.stderr).not.toContain("\x1b");
    for (const line of piped.stderr.split("\n").filter((l) => l !== ""))
      expect(line).toMatch(/^explore: \d+\/1 variants done · sync-vs-reset\/coordinator-entry-check · /);
    expect(piped.stdout).toContain("coordinator-entry-check");
    expect(piped.stdout).not.toContain("variants ·");
    expect(readdirSync(traces)).toEqual([]);
  }, 60_000);
});

describe("progress lines when the output is not a terminal", () => {
  /** A display writing lines, on a fake clock: no real waiting. */
  function lines(options: { stream?: FakeTty; lineIntervalMs?: number } = {}) {
    const written: string[] = [];
    let t = 0;
    const progress = new ExploreProgressBar({
      stream: options.stream,
      lines: (text) => written.push(text),
      variants: 2,
      now: () => t,
      ...(options.lineIntervalMs === undefined ? {} : { lineIntervalMs: options.lineIntervalMs }),
    });
    return { progress, written, at: (ms: number) => (t = ms) };
  }

  it("writes one line every 5 s: variants done, schedules done / total, violations so far, elapsed", () => {
    const { progress, written, at } = lines();
    progress.startVariant("lost-update/read-then-write", 10_000);
    at(1_000);
    progress.update({ schedules: 100, violation: false });
    at(4_999);
    progress.update({ schedules: 400, violation: false });
    expect(written).toEqual([]);
    at(5_000);
    progress.update({ schedules: 500, violation: true });
    expect(written).toEqual([
      "explore: 0/2 variants done · lost-update/read-then-write · 500/10,000 schedules · 1 violation so far · 5s elapsed\n",
    ]);
    progress.finishVariant("violation");
    progress.startVariant("lost-update/atomic-increment", null);
    at(7_000);
    progress.update({ schedules: 1_234, violation: false });
    expect(written).toHaveLength(1);
    at(10_000);
    progress.update({ schedules: 2_000, violation: false });
    expect(written[1]).toBe(
      "explore: 1/2 variants done · lost-update/atomic-increment · 2,000 schedules · 1 violation so far · 10s elapsed\n",
    );
    progress.stop();
    at(20_000);
    progress.update({ schedules: 3_000, violation: false });
    expect(written).toHaveLength(2);
  });

  it("draws the bar instead on a terminal, and writes no line", () => {
    const tty = new FakeTty();
    const { progress, written, at } = lines({ stream: tty });
    progress.startVariant("a/b", 100);
    at(6_000);
    progress.update({ schedules: 50, violation: false });
    progress.stop();
    expect(written).toEqual([]);
    expect(tty.lines().length).toBeGreaterThan(0);
  });

  it("explore writes none with --json, --quiet or --no-progress", async () => {
    for (const flag of ["--json", "--quiet", "--no-progress"]) {
      let stderr = "";
      let calls = 0;
      const cwd = mkdtempSync(join(tmpdir(), "interleave-progress-"));
      const code = await runCli(
        ["explore", "lost-update", "--variant", "atomic-increment", "--runs", "20", "--seed", "1", flag],
        {
          stdout: () => {},
          stderr: (text) => (stderr += text),
          progressLines: (text) => {
            calls++;
            stderr += text;
          },
          cwd,
        },
        { scenarios: [lostUpdate] },
      );
      expect(code).toBe(0);
      expect(stderr, flag).toBe("");
      expect(calls).toBe(0);
    }
  });
});
