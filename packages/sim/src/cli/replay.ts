/**
 * `interleave replay`: print a counterexample as a timeline (or a Mermaid diagram, or JSON), from a trace file
 * (its decisions replayed, its fingerprint checked) or from scenario + variant + seed.
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { readTrace } from "../io/trace-file.js";
import { findVariant, InputError, type Strategy } from "../model/scenario.js";
import {
  END_OF_RUN,
  type EventDifference,
  type ReplayDivergenceReport,
  replaySeedAsync,
  replayTraceAsync,
} from "../replay/replay.js";
import { STRATEGIES } from "../strategy/registry.js";
import { mermaidBlock } from "../view/mermaid.js";
import { renderTimeline } from "../view/timeline.js";
import { parsePositive, parseSeed, specOfFlags } from "./common.js";
import { type CliIo, type CliOptions, scenariosFor, scenariosOption, widthOf } from "./context.js";

interface ReplayFlags {
  variant?: string;
  seed?: number;
  strategy: Strategy;
  pctDepth?: number;
  run?: number;
  parts?: number;
  json?: boolean;
  all?: boolean;
  showCurrent?: boolean;
  mermaid?: boolean;
  scenarios?: string;
}

/** Register `replay` on `program`; its exit code goes to `setExitCode`. */
export function registerReplay(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
  options: CliOptions,
): void {
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
    .option(
      "--run <i>",
      "with --strategy feedback: the run's index in its exploration (--seed is then the base seed)",
      parseRunIndex,
    )
    .option(
      "--parts <k>",
      "with --strategy feedback: the parts the exploration was split into (the --shard count)",
      parsePositive("--parts"),
    )
    .option("--json", "print the trace JSON instead of the timeline")
    .option("--all", "also show the folded idle polls (repeated no-op steps with an empty result)")
    .option("--show-current", "when a trace no longer reproduces, also show what the current code does")
    .option(
      "--mermaid",
      "print the run as a Mermaid sequence diagram (a ```mermaid block) instead of the timeline",
    )
    .addOption(scenariosOption())
    .action(async (target: string, flags: ReplayFlags) => {
      setExitCode(await replay(target, flags, io, options));
    });
}

/**
 * `replay`: a trace file replays its recorded decisions and checks the fingerprint; a scenario id with
 * `--variant` and `--seed` reruns that seed. Exit 0 when the trace reproduces (or the seed ran); 1 when it
 * diverged (one block on stderr naming the step, time and decision; `--json`: `{ reproduced: false,
 * divergence }` on stdout; no timeline) or changed (the first differing event on stderr; the current run's
 * timeline, or with `--json` its trace, only with `--show-current`).
 */
