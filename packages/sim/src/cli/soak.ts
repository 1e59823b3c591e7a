/**
 * `interleave soak [scenario]`: the long run before a release. Every `pass` variant (of every scenario, or of the
 * one named) runs a large budget of schedules — 1,000,000 by default — spread over many base seeds (20 by
 * default) derived from one root seed, because a fix that passes 10,000 runs from one base seed can still fail at
 * run 4,412 from another (merge-gate/redrive did). A pass is only ever `sampled`: it says how many schedules of
 * which strategy from which root seed, and that no other schedule was searched. A variant stops at its first
 * violation, whose counterexample is written and replayed exactly as `explore` does; the others go on.
 * Exit codes: 0 every pass variant passed; 1 a violation was found; 2 bad input (one line on stderr, nothing
 * written); 3 a scenario threw (bin.ts prints where and the stack).
 */
import { randomInt } from "node:crypto";
import type { Command } from "commander";
import { WorkerPool } from "../io/parallel.js";
import { loadScenarios } from "../io/registry.js";
import {
  findScenario,
  findVariant,
  InputError,
  type Scenario,
  type ScenarioVariant,
} from "../model/scenario.js";
import { type ExploreOptions, exploreVariantAsync } from "../search/explore.js";
import { strategyLabel } from "../strategy/registry.js";
import {
  checkTracesDir,
  parsePositive,
  parseSeed,
  registryPath,
  type TraceWriter,
  type WrittenCounterexample,
  writeCounterexample,
} from "./common.js";
import { ExploreProgressBar, type ProgressStream } from "./progress.js";
import { jsonDocument, render, type SoakRow } from "./soak-report.js";
import {
  baseSeedOf,
  SOAK_SCHEDULES_DEFAULT,
  SOAK_SEEDS_DEFAULT,
  SOAK_SEEDS_MAX,
  type SoakFlags,
  type SoakStrategy,
  schedulesOfSeed,
} from "./soak-seeds.js";
import { TABLE_WIDTH_DEFAULT } from "./table.js";
import { noTypecheckOption, typecheckBeforeRun, typecheckOption } from "./typecheck.js";

/** Where `soak` writes and what it knows of the terminal; the CLI's `CliIo` satisfies it. */
export interface SoakIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** The prefix of printed commands (`npx interleave`, or `pnpm` / `npx -y pnpm@10` in this repository); default `npx interleave`. */
  readonly invokedAs?: string | undefined;
  /** Where the progress bar is drawn (a terminal), else none. */
  readonly progress?: ProgressStream | undefined;
  /** Where progress lines go when there is no bar (stderr when not on a terminal), else none. */
  readonly progressLines?: ((text: string) => void) | undefined;
  /** Width the table is fitted to (default `TABLE_WIDTH_DEFAULT`, ./table.ts). */
  readonly columns?: number | undefined;
}

function parseStrategy(text: string): SoakStrategy {
  if (text === "random" || text === "pct") return text;
  if (text === "exhaustive") {
    throw new InputError(
      "--strategy exhaustive has no seeds: a soak runs random or pct (explore --strategy exhaustive searches exhaustively)",
    );
  }
  throw new InputError(`--strategy must be random or pct, got "${text}"`);
}

/** The scenarios (tests) and trace writer (tests inject a failing one) that replace the defaults. */
export interface SoakOptions {
  readonly scenarios?: readonly Scenario[] | undefined;
  readonly writeTrace?: TraceWriter | undefined;
}

/**
 * Adds the `soak` command to `program`. `setExitCode` receives the exit code when the command has run (0 or 1 as
 * above; the caller's own error handling turns a thrown `InputError` into 2, and bin.ts any other error into 3).
 * `options.scenarios`, when given, replaces the registry (tests) unless `--scenarios` names one.
 *
 * @example
 * registerSoak(program, io, (code) => { exitCode = code; }, options);
 * // interleave soak merge-gate --schedules 200000 --seeds 10 --workers 2
 */
