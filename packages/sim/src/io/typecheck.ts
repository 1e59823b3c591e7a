/**
 * Type-checks a TypeScript scenario registry before the CLI runs it. Registries load through tsx, which
 * strips types without checking them, so a scenario that fails `tsc` would otherwise run (issue 20). The
 * check runs the `tsc` of the registry's own project (the `typescript` package resolved from the registry's
 * directory; none → no check) with the nearest `tsconfig.json` above the registry, if any: `tsc --noEmit`
 * over the registry and what it imports.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";

/** Errors listed in a failed check; the rest are counted. */
export const TYPECHECK_ERRORS_SHOWN_MAX = 10;

/** Bound on one check (ms): a check that takes longer is abandoned, with a warning, and the registry runs. */
export const TYPECHECK_TIMEOUT_MS = 120_000;

/** Compiler flags when the registry's project has no tsconfig.json: strict, ES modules, resolution as bundlers do. */
const DEFAULT_FLAGS = [
  "--strict",
  "--target",
  "ES2022",
  "--module",
  "ESNext",
  "--moduleResolution",
  "Bundler",
  "--skipLibCheck",
];

/** What {@link typecheckRegistry} found. */
export type TypecheckOutcome =
  /** Not checked: `why` says why (not a TypeScript file, no `typescript` in the registry's project, a timeout). */
  | { readonly _tag: "Skipped"; readonly why: string }
  | { readonly _tag: "Passed"; readonly tsconfig: string | null }
  | {
      readonly _tag: "Failed";
      readonly tsconfig: string | null;
      /** Errors in all. */
      readonly count: number;
      /** The first {@link TYPECHECK_ERRORS_SHOWN_MAX} errors as tsc prints them (`file(line,col): error TSnnnn: …`). */
      readonly errors: readonly string[];
    };

/** The `tsc` script of the `typescript` package resolvable from `dir` (the registry's project), or null. */
function tscFrom(dir: string): string | null {
  const require = createRequire(resolve(dir, "noop.js"));
  try {
    const manifest = require.resolve("typescript/package.json");
    const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin?: { tsc?: string } }).bin?.tsc;
    return bin === undefined ? null : resolve(dirname(manifest), bin);
  } catch {
    return null;
  }
}

/** The nearest tsconfig.json from `dir` upwards, or null. */
function findTsconfig(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const path = join(d, "tsconfig.json");
    if (existsSync(path)) return path;
    if (dirname(d) === d) return null;
  }
}

/**
 * Type-check the registry at `registryPath` (absolute) as `tsc --noEmit` would with its project's
 * tsconfig.json, running that project's own `tsc` (TypeScript 5 and 7 alike). Only the registry and what it
 * imports are checked, not the whole project: a temporary config beside the project's tsconfig.json extends
 * it with `files: [registry]` and is removed afterwards. `cwd` makes file names in errors relative. Never
 * throws for type errors: they are the `Failed` outcome.
 */
export function typecheckRegistry(registryPath: string, cwd: string): TypecheckOutcome {
  if (!/\.[cm]?tsx?$/.test(registryPath)) return { _tag: "Skipped", why: "not a TypeScript file" };
  const dir = dirname(registryPath);
  const tsc = tscFrom(dir);
  if (tsc === null) return { _tag: "Skipped", why: "typescript is not installed in the registry's project" };
  const tsconfig = findTsconfig(dir);
  let args: string[];
  let temp: string | null = null;
  if (tsconfig === null) {
    args = [...DEFAULT_FLAGS, registryPath];
  } else {
    temp = join(dirname(tsconfig), `.interleave-typecheck-${process.pid}.json`);
    const config = {
      extends: `./${basename(tsconfig)}`,
      compilerOptions: { noEmit: true, incremental: false, composite: false },
      files: [registryPath],
      include: [],
    };
    try {
      writeFileSync(temp, JSON.stringify(config));
    } catch {
      return { _tag: "Skipped", why: `cannot write a temporary tsconfig beside ${tsconfig}` };
    }
    args = ["-p", temp];
  }
  try {
    const run = spawnSync(process.execPath, [tsc, "--noEmit", "--pretty", "false", ...args], {
      cwd: dir,
      encoding: "utf8",
      timeout: TYPECHECK_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error !== undefined) return { _tag: "Skipped", why: `tsc did not finish: ${run.error.message}` };
    if (run.status === 0) return { _tag: "Passed", tsconfig };
    const errors = `${run.stdout}${run.stderr}`
      .split("\n")
      .filter((line) => /error TS\d+/.test(line))
      .map((line) => relativeFile(line.trim(), dir, cwd));
    if (errors.length === 0) {
      const first = `${run.stdout}${run.stderr}`.trim().split("\n")[0] ?? "";
      return { _tag: "Failed", tsconfig, count: 1, errors: [`tsc exited with ${run.status}: ${first}`] };
    }
    return {
      _tag: "Failed",
      tsconfig,
      count: errors.length,
      errors: errors.slice(0, TYPECHECK_ERRORS_SHOWN_MAX),
    };
  } finally {
    if (temp !== null) rmSync(temp, { force: true });
  }
}

/** A tsc error line with its file (relative to `dir`, where tsc ran) made relative to `cwd`. */
function relativeFile(line: string, dir: string, cwd: string): string {
  const m = /^(.+?)(\(\d+,\d+\)): (.*)$/.exec(line);
  if (m === null) return line;
  const file = relative(cwd, resolve(dir, m[1]!)) || m[1]!;
  return `${file}${m[2]}: ${m[3]}`;
}

/**
 * The one block the CLI prints for a failed check: what failed and how to go on, then the errors. E.g.
 *
 * ```
 * scenarios/index.ts does not type-check (1 error; tsc --noEmit with tsconfig.json). Fix it, or pass --no-typecheck to run it anyway:
 *   scenarios/race.ts(12,7): error TS2322: Type 'string' is not assignable to type 'number'.
 * ```
 */
export function describeTypecheckFailure(
  registryPath: string,
  outcome: Extract<TypecheckOutcome, { _tag: "Failed" }>,
  cwd: string,
): string {
  const shown = relative(cwd, registryPath) || registryPath;
  const config =
    outcome.tsconfig === null ? "default options" : relative(cwd, outcome.tsconfig) || outcome.tsconfig;
  const more = outcome.count - outcome.errors.length;
  const lines = [
    `${shown} does not type-check (${outcome.count} error${outcome.count === 1 ? "" : "s"}; tsc --noEmit with ${config}). Fix ${outcome.count === 1 ? "it" : "them"}, or pass --no-typecheck to run it anyway:`,
    ...outcome.errors.map((e) => `  ${e}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ];
  return lines.join("\n");
}
