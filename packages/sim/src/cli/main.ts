/**
 * The `interleave` command line: `explore` runs every scenario variant (or the selected ones) and prints the
 * results table; `replay` prints a counterexample as a timeline. Exit codes: 0 every verdict equals its
 * variant's `expect` (explore) / the trace reproduced (replay); 1 a verdict differs / the trace no longer
 * reproduces; 2 bad input (one line on stderr, nothing written); 3 a scenario threw (bin.ts prints where: the
 * scenario, variant and run seed, and the stack).
 */
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import Table from "cli-table3";
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import {
  exploreVariant,
  PCT_DEPTH_DEFAULT,
  replaySeed,
  replayTrace,
  STRATEGIES,
  type Strategy,
  type StrategySpec,
  strategyLabel,
  type VariantResult,
} from "../explore.js";
import { findRegistry, loadScenarios } from "../registry.js";
import { findScenario, findVariant, InputError, type Scenario } from "../scenario.js";
import { renderTimeline } from "../timeline.js";
import { readTrace, writeTrace } from "../trace.js";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Terminal width for the timeline, if known. */
  readonly columns?: number | undefined;
  /**
   * How the user invoked us, for ready-to-paste commands: `"pnpm"` → `pnpm replay …`, `"npx -y pnpm@10"`
   * → `npx -y pnpm@10 replay …`, `"interleave"` → `interleave replay …`. Default `"pnpm"`.
   */
  readonly invokedAs?: string | undefined;
}

export interface CliOptions {
  /** Use these scenarios instead of loading a registry module (tests). */
  readonly scenarios?: readonly Scenario[];
}

interface ExploreFlags {
  variant?: string;
  strategy: Strategy;
  pctDepth?: number;
  runs?: number;
  seed?: number;
  timeBudgetMs?: number;
  json?: boolean;
  tracesDir: string;
  scenarios?: string;
}

interface ReplayFlags {
  variant?: string;
  seed?: number;
  strategy: Strategy;
  pctDepth?: number;
  json?: boolean;
  all?: boolean;
  scenarios?: string;
}

/** Parse a uint32 seed (decimal or 0x-hex); throws InputError otherwise. */
export function parseSeed(text: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InputError(`malformed seed "${text}": expected an integer from 0 to 4294967295`);
  }
  return n;
}