export function registerSoak(
  program: Command,
  io: SoakIo,
  setExitCode: (code: number) => void,
  options: SoakOptions = {},
): Command {
  return program
    .command("soak")
    .description("run every pass variant for many schedules across many base seeds (before a release)")
    .argument("[scenarios...]", "only these scenarios' pass variants")
    .option("--variant <id>", "only this pass variant (needs exactly one scenario)")
    .option(
      "--schedules <n>",
      `schedules per variant, spread over the base seeds (default ${SOAK_SCHEDULES_DEFAULT})`,
      parsePositive("--schedules"),
    )
    .option(
      "--seeds <k>",
      `base seeds per variant, derived from the root seed (default ${SOAK_SEEDS_DEFAULT})`,
      parsePositive("--seeds"),
    )
    .option("--seed <seed>", "root seed, uint32 (default: random, printed)", parseSeed)
    .option(
      "--strategy <name>",
      "random or pct (default: the scenario's when seeded, else random)",
      parseStrategy,
    )
    .option("--pct-depth <d>", "bug depth targeted by pct (default 3)", parsePositive("--pct-depth"))
    .option("--swarm", "swarm testing: every run draws its own fault plan (default: the scenario's)")
    .option("--no-swarm", "no swarm testing, even where the scenario asks for it")
    .option("--workers <k>", "soak each variant on k worker threads", parsePositive("--workers"))
    .option("--time-budget-ms <ms>", "wall-clock budget per variant", parsePositive("--time-budget-ms"))
    .option("--json", "print one JSON document instead of the table")
    .option("--no-progress", "no progress on stderr: no bar on a terminal, no progress lines when piped")
    .option("--quiet", "nothing on stderr while running (as --no-progress)")
    .option("--no-shrink", "write counterexamples as found, without shrinking")
    .option("--traces-dir <dir>", "where counterexample traces are written", "traces")
    .option("--scenarios <module>", "scenario registry module (default: nearest scenarios/index.ts)")
    .addOption(typecheckOption())
    .addOption(noTypecheckOption())
    .action(async (names: readonly string[], flags: SoakFlags) => {
      setExitCode(await soak(names, flags, io, options));
    });
}

interface Target {
  readonly scenario: Scenario;
  readonly variant: ScenarioVariant;
}

/** The pass variants to soak; throws InputError for a violation variant or a selection without pass variants. */
function targetsOf(
  all: readonly Scenario[],
  names: readonly string[],
  flags: SoakFlags,
  prefix: string,
): Target[] {
  const name = names.length === 1 ? names[0] : undefined;
  if (flags.variant !== undefined) {
    if (name === undefined) throw new InputError("--variant needs exactly one scenario id");
    const target = findVariant(all, name, flags.variant);
    if (target.variant.expect !== "pass") {
      throw new InputError(
        `soak runs pass variants; ${name}/${flags.variant} expects a violation: use ${prefix} explore ${name} --variant ${flags.variant}`,
      );
    }
    return [target];
  }
  const selected = names.length === 0 ? all : names.map((n) => findScenario(all, n));
  const targets = selected.flatMap((scenario) =>
    scenario.variants.filter((v) => v.expect === "pass").map((variant) => ({ scenario, variant })),
  );
  if (targets.length === 0) {
    throw new InputError(
      names.length !== 1
        ? `${names.length === 0 ? "the scenario registry" : "these scenarios"} have no pass variants to soak`
        : `scenario "${name}" has no pass variants to soak (every variant expects a violation: use ${prefix} explore ${name})`,
    );
  }
  return targets;
}

/** What one variant's soak runs with. */
interface Plan {
  readonly total: number;
  readonly seeds: readonly number[];
  readonly flags: SoakFlags;
  readonly registry: string | null;
  readonly pool: WorkerPool | null;
  readonly progress: ExploreProgressBar;
}

async function soak(
  names: readonly string[],
  flags: SoakFlags,
  io: SoakIo,
  options: SoakOptions,
): Promise<number> {
  const prefix = io.invokedAs ?? "npx interleave";
  const registry = registryPath(flags, io, options);
  typecheckBeforeRun(registry, flags.typecheck, io);
  const all = registry === null ? options.scenarios! : await loadScenarios(registry);
  const targets = targetsOf(all, names, flags, prefix);
  const total = flags.schedules ?? SOAK_SCHEDULES_DEFAULT;
  const count = flags.seeds ?? SOAK_SEEDS_DEFAULT;
  if (count > SOAK_SEEDS_MAX) throw new InputError(`--seeds must be at most ${SOAK_SEEDS_MAX}, got ${count}`);
  if (total < count) {
    throw new InputError(
      `--schedules (${total}) must be at least --seeds (${count}): every base seed runs at least one schedule`,
    );
  }
  if (flags.workers !== undefined && flags.workers > 1 && registry === null) {
    throw new InputError("--workers needs a scenario registry module (--scenarios <module>)");
  }
  checkTracesDir(io.cwd, flags.tracesDir);
  const rootSeed = flags.seed ?? randomInt(0, 0xffffffff);
  const seeds = Array.from({ length: count }, (_, i) => baseSeedOf(rootSeed, i));
  const pool = flags.workers !== undefined && flags.workers > 1 ? new WorkerPool(flags.workers) : null;
  const quiet = flags.json === true || !flags.progress || flags.quiet === true;
  const progress = new ExploreProgressBar({
    stream: quiet ? undefined : io.progress,
    lines: quiet ? undefined : io.progressLines,
    variants: targets.length,
    timeBudgetMs: flags.timeBudgetMs,
    command: "soak",
  });
  const rows: SoakRow[] = [];
  // A write that fails after soaking is reported after the results, which are printed all the same (exit 2).
  let writeFailure: string | null = null;
  try {
    for (const target of targets) {
      const row = await soakVariant(target, { total, seeds, flags, registry, pool, progress });
      // written as soon as the variant ends, so a long soak that is stopped later keeps it
      let written = NOTHING_WRITTEN;
      try {
        if (row.found !== null)
          written = await writeCounterexample(row.found.result, target, flags, io, options.writeTrace);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        writeFailure ??= error.message;
      }
      rows.push({ ...row, ...written });
    }
  } finally {
    progress.stop();
    await pool?.close();
  }
  const violated = rows.some((r) => r.found !== null);
  if (flags.json === true) {
    io.stdout(`${JSON.stringify(jsonDocument(rows, rootSeed, seeds, total), null, 2)}\n`);
  } else {
    const registryArgs = flags.scenarios === undefined ? [] : ["--scenarios", flags.scenarios];
    const rerun = [
      `${prefix} soak`,
      ...names,
      ...(flags.variant === undefined ? [] : ["--variant", flags.variant]),
      ...(flags.schedules === undefined ? [] : ["--schedules", String(flags.schedules)]),
      ...(flags.seeds === undefined ? [] : ["--seeds", String(flags.seeds)]),
      ...(flags.strategy === undefined ? [] : ["--strategy", flags.strategy]),
      ...(flags.pctDepth === undefined ? [] : ["--pct-depth", String(flags.pctDepth)]),
      ...(flags.swarm === undefined ? [] : [flags.swarm ? "--swarm" : "--no-swarm"]),
      "--seed",
      String(rootSeed),
      ...registryArgs,
    ].join(" ");
    io.stdout(
      render(rows, {
        rootSeed,
        total,
        count,
        rerun,
        prefix,
        registryArgs,
        flags,
        width: io.columns ?? TABLE_WIDTH_DEFAULT,
        proseWidth: io.columns,
      }),
    );
  }
  if (writeFailure !== null) {
    io.stderr(
      `interleave: ${writeFailure} (the results above stand; their counterexamples were not all written)\n`,
    );
    return 2;
  }
  return violated ? 1 : 0;
}

