/**
 * `interleave explore`: run every scenario variant (or the selected ones) with the chosen strategy, on worker
 * threads or a shard if asked, print the results table (or JSON), and write each counterexample's trace
 * (with `--html` / `--mermaid` also its report / diagram). Exit 0 when every verdict equals its variant's
 * `expect`, 1 when one differs, 2 bad input: an unusable `--traces-dir` is refused before exploring, and a
 * write that fails after exploring is reported (one line naming the file) after the results table.
 */

import { randomInt } from "node:crypto";
import { type Command, Option } from "commander";
import pc from "picocolors";
import { WorkerPool } from "../io/parallel.js";
import { loadScenarios } from "../io/registry.js";
import { findScenario, findVariant, InputError, type Strategy } from "../model/scenario.js";
import { type ExploreOptions, exploreVariantAsync, type Partition } from "../search/explore.js";
import { describeStrength, type VariantResult } from "../search/verdict.js";
import {
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  PCT_DEPTH_DEFAULT,
  STRATEGIES,
  type StrategySpec,
} from "../strategy/registry.js";
import {
  checkTracesDir,
  parsePositive,
  parseSeed,
  registryPath,
  replayArgsOf,
  specOfFlags,
  type WrittenCounterexample,
  writeCounterexample,
} from "./common.js";
import { type CliIo, type CliOptions, scenariosOption } from "./context.js";
import { ExploreProgressBar, runsInPart } from "./progress.js";
import { fitTable, TABLE_WIDTH_DEFAULT, wrapProse } from "./table.js";
import { noTypecheckOption, typecheckBeforeRun, typecheckOption } from "./typecheck.js";

interface ExploreFlags {
  variant?: string;
  strategy?: Strategy;
  pctDepth?: number;
  depth?: number;
  deviations?: number;
  preemptions?: number;
  swarm?: boolean;
  shrink: boolean;
  workers?: number;
  shard?: Partition;
  runs?: number;
  seed?: number;
  timeBudgetMs?: number;
  json?: boolean;
  /** False with `--no-progress`. */
  progress: boolean;
  /** `--quiet`: no progress either. */
  quiet?: boolean;
  html?: boolean;
  mermaid?: boolean;
  tracesDir: string;
  scenarios?: string;
  /** True with `--typecheck`, false with `--no-typecheck`, else undefined (checked when possible). */
  typecheck?: boolean;
}

/** Parse `--shard i/n` (1-based i, as CI matrices count) into a 0-based partition. */
export function parseShard(text: string): Partition {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = m === null ? Number.NaN : Number(m[1]);
  const n = m === null ? Number.NaN : Number(m[2]);
  if (!(Number.isSafeInteger(i) && Number.isSafeInteger(n) && n >= 1 && i >= 1 && i <= n)) {
    throw new InputError(`malformed --shard "${text}": expected i/n with 1 ≤ i ≤ n, e.g. 2/4`);
  }
  return { index: i - 1, count: n };
}

/** A bound: a non-negative integer, or `inf` / `unbounded`. */
function parseBound(name: string) {
  return (text: string): number => {
    const t = text.trim().toLowerCase();
    if (t === "inf" || t === "infinity" || t === "unbounded") return Number.POSITIVE_INFINITY;
    const n = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(n)) {
      throw new InputError(`${name} must be a non-negative integer or "inf", got "${text}"`);
    }
    return n;
  };
}

/** Register `explore` on `program`; its exit code goes to `setExitCode`. */
export function registerExplore(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
  options: CliOptions,
): void {
  program
    .command("explore")
    .description("explore every scenario variant (or the selected ones) and print the results table")
    .argument("[scenario]", "only this scenario")
    .option("--variant <id>", "only this variant (needs a scenario)")
    .addOption(
      new Option("--strategy <name>", "exploration strategy (default: each scenario's own)").choices(
        STRATEGIES,
      ),
    )
    .option(
      "--pct-depth <d>",
      `bug depth targeted by --strategy pct (default ${PCT_DEPTH_DEFAULT})`,
      parsePositive("--pct-depth"),
    )
    .option(
      "--depth <n>",
      "exhaustive: decisions that branch per schedule (default: the scenario's, else unbounded)",
      parseBound("--depth"),
    )
    .option(
      "--deviations <n>",
      `exhaustive: non-default decisions per schedule (default: the scenario's, else deepening 0, 1, 2, … until complete or the time budget, ${EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT / 1000} s per variant by default, ends)`,
      parseBound("--deviations"),
    )
    .option(
      "--preemptions <n>",
      "exhaustive: preemptions per schedule (default: the scenario's, else unbounded)",
      parseBound("--preemptions"),
    )
    .option("--swarm", "swarm testing: every run draws its own fault plan (default: the scenario's)")
    .option("--no-swarm", "no swarm testing, even where the scenario asks for it")
    .option("--no-shrink", "print and write counterexamples as found, without shrinking")
    .option("--workers <k>", "explore on k worker threads", parsePositive("--workers"))
    .option(
      "--shard <i/n>",
      "explore only part i of n (runs, or subtrees of the exhaustive search)",
      parseShard,
    )
    .option("--runs <n>", "schedules per variant (default: the scenario's budget)", parsePositive("--runs"))
    .option("--seed <seed>", "base seed, uint32 (default: random, printed)", parseSeed)
    .option("--time-budget-ms <ms>", "wall-clock budget per variant", parsePositive("--time-budget-ms"))
    .option("--json", "print one JSON document instead of the table")
    .option("--no-progress", "no progress on stderr: no bar on a terminal, no progress lines when piped")
    .option("--quiet", "nothing on stderr while running (as --no-progress)")
    .option("--html", "also write each counterexample's HTML report beside its trace (<stem>.html)")
    .option("--mermaid", "also write each counterexample as a Mermaid sequence diagram (<stem>.mmd)")
    .option("--traces-dir <dir>", "where counterexample traces are written", "traces")
    .addOption(scenariosOption())
    .addOption(typecheckOption())
    .addOption(noTypecheckOption())
    .action(async (scenarioName: string | undefined, flags: ExploreFlags) => {
      setExitCode(await explore(scenarioName, flags, io, options));
    });
}

