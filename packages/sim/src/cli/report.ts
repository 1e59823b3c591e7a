/**
 * `interleave report <trace.json>`: write the trace's HTML counterexample report (one self-contained file,
 * see ../view/html.ts), or with `--mermaid` print its Mermaid sequence diagram. Exit codes: 0 written or
 * printed; 2 bad input — a missing, corrupt or foreign trace file, one edited by hand (its content does not
 * match its fingerprint: `trace … was modified: fingerprint mismatch`), a damaged `.original.json` beside it, a
 * `--out` that is an existing file but not an interleave report (without `--force`), or an explicit
 * `--scenarios` module that does not load: one line on stderr, and nothing is written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Command } from "commander";
import { checkOutputFile } from "../io/output-path.js";
import { findRegistry, loadScenarios } from "../io/registry.js";
import { readTrace } from "../io/trace-file.js";
import { InputError, type Scenario } from "../model/scenario.js";
import type { Trace } from "../trace/format.js";
import { eventsOf, REPORT_GENERATOR, renderReport } from "../view/html.js";
import { mermaidBlock } from "../view/mermaid.js";
import { type ReportRun, reportRunOfAsync } from "../view/report-model.js";

/** Where `report` reads and writes; the CLI's `CliIo` satisfies it. */
export interface ReportIo {
  readonly stdout: (text: string) => void;
  /** Where notes go (a version-1 trace read as the current version); none when absent. */
  readonly stderr?: (text: string) => void;
  readonly cwd: string;
}

interface ReportFlags {
  out?: string;
  mermaid?: boolean;
  original: boolean;
  force?: boolean;
  scenarios?: string;
}

/** Whether `path` names an original counterexample as explore writes it (`x.original.json`, `x.original.1.json`). */
export function isOriginalPath(path: string): boolean {
  return /\.original(\.\d+)?\.json$/.test(path);
}

/**
 * The trace explore writes beside `path` as the original of a shrunk counterexample: `x.json` →
 * `x.original.json`, and for a numbered sibling `x.1.json` → `x.original.1.json`. Null for an original itself.
 */
export function originalPathOf(path: string): string | null {
  if (!path.endsWith(".json") || isOriginalPath(path)) return null;
  const numbered = /^(.*)\.(\d+)\.json$/.exec(path);
  return numbered === null
    ? path.replace(/\.json$/, ".original.json")
    : `${numbered[1]}.original.${numbered[2]}.json`;
}

/** The default report path of a trace: `x.json` → `x.html` (beside it). */
export function reportPathOf(tracePath: string): string {
  return tracePath.endsWith(".json") ? tracePath.replace(/\.json$/, ".html") : `${tracePath}.html`;
}

/**
 * Check that a report could be written to `path`, without writing anything: an existing file there must be an
 * interleave report (its generator meta tag) unless `force` is set, and with `createDirectory` false its
 * directory must exist; and the place must take a file at all (not a directory, not under /proc or /sys,
 * writable: see `checkOutputFile`). Throws {@link InputError} (one line) when not; `lincheck --html` calls it
 * before its search, so a bad path fails at once.
 */