/** What a pass writes: nothing. */
const NOTHING_WRITTEN: WrittenCounterexample = {
  tracePath: null,
  originalPath: null,
  reportPath: null,
  mermaidPath: null,
};

/**
 * Soak one variant: its base seeds in order, each exploring its share of the schedules (on the pool's threads
 * when there is one, which returns the first failing run in run order, as one thread would), until a violation,
 * the time budget, or the last base seed. The first violation in (base seed, run) order is the one reported.
 */
async function soakVariant(
  { scenario, variant }: Target,
  plan: Plan,
): Promise<Omit<SoakRow, keyof WrittenCounterexample>> {
  const { flags, seeds, total, pool, progress } = plan;
  const strategy: SoakStrategy =
    flags.strategy ??
    (scenario.strategy === "exhaustive" || scenario.strategy === "feedback" ? "random" : scenario.strategy);
  const swarm = flags.swarm ?? scenario.swarm;
  const started = performance.now();
  const deadline = flags.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : started + flags.timeBudgetMs;
  progress.startVariant(`${scenario.name}/${variant.name}`, total);
  let schedules = 0;
  let baseSeeds = 0;
  let stoppedBy: SoakRow["stoppedBy"] = null;
  let found: SoakRow["found"] = null;
  for (let i = 0; i < seeds.length; i++) {
    const left = deadline - performance.now();
    if (left <= 0) {
      stoppedBy = "time";
      break;
    }
    const runs = schedulesOfSeed(total, seeds.length, i);
    const options: ExploreOptions = {
      seed: seeds[i]!,
      runs,
      strategy,
      swarm,
      shrink: flags.shrink,
      ...(strategy === "pct" && flags.pctDepth !== undefined ? { pctDepth: flags.pctDepth } : {}),
      ...(left === Number.POSITIVE_INFINITY ? {} : { timeBudgetMs: left }),
    };
    const before = schedules;
    const onProgress = (p: { readonly schedules: number; readonly violation: boolean }) =>
      progress.update({ schedules: before + p.schedules, violation: p.violation });
    const result =
      pool === null
        ? await exploreVariantAsync(scenario, variant, { ...options, onProgress })
        : await pool.explore(plan.registry!, scenario, variant, options, onProgress);
    baseSeeds++;
    if (result.verdict === "violation") {
      // up to the failing run in run order, as one thread counts (worker threads may have run a few past it)
      schedules += (result.runIndex ?? result.schedules - 1) + 1;
      found = { result, seedIndex: i };
      stoppedBy = "violation";
      break;
    }
    schedules += result.schedules;
    if (result.schedules < runs) {
      stoppedBy = "time";
      break;
    }
  }
  progress.finishVariant(found === null ? "pass" : "violation");
  return {
    scenario,
    variant,
    strategy: strategyLabel({
      strategy,
      ...(strategy === "pct" && flags.pctDepth !== undefined ? { pctDepth: flags.pctDepth } : {}),
    }),
    defaulted: flags.strategy === undefined && scenario.strategy !== "exhaustive",
    fallback: flags.strategy === undefined && scenario.strategy === "exhaustive",
    swarm,
    schedules,
    baseSeeds,
    elapsedMs: Math.round(performance.now() - started),
    stoppedBy,
    found,
  };
}