async function explore(
  name: string | undefined,
  flags: ExploreFlags,
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const registry = registryPath(flags, io, options);
  typecheckBeforeRun(registry, flags.typecheck, io);
  const all = registry === null ? options.scenarios! : await loadScenarios(registry);
  if (flags.variant !== undefined && name === undefined)
    throw new InputError("--variant needs a scenario id");
  const selected = name === undefined ? all : [findScenario(all, name)];
  const targets = selected.flatMap((s) =>
    s.variants
      .filter((v) => flags.variant === undefined || v.name === flags.variant)
      .map((v) => ({ scenario: s, variant: v })),
  );
  if (name !== undefined && flags.variant !== undefined && targets.length === 0)
    findVariant(all, name, flags.variant);
  if (flags.workers !== undefined && flags.workers > 1 && registry === null) {
    throw new InputError("--workers needs a scenario registry module (--scenarios <module>)");
  }
  // Before exploring: a traces directory that cannot be written fails now, in one line, not after the runs.
  checkTracesDir(io.cwd, flags.tracesDir);
  const seed = flags.seed ?? randomInt(0, 0xffffffff);
  const bounds = boundsOf(flags);
  // A write that fails after exploring (the directory removed or made read-only meanwhile) is reported after
  // the results, which are printed all the same: the first such failure, then exit 2.
  let writeFailure: string | null = null;
  const pool = flags.workers !== undefined && flags.workers > 1 ? new WorkerPool(flags.workers) : null;
  const rows: Row[] = [];
  const quiet = flags.json === true || !flags.progress || flags.quiet === true;
  const progress = new ExploreProgressBar({
    stream: quiet ? undefined : io.progress,
    lines: quiet ? undefined : io.progressLines,
    variants: targets.length,
    timeBudgetMs: flags.timeBudgetMs,
  });
  try {
    for (const { scenario, variant } of targets) {
      const runs = flags.runs ?? scenario.runs;
      const seeded = (flags.strategy ?? scenario.strategy) !== "exhaustive";
      progress.startVariant(
        `${scenario.name}/${variant.name}`,
        seeded ? runsInPart(runs, flags.shard) : null,
      );
      const onProgress = (p: { schedules: number; violation: boolean }) => progress.update(p);
      const exploreOptions: ExploreOptions = {
        seed,
        shrink: flags.shrink,
        ...(flags.strategy === undefined ? {} : { strategy: flags.strategy }),
        ...(flags.pctDepth === undefined ? {} : { pctDepth: flags.pctDepth }),
        ...(bounds === undefined ? {} : { bounds }),
        ...(flags.swarm === undefined ? {} : { swarm: flags.swarm }),
        ...(flags.shard === undefined ? {} : { partition: flags.shard }),
        ...(flags.runs === undefined ? {} : { runs: flags.runs }),
        ...(flags.timeBudgetMs === undefined ? {} : { timeBudgetMs: flags.timeBudgetMs }),
      };
      const result =
        pool === null
          ? await exploreVariantAsync(scenario, variant, { ...exploreOptions, onProgress })
          : await pool.explore(registry!, scenario, variant, exploreOptions, onProgress);
      progress.finishVariant(result.verdict);
      let written: WrittenCounterexample = NOTHING_WRITTEN;
      try {
        written = await writeCounterexample(result, { scenario, variant }, flags, io, options.writeTrace);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        writeFailure ??= error.message;
      }
      rows.push({ result, ...written, defaulted: flags.strategy === undefined });
    }
  } finally {
    progress.stop();
    await pool?.close();
  }
  const ok = rows.every((r) => r.result.verdict === r.result.expect);
  if (flags.json === true) {
    const doc = {
      version: 1,
      seed,
      ...(flags.shard === undefined ? {} : { shard: `${flags.shard.index + 1}/${flags.shard.count}` }),
      results: rows.map(({ result: r, tracePath, originalPath, reportPath, mermaidPath }) => ({
        scenario: r.scenario,
        variant: r.variant,
        expect: r.expect,
        verdict: r.verdict,
        strength: r.strength,
        bound: r.bound,
        property: r.property,
        schedules: r.schedules,
        states: r.states,
        elapsedMs: r.elapsedMs,
        seed: r.seed,
        strategy: r.strategy,
        coverage: r.coverage,
        trace: tracePath,
        originalTrace: originalPath,
        report: reportPath,
        mermaid: mermaidPath,
      })),
    };
    io.stdout(`${JSON.stringify(doc, (_k, v) => (v === Number.POSITIVE_INFINITY ? "unbounded" : v), 2)}\n`);
  } else {
    const prefix = io.invokedAs ?? "npx interleave";
    // A registry given on the command line must be given again to replay (from any directory).
    const registryArgs = flags.scenarios === undefined ? [] : ["--scenarios", flags.scenarios];
    const rerun = [
      `${prefix} explore`,
      ...(name === undefined ? [] : [name]),
      ...(flags.variant === undefined ? [] : ["--variant", flags.variant]),
      ...(flags.runs === undefined ? [] : ["--runs", String(flags.runs)]),
      ...(flags.strategy === undefined ? [] : strategyArgs(specOfFlags(flags))),
      ...boundArgs(flags),
      ...(flags.swarm === undefined ? [] : [flags.swarm ? "--swarm" : "--no-swarm"]),
      ...(flags.shard === undefined ? [] : ["--shard", `${flags.shard.index + 1}/${flags.shard.count}`]),
      "--seed",
      String(seed),
      ...registryArgs,
    ].join(" ");
    // feedback runs on one thread under --workers (PARALLELISM `sequential`): only --shard splits its campaign
    const parts = flags.shard?.count ?? 1;
    io.stdout(
      renderResults(rows, seed, parts, rerun, `${prefix} replay`, registryArgs.join(" "), io.columns),
    );
  }
  if (writeFailure !== null) {
    io.stderr(
      `interleave: ${writeFailure} (the results above stand; their counterexamples were not all written)\n`,
    );
    return 2;
  }
  return ok ? 0 : 1;
}

