/**
 * What `interleave soak` prints: the table (one row per pass variant, with the replay and re-find commands of a
 * violation) or the JSON document, from the rows the soak collected.
 */

import pc from "picocolors";
import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import type { VariantResult } from "../search/verdict.js";
import { replayArgsOf, type WrittenCounterexample } from "./common.js";
import { baseSeedOf, type SoakFlags } from "./soak-seeds.js";
import { fitTable, wrapProse } from "./table.js";

/** One variant's soak. */
export interface SoakRow extends WrittenCounterexample {
  readonly scenario: Scenario;
  readonly variant: ScenarioVariant;
  readonly strategy: string;
  /** The strategy is the scenario's own default (no `--strategy`). */
  readonly defaulted: boolean;
  /** The scenario's default is exhaustive, so it was soaked with random. */
  readonly fallback: boolean;
  readonly swarm: boolean;
  /**
   * Schedules run, all base seeds together; for a violation, those up to and including the failing run in run
   * order (the count one thread gets, also with worker threads).
   */
  readonly schedules: number;
  /** Base seeds started (all of them for a pass the time budget did not stop). */
  readonly baseSeeds: number;
  readonly elapsedMs: number;
  /** What ended the variant before its planned schedules: a violation, the time budget, or nothing. */
  readonly stoppedBy: "violation" | "time" | null;
  /** The violation: the exploration of the base seed that found it, and that base seed's index. */
  readonly found: { readonly result: VariantResult; readonly seedIndex: number } | null;
}

export function jsonDocument(
  rows: readonly SoakRow[],
  rootSeed: number,
  seeds: readonly number[],
  total: number,
) {
  return {
    version: 1,
    rootSeed,
    schedules: total,
    seeds,
    results: rows.map((r) => {
      const failing = r.found?.result ?? null;
      return {
        scenario: r.scenario.name,
        variant: r.variant.name,
        expect: r.variant.expect,
        verdict: failing === null ? "pass" : "violation",
        strength: failing === null ? "sampled" : null,
        property: failing?.property ?? null,
        schedules: r.schedules,
        baseSeeds: r.baseSeeds,
        strategy: r.strategy,
        swarm: r.swarm,
        elapsedMs: r.elapsedMs,
        stoppedBy: r.stoppedBy,
        seed: failing?.seed ?? null,
        baseSeed: failing === null ? null : seeds[r.found!.seedIndex]!,
        runIndex: failing?.runIndex ?? null,
        trace: r.tracePath,
        originalTrace: r.originalPath,
      };
    }),
  };
}

export interface RenderContext {
  readonly rootSeed: number;
  readonly total: number;
  readonly count: number;
  readonly rerun: string;
  readonly prefix: string;
  readonly registryArgs: readonly string[];
  readonly flags: SoakFlags;
  /** Width the table is fitted to (see ./table.ts). */
  readonly width: number;
  /** Width the sentences below the table wrap to: the terminal's or `COLUMNS`; undefined (piped) keeps them whole. */
  readonly proseWidth?: number | undefined;
}

/** 1234567 → `1,234,567`. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** How the schedules are shared among the base seeds, for the header. */
function shares(total: number, seeds: number): string {
  const q = Math.floor(total / seeds);
  const r = total % seeds;
  if (r === 0) return `${count(q)} each`;
  return `the first ${r} run ${count(q + 1)}, the other ${seeds - r} run ${count(q)}`;
}