async function replay(target: string, flags: ReplayFlags, io: CliIo, options: CliOptions): Promise<number> {
  const isFile = target.endsWith(".json") || existsSync(resolve(io.cwd, target));
  if (isFile) {
    if (flags.variant !== undefined || flags.seed !== undefined) {
      throw new InputError("--variant and --seed go with a scenario id, not with a trace file");
    }
    const trace = readTrace(resolve(io.cwd, target), (line) => io.stderr(`interleave: note: ${line}\n`));
    const all = await scenariosFor(flags, io, options);
    const { scenario, variant } = findVariant(all, trace.scenario, trace.variant);
    const outcome = await replayTraceAsync(scenario, variant, trace);
    const which = `${target} (${trace.scenario}/${trace.variant}, seed ${trace.seed})`;
    if (outcome._tag === "Diverged") {
      const { _tag, ...divergence } = outcome;
      io.stderr(divergenceBlock(which, trace.decisions.length, divergence));
      if (flags.json === true) io.stdout(`${JSON.stringify({ reproduced: false, divergence }, null, 2)}\n`);
      return 1;
    }
    if (outcome._tag === "Changed") {
      const show = flags.showCurrent === true;
      io.stderr(
        changedBlock(which, outcome.expected, outcome.trace.fingerprint, outcome.firstDifference, show),
      );
      if (flags.json === true) {
        const changed = {
          expectedFingerprint: outcome.expected,
          foundFingerprint: outcome.trace.fingerprint,
          firstDifference: outcome.firstDifference,
        };
        io.stdout(
          `${JSON.stringify({ reproduced: false, changed, ...(show ? { trace: outcome.trace } : {}) }, null, 2)}\n`,
        );
      } else if (show) {
        io.stdout(`${renderTimeline(outcome.trace, { all: flags.all === true, ...widthOf(io) })}\n`);
      }
      return 1;
    }
    io.stdout(
      flags.json === true
        ? `${JSON.stringify(outcome.trace, null, 2)}\n`
        : flags.mermaid === true
          ? mermaidBlock(outcome.trace)
          : `${renderTimeline(outcome.trace, { all: flags.all === true, ...widthOf(io) })}\n`,
    );
    return 0;
  }
  if (flags.variant === undefined || flags.seed === undefined) {
    throw new InputError(
      `"${target}" is not a trace file; to replay a seed give a scenario id with --variant and --seed`,
    );
  }
  const all = await scenariosFor(flags, io, options);
  const { scenario, variant } = findVariant(all, target, flags.variant);
  if ((flags.run !== undefined || flags.parts !== undefined) && flags.strategy !== "feedback")
    throw new InputError("--run and --parts go with --strategy feedback");
  const trace = await replaySeedAsync(scenario, variant, flags.seed, specOfFlags(flags), {
    swarm: scenario.swarm,
    ...(flags.run === undefined ? {} : { run: flags.run }),
    ...(flags.parts === undefined ? {} : { parts: flags.parts }),
  });
  io.stdout(
    flags.json === true
      ? `${JSON.stringify(trace, null, 2)}\n`
      : flags.mermaid === true
        ? mermaidBlock(trace)
        : `${renderTimeline(trace, { all: flags.all === true, ...widthOf(io) })}\n`,
  );
  return 0;
}

/** `--run`: a run index, an integer ≥ 0. */
function parseRunIndex(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new InputError(`--run must be a run index (an integer ≥ 0), got "${text}"`);
  return n;
}

/** The stderr block of a replay that diverged: which trace, where (step, time, decision), both labels. */
function divergenceBlock(which: string, recorded: number, d: ReplayDivergenceReport): string {
  const expected =
    d.expectedLabel === null
      ? `the trace expected no more decisions (it holds ${recorded})`
      : `the trace expected "${d.expectedLabel}"`;
  const found =
    d.foundLabel === END_OF_RUN
      ? "the code ended the run"
      : d.foundLabel === d.expectedLabel
        ? `the code asked for "${d.foundLabel}" with a different number of options`
        : `the code asked for "${d.foundLabel}"`;
  return [
    `interleave: ${which} no longer applies to the current code: ${d.message}.`,
    `  diverged at step ${d.step} (t=${d.t}ms), decision #${d.decisionIndex}: ${expected}, ${found}`,
    "  The replay stopped there: the code changed the schedule's shape. Re-explore to get a fresh counterexample.",
    "",
  ].join("\n");
}

/** The stderr block of a replay whose decisions fit but whose run differs: the first differing event. */
function changedBlock(
  which: string,
  expected: string,
  found: string,
  diff: EventDifference | null,
  showing: boolean,
): string {
  const lines = [
    `interleave: ${which} replays, but the run differs from the recorded one (fingerprint ${found.slice(0, 12)} ≠ ${expected.slice(0, 12)}).`,
  ];
  if (diff === null) {
    lines.push("  The event logs are equal; the processes, the violation or where the run ended differ.");
  } else {
    lines.push(
      `  first difference at step ${diff.step} (t=${diff.t}ms), event #${diff.index}${
        diff.fields.length === 0 ? "" : ` (${diff.fields.join(", ")} differ)`
      }:`,
      `    expected: ${diff.expected ?? "(the recorded run had ended)"}`,
      `    found:    ${diff.found ?? "(the current run had ended)"}`,
    );
  }
  lines.push(
    showing
      ? "  The current code's run follows (--show-current)."
      : "  Run again with --show-current to see the current code's timeline.",
    "",
  );
  return lines.join("\n");
}
