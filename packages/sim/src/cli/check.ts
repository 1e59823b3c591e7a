/**
 * `interleave check [models...]`: explicit-state breadth-first checking of the registered models (a module
 * whose default export is an array of `defineModel` results: `--models <module>`, default the nearest
 * `scenarios/models.ts`) from the command line. Prints a table (model, machine, expect, verdict, states,
 * transitions, depth, states/s, bytes/state, elapsed) and, for each violation, its shortest counterexample one
 * input per line. A pass is `verified` (every state within the model's stated bounds was explored) or
 * `bounded` (a `--max-states`, `--max-depth` or `--time-budget-ms` bound stopped the search first).
 * Exit codes: 0 every verdict equals its model's `expect` (a `bounded` pass counts as unexpected: it verified
 * nothing); 1 otherwise; 2 bad input (an unknown model, a malformed number, a registry that cannot be loaded).
 */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import pc from "picocolors";
import { checkWithWorkers } from "../io/check-workers.js";
import { findModelRegistry, loadModels } from "../io/registry.js";
import type { CheckedModel, ModelCheck } from "../model/checked-model.js";
import { InputError } from "../model/scenario.js";
import { type CheckOptions, MAX_STATES_DEFAULT } from "../statespace/model.js";
import { fitTable, TABLE_WIDTH_DEFAULT } from "./table.js";

/** Where `check` writes and the directory it resolves `--models` and finds the default registry from. */
export interface CheckIo {
  readonly stdout: (text: string) => void;
  readonly cwd?: string;
  /** Width the table is fitted to (default {@link TABLE_WIDTH_DEFAULT}). */
  readonly columns?: number | undefined;
}

interface CheckFlags {
  all?: boolean;
  maxStates?: number;
  maxDepth?: number;
  timeBudgetMs?: number;
  json?: boolean;
  models?: string;
  reduction?: boolean;
  workers?: number;
}

/** A verdict of `check`: `pass` (no invariant failed in the states explored) or `violation`. */
export type CheckVerdict = "pass" | "violation";

/**
 * How strong a `check` pass is: `verified` — the search was complete, every state within the model's stated
 * finite parameters; `bounded` — a bound of the check (`maxStates`, `maxDepth`, time) stopped it first.
 */
export type CheckStrength = "verified" | "bounded";

function parseCount(name: string, min: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InputError(
        `${name} must be ${min === 0 ? "a non-negative" : "a positive"} integer, got "${text}"`,
      );
    }
    return n;
  };
}

/**
 * Adds the `check` command to `program`. `setExitCode` receives the exit code when the command has run
 * (0, 1 or 2 as above; the caller's own error handling turns a thrown `InputError` into 2). `models`, when
 * given, replaces the registry (tests) unless `--models` names one.
 *
 * Without a model name it lists the models (name, machine, expect, description) unless `--all` is given; an
 * unknown name throws `InputError` naming the known ones.
 *
 * @example
 * registerCheck(program, io, (code) => { exitCode = code; });
 * // interleave check merge-gate-failed-redrive --max-states 1000000
 */
export function registerCheck(
  program: Command,
  io: CheckIo,
  setExitCode: (code: number) => void,
  models?: readonly CheckedModel[],
): Command {
  return program
    .command("check")
    .description("model-check the registered state-machine models breadth-first over every input sequence")
    .argument("[models...]", "models to check (none: list them)")
    .option("--all", "check every model")
    .addOption(
      new Option("--max-states <n>", `most distinct states stored (default ${MAX_STATES_DEFAULT})`).argParser(
        parseCount("--max-states", 1),
      ),
    )
    .addOption(
      new Option("--max-depth <n>", "deepest level explored (default: unbounded)").argParser(
        parseCount("--max-depth", 0),
      ),
    )
    .addOption(
      new Option("--time-budget-ms <ms>", "wall-clock budget per model").argParser(
        parseCount("--time-budget-ms", 1),
      ),
    )
    .option("--no-reduction", "explore every interleaving (ignore the models' partial-order reduction)")
    .addOption(
      new Option(
        "--workers <k>",
        "worker threads per model: hash-partitioned breadth-first search",
      ).argParser(parseCount("--workers", 1)),
    )
    .option("--json", "print one JSON document instead of the table")
    .option("--models <module>", "model registry module (default: nearest scenarios/models.ts)")
    .action(async (names: string[], flags: CheckFlags) => {
      const { path, list } = await registry(flags, io, models);
      setExitCode(await check(names, flags, io, list, path));
    });
}

