import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { ExploreProgressBar } from "../src/cli/progress.js";
import { baseSeedOf, SOAK_SEED_SALT, schedulesOfSeed } from "../src/cli/soak-seeds.js";
import { defineScenario, type Scenario, sleep } from "../src/index.js";
import { runSeed } from "../src/search/index.js";
import { lostUpdate, rareLostUpdate } from "./fixtures.js";

const scenarios: readonly Scenario[] = [lostUpdate, rareLostUpdate];
const registry = join(import.meta.dirname, "soak-registry-fixture.ts");

async function cli(args: string[], cwd: string, injected: readonly Scenario[] = scenarios) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    // 200 columns: these tests read the bordered table's rows (narrower, it is stacked; see table.test.ts)
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, columns: 200 },
    { scenarios: injected },
  );
  return { code, stdout: stripVTControlCharacters(stdout), stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), "interleave-soak-"));

interface SoakResult {
  scenario: string;
  variant: string;
  verdict: string;
  strength: string | null;
  seed: number | null;
  baseSeed: number | null;
  runIndex: number | null;
  schedules: number;
  baseSeeds: number;
  strategy: string;
  elapsedMs: number;
  stoppedBy: string | null;
  trace: string | null;
  originalTrace: string | null;
}

/** A JSON document without its wall-clock times, for comparing two soaks. */
function timeless(doc: { results: SoakResult[] }) {
  return { ...doc, results: doc.results.map((r) => ({ ...r, elapsedMs: 0 })) };
}

describe("base seeds and their shares", () => {
  it("base seed 0 is the root seed; the others are distinct and none is a run seed of base seed 0", () => {
    const seeds = Array.from({ length: 20 }, (_, i) => baseSeedOf(3530409179, i));
    expect(seeds[0]).toBe(3530409179);
    expect(new Set(seeds).size).toBe(20);
    for (const s of seeds) expect(s >>> 0).toBe(s);
    expect(seeds[3]).toBe(runSeed((3530409179 ^ SOAK_SEED_SALT) >>> 0, 3));
    const runsOfFirst = new Set(Array.from({ length: 50_000 }, (_, i) => runSeed(3530409179, i)));
    expect(seeds.slice(1).filter((s) => runsOfFirst.has(s))).toEqual([]);
  });

  it("the first N mod K base seeds run ⌈N/K⌉ schedules, the others ⌊N/K⌋: N in all", () => {
    expect(Array.from({ length: 4 }, (_, i) => schedulesOfSeed(1003, 4, i))).toEqual([251, 251, 251, 250]);
    expect(Array.from({ length: 5 }, (_, i) => schedulesOfSeed(50_000, 5, i))).toEqual(Array(5).fill(10_000));
  });
});