export function render(rows: readonly SoakRow[], ctx: RenderContext): string {
  const { rootSeed, total, prefix, registryArgs } = ctx;
  const withRegistry = (command: string) =>
    registryArgs.length === 0 ? command : `${command} ${registryArgs.join(" ")}`;
  const replay = `${prefix} replay`;
  const prose = ctx.proseWidth ?? Number.POSITIVE_INFINITY;
  const table = fitTable({
    head: [
      "scenario",
      "variant",
      "verdict",
      "property violated",
      "schedules",
      "base seeds",
      "strategy",
      "schedules/s",
      "elapsed",
    ],
    rows: rows.map((r) => {
      const failing = r.found?.result ?? null;
      return [
        r.scenario.name,
        r.variant.name,
        failing === null ? `${pc.green("✓")} pass (sampled)` : `${pc.red("✗")} violation`,
        failing?.property ?? pc.dim("—"),
        count(r.schedules),
        r.baseSeeds === ctx.count ? String(r.baseSeeds) : `${r.baseSeeds} of ${ctx.count}`,
        `${r.strategy}${r.defaulted ? pc.dim(" (default)") : ""}`,
        r.elapsedMs === 0 ? pc.dim("—") : count(Math.round((r.schedules * 1000) / r.elapsedMs)),
        `${(r.elapsedMs / 1000).toFixed(2)}s`,
      ];
    }),
    width: ctx.width,
  });
  const lines = [
    `${pc.bold("interleave soak")} · root seed ${rootSeed} · ${count(total)} schedules per pass variant over ${ctx.count} base seeds (${shares(total, ctx.count)})`,
    table,
  ];
  const passes = rows.filter((r) => r.found === null);
  if (passes.length > 0) {
    lines.push(pc.bold("What each pass means:"));
    for (const r of passes) {
      const of = `${r.strategy}${r.swarm ? " with swarm fault plans" : ""}`;
      const cut =
        r.stoppedBy === "time"
          ? `; the time budget (${count(ctx.flags.timeBudgetMs!)} ms) stopped it before the ${count(total)} planned`
          : "";
      const line = wrapProse(
        `  ${r.scenario.name} / ${r.variant.name}: sampled — ${count(r.schedules)} schedules of ${of} over ${r.baseSeeds} base seeds from root seed ${rootSeed}${cut}; other schedules not searched`,
        prose,
        4,
      );
      lines.push(r.stoppedBy === "time" ? pc.yellow(line) : pc.dim(line));
    }
  }
  for (const r of rows.filter((x) => x.fallback)) {
    lines.push(
      pc.dim(
        `  ${r.scenario.name}: its default strategy is exhaustive, which has no seeds; soaked with ${r.strategy}`,
      ),
    );
  }
  const counterexamples = rows.filter((r) => r.found !== null && r.tracePath !== null);
  if (counterexamples.length > 0) {
    lines.push(pc.bold("Counterexamples (paste a command to see the timeline):"));
    for (const r of counterexamples) {
      const f = r.found!.result;
      const shrunk = f.counterexample?.shrunk;
      lines.push(wrapProse(`  ${f.scenario} / ${f.variant}: ${f.property}`, prose, 4));
      lines.push(
        `    ${withRegistry(`${replay} ${r.tracePath}`)}${shrunk === undefined ? "" : pc.dim(`   (shrunk: ${shrunk.originalSteps} → ${f.counterexample!.steps} steps, ${shrunk.originalDecisions} → ${f.counterexample!.decisions.length} decisions)`)}`,
      );
      if (r.originalPath !== null)
        lines.push(pc.dim(`    original, as found: ${withRegistry(`${replay} ${r.originalPath}`)}`));
      if (f.counterexample?.swarm !== true && !r.scenario.swarm)
        lines.push(
          pc.dim(
            `    the original by seed: ${withRegistry([replay, f.scenario, "--variant", f.variant, ...replayArgsOf(f.strategy), "--seed", String(f.seed)].join(" "))}`,
          ),
        );
      lines.push(pc.dim(refind(r, ctx)));
    }
  }
  const violated = rows.filter((r) => r.found !== null);
  lines.push(
    violated.length === 0
      ? pc.green(`${rows.length} pass variant(s) soaked, no violation found.`)
      : pc.red(
          `${violated.length} of ${rows.length} pass variant(s) violated a property: ${violated
            .map((r) => `${r.scenario.name}/${r.variant.name}`)
            .join(", ")}`,
        ),
  );
  lines.push(pc.dim(`Re-run exactly: ${ctx.rerun}`));
  return `${lines.join("\n")}\n`;
}

/**
 * Where a violation was found, and the `explore` command that finds it again: the failing base seed as explore's
 * base seed, with just enough runs to reach the failing one.
 */
function refind(r: SoakRow, ctx: RenderContext): string {
  const f = r.found!.result;
  const i = r.found!.seedIndex;
  const baseSeed = baseSeedOf(ctx.rootSeed, i);
  const run = f.runIndex ?? 0;
  const strategyArgs =
    f.strategy === "random"
      ? r.scenario.strategy === "random"
        ? []
        : ["--strategy", "random"]
      : replayArgsOf(f.strategy);
  const explore = [
    `${ctx.prefix} explore`,
    f.scenario,
    "--variant",
    f.variant,
    ...strategyArgs,
    ...(ctx.flags.swarm === undefined ? [] : [ctx.flags.swarm ? "--swarm" : "--no-swarm"]),
    "--seed",
    String(baseSeed),
    "--runs",
    String(run + 1),
    ...ctx.registryArgs,
  ].join(" ");
  return `    found by run ${count(run + 1)} of base seed ${baseSeed} (base seed ${i + 1} of ${ctx.count}); explore finds it again: ${explore}`;
}
