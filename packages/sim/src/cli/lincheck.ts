/**
 * `interleave lincheck <history.jsonl>`: check a recorded history of concurrent calls for linearizability
 * against a core machine (src/lincheck/). Exit codes: 0 linearizable; 1 not linearizable (the failing window
 * printed as a table); 2 bad input (one line on stderr: an unreadable or truncated file, a foreign document, an
 * unknown machine, a bad config or partition field, an `--html` path in a missing directory or holding a file
 * that is not an interleave report — then nothing is written); 3 unknown (a budget ran out). With `--html` the
 * verdict is also written as a page in the HTML report's style (../view/lincheck-page.ts), whatever it is.
 */
import { resolve } from "node:path";
import {
  ClaimQueue,
  FencedResource,
  Lease,
  Mailbox,
  MergeGate,
  SyncCoordinator,
  TaskDeps,
} from "@interleave/core";
import type { Command } from "commander";
import { readHistory } from "../io/history-file.js";
import { renderWindow } from "../lincheck/render.js";
import type { LinMachine, LinResult } from "../lincheck/types.js";
import { checkLinearizable } from "../lincheck/wgl.js";
import { withEffects } from "../lincheck/with-effects.js";
import { InputError } from "../model/scenario.js";
import { renderLincheckPage } from "../view/lincheck-page.js";
import { parsePositive } from "./common.js";
import type { CliIo } from "./context.js";
import { checkReportPath, writeReportFile } from "./report.js";

/**
 * The core machines `--machine` names, each driven through its own `initial` and `transition`;
 * `SyncCoordinatorStep` is the SyncCoordinator with its effects compared too (an output `{ result, effects }`,
 * what the Redis coordinator's calls return: `withEffects`).
 */
export const LINCHECK_MACHINES: Readonly<Record<string, LinMachine<unknown, unknown, unknown, unknown>>> = {
  ClaimQueue: ClaimQueue as never,
  FencedResource: FencedResource as never,
  Lease: Lease as never,
  Mailbox: Mailbox as never,
  MergeGate: MergeGate as never,
  SyncCoordinator: SyncCoordinator as never,
  SyncCoordinatorStep: withEffects(SyncCoordinator) as never,
  TaskDeps: TaskDeps as never,
};

interface LincheckFlags {
  machine?: string;
  config?: string;
  partitionBy?: string;
  timeBudgetMs?: number;
  statesMax?: number;
  json?: boolean;
  html?: string;
  force?: boolean;
}

/** Register `lincheck` on `program`; its exit code goes to `setExitCode`. */
export function registerLincheck(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command("lincheck")
    .description("check a history of concurrent calls (JSONL) for linearizability against a core machine")
    .argument(
      "<history>",
      "a .jsonl history: a header line, then one operation per line (docs/linearizability.md)",
    )
    .option(
      "--machine <name>",
      `the sequential specification (default: the header's): ${Object.keys(LINCHECK_MACHINES).join(", ")}`,
    )
    .option("--config <json>", "the machine's config as JSON (default: the header's)")
    .option("--partition-by <field>", "check each value of this input field on its own (a machine per key)")
    .option(
      "--time-budget-ms <n>",
      "give up with unknown (exit 3) after this many ms",
      parsePositive("--time-budget-ms"),
    )
    .option(
      "--states-max <n>",
      "give up with unknown (exit 3) after memoising this many states (default 1000000)",
      parsePositive("--states-max"),
    )
    .option("--json", "print the verdict as JSON")
    .option(
      "--html <out.html>",
      "also write the verdict as an HTML page: the failing window as a timeline (the directory must exist)",
    )
    .option("--force", "replace --html even when it is not an interleave report")
    .action((path: string, flags: LincheckFlags) => {
      setExitCode(lincheck(path, flags, io));
    });
}

/**
 * Run the check, write the `--html` page when asked, and print the verdict; returns the exit code (0, 1 or 3;
 * bad input throws `InputError` before anything is written or printed).
 */
function lincheck(path: string, flags: LincheckFlags, io: CliIo): number {
  const historyPath = resolve(io.cwd, path);
  const out = flags.html === undefined ? null : resolve(io.cwd, flags.html);
  const force = flags.force === true;
  if (out !== null) {
    if (out === historyPath) throw new InputError(`--html ${flags.html} would overwrite the history file`);
    // Fail on an unusable path before a search that may take long.
    checkReportPath(out, force, false);
  }
  const history = readHistory(historyPath);
  const name = flags.machine ?? history.header.machine;
  const machine = LINCHECK_MACHINES[name];
  if (machine === undefined) {
    throw new InputError(`unknown machine "${name}"; known: ${Object.keys(LINCHECK_MACHINES).join(", ")}`);
  }
  const config = flags.config === undefined ? history.header.config : parseConfig(flags.config);
  try {
    machine.initial(config);
  } catch (error) {
    throw new InputError(`bad config for ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const field = flags.partitionBy;
  if (field !== undefined) {
    const missing = history.ops.findIndex((op) => !(field in (op.input as object)));
    if (missing >= 0)
      throw new InputError(`operation ${missing} has no input field "${field}" (--partition-by)`);
  }
  const verdict = checkLinearizable(
    history.ops,
    {
      machine,
      config,
      partition:
        field === undefined ? undefined : (input) => String((input as Record<string, unknown>)[field]),
    },
    {
      statesMax: flags.statesMax,
      timeBudgetMs: flags.timeBudgetMs,
      now: () => performance.now(),
    },
  );
  if (out !== null) {
    const page = renderLincheckPage({
      result: verdict,
      machine: name,
      config,
      ops: history.ops.length,
      file: path,
      partitionBy: field ?? null,
    });
    writeReportFile(out, page, force, false);
  }
  if (flags.json === true) io.stdout(`${JSON.stringify(verdict, null, 2)}\n`);
  else
    io.stdout(`${summary(verdict, history.ops.length, name)}${out === null ? "" : `html written: ${out}\n`}`);
  return verdict.verdict === "linearizable" ? 0 : verdict.verdict === "not-linearizable" ? 1 : 3;
}

function parseConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(`--config is not JSON: ${text.slice(0, 60)}`);
  }
}

/** The human-readable verdict: one line, and the failing window's table when there is one. */
function summary(verdict: LinResult, ops: number, machine: string): string {
  switch (verdict.verdict) {
    case "linearizable":
      return `linearizable: ${ops} ops against ${machine} (${verdict.partitions} partition${verdict.partitions === 1 ? "" : "s"}, ${verdict.states} states searched)\n`;
    case "unknown":
      return `unknown: ${verdict.message} (${ops} ops against ${machine}); nothing is claimed\n`;
    case "not-linearizable":
      return `${renderWindow(verdict.window)}(${ops} ops against ${machine}, ${verdict.states} states searched)\n`;
  }
}