describe("interleave soak", () => {
  it("soaks the pass variants of every scenario named, and names them in the re-run command", async () => {
    const cwd = tmp();
    const r = await cli(
      ["soak", "rare-lost-update", "lost-update", "--schedules", "20", "--seeds", "2", "--seed", "1"],
      cwd,
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(
      (
        await cli(
          [
            "soak",
            "rare-lost-update",
            "lost-update",
            "--schedules",
            "20",
            "--seeds",
            "2",
            "--seed",
            "1",
            "--json",
          ],
          cwd,
        )
      ).stdout,
    );
    expect(doc.results.map((x: SoakResult) => `${x.scenario}/${x.variant}`)).toEqual([
      "rare-lost-update/spread-start",
      "rare-lost-update/atomic-increment",
      "lost-update/atomic-increment",
    ]);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe(
      "Re-run exactly: npx interleave soak rare-lost-update lost-update --schedules 20 --seeds 2 --seed 1",
    );
  });

  it("soaks a pass variant over K base seeds: N schedules, pass (sampled), what that means, how to re-run it", async () => {
    const cwd = tmp();
    const r = await cli(["soak", "lost-update", "--schedules", "1003", "--seeds", "4", "--seed", "1"], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      "interleave soak · root seed 1 · 1,003 schedules per pass variant over 4 base seeds (the first 3 run 251, the other 1 run 250)",
    );
    const row = r.stdout.split("\n").find((l) => l.includes("atomic-increment") && l.includes("│"))!;
    expect(row.split("│").map((c) => c.trim())).toEqual([
      "",
      "lost-update",
      "atomic-increment",
      "✓ pass (sampled)",
      "—",
      "1,003",
      "4",
      "random (default)",
      expect.stringMatching(/^([\d,]+|—)$/),
      expect.stringMatching(/^\d+\.\d\ds$/),
      "",
    ]);
    expect(r.stdout).not.toContain("read-then-write"); // a violation variant is not soaked
    expect(r.stdout).toContain(
      "  lost-update / atomic-increment: sampled — 1,003 schedules of random over 4 base seeds from root seed 1; other schedules not searched",
    );
    expect(r.stdout).toContain("1 pass variant(s) soaked, no violation found.");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe(
      "Re-run exactly: npx interleave soak lost-update --schedules 1003 --seeds 4 --seed 1",
    );
    expect(readdirSync(cwd)).toEqual([]); // a pass writes nothing
  });

  it("finds a rare violation one base seed's budget misses: the trace is written, with the replay commands", async () => {
    const cwd = tmp();
    // 50 schedules from one base seed (what explore --seed 5 --runs 50 runs) miss the race …
    const one = await cli(
      [
        "soak",
        "rare-lost-update",
        "--variant",
        "spread-start",
        "--schedules",
        "50",
        "--seeds",
        "1",
        "--seed",
        "5",
      ],
      cwd,
    );
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("sampled — 50 schedules of random over 1 base seeds from root seed 5");
    const explored = await cli(
      ["explore", "rare-lost-update", "--variant", "spread-start", "--seed", "5"],
      cwd,
    );
    expect(explored.code).toBe(0); // the scenario's own 50 runs pass: explore agrees
    // … 500 spread over 10 base seeds find it, and the soak goes on to the next variant
    const r = await cli(
      ["soak", "rare-lost-update", "--schedules", "500", "--seeds", "10", "--seed", "5"],
      cwd,
    );
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toMatch(
      /│ rare-lost-update\s+│ spread-start\s+│ ✗ violation\s+│ every increment is counted\s+│ 336\s+│ 7 of 10\s+│/,
    );
    expect(out).toMatch(
      /│ rare-lost-update\s+│ atomic-increment\s+│ ✓ pass \(sampled\)\s+│ —\s+│ 500\s+│ 10\s+│/,
    );
    const failing = runSeed(baseSeedOf(5, 6), 35);
    const trace = `traces/rare-lost-update.spread-start.seed-${failing}.json`;
    expect(existsSync(join(cwd, trace))).toBe(true);
    expect(existsSync(join(cwd, trace.replace(/\.json$/, ".original.json")))).toBe(true);
    expect(out).toContain("Counterexamples (paste a command to see the timeline):");
    expect(out).toContain("  rare-lost-update / spread-start: every increment is counted");
    expect(out).toContain(`    npx interleave replay ${trace}   (shrunk:`);
    expect(out).toContain(
      `    original, as found: npx interleave replay ${trace.replace(/\.json$/, ".original.json")}`,
    );
    expect(out).toContain(
      `    the original by seed: npx interleave replay rare-lost-update --variant spread-start --seed ${failing}`,
    );
    const refind = `npx interleave explore rare-lost-update --variant spread-start --seed ${baseSeedOf(5, 6)} --runs 36`;
    expect(out).toContain(
      `    found by run 36 of base seed ${baseSeedOf(5, 6)} (base seed 7 of 10); explore finds it again: ${refind}`,
    );
    expect(out).toContain("1 of 2 pass variant(s) violated a property: rare-lost-update/spread-start");
    expect(out).toContain(
      "Re-run exactly: npx interleave soak rare-lost-update --schedules 500 --seeds 10 --seed 5",
    );
    // the printed commands work: replay by seed and by trace, and explore finds the same run
    const bySeed = await cli(
      ["replay", "rare-lost-update", "--variant", "spread-start", "--seed", String(failing)],
      cwd,
    );
    expect(bySeed.code).toBe(0);
    expect(bySeed.stdout).toContain("✗ property violated: every increment is counted");
    expect((await cli(["replay", trace], cwd)).code).toBe(0);
    const again = JSON.parse((await cli([...refind.split(" ").slice(2), "--json"], cwd)).stdout);
    expect(again.results[0]).toMatchObject({ verdict: "violation", seed: failing, trace });
    // the same soak again reuses the same trace files (never a second copy, never overwritten)
    const before = readdirSync(join(cwd, "traces")).sort();
    await cli(["soak", "rare-lost-update", "--schedules", "500", "--seeds", "10", "--seed", "5"], cwd);
    expect(readdirSync(join(cwd, "traces")).sort()).toEqual(before);
  });

  it("--json prints one document: root seed, base seeds, and per variant verdict, strength, seed and traces", async () => {
    const cwd = tmp();
    const r = await cli(["soak", "--schedules", "500", "--seeds", "10", "--seed", "5", "--json"], cwd);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["version", "rootSeed", "schedules", "seeds", "results"]);
    expect(doc).toMatchObject({ version: 1, rootSeed: 5, schedules: 500 });
    expect(doc.seeds).toEqual(Array.from({ length: 10 }, (_, i) => baseSeedOf(5, i)));
    expect(doc.results.map((x: SoakResult) => `${x.scenario}/${x.variant}`)).toEqual([
      "lost-update/atomic-increment",
      "rare-lost-update/spread-start",
      "rare-lost-update/atomic-increment",
    ]);
    const [pass, bad] = doc.results as SoakResult[];
    expect(Object.keys(bad!).sort()).toEqual(
      [
        "scenario",
        "variant",
        "expect",
        "verdict",
        "strength",
        "property",
        "schedules",
        "baseSeeds",
        "strategy",
        "swarm",
        "elapsedMs",
        "stoppedBy",
        "seed",
        "baseSeed",
        "runIndex",
        "trace",
        "originalTrace",
      ].sort(),
    );
    expect(pass).toMatchObject({
      expect: "pass",
      verdict: "pass",
      strength: "sampled",
      property: null,
      schedules: 500,
      baseSeeds: 10,
      strategy: "random",
      stoppedBy: null,
      seed: null,
      baseSeed: null,
      runIndex: null,
      trace: null,
      originalTrace: null,
    });
    const failing = runSeed(baseSeedOf(5, 6), 35);
    expect(bad).toMatchObject({
      verdict: "violation",
      strength: null,
      property: "every increment is counted",
      schedules: 6 * 50 + 36,
      baseSeeds: 7,
      stoppedBy: "violation",
      seed: failing,
      baseSeed: baseSeedOf(5, 6),
      runIndex: 35,
      trace: `traces/rare-lost-update.spread-start.seed-${failing}.json`,
      originalTrace: `traces/rare-lost-update.spread-start.seed-${failing}.original.json`,
    });
  });

  it("the same root seed gives the same result; --workers 2 gives the single thread's", async () => {
    const args = [
      "soak",
      "--scenarios",
      registry,
      "--schedules",
      "500",
      "--seeds",
      "10",
      "--seed",
      "5",
      "--json",
    ];
    const one = JSON.parse((await cli(args, tmp())).stdout);
    const again = JSON.parse((await cli(args, tmp())).stdout);
    const two = JSON.parse((await cli([...args, "--workers", "2"], tmp())).stdout);
    expect(timeless(again)).toEqual(timeless(one));
    expect(timeless(two)).toEqual(timeless(one));
    expect(one.results[1]).toMatchObject({ verdict: "violation", runIndex: 35, baseSeeds: 7 });
    const other = JSON.parse((await cli([...args.slice(0, -2), "6", "--json"], tmp())).stdout);
    expect(other.seeds).not.toEqual(one.seeds);
  }, 60_000);

  it("--strategy pct is named in the table, the sampled line and the replay commands, which rerun it", async () => {
    const cwd = tmp();
    // lost-update with its read-then-write variant mislabelled as a fix: pct finds its race at once
    const mislabelled: Scenario = {
      ...lostUpdate,
      variants: lostUpdate.variants.map((v) => ({ ...v, expect: "pass" as const })),
    };
    const args = [
      "soak",
      "--strategy",
      "pct",
      "--pct-depth",
      "2",
      "--schedules",
      "400",
      "--seeds",
      "4",
      "--seed",
      "1",
    ];
    const r = await cli(args, cwd, [mislabelled]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /│ read-then-write\s+│ ✗ violation\s+│ every increment is counted\s+│ \d+\s+│ 1 of 4\s+│ pct\(d=2\)\s+│/,
    );
    expect(r.stdout).toContain(
      "lost-update / atomic-increment: sampled — 400 schedules of pct(d=2) over 4 base seeds from root seed 1; other schedules not searched",
    );
    const bySeed =
      /the original by seed: npx interleave (replay lost-update --variant read-then-write --strategy pct --pct-depth 2 --seed \d+)/.exec(
        r.stdout,
      );
    expect(bySeed).not.toBeNull();
    const replayed = await cli(bySeed![1]!.split(" "), cwd, [mislabelled]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain("✗ property violated: every increment is counted");
    expect(r.stdout).toMatch(
      /explore finds it again: npx interleave explore lost-update --variant read-then-write --strategy pct --pct-depth 2 --seed 1 --runs \d+/,
    );
    expect(r.stdout).toContain(
      "Re-run exactly: npx interleave soak --schedules 400 --seeds 4 --strategy pct --pct-depth 2 --seed 1",
    );
  });

  it("soaks a scenario whose default strategy is exhaustive with random, and says so", async () => {
    const exhaustive: Scenario = { ...lostUpdate, strategy: "exhaustive" };
    const r = await cli(["soak", "--schedules", "20", "--seeds", "2", "--seed", "3"], tmp(), [exhaustive]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ atomic-increment\s+│ ✓ pass \(sampled\)\s+│ —\s+│ 20\s+│ 2\s+│ random\s+│/);
    expect(r.stdout).toContain(
      "lost-update: its default strategy is exhaustive, which has no seeds; soaked with random",
    );
  });

  it("--time-budget-ms bounds each variant and says how many schedules actually ran", async () => {
    const r = await cli(
      [
        "soak",
        "lost-update",
        "--schedules",
        "100000000",
        "--seeds",
        "5",
        "--time-budget-ms",
        "200",
        "--seed",
        "1",
        "--json",
      ],
      tmp(),
    );
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout).results as SoakResult[];
    expect(row).toMatchObject({ verdict: "pass", strength: "sampled", stoppedBy: "time", baseSeeds: 1 });
    expect(row!.schedules).toBeGreaterThan(0);
    expect(row!.schedules).toBeLessThan(20_000_000);
    const text = await cli(
      [
        "soak",
        "lost-update",
        "--schedules",
        "100000000",
        "--seeds",
        "5",
        "--time-budget-ms",
        "200",
        "--seed",
        "1",
      ],
      tmp(),
    );
    // the sentence wraps at the 200 columns asked for: compare it with its line breaks folded back
    expect(text.stdout.replace(/\n +/g, " ")).toMatch(
      /lost-update \/ atomic-increment: sampled — [\d,]+ schedules of random over 1 base seeds from root seed 1; the time budget \(200 ms\) stopped it before the 100,000,000 planned; other schedules not searched/,
    );
    expect(text.stdout).toMatch(/│ [\d,]+\s+│ 1 of 5\s+│/);
  });

  const bad: [string, string[], RegExp][] = [
    [
      "a violation variant",
      ["soak", "lost-update", "--variant", "read-then-write"],
      /^interleave: soak runs pass variants; lost-update\/read-then-write expects a violation: use npx interleave explore lost-update --variant read-then-write$/,
    ],
    [
      "an unknown scenario",
      ["soak", "nope"],
      /unknown scenario "nope" \(scenarios: lost-update, rare-lost-update\)/,
    ],
    [
      "an unknown variant",
      ["soak", "lost-update", "--variant", "nope"],
      /unknown variant "nope" of scenario "lost-update"/,
    ],
    [
      "--variant without a scenario",
      ["soak", "--variant", "atomic-increment"],
      /--variant needs exactly one scenario id/,
    ],
    [
      "--variant with two scenarios",
      ["soak", "lost-update", "rare-lost-update", "--variant", "atomic-increment"],
      /--variant needs exactly one scenario id/,
    ],
    [
      "malformed --schedules",
      ["soak", "--schedules", "1e6"],
      /--schedules must be a positive integer, got "1e6"/,
    ],
    ["zero --seeds", ["soak", "--seeds", "0"], /--seeds must be a positive integer, got "0"/],
    [
      "too many --seeds",
      ["soak", "--seeds", "100001", "--schedules", "200000"],
      /--seeds must be at most 100000, got 100001/,
    ],
    ["a malformed seed", ["soak", "--seed", "12abc"], /malformed seed "12abc"/],
    [
      "--schedules below --seeds",
      ["soak", "--schedules", "10"],
      /--schedules \(10\) must be at least --seeds \(20\): every base seed runs at least one schedule/,
    ],
    ["--strategy exhaustive", ["soak", "--strategy", "exhaustive"], /--strategy exhaustive has no seeds/],
    ["an unknown strategy", ["soak", "--strategy", "dfs"], /--strategy must be random or pct, got "dfs"/],
    [
      "a traces dir that is a file",
      ["soak", "--traces-dir", "corrupt.json"],
      /--traces-dir corrupt\.json is not a directory/,
    ],
    [
      "a traces dir below a file",
      ["soak", "--traces-dir", "corrupt.json/traces"],
      /--traces-dir corrupt\.json\/traces: .*corrupt\.json is not a directory/,
    ],
    [
      "--workers without a registry module",
      ["soak", "--workers", "2"],
      /--workers needs a scenario registry module/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with one line on stderr for ${what}, writing nothing`, async () => {
      const cwd = tmp();
      writeFileSync(join(cwd, "corrupt.json"), "{");
      // a budget and a seed where the case gives none, so that input taken for good would end quickly
      const extra = [
        ...(args.includes("--schedules") ? [] : ["--schedules", "40"]),
        ...(args.includes("--seed") ? [] : ["--seed", "1"]),
      ];
      const r = await cli([...args, ...extra], cwd);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(readdirSync(cwd)).toEqual(["corrupt.json"]);
    });
  }

  it("a scenario that throws stops the soak with where it threw (bin.ts: exit 3)", async () => {
    const throwing = defineScenario({
      name: "throws",
      source: "test fixture",
      description: "a process that throws",
      params: {},
      variants: { fixed: { expect: "pass", why: "—", options: {} } },
      build(world) {
        world.process("worker-1", function* () {
          yield* sleep(1);
          throw new Error("the renderer crashed");
        });
      },
    });
    const cwd = tmp();
    await expect(
      cli(["soak", "--schedules", "10", "--seeds", "2", "--seed", "4"], cwd, [throwing]),
    ).rejects.toThrow(
      /^throws\/fixed threw in the run with seed 4 \(replay: --variant fixed --seed 4\): .*the renderer crashed/,
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("draws its progress line as `soak …` on a terminal", () => {
    const writes: string[] = [];
    const tty = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          writes.push(String(chunk));
          done();
        },
      }),
      { isTTY: true, columns: 160 },
    );
    let t = 0;
    const bar = new ExploreProgressBar({ stream: tty, variants: 9, command: "soak", now: () => t });
    bar.startVariant("merge-gate/redrive", 1_000_000);
    t = 2000;
    bar.update({ schedules: 4000, violation: false });
    bar.stop();
    expect(stripVTControlCharacters(writes.join(""))).toContain(
      "soak ▕░░░░░░░░░░░░▏ 0/9 variants · merge-gate/redrive · 4,000 schedules · 2,000/s · 0 violations so far · ~8m 18s left in this variant",
    );
  });
});