async function registry(
  flags: CheckFlags,
  io: CheckIo,
  injected: readonly CheckedModel[] | undefined,
): Promise<{ path: string | null; list: readonly CheckedModel[] }> {
  if (injected !== undefined && flags.models === undefined) return { path: null, list: injected };
  const cwd = io.cwd ?? process.cwd();
  const path = flags.models === undefined ? findModelRegistry(cwd) : resolve(cwd, flags.models);
  if (path === null)
    throw new InputError(`no scenarios/models.ts found from ${cwd} upwards; pass --models <module>`);
  return { path, list: await loadModels(path) };
}

/** Each model checked in this thread, or on `--workers K` threads that load the registry at `path`. */
async function runChecks(
  selected: readonly CheckedModel[],
  options: CheckOptions,
  flags: CheckFlags,
  path: string | null,
): Promise<Row[]> {
  const workers = flags.workers ?? 1;
  if (workers === 1) return selected.map((model) => ({ model, ...model.check(options) }));
  if (path === null)
    throw new InputError("--workers needs a model registry module the threads can load (--models)");
  const rows: Row[] = [];
  for (const model of selected) {
    const { result } = await checkWithWorkers(path, model, options, workers);
    rows.push({ model, ...model.render(result) });
  }
  return rows;
}

function select(names: readonly string[], flags: CheckFlags, models: readonly CheckedModel[]) {
  if (flags.all === true) {
    if (names.length > 0) throw new InputError("give model names or --all, not both");
    return models;
  }
  return names.map((name) => {
    const model = models.find((m) => m.name === name);
    if (model === undefined) {
      throw new InputError(
        `unknown model "${name}" (models: ${models.map((m) => m.name).join(", ") || "none"})`,
      );
    }
    return model;
  });
}

interface Row extends ModelCheck {
  readonly model: CheckedModel;
}

function verdictOf(r: Row): CheckVerdict {
  return r.result._tag === "Violation" ? "violation" : "pass";
}

function strengthOf(r: Row): CheckStrength | null {
  return r.result._tag === "Verified" ? "verified" : r.result._tag === "Bounded" ? "bounded" : null;
}

/** As expected: a violation for a `violation` model; a verified pass for a `pass` model. */
function asExpected(r: Row): boolean {
  return r.model.expect === "violation" ? verdictOf(r) === "violation" : strengthOf(r) === "verified";
}

/** The verdict as the table and the summary say it: `violation`, `pass (verified)`, `pass (bounded)`. */
function verdictWords(r: Row): string {
  const strength = strengthOf(r);
  return strength === null ? "violation" : `pass (${strength})`;
}