/** What a row without a written counterexample shows. */
const NOTHING_WRITTEN: WrittenCounterexample = {
  tracePath: null,
  originalPath: null,
  reportPath: null,
  mermaidPath: null,
};

interface Row {
  readonly result: VariantResult;
  readonly tracePath: string | null;
  readonly originalPath: string | null;
  /** `--html`: the counterexample's report, beside its trace. */
  readonly reportPath: string | null;
  /** `--mermaid`: its Mermaid diagram, beside its trace. */
  readonly mermaidPath: string | null;
  /** The strategy was the scenario's default (no --strategy). */
  readonly defaulted: boolean;
}

/** The exhaustive bounds given on the command line, if any. */
function boundsOf(flags: ExploreFlags): ExploreOptions["bounds"] {
  if (flags.depth === undefined && flags.deviations === undefined && flags.preemptions === undefined)
    return undefined;
  return {
    ...(flags.depth === undefined ? {} : { depth: flags.depth }),
    ...(flags.deviations === undefined ? {} : { deviations: flags.deviations }),
    ...(flags.preemptions === undefined ? {} : { preemptions: flags.preemptions }),
  };
}

function boundArgs(flags: ExploreFlags): string[] {
  const show = (n: number) => (n === Number.POSITIVE_INFINITY ? "inf" : String(n));
  return [
    ...(flags.depth === undefined ? [] : ["--depth", show(flags.depth)]),
    ...(flags.deviations === undefined ? [] : ["--deviations", show(flags.deviations)]),
    ...(flags.preemptions === undefined ? [] : ["--preemptions", show(flags.preemptions)]),
  ];
}

/** The flags that select `spec` again on a command line (none for random). */
function strategyArgs(spec: StrategySpec): string[] {
  if (spec.strategy === "random") return [];
  return [
    "--strategy",
    spec.strategy,
    ...(spec.pctDepth === undefined ? [] : ["--pct-depth", String(spec.pctDepth)]),
  ];
}

