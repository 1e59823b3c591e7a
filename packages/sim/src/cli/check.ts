/**
 * `interleave check [models...]`: explicit-state breadth-first checking of the shipped models
 * (../models.ts) from the command line. Prints a table (model, expect, verdict, states, transitions, depth,
 * states/s, bytes/state, elapsed) and, for each violation, its shortest counterexample one input per line.
 * Exit codes: 0 every verdict equals its model's `expect`; 1 otherwise (a bound that stopped a check counts
 * as unexpected); 2 bad input (an unknown model, a malformed number).
 */
import Table from "cli-table3";
import { type Command, Option } from "commander";
import pc from "picocolors";
import { type ShippedModel, STATE_SPACE_MODELS } from "../models.js";
import { InputError } from "../scenario.js";
import { type CheckOptions, MAX_STATES_DEFAULT } from "../statespace.js";

/** Where `check` writes; the CLI's `CliIo` satisfies it. */
export interface CheckIo {
  readonly stdout: (text: string) => void;
}

interface CheckFlags {
  all?: boolean;
  maxStates?: number;
  maxDepth?: number;
  timeBudgetMs?: number;
  json?: boolean;
}

/** A verdict of `check`: `pass` (verified), `violation`, or `bounded` (a bound stopped the search). */
export type CheckVerdict = "pass" | "violation" | "bounded";

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
 * (0, 1 or 2 as above; the caller's own error handling turns a thrown `InputError` into 2). `models`
 * replaces the shipped list (tests).
 *
 * Without a model name it lists the models (name, expect, description) unless `--all` is given; an
 * unknown name throws `InputError` naming the known ones.
 *
 * @example
 * registerCheck(program, io, (code) => { exitCode = code; });
 * // interleave check claim-queue-updated-at-guard --max-states 1000000
 */
export function registerCheck(
  program: Command,
  io: CheckIo,
  setExitCode: (code: number) => void,
  models: readonly ShippedModel[] = STATE_SPACE_MODELS,
): Command {
  return program
    .command("check")
    .description("check shipped state-machine models breadth-first over every input sequence")
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
    .option("--json", "print one JSON document instead of the table")
    .action((names: string[], flags: CheckFlags) => {
      setExitCode(check(names, flags, io, models));
    });
}

function select(names: readonly string[], flags: CheckFlags, models: readonly ShippedModel[]) {
  if (flags.all === true) {
    if (names.length > 0) throw new InputError("give model names or --all, not both");
    return models;
  }
  return names.map((name) => {
    const model = models.find((m) => m.name === name);
    if (model === undefined) {
      throw new InputError(`unknown model "${name}" (models: ${models.map((m) => m.name).join(", ")})`);
    }
    return model;
  });
}

function check(names: readonly string[], flags: CheckFlags, io: CheckIo, models: readonly ShippedModel[]) {
  const selected = select(names, flags, models);
  if (selected.length === 0) {
    io.stdout(renderList(models, flags.json === true));
    return 0;
  }
  const options: CheckOptions = {
    ...(flags.maxStates === undefined ? {} : { maxStates: flags.maxStates }),
    ...(flags.maxDepth === undefined ? {} : { maxDepth: flags.maxDepth }),
    ...(flags.timeBudgetMs === undefined ? {} : { timeBudgetMs: flags.timeBudgetMs }),
  };
  const rows = selected.map((model) => ({ model, ...model.check(options) }));
  const verdictOf = (r: (typeof rows)[number]): CheckVerdict =>
    r.result._tag === "Verified" ? "pass" : r.result._tag === "Violation" ? "violation" : "bounded";
  const wrong = rows.filter((r) => verdictOf(r) !== r.model.expect);
  if (flags.json === true) {
    const results = rows.map((r) => {
      const res = r.result;
      return {
        model: r.model.name,
        expect: r.model.expect,
        verdict: verdictOf(r),
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
    io.stdout(`${JSON.stringify({ version: 1, results }, null, 2)}\n`);
    return wrong.length === 0 ? 0 : 1;
  }
  const table = new Table({
    head: [
      "model",
      "expect",
      "verdict",
      "invariant violated / bound",
      "states",
      "transitions",
      "depth",
      "states/s",
      "bytes/state",
      "elapsed",
    ].map((h) => pc.bold(h)),
    colWidths: [null, null, null, 44, null, null, null, null, null, null],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const res = r.result;
    const verdict = verdictOf(r);
    table.push([
      r.model.name,
      r.model.expect,
      `${verdict === r.model.expect ? pc.green("✓") : pc.red("✗")} ${verdict}`,
      res._tag === "Violation" ? res.invariant : res._tag === "Bounded" ? res.reason : pc.dim("—"),
      res.states.toLocaleString("en"),
      res.transitions.toLocaleString("en"),
      String(res.depth),
      res.statesPerSecond.toLocaleString("en"),
      String(res.bytesPerState),
      `${(res.elapsedMs / 1000).toFixed(2)}s`,
    ]);
  }
  const lines = [
    `${pc.bold("interleave check")} · breadth-first, 64-bit state fingerprints`,
    table.toString(),
  ];
  for (const r of rows) {
    if (r.counterexample !== null) lines.push(`${pc.bold(r.model.name)}: ${r.counterexample}`);
    if (r.result._tag === "Bounded") lines.push(`${pc.bold(r.model.name)}: ${r.result.message}`);
  }
  lines.push(
    wrong.length === 0
      ? pc.green(`${rows.length} model(s), every verdict as expected.`)
      : pc.red(
          `${wrong.length} of ${rows.length} model(s) got an unexpected verdict: ${wrong
            .map((r) => `${r.model.name} (expected ${r.model.expect}, got ${verdictOf(r)})`)
            .join("; ")}`,
        ),
  );
  io.stdout(`${lines.join("\n")}\n`);
  return wrong.length === 0 ? 0 : 1;
}

function renderList(models: readonly ShippedModel[], json: boolean): string {
  if (json) {
    const list = models.map((m) => ({
      model: m.name,
      expect: m.expect,
      description: m.description,
      source: m.source,
    }));
    return `${JSON.stringify({ version: 1, models: list }, null, 2)}\n`;
  }
  const width = Math.max(...models.map((m) => m.name.length));
  return [
    "Models (interleave check <model>... or --all):",
    ...models.map((m) => `  ${m.name.padEnd(width)}  ${m.expect.padEnd(9)}  ${m.description}`),
    "",
  ].join("\n");
}