async function check(
  names: readonly string[],
  flags: CheckFlags,
  io: CheckIo,
  models: readonly CheckedModel[],
  path: string | null,
): Promise<number> {
  const selected = select(names, flags, models);
  if (selected.length === 0) {
    io.stdout(renderList(models, flags.json === true));
    return 0;
  }
  const options: CheckOptions = {
    ...(flags.maxStates === undefined ? {} : { maxStates: flags.maxStates }),
    ...(flags.maxDepth === undefined ? {} : { maxDepth: flags.maxDepth }),
    ...(flags.timeBudgetMs === undefined ? {} : { timeBudgetMs: flags.timeBudgetMs }),
    ...(flags.reduction === false ? { reduction: false } : {}),
  };
  const started = performance.now();
  const rows = await runChecks(selected, options, flags, path);
  const totalMs = Math.round(performance.now() - started);
  const wrong = rows.filter((r) => !asExpected(r));
  if (flags.json === true) {
    const results = rows.map((r) => {
      const res = r.result;
      return {
        model: r.model.name,
        machine: r.model.machine,
        expect: r.model.expect,
        verdict: verdictOf(r),
        strength: strengthOf(r),
        invariant: res._tag === "Violation" ? res.invariant : null,
        bound: res._tag === "Bounded" ? res.reason : null,
        message: res._tag === "Bounded" ? res.message : null,
        states: res.states,
        transitions: res.transitions,
        depth: res.depth,
        elapsedMs: res.elapsedMs,
        statesPerSecond: res.statesPerSecond,
        bytesPerState: res.bytesPerState,
        frontierMax: res.frontierMax,
        path: r.path,
      };
    });
    io.stdout(`${JSON.stringify({ version: 1, elapsedMs: totalMs, results }, null, 2)}\n`);
    return wrong.length === 0 ? 0 : 1;
  }
  const table = fitTable({
    head: [
      "model",
      "machine",
      "expect",
      "verdict",
      "invariant violated / bound",
      "states",
      "transitions",
      "depth",
      "states/s",
      "bytes/state",
      "elapsed",
    ],
    rows: rows.map((r) => {
      const res = r.result;
      return [
        r.model.name,
        r.model.machine,
        r.model.expect,
        `${asExpected(r) ? pc.green("✓") : pc.red("✗")} ${verdictWords(r)}`,
        res._tag === "Violation" ? res.invariant : res._tag === "Bounded" ? res.reason : pc.dim("—"),
        res.states.toLocaleString("en"),
        res.transitions.toLocaleString("en"),
        String(res.depth),
        res.statesPerSecond.toLocaleString("en"),
        String(res.bytesPerState),
        `${(res.elapsedMs / 1000).toFixed(2)}s`,
      ];
    }),
    width: io.columns ?? TABLE_WIDTH_DEFAULT,
  });
  const how = [
    flags.reduction === false ? "no reduction" : "partial-order reduction where declared",
    ...(flags.workers !== undefined && flags.workers > 1 ? [`${flags.workers} worker threads`] : []),
  ].join(", ");
  const lines = [`${pc.bold("interleave check")} · breadth-first, 64-bit state fingerprints, ${how}`, table];
  for (const r of rows) {
    const res = r.result;
    if (r.counterexample !== null) lines.push(`${pc.bold(r.model.name)}: ${r.counterexample}`);
    if (res._tag === "Bounded")
      lines.push(
        pc.yellow(
          `${pc.bold(r.model.name)}: bounded, not verified — ${res.message}; no invariant failed in the ${res.states.toLocaleString("en")} states explored`,
        ),
      );
    if (res._tag === "Verified")
      lines.push(
        pc.dim(
          `${r.model.name}: verified — every state within its bounds (${r.model.description}): ${res.states.toLocaleString("en")} distinct states, depth ${res.depth}, no bound cut`,
        ),
      );
  }
  lines.push(
    wrong.length === 0
      ? pc.green(
          `${rows.length} model(s), every verdict as expected (${(totalMs / 1000).toFixed(2)}s in all).`,
        )
      : pc.red(
          `${wrong.length} of ${rows.length} model(s) got an unexpected verdict: ${wrong
            .map((r) => `${r.model.name} (expected ${r.model.expect}, got ${verdictWords(r)})`)
            .join("; ")}`,
        ),
  );
  io.stdout(`${lines.join("\n")}\n`);
  return wrong.length === 0 ? 0 : 1;
}

function renderList(models: readonly CheckedModel[], json: boolean): string {
  if (json) {
    const list = models.map((m) => ({
      model: m.name,
      machine: m.machine,
      expect: m.expect,
      description: m.description,
      why: m.why,
      source: m.source,
    }));
    return `${JSON.stringify({ version: 1, models: list }, null, 2)}\n`;
  }
  const width = Math.max(0, ...models.map((m) => m.name.length));
  const machineWidth = Math.max(0, ...models.map((m) => m.machine.length));
  return [
    "Models (interleave check <model>... or --all):",
    ...models.map(
      (m) => `  ${m.name.padEnd(width)}  ${m.machine.padEnd(machineWidth)}  ${m.expect.padEnd(9)}  ${m.why}`,
    ),
    "",
  ].join("\n");
}
