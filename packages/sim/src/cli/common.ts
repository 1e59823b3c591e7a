/**
 * What the commands that run scenarios share (`explore` in ./explore.ts, `replay` in ./replay.ts, `soak` in ./soak.ts): the parsers of their
 * numeric options, the scenario-registry lookup, the counterexample writer, the strategy of the flags and the replay flags of a strategy.
 * One copy each, so both commands read their options, name their files and print their replay commands alike.
 */
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { checkOutputDirectory } from "../io/output-path.js";
import { findRegistry } from "../io/registry.js";
import { writeTrace } from "../io/trace-file.js";
import { InputError, type Scenario, type Strategy } from "../model/scenario.js";
import type { VariantResult } from "../search/verdict.js";
import type { StrategySpec } from "../strategy/registry.js";
import type { Trace } from "../trace/format.js";
import { renderReport } from "../view/html.js";
import { renderMermaid } from "../view/mermaid.js";
import { type ReportTarget, reportPathOf, reportRunsOf, writeReportFile } from "./report.js";

/** Parse a uint32 seed (decimal or 0x-hex); throws InputError otherwise. */
export function parseSeed(text: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InputError(`malformed seed "${text}": expected an integer from 0 to 4294967295`);
  }
  return n;
}

/** A commander argument parser for a positive integer option `name`; throws InputError otherwise. */
export function parsePositive(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InputError(`${name} must be a positive integer, got "${text}"`);
    }
    return n;
  };
}

/**
 * The scenario registry module to load: `--scenarios` resolved against the working directory, else the nearest
 * `scenarios/index.ts` from it upwards; null when the caller injected scenarios (tests) and gave no `--scenarios`.
 * Throws InputError when there is none.
 */
export function registryPath(
  flags: { readonly scenarios?: string | undefined },
  io: { readonly cwd: string },
  options: { readonly scenarios?: readonly Scenario[] | undefined },
): string | null {
  if (options.scenarios !== undefined && flags.scenarios === undefined) return null;
  const path = flags.scenarios === undefined ? findRegistry(io.cwd) : resolve(io.cwd, flags.scenarios);
  if (path === null)
    throw new InputError(`no scenarios/index.ts found from ${io.cwd} upwards; pass --scenarios <module>`);
  return path;
}

/** The files {@link writeCounterexample} wrote, as displayed (relative to the working directory when below it). */
export interface WrittenCounterexample {
  readonly tracePath: string | null;
  readonly originalPath: string | null;
  /** `--html`: the counterexample's report, beside its trace. */
  readonly reportPath: string | null;
  /** `--mermaid`: its Mermaid diagram, beside its trace. */
  readonly mermaidPath: string | null;
}

/**
 * Write a result's counterexample (shrunk) to `<tracesDir>/<scenario>.<variant>.seed-<S>.json` (`.exhaustive.json`
 * for exhaustive search) and, beside it, the original as found (`<stem>.original.json`); with `html` the report
 * of both (`<stem>.html`), with `mermaid` the shrunk one's diagram (`<stem>.mmd`). Existing traces are never
 * overwritten (see `writeTrace`: the same trace is reused, another goes to a numbered sibling). Writes nothing
 * and returns nulls for a result without a counterexample. A failed write throws {@link InputError} naming the
 * file (`cannot write <path>: EACCES`); `writer` replaces the trace writer (tests inject one that fails). Async
 * because the report replays the trace, which may run async tasks.
 */
export async function writeCounterexample(
  result: VariantResult,
  target: ReportTarget,
  flags: {
    readonly tracesDir: string;
    readonly html?: boolean | undefined;
    readonly mermaid?: boolean | undefined;
  },
  io: { readonly cwd: string },
  writer: TraceWriter = writeTrace,
): Promise<WrittenCounterexample> {
  const none = { tracePath: null, originalPath: null, reportPath: null, mermaidPath: null };
  if (result.counterexample === null) return none;
  const exhaustive = result.strategy.startsWith("exhaustive");
  const stem = `${result.scenario}.${result.variant}.${exhaustive ? "exhaustive" : `seed-${result.seed}`}`;
  const save = (name: string, trace: Trace): string => {
    const path = resolve(io.cwd, flags.tracesDir, name);
    return writing(path, () => writer(path, trace));
  };
  const tracePath = save(`${stem}.json`, result.counterexample);
  const originalPath = result.original === null ? null : save(`${stem}.original.json`, result.original);
  let reportPath: string | null = null;
  if (flags.html === true) {
    reportPath = reportPathOf(tracePath);
    const runs = await reportRunsOf(
      target,
      { trace: result.counterexample, file: displayPath(io.cwd, tracePath) },
      result.original === null || originalPath === null
        ? null
        : { trace: result.original, file: displayPath(io.cwd, originalPath) },
    );
    writeReportFile(reportPath, renderReport(runs));
  }
  let mermaidPath: string | null = null;
  if (flags.mermaid === true) {
    const path = tracePath.replace(/\.json$/, ".mmd");
    writing(path, () => writeFileSync(path, renderMermaid(result.counterexample!)));
    mermaidPath = path;
  }
  const shown = (path: string | null) => (path === null ? null : displayPath(io.cwd, path));
  return {
    tracePath: shown(tracePath),
    originalPath: shown(originalPath),
    reportPath: shown(reportPath),
    mermaidPath: shown(mermaidPath),
  };
}

/** Writes a trace file and returns the path written (see `writeTrace`, the default). */
export type TraceWriter = (path: string, trace: Trace) => string;

/** Run the write `f` of `path`; a failure becomes one {@link InputError} line naming the path. */
function writing<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof InputError) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new InputError(`cannot write ${path}: ${e.code ?? e.message}`);
  }
}

/**
 * Check, before anything runs, that counterexamples (and their `--html` / `--mermaid` files) could be written
 * under `dir` (resolved against `cwd`): see {@link checkOutputDirectory} — a directory or creatable, not on
 * /proc or /sys, and a probe file can be written. Throws InputError with one line naming the path and the
 * problem.
 */
export function checkTracesDir(cwd: string, dir: string): void {
  checkOutputDirectory(cwd, dir, "--traces-dir");
}

/** Replay flags for a seeded result's strategy label (`random` → none, `pct(d=3)` → `--strategy pct --pct-depth 3`). */
export function replayArgsOf(label: string): string[] {
  const pct = /^pct\(d=(\d+)\)$/.exec(label);
  return pct === null ? [] : ["--strategy", "pct", "--pct-depth", pct[1]!];
}

/** `path` relative to `cwd` when it lies below it, else absolute. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}

/** The strategy spec of the CLI flags (random when none is given). */
export function specOfFlags(flags: { strategy?: Strategy; pctDepth?: number }): StrategySpec {
  const strategy = flags.strategy ?? "random";
  return strategy === "pct" && flags.pctDepth !== undefined
    ? { strategy: "pct", pctDepth: flags.pctDepth }
    : { strategy };
}
