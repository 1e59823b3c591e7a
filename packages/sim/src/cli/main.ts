/**
 * The `interleave` command line: `explore` runs every scenario variant (or the selected ones) and prints the
 * results table (with `--html` / `--mermaid` it also writes each counterexample's report / diagram); `replay`
 * prints a counterexample as a timeline (or a Mermaid diagram); `report` writes a trace's HTML report
 * (./report.ts); `check` runs the explicit-state checker (./check.ts); `soak` runs every pass variant for many
 * schedules across many base seeds (./soak.ts); `lincheck` checks a history for linearizability
 * (./lincheck.ts: exit 0 linearizable, 1 not, 2 bad input, 3 unknown). Exit codes: 0 every verdict equals its
 * variant's `expect` (explore) / the trace reproduced (replay) / the report was written; 1 a verdict differs /
 * the trace no longer reproduces; 2 bad input (one line on stderr, nothing written); 3 a scenario threw
 * (bin.ts prints where: the scenario, variant and run seed, and the stack).
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../model/scenario.js";
import { registerCheck } from "./check.js";
import type { CliIo, CliOptions } from "./context.js";
import { registerExplore } from "./explore.js";
import { registerLincheck } from "./lincheck.js";
import { registerReplay } from "./replay.js";
import { registerReport } from "./report.js";
import { registerSoak } from "./soak.js";

export async function main(argv: readonly string[], io: CliIo, options: CliOptions = {}): Promise<number> {
  let exitCode = 0;
  const program = new Command("interleave")
    .description("Find, replay and explain races in coordination code.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .showSuggestionAfterError(true);

  registerExplore(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    options,
  );
  registerReplay(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    options,
  );

  registerCheck(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    options.models,
  );
  registerReport(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    options.scenarios,
  );
  registerLincheck(program, io, (code) => {
    exitCode = code;
  });
  registerSoak(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    options,
  );

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
