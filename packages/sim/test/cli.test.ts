import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import type { Scenario } from "../src/index.js";
import { lostUpdate } from "./fixtures.js";

const scenarios: readonly Scenario[] = [lostUpdate];

async function cli(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd },
    { scenarios },
  );
  return { code, stdout, stderr };
}

describe("interleave CLI", () => {
  it("explore --json prints the contract's document and writes each counterexample's trace", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const r = await cli(["explore", "--seed", "1", "--json"], cwd);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.results.map((x: { variant: string; verdict: string }) => [x.variant, x.verdict])).toEqual([
      ["read-then-write", "violation"],
      ["atomic-increment", "pass"],
    ]);
    const [bad, good] = doc.results;
    expect(Object.keys(bad).sort()).toEqual(
      [
        "scenario",
        "variant",
        "expect",
        "verdict",
        "strength",
        "bound",
        "property",
        "schedules",
        "states",
        "elapsedMs",
        "seed",
        "strategy",
        "coverage",
        "trace",
        "originalTrace",
        "report",
        "mermaid",
      ].sort(),
    );
    expect(bad.property).toBe("every increment is counted");
    expect(existsSync(join(cwd, bad.trace))).toBe(true);
    expect(existsSync(join(cwd, bad.originalTrace))).toBe(true);
    expect(bad.strategy).toBe("random");
    expect(good).toMatchObject({
      schedules: 200,
      property: null,
      trace: null,
      strength: "sampled",
      bound: null,
    });
    expect(bad).toMatchObject({ verdict: "violation", strength: null, bound: null });
  });

  it("explore prints the table with a ready-to-paste replay command, and exits 1 when a verdict is unexpected", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const r = await cli(["explore", "lost-update", "--seed", "1"], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("property violated");
    expect(r.stdout).toMatch(/npx interleave replay traces\/lost-update\.read-then-write\.seed-\d+\.json/);
    expect(r.stdout).toContain("every verdict as expected");
    const wrong: Scenario = {
      ...lostUpdate,
      variants: lostUpdate.variants.map((v) => ({ ...v, expect: "pass" as const })),
    };
    let out = "";
    const code = await runCli(
      ["explore", "--seed", "1"],
      { stdout: (t) => (out += t), stderr: () => {}, cwd },
      { scenarios: [wrong] },
    );
    expect(code).toBe(1);
    expect(out).toContain("expected pass, got violation");
  });

  it("explore --strategy pct names the strategy and prints replay commands that rerun it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const r = await cli(
      ["explore", "lost-update", "--strategy", "pct", "--pct-depth", "2", "--seed", "5"],
      cwd,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pct(d=2)");
    const command = r.stdout.match(
      /replay (lost-update --variant read-then-write --strategy pct --pct-depth 2 --seed \d+)/,
    );
    expect(command).not.toBeNull();
    const again = await cli(["replay", ...command![1]!.split(" ")], cwd);
    expect(again.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours (CI=true turns them on)
    expect(again.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toContain(
      "✗ property violated: every increment is counted",
    );
    const json = JSON.parse(
      (await cli(["explore", "lost-update", "--strategy", "pct", "--seed", "5", "--json"], cwd)).stdout,
    );
    expect(json.results[0].strategy).toBe("pct(d=3)");
  });

  it("replay of a written trace prints the same timeline every time, with the violation and a legend", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const doc = JSON.parse(
      (await cli(["explore", "lost-update", "--variant", "read-then-write", "--seed", "5", "--json"], cwd))
        .stdout,
    );
    const trace = doc.results[0].trace as string;
    const a = await cli(["replay", trace], cwd);
    const b = await cli(["replay", trace], cwd);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain("property violated");
    // the writers are done long before the 100 ms deadline: the line says the run ended, not that time ran out
    expect(a.stdout).toMatch(
      /✗ the run went quiet at t=[\d.]+ s with the property unmet; deadline 0\.1 s: every increment is counted/,
    );
    expect(a.stdout).toContain("Legend");
    // the written trace is the shrunk one; the seed reruns the original, written beside it
    const bySeed = await cli(
      ["replay", "lost-update", "--variant", "read-then-write", "--seed", String(doc.results[0].seed)],
      cwd,
    );
    expect(bySeed.stdout).toBe((await cli(["replay", doc.results[0].originalTrace], cwd)).stdout);
    const json = await cli(["replay", trace, "--json"], cwd);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(readFileSync(join(cwd, trace), "utf8")));
  });

  it("with --scenarios, every printed replay and re-run command carries it (they work from any directory)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const registry = join(import.meta.dirname, "registry-fixture.ts");
    const r = await cli(["explore", "lost-update", "--scenarios", registry, "--seed", "1"], cwd);
    expect(r.code).toBe(0);
    const out = stripVTControlCharacters(r.stdout);
    const commands = out.split("\n").filter((l) => /npx interleave (replay|explore) /.test(l));
    expect(commands.length).toBe(4); // shrunk, original, original by seed, re-run
    for (const line of commands) expect(line).toContain(`--scenarios ${registry}`);
    const trace = /npx interleave replay (\S+\.seed-\d+\.json)/.exec(out)![1]!;
    const elsewhere = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const replayed = await cli(["replay", join(cwd, trace), "--scenarios", registry], elsewhere);
    expect(replayed.code).toBe(0);
  });

  it("--workers 2 gives the single thread's verdicts and first failing run; --shard parts add up", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const registry = join(import.meta.dirname, "registry-fixture.ts");
    const run = async (...extra: string[]) =>
      JSON.parse(
        (
          await cli(
            ["explore", "--scenarios", registry, "--seed", "9", "--no-shrink", "--json", ...extra],
            cwd,
          )
        ).stdout,
      ).results as { variant: string; verdict: string; seed: number; schedules: number }[];
    const one = await run();
    const two = await run("--workers", "2");
    expect(two.map((r) => [r.variant, r.verdict, r.seed])).toEqual(
      one.map((r) => [r.variant, r.verdict, r.seed]),
    );
    expect(two[1]!.schedules).toBe(one[1]!.schedules); // the pass variant: every run, once
    const shards = [await run("--shard", "1/2"), await run("--shard", "2/2")];
    expect(shards[0]![1]!.schedules + shards[1]![1]!.schedules).toBe(one[1]!.schedules);
    const ex = await run("--strategy", "exhaustive", "--workers", "2");
    expect(ex.map((r) => r.verdict)).toEqual(["violation", "pass"]);
  }, 60_000);

  it("explore --strategy exhaustive says how strong its pass is, within which bound", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const r = await cli(
      ["explore", "lost-update", "--strategy", "exhaustive", "--deviations", "inf", "--seed", "1"],
      cwd,
    );
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours (CI=true turns them on)
    const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, "");
    // Complete, with sleep sets; its start delays were searched at their crossings only: bounded, with that bound.
    expect(out).toMatch(
      /lost-update \/ atomic-increment: bounded — no violation in any schedule with delays at their declared exhaustive supports: \d+ schedules; other schedules not searched\n/,
    );
    expect(out).toContain("✓ pass (bounded)");
    // --json carries the word and the bound as fields; by default the deviation budget deepens by itself.
    const json = await cli(
      ["explore", "lost-update", "--strategy", "exhaustive", "--seed", "1", "--json"],
      cwd,
    );
    const [, pass] = JSON.parse(json.stdout).results;
    expect(pass).toMatchObject({
      verdict: "pass",
      strength: "bounded",
      bound: "delays at their declared exhaustive supports",
      strategy: "exhaustive(deepening)",
      coverage: { deepen: true, complete: true, cutBy: ["delays"], limits: { deviations: "unbounded" } },
    });
    expect(pass.coverage.deepest).toBeGreaterThanOrEqual(1);
    expect(out).toMatch(/traces\/lost-update\.read-then-write\.exhaustive\.json/);
    const bad = await cli(["explore", "--shard", "3/2"], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('malformed --shard "3/2"');
  });

  it("reports a trace that no longer fits the code", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const doc = JSON.parse(
      (await cli(["explore", "lost-update", "--variant", "read-then-write", "--seed", "5", "--json"], cwd))
        .stdout,
    );
    const path = join(cwd, doc.results[0].trace);
    const trace = JSON.parse(readFileSync(path, "utf8"));
    trace.decisions[0].label = "something else";
    writeFileSync(join(cwd, "edited.json"), JSON.stringify(trace));
    const r = await cli(["replay", "edited.json"], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no longer applies .*decision #0: the trace recorded "something else"/);
  });

  const bad: [string, string[], RegExp][] = [
    ["an unknown scenario", ["explore", "nope"], /unknown scenario "nope" \(scenarios: lost-update\)/],
    [
      "an unknown variant",
      ["explore", "lost-update", "--variant", "nope"],
      /unknown variant "nope" of scenario "lost-update"/,
    ],
    ["a malformed seed", ["explore", "--seed", "12abc"], /malformed seed "12abc"/],
    [
      "a seed out of range",
      ["replay", "lost-update", "--variant", "atomic-increment", "--seed", "4294967296"],
      /malformed seed/,
    ],
    ["bad --runs", ["explore", "--runs", "0"], /--runs must be a positive integer/],
    ["an unknown strategy", ["explore", "--strategy", "magic"], /argument 'magic' is invalid/],
    ["an unknown option", ["explore", "--frobnicate"], /unknown option '--frobnicate'/],
    ["a missing trace file", ["replay", "missing.json"], /cannot read trace file/],
    ["a corrupt trace file", ["replay", "corrupt.json"], /not valid JSON/],
    ["a foreign JSON file", ["replay", "package.json"], /is not an interleave trace/],
    [
      "replay of a scenario without a seed",
      ["replay", "lost-update"],
      /give a scenario id with --variant and --seed/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with one line on stderr for ${what}, writing nothing`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
      writeFileSync(join(cwd, "corrupt.json"), '{"format":"interleave-trace","vers');
      writeFileSync(join(cwd, "package.json"), '{"name":"x"}');
      const before = readdirSync(cwd).sort();
      const r = await cli(args, cwd);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(readdirSync(cwd).sort()).toEqual(before);
      expect(readFileSync(join(cwd, "corrupt.json"), "utf8")).toBe('{"format":"interleave-trace","vers');
    });
  }
});

describe("interleave CLI: the feedback strategy", () => {
  it("explore --strategy feedback prints a replay by base seed and run index, and that replay is the run", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-cli-"));
    const r = await cli(
      ["explore", "lost-update", "--strategy", "feedback", "--seed", "3", "--no-shrink", "--runs", "300"],
      cwd,
    );
    expect(r.code).toBe(0);
    const out = stripVTControlCharacters(r.stdout);
    const bySeed =
      /replay (lost-update --variant read-then-write --strategy feedback --seed 3 --run \d+)/.exec(out);
    expect(bySeed).not.toBeNull();
    const trace = /replay (\S+\.seed-\d+\.json)/.exec(out)![1]!;
    const fromFile = await cli(["replay", trace, "--json"], cwd);
    expect(fromFile.code).toBe(0);
    const again = await cli(["replay", ...bySeed![1]!.split(" "), "--json"], cwd);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).fingerprint).toBe(JSON.parse(fromFile.stdout).fingerprint);
    const wrong = await cli(
      ["replay", "lost-update", "--variant", "read-then-write", "--seed", "3", "--run", "2"],
      cwd,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--run and --parts go with --strategy feedback");
  });
});
