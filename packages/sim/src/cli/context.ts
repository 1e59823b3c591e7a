/**
 * What every command of the CLI is given: where it writes and reads (`CliIo`), the scenarios or models tests
 * pass instead of a registry module (`CliOptions`), and the helpers commands share to find scenarios.
 */

import { resolve } from "node:path";
import { Option } from "commander";
import { findRegistry, loadScenarios } from "../io/registry.js";
import type { CheckedModel } from "../model/checked-model.js";
import { InputError, type Scenario } from "../model/scenario.js";
import type { TraceWriter } from "./common.js";
import type { ProgressStream } from "./progress.js";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /**
   * Width output is fitted to, if known: `COLUMNS`, else the terminal's (see `outputColumns` in ./table.ts). The
   * results tables fall back on `TABLE_WIDTH_DEFAULT` (100), the timeline on its own default.
   */
  readonly columns?: number | undefined;
  /**
   * How the user invoked us, for ready-to-paste commands: `"npx interleave"` → `npx interleave replay …`
   * (the default: it works in any project with @interleave/sim installed, where a bare `interleave` is not on
   * PATH); `"pnpm"` → `pnpm replay …` and `"npx -y pnpm@10"` → `npx -y pnpm@10 replay …` for this
   * repository's own scripts.
   */
  readonly invokedAs?: string | undefined;
  /** Where `explore` draws its progress bar: stderr when both stdout and stderr are terminals, else none. */
  readonly progress?: ProgressStream | undefined;
  /**
   * Where `explore` and `soak` write a progress line every few seconds when there is no bar (stdout or stderr
   * is not a terminal): stderr; none when undefined (tests).
   */
  readonly progressLines?: ((text: string) => void) | undefined;
}

export interface CliOptions {
  /** Use these scenarios instead of loading a registry module (tests). */
  readonly scenarios?: readonly Scenario[];
  /** Use these models for `check` instead of loading a model registry module (tests). */
  readonly models?: readonly CheckedModel[];
  /** Write counterexample traces with this instead of `writeTrace` (tests inject a writer that fails). */
  readonly writeTrace?: TraceWriter;
}

/** The `--scenarios <module>` option of the commands that run scenarios. */
export const scenariosOption = () =>
  new Option("--scenarios <module>", "scenario registry module (default: nearest scenarios/index.ts)");

/** The scenarios a command runs: `--scenarios`, else the tests' own, else the nearest registry module. */
export async function scenariosFor(
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

/** The terminal width for the timeline, if known. */
export function widthOf(io: CliIo): { width?: number } {
  return io.columns === undefined ? {} : { width: io.columns };
}