function renderResults(
  rows: readonly Row[],
  seed: number,
  parts: number,
  rerun: string,
  replay: string,
  registry: string,
  columns: number | undefined,
): string {
  // the table always fits (100 columns when piped); the prose below it wraps only to a known width, so a
  // piped log keeps each sentence on one line for grep
  const width = columns ?? TABLE_WIDTH_DEFAULT;
  const proseWidth = columns ?? Number.POSITIVE_INFINITY;
  const withRegistry = (command: string) => (registry === "" ? command : `${command} ${registry}`);
  const cells = rows.map(({ result: r, defaulted }) => {
    const asExpected = r.verdict === r.expect;
    return [
      r.scenario,
      r.variant,
      r.expect,
      `${asExpected ? pc.green("✓") : pc.red("✗")} ${verdictWords(r)}`,
      r.property ?? pc.dim("—"),
      `${r.strategy}${defaulted ? pc.dim(" (default)") : ""}`,
      String(r.schedules),
      r.states === null ? pc.dim("—") : String(r.states),
      `${(r.elapsedMs / 1000).toFixed(2)}s`,
      r.coverage === null ? String(r.seed) : pc.dim("—"),
    ];
  });
  const table = fitTable({
    head: [
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
    ],
    rows: cells,
    width,
  });
  const lines = [`${pc.bold("interleave explore")} · base seed ${seed}`, table];
  const passes = rows.filter((r) => r.result.verdict === "pass");
  if (passes.length > 0) {
    lines.push(pc.bold("What each pass means:"));
    for (const { result: r } of passes) {
      const line = wrapProse(`  ${r.scenario} / ${r.variant}: ${describeStrength(r)}`, proseWidth, 4);
      lines.push(r.strength === "verified" ? pc.green(line) : r.strength === "bounded" ? line : pc.dim(line));
    }
  }
  const counterexamples = rows.filter((r) => r.tracePath !== null);
  if (counterexamples.length > 0) {
    lines.push(pc.bold("Counterexamples (paste a command to see the timeline):"));
    for (const { result: r, tracePath, originalPath, reportPath, mermaidPath } of counterexamples) {
      const shrunk = r.counterexample?.shrunk;
      lines.push(wrapProse(`  ${r.scenario} / ${r.variant}: ${r.property}`, proseWidth, 4));
      lines.push(
        `    ${withRegistry(`${replay} ${tracePath}`)}${shrunk === undefined ? "" : pc.dim(`   (shrunk: ${shrunk.originalSteps} → ${r.counterexample!.steps} steps, ${shrunk.originalDecisions} → ${r.counterexample!.decisions.length} decisions)`)}`,
      );
      if (originalPath !== null)
        lines.push(pc.dim(`    original, as found: ${withRegistry(`${replay} ${originalPath}`)}`));
      if (reportPath !== null) lines.push(`    report: ${reportPath}  ${pc.dim("(open in a browser)")}`);
      if (mermaidPath !== null) lines.push(`    mermaid: ${mermaidPath}`);
      if (r.coverage === null && r.counterexample?.swarm !== true)
        lines.push(
          pc.dim(
            `    the original by seed: ${withRegistry([replay, r.scenario, "--variant", r.variant, ...bySeedArgs(r, seed, parts)].join(" "))}`,
          ),
        );
    }
  }
  const wrong = rows.filter((r) => r.result.verdict !== r.result.expect);
  lines.push(
    wrong.length === 0
      ? pc.green(`${rows.length} variant(s), every verdict as expected.`)
      : pc.red(
          wrapProse(
            `${wrong.length} of ${rows.length} variant(s) got an unexpected verdict: ${wrong
              .map(
                (r) =>
                  `${r.result.scenario}/${r.result.variant} (expected ${r.result.expect}, got ${verdictWords(r.result)}${r.result.bound === null ? "" : ` with ${r.result.bound}`})`,
              )
              .join("; ")}`,
            proseWidth,
            2,
          ),
        ),
  );
  lines.push(pc.dim(`Re-run exactly: ${rerun}`));
  return `${lines.join("\n")}\n`;
}

/**
 * The replay flags that re-run a seeded result's failing run by seed: its strategy and its seed, or for
 * `feedback` the base seed, the run index and the number of parts (its campaign is re-run up to the run).
 */
function bySeedArgs(r: VariantResult, base: number, parts: number): string[] {
  if (r.strategy !== "feedback") return [...replayArgsOf(r.strategy), "--seed", String(r.seed)];
  return [
    "--strategy",
    "feedback",
    "--seed",
    String(base),
    "--run",
    String(r.runIndex ?? 0),
    ...(parts > 1 ? ["--parts", String(parts)] : []),
  ];
}

/** A verdict as the table says it: `violation`, or `pass (verified)` / `pass (bounded)` / `pass (sampled)`. */
function verdictWords(r: VariantResult): string {
  return r.strength === null ? r.verdict : `${r.verdict} (${r.strength})`;
}
