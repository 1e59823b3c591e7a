/**
 * `--typecheck` / `--no-typecheck` of the commands that run a scenario registry: tsx strips types without
 * checking them, so a registry that fails `tsc` would otherwise run. On by default when the registry's project
 * has `typescript` installed; see io/typecheck.ts for how the check runs.
 */
import { Option } from "commander";
import { describeTypecheckFailure, typecheckRegistry } from "../io/typecheck.js";
import { InputError } from "../model/scenario.js";
import type { CliIo } from "./context.js";

/** `--typecheck`: check even when the default would (it says so on stderr when the check cannot run). */
export const typecheckOption = () =>
  new Option(
    "--typecheck",
    "type-check a TypeScript registry with its project's tsc and tsconfig.json before running it; the default when the project has typescript installed",
  );

/** `--no-typecheck`: run the registry without type-checking it. */
export const noTypecheckOption = () =>
  new Option("--no-typecheck", "run the registry without type-checking it");

/**
 * Type-check the registry at `registry` unless `flag` is false (`--no-typecheck`). Type errors throw one
 * {@link InputError} (exit 2) listing the first of them. A registry that could not be checked runs; with an
 * explicit `--typecheck` (`flag` true) stderr says why it was not checked.
 */
export function typecheckBeforeRun(
  registry: string | null,
  flag: boolean | undefined,
  io: Pick<CliIo, "cwd"> & Partial<Pick<CliIo, "stderr">>,
): void {
  if (registry === null || flag === false) return;
  const outcome = typecheckRegistry(registry, io.cwd);
  if (outcome._tag === "Failed") throw new InputError(describeTypecheckFailure(registry, outcome, io.cwd));
  if (outcome._tag === "Skipped" && flag === true && io.stderr !== undefined)
    io.stderr(`interleave: --typecheck: not checked: ${outcome.why}\n`);
}