function parsePositive(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InputError(`${name} must be a positive integer, got "${text}"`);
    }
    return n;
  };
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo, options: CliOptions = {}): Promise<number> {
  let exitCode = 0;
  const program = new Command("interleave")
    .description("Find, replay and explain races in coordination code.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .showSuggestionAfterError(true);

  const scenariosOption = () =>
    new Option("--scenarios <module>", "scenario registry module (default: nearest scenarios/index.ts)");

  program
    .command("explore")
    .description("explore every scenario variant (or the selected ones) and print the results table")
    .argument("[scenario]", "only this scenario")
    .option("--variant <id>", "only this variant (needs a scenario)")
    .addOption(new Option("--strategy <name>", "exploration strategy").choices(STRATEGIES).default("random"))
    .option(
      "--pct-depth <d>",
      `bug depth targeted by --strategy pct (default ${PCT_DEPTH_DEFAULT})`,
      parsePositive("--pct-depth"),
    )
    .option("--runs <n>", "schedules per variant (default: the scenario's budget)", parsePositive("--runs"))
    .option("--seed <seed>", "base seed, uint32 (default: random, printed)", parseSeed)
    .option("--time-budget-ms <ms>", "wall-clock budget per variant", parsePositive("--time-budget-ms"))
    .option("--json", "print one JSON document instead of the table")
    .option("--traces-dir <dir>", "where counterexample traces are written", "traces")
    .addOption(scenariosOption())
    .action(async (scenarioName: string | undefined, flags: ExploreFlags) => {
      exitCode = await explore(scenarioName, flags, io, options);
    });

  program
    .command("replay")
    .description("print a counterexample as a timeline, from a trace file or from scenario + variant + seed")
    .argument("<trace-or-scenario>", "a trace .json file, or a scenario id (then --variant and --seed)")
    .option("--variant <id>", "variant id (with a scenario id)")
    .option("--seed <seed>", "run seed, uint32 (with a scenario id)", parseSeed)
    .addOption(
      new Option("--strategy <name>", "the strategy that ran the seed (with a scenario id)")
        .choices(STRATEGIES)
        .default("random"),
    )
    .option(
      "--pct-depth <d>",
      "the bug depth of a pct run (with --strategy pct)",
      parsePositive("--pct-depth"),
    )
    .option("--json", "print the trace JSON instead of the timeline")
    .option("--all", "also show repeated steps that changed nothing")
    .addOption(scenariosOption())
    .action(async (target: string, flags: ReplayFlags) => {
      exitCode = await replay(target, flags, io, options);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      const cause = (error as { cause?: unknown }).cause;
      io.stderr(
        `interleave: ${cause instanceof InputError ? cause.message : error.message.replace(/^error: /, "")}\n`,
      );
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`interleave: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function scenariosFor(
  flags: { scenarios?: string },
  io: CliIo,
  options: CliOptions,
): Promise<readonly Scenario[]> {
  if (options.scenarios !== undefined && flags.scenarios === undefined) return options.scenarios;
  const path = flags.scenarios === undefined ? findRegistry(io.cwd) : resolve(io.cwd, flags.scenarios);
  if (path === null)
    throw new InputError(`no scenarios/index.ts found from ${io.cwd} upwards; pass --scenarios <module>`);
  return loadScenarios(path);
}

async function explore(
  name: string | undefined,
  flags: ExploreFlags,
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const all = await scenariosFor(flags, io, options);
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
  const seed = flags.seed ?? randomInt(0, 0xffffffff);
  const rows: { result: VariantResult; tracePath: string | null }[] = [];
  for (const { scenario, variant } of targets) {
    const result = exploreVariant(scenario, variant, {
      seed,
      strategy: flags.strategy,
      ...(flags.pctDepth === undefined ? {} : { pctDepth: flags.pctDepth }),
      ...(flags.runs === undefined ? {} : { runs: flags.runs }),
      ...(flags.timeBudgetMs === undefined ? {} : { timeBudgetMs: flags.timeBudgetMs }),
    });
    const tracePath =
      result.counterexample === null
        ? null
        : displayPath(
            io.cwd,
            writeTrace(
              resolve(io.cwd, flags.tracesDir, `${scenario.name}.${variant.name}.seed-${result.seed}.json`),
              result.counterexample,
            ),
          );
    rows.push({ result, tracePath });
  }
  const ok = rows.every((r) => r.result.verdict === r.result.expect);
  if (flags.json === true) {
    const doc = {
      version: 1,
      seed,
      strategy: strategyLabel(specOf(flags)),
      results: rows.map(({ result: r, tracePath }) => ({
        scenario: r.scenario,
        variant: r.variant,
        expect: r.expect,
        verdict: r.verdict,
        property: r.property,
        schedules: r.schedules,
        states: r.states,
        elapsedMs: r.elapsedMs,
        seed: r.seed,
        trace: tracePath,
      })),
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const prefix = io.invokedAs ?? "pnpm";
    const rerun = [
      `${prefix} explore`,
      ...(name === undefined ? [] : [name]),
      ...(flags.variant === undefined ? [] : ["--variant", flags.variant]),
      ...(flags.runs === undefined ? [] : ["--runs", String(flags.runs)]),
      ...strategyArgs(specOf(flags)),
      "--seed",
      String(seed),
    ].join(" ");
    io.stdout(renderResults(rows, seed, specOf(flags), rerun, `${prefix} replay`));
  }
  return ok ? 0 : 1;
}

/** The strategy spec of the CLI flags. */
function specOf(flags: { strategy: Strategy; pctDepth?: number }): StrategySpec {
  return flags.strategy === "pct" && flags.pctDepth !== undefined
    ? { strategy: "pct", pctDepth: flags.pctDepth }
    : { strategy: flags.strategy };
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
  rows: readonly { result: VariantResult; tracePath: string | null }[],
  seed: number,
  spec: StrategySpec,
  rerun: string,
  replay: string,
): string {
  const table = new Table({
    head: [
      "scenario",
      "variant",
      "expect",
      "verdict",
      "property violated",
      "schedules",
      "states",
      "elapsed",
      "seed",
    ].map((h) => pc.bold(h)),
    colWidths: [null, null, null, null, 48, null, null, null, null],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const { result: r } of rows) {
    const asExpected = r.verdict === r.expect;
    const verdict = `${asExpected ? pc.green("✓") : pc.red("✗")} ${r.verdict}`;
    table.push([
      r.scenario,
      r.variant,
      r.expect,
      verdict,
      r.property ?? pc.dim("—"),
      String(r.schedules),
      r.states === null ? pc.dim("—") : String(r.states),
      `${(r.elapsedMs / 1000).toFixed(2)}s`,
      String(r.seed),
    ]);
  }
  const lines = [
    `${pc.bold("interleave explore")} · strategy ${strategyLabel(spec)} · base seed ${seed}`,
    table.toString(),
  ];
  const counterexamples = rows.filter((r) => r.tracePath !== null);
  if (counterexamples.length > 0) {
    lines.push(pc.bold("Counterexamples (paste a command to see the timeline):"));
    for (const { result: r, tracePath } of counterexamples) {
      lines.push(`  ${r.scenario} / ${r.variant}: ${r.property}`);
      lines.push(`    ${replay} ${tracePath}`);
      lines.push(
        pc.dim(
          `    ${[replay, r.scenario, "--variant", r.variant, ...strategyArgs(spec), "--seed", String(r.seed)].join(" ")}`,
        ),
      );
    }
  }
  const wrong = rows.filter((r) => r.result.verdict !== r.result.expect);
  lines.push(
    wrong.length === 0
      ? pc.green(`${rows.length} variant(s), every verdict as expected.`)
      : pc.red(
          `${wrong.length} of ${rows.length} variant(s) got an unexpected verdict: ${wrong
            .map(
              (r) =>
                `${r.result.scenario}/${r.result.variant} (expected ${r.result.expect}, got ${r.result.verdict})`,
            )
            .join("; ")}`,
        ),
  );
  lines.push(pc.dim(`Re-run exactly: ${rerun}`));
  return `${lines.join("\n")}\n`;
}

async function replay(target: string, flags: ReplayFlags, io: CliIo, options: CliOptions): Promise<number> {
  const isFile = target.endsWith(".json") || existsSync(resolve(io.cwd, target));
  if (isFile) {
    if (flags.variant !== undefined || flags.seed !== undefined) {
      throw new InputError("--variant and --seed go with a scenario id, not with a trace file");
    }
    const trace = readTrace(resolve(io.cwd, target));
    const all = await scenariosFor(flags, io, options);
    const { scenario, variant } = findVariant(all, trace.scenario, trace.variant);
    const outcome = replayTrace(scenario, variant, trace);
    if (outcome._tag === "Diverged") {
      io.stderr(
        `interleave: ${target} no longer applies to ${trace.scenario}/${trace.variant}: ${outcome.message}. The code changed the schedule's shape; re-explore to get a fresh counterexample.\n`,
      );
      return 1;
    }
    if (outcome._tag === "Changed") {
      io.stderr(
        `interleave: ${target} replays, but the run differs from the recorded one (fingerprint ${outcome.trace.fingerprint.slice(0, 12)} ≠ ${outcome.expected.slice(0, 12)}); showing what the current code does.\n`,
      );
    }
    io.stdout(
      flags.json === true
        ? `${JSON.stringify(outcome.trace, null, 2)}\n`
        : `${renderTimeline(outcome.trace, { all: flags.all === true, ...widthOf(io) })}\n`,
    );
    return outcome._tag === "Reproduced" ? 0 : 1;
  }
  if (flags.variant === undefined || flags.seed === undefined) {
    throw new InputError(
      `"${target}" is not a trace file; to replay a seed give a scenario id with --variant and --seed`,
    );
  }
  const all = await scenariosFor(flags, io, options);
  const { scenario, variant } = findVariant(all, target, flags.variant);
  const trace = replaySeed(scenario, variant, flags.seed, specOf(flags));
  io.stdout(
    flags.json === true
      ? `${JSON.stringify(trace, null, 2)}\n`
      : `${renderTimeline(trace, { all: flags.all === true, ...widthOf(io) })}\n`,
  );
  return 0;
}

/** `path` relative to `cwd` when it lies below it, else absolute. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}

function widthOf(io: CliIo): { width?: number } {
  return io.columns === undefined ? {} : { width: io.columns };
}
