/**
 * Finds and loads the scenario registry: a module whose default export is an array of scenarios
 * (`defineScenario` results). TypeScript registries load through tsx, so users need no build step.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError, type Scenario } from "./scenario.js";

const CANDIDATES = ["scenarios/index.ts", "scenarios/index.js"];

/** Walk up from `cwd` to the first directory holding `scenarios/index.ts` (or `.js`); null if none. */
export function findRegistry(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    for (const c of CANDIDATES) {
      const path = join(dir, c);
      if (existsSync(path)) return path;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Import the registry at `path` and check its shape; throws {@link InputError} naming the problem. */
export async function loadScenarios(path: string): Promise<readonly Scenario[]> {
  if (!existsSync(path)) throw new InputError(`scenario registry ${path} does not exist`);
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
  }
  const list = mod.default;
  if (
    !Array.isArray(list) ||
    list.some((s) => typeof s !== "object" || s === null || !Array.isArray(s.variants))
  ) {
    throw new InputError(`${path} must default-export an array of scenarios made with defineScenario`);
  }
  return list as Scenario[];
}
