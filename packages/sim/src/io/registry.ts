/**
 * Finds and loads the registries: the scenario registry (a module whose default export is an array of
 * scenarios, `defineScenario` results; `scenarios/index.ts` by default) and the model registry (an array of
 * checked models, `defineModel` results; `scenarios/models.ts` by default). TypeScript registries load through
 * tsx (an optional peer dependency: installed by the user, not by us), so users need no build step.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type CheckedModel, isCheckedModel } from "../model/checked-model.js";
import { InputError, type Scenario } from "../model/scenario.js";

const SCENARIO_CANDIDATES = ["scenarios/index.ts", "scenarios/index.js"];
const MODEL_CANDIDATES = ["scenarios/models.ts", "scenarios/models.js"];

function findUp(cwd: string, candidates: readonly string[]): string | null {
  let dir = resolve(cwd);
  for (;;) {
    for (const c of candidates) {
      const path = join(dir, c);
      if (existsSync(path)) return path;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Walk up from `cwd` to the first directory holding `scenarios/index.ts` (or `.js`); null if none. */
export function findRegistry(cwd: string): string | null {
  return findUp(cwd, SCENARIO_CANDIDATES);
}

/** Walk up from `cwd` to the first directory holding `scenarios/models.ts` (or `.js`); null if none. */
export function findModelRegistry(cwd: string): string | null {
  return findUp(cwd, MODEL_CANDIDATES);
}

/**
 * The package a failed import could not find, when the failure is a missing package (a bare specifier such
 * as `@interleave/sim` with no `node_modules` holding it above the importing file); null for anything else.
 * Node says "Cannot find package 'x' imported from …"; tsx and CommonJS say "Cannot find module 'x'".
 */
function missingPackage(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return null;
  const name = /Cannot find (?:package|module) '([^'./][^']*)'/.exec((error as Error).message)?.[1];
  if (name === undefined || name.startsWith("/") || /^[a-z]:[\\/]/i.test(name)) return null;
  // A deep import (`@scope/pkg/sub`, `pkg/sub`) is a missing package too: name the package.
  const parts = name.split("/");
  return name.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * tsx's `tsImport`, or null when tsx is not installed. tsx is an optional peer dependency of @interleave/sim:
 * only a TypeScript registry needs it, and Node 20 cannot strip types itself.
 */
async function tsxImport(): Promise<((url: string, parent: string) => Promise<unknown>) | null> {
  try {
    return (await import("tsx/esm/api")).tsImport;
  } catch (error) {
    if (missingPackage(error) === "tsx") return null;
    throw error;
  }
}

/**
 * The default export of the module at `path` (TypeScript through tsx); `what` names it in errors. A registry
 * that cannot import a package (typically `@interleave/sim` itself, from a directory with no `node_modules`
 * holding it), or a TypeScript registry without tsx installed, is an {@link InputError}: one line saying why
 * and what to install.
 */
async function importDefault(path: string, what: string): Promise<unknown> {
  if (!existsSync(path)) throw new InputError(`${what} ${path} does not exist`);
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown };
  try {
    try {
      mod = await import(url);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
      const tsImport = await tsxImport();
      if (tsImport === null) {
        throw new InputError(
          `${what} ${path} is TypeScript, which needs tsx to load (Node 20 cannot strip types): install it in that project (npm install --save-dev tsx), or give a compiled .js registry`,
        );
      }
      mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
    }
  } catch (error) {
    const name = missingPackage(error);
    if (name === null) throw error;
    throw new InputError(
      `${what} ${path} cannot import ${name}: it is not installed where the registry is (no node_modules/${name} in ${dirname(resolve(path))} or above); install it in that project (npm install --save-dev ${name})`,
    );
  }
  return mod.default;
}

/** Import the scenario registry at `path` and check its shape; throws {@link InputError} naming the problem. */
export async function loadScenarios(path: string): Promise<readonly Scenario[]> {
  const list = await importDefault(path, "scenario registry");
  if (
    !Array.isArray(list) ||
    list.some((s) => typeof s !== "object" || s === null || !Array.isArray(s.variants))
  ) {
    throw new InputError(`${path} must default-export an array of scenarios made with defineScenario`);
  }
  return list as Scenario[];
}

/**
 * Import the model registry at `path` and check its shape: an array of models made with `defineModel`, with
 * unique names. Throws {@link InputError} naming the problem.
 */
export async function loadModels(path: string): Promise<readonly CheckedModel[]> {
  return modelList(await importDefault(path, "model registry"), path);
}

/**
 * `list` (the default export of the model registry at `path`) checked: an array of models made with
 * `defineModel`, with unique names. Throws {@link InputError} naming the problem.
 */
export function modelList(list: unknown, path: string): readonly CheckedModel[] {
  if (!Array.isArray(list) || !list.every(isCheckedModel)) {
    throw new InputError(`${path} must default-export an array of models made with defineModel`);
  }
  const seen = new Set<string>();
  for (const m of list) {
    if (seen.has(m.name)) throw new InputError(`${path} registers the model "${m.name}" twice`);
    seen.add(m.name);
  }
  return list;
}
