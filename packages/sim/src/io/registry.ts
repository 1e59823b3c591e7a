/**
 * Finds and loads the registries: the scenario registry (a module whose default export is an array of
 * scenarios, `defineScenario` results; `scenarios/index.ts` by default) and the model registry (an array of
 * checked models, `defineModel` results; `scenarios/models.ts` by default). TypeScript registries load through
 * tsx, so users need no build step.
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

/** The default export of the module at `path` (TypeScript through tsx); `what` names it in errors. */
async function importDefault(path: string, what: string): Promise<unknown> {
  if (!existsSync(path)) throw new InputError(`${what} ${path} does not exist`);
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
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
  const list = await importDefault(path, "model registry");
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