export function checkReportPath(path: string, force = false, createDirectory = true): void {
  if (existsSync(path) && !force) {
    let head = "";
    try {
      head = readFileSync(path, "utf8").slice(0, 2000);
    } catch (error) {
      throw new InputError(
        `cannot read ${path} to check it: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    if (!head.includes(`<meta name="generator" content="${REPORT_GENERATOR}">`)) {
      throw new InputError(`${path} exists and is not an interleave report; pass --force to replace it`);
    }
  }
  if (!createDirectory && !isDirectory(dirname(path))) {
    throw new InputError(`cannot write ${path}: the directory ${dirname(path)} does not exist`);
  }
  checkOutputFile(path, "report");
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Write `html` to `path` through a temporary file and a rename, so a failure never leaves half a report. An
 * existing file is replaced only when it is an interleave report (its generator meta tag) or `force` is set;
 * missing directories are created unless `createDirectory` is false (then a missing one is an error). Any
 * failure throws {@link InputError} and writes nothing (see {@link checkReportPath}).
 */
export function writeReportFile(path: string, html: string, force = false, createDirectory = true): void {
  checkReportPath(path, force, createDirectory);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new InputError(
      `cannot create the directory of ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const temporary = `${dirname(path)}/.${basename(path)}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, html, { flag: "w" });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new InputError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** Scenario lookup for a report: the scenario and variant of `trace`, or why its store cannot be replayed. */
export type ReportTarget =
  | { readonly scenario: Scenario; readonly variant: Scenario["variants"][number] }
  | { readonly reason: string };

/** Find `trace`'s scenario and variant in `scenarios`, or say why not. */
export function targetOf(scenarios: readonly Scenario[] | string, trace: Trace): ReportTarget {
  if (typeof scenarios === "string") return { reason: scenarios };
  const scenario = scenarios.find((s) => s.name === trace.scenario);
  if (scenario === undefined) return { reason: `the registry has no scenario "${trace.scenario}"` };
  const variant = scenario.variants.find((v) => v.name === trace.variant);
  if (variant === undefined)
    return { reason: `scenario "${trace.scenario}" has no variant "${trace.variant}" any more` };
  return { scenario, variant };
}

/**
 * The report runs of a counterexample: `trace` (titled "shrunk counterexample" when it was shrunk, else
 * "run"), then `original` when given ("original, as found"). Each store is replayed with `reportRunOfAsync`,
 * so a trace of a world with async tasks is replayed too.
 */
export async function reportRunsOf(
  target: ReportTarget,
  trace: { readonly trace: Trace; readonly file: string | null },
  original: { readonly trace: Trace; readonly file: string | null } | null,
): Promise<ReportRun[]> {
  const isOriginal = trace.file !== null && isOriginalPath(trace.file);
  const title =
    trace.trace.shrunk !== undefined ? "shrunk counterexample" : isOriginal ? "original, as found" : "run";
  const runs = [await reportRunOfAsync(trace.trace, title, target, trace.file)];
  if (original !== null)
    runs.push(await reportRunOfAsync(original.trace, "original, as found", target, original.file));
  return runs;
}

/**
 * Adds the `report` command to `program` (see the module comment). `scenarios` replaces the registry (tests);
 * `setExitCode` receives 0 when the command has run (a thrown `InputError` becomes 2 in the caller).
 */
export function registerReport(
  program: Command,
  io: ReportIo,
  setExitCode: (code: number) => void,
  scenarios?: readonly Scenario[],
): Command {
  return program
    .command("report")
    .description("write a counterexample's HTML report (one self-contained file), or print it as Mermaid")
    .argument("<trace.json>", "a trace file written by explore or replay --json")
    .option("--out <file.html>", "where to write the report (default: beside the trace, same name, .html)")
    .option("--mermaid", "print a Mermaid sequence diagram (a ```mermaid block) instead of writing HTML")
    .option("--no-original", "leave out the original counterexample (<stem>.original.json beside the trace)")
    .option("--force", "replace --out even when it is not an interleave report")
    .option("--scenarios <module>", "scenario registry module (default: nearest scenarios/index.ts)")
    .action(async (file: string, flags: ReportFlags) => {
      const path = resolve(io.cwd, file);
      const note = (line: string) => io.stderr?.(`interleave: note: ${line}\n`);
      const trace = readTrace(path, note);
      if (flags.mermaid === true) {
        if (flags.out !== undefined)
          throw new InputError(
            "--out names the HTML report's file; --mermaid prints the diagram on stdout (redirect it: > diagram.md)",
          );
        io.stdout(mermaidBlock(trace));
        setExitCode(0);
        return;
      }
      const originalPath = flags.original ? originalPathOf(path) : null;
      const original =
        originalPath !== null && existsSync(originalPath) ? readTrace(originalPath, note) : null;
      if (original !== null && (original.scenario !== trace.scenario || original.variant !== trace.variant)) {
        throw new InputError(
          `${originalPath} is a trace of ${original.scenario}/${original.variant}, not of ${trace.scenario}/${trace.variant}; pass --no-original to leave it out`,
        );
      }
      const target = targetOf(await registryFor(flags, io, scenarios), trace);
      const out = flags.out === undefined ? reportPathOf(path) : resolve(io.cwd, flags.out);
      if (out === path || out === originalPath)
        throw new InputError(`--out ${flags.out} would overwrite a trace file`);
      const runs = await reportRunsOf(
        target,
        { trace, file: file },
        original === null ? null : { trace: original, file: originalPath },
      );
      writeReportFile(out, renderReport(runs), flags.force === true);
      const lines = [
        `report written: ${out}`,
        `  ${runs.map((r) => `${r.title} (${eventsOf(r)} events)`).join(" · ")}`,
        "reason" in target ? `  store states rebuilt from the trace: ${target.reason}` : "",
        "  open it in a browser; ← → step through it, v jumps to the violation",
      ];
      io.stdout(`${lines.filter((l) => l !== "").join("\n")}\n`);
      setExitCode(0);
    });
}

/**
 * The scenarios to replay against, or a sentence saying why there are none. An explicit `--scenarios` that
 * fails to load is an error (exit 2); a registry found from the cwd that fails only makes the report rebuild
 * its store states from the trace.
 */
async function registryFor(
  flags: ReportFlags,
  io: ReportIo,
  injected: readonly Scenario[] | undefined,
): Promise<readonly Scenario[] | string> {
  if (injected !== undefined && flags.scenarios === undefined) return injected;
  if (flags.scenarios !== undefined) return loadScenarios(resolve(io.cwd, flags.scenarios));
  const found = findRegistry(io.cwd);
  if (found === null) return `no scenario registry (scenarios/index.ts) found from ${io.cwd} upwards`;
  try {
    return await loadScenarios(found);
  } catch (error) {
    return `the scenario registry ${found} did not load: ${(error as Error).message}`;
  }
}
