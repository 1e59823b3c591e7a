/**
 * What a worker thread imports, compiled once: a module of ours (TypeScript when the CLI runs from sources) and a
 * registry module (a user's TypeScript registry), bundled by esbuild into one plain ES module in the main thread,
 * so no worker loads tsx or compiles TypeScript itself. The bundle exports everything `module` exports, and
 * `default`: the registry's default export. It is cached on disk (`<os tmpdir>/interleave-<uid>/worker-bundles`)
 * under a hash of the entry and reused while none of its input files changed (size and mtime), so a second
 * `--workers` command skips even the bundling.
 *
 * What stays outside the bundle, imported by the worker from where it is installed: Node's built-ins, CommonJS
 * packages, and packages whose entry files ask where they are (`import.meta.url` and its kin); when
 * @interleave/sim is built (installed from npm), every package, so the registry and the worker share one copy of
 * the search. Our own TypeScript files may ask too: their `import.meta.url` is replaced by their own file URL, so
 * `new URL("../lua/x.lua", import.meta.url)` still finds its file. With everything plain JavaScript (a published
 * @interleave/sim and a `.js` registry) nothing is bundled: the worker imports both directly. Without esbuild (it failed to load) the worker falls back to loading
 * both through tsx, as the main thread did.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** How a worker loads its two modules: import `worker` and `registry` (URLs; the same one when bundled). */
export interface WorkerEntry {
  /** URL of the module whose exports the worker uses (the bundle when compiled). */
  readonly worker: string;
  /** URL of the module whose `default` export is the registry (the bundle when compiled). */
  readonly registry: string;
  /** URL of tsx's `tsImport` API when the worker must load TypeScript itself (esbuild missing), else null. */
  readonly tsx: string | null;
  /** How it was made: `plain` (nothing to compile), `built`, `cached`, or `tsx` (the fallback). */
  readonly how: "plain" | "built" | "cached" | "tsx";
}

const TYPESCRIPT = /\.[cm]?tsx?$/;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;
const ASKS_WHERE = /import\.meta\.(?:url|resolve|dirname|filename)/;

/**
 * The modules a worker thread imports to get `module`'s exports and the registry at `registryPath`: compiled into
 * one cached bundle when either is TypeScript (see the module comment). `module` is a file URL (typically
 * `new URL("./x-worker.js", import.meta.url)`, which from sources ends in `.ts`). Never throws for a missing
 * esbuild (falls back to tsx); throws esbuild's error when the sources do not compile.
 */
export async function workerEntry(module: URL, registryPath: string): Promise<WorkerEntry> {
  const modulePath = fileURLToPath(module);
  const registry = resolve(registryPath);
  if (!TYPESCRIPT.test(modulePath) && !TYPESCRIPT.test(registry)) {
    const registryUrl = pathToFileURL(registry).href;
    return { worker: module.href, registry: registryUrl, tsx: null, how: "plain" };
  }
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    const tsx = import.meta.resolve("tsx/esm/api");
    return { worker: module.href, registry: pathToFileURL(registry).href, tsx, how: "tsx" };
  }
  // From sources our module is TypeScript too: bundle it with the registry, so both share one copy of the
  // search. Built, it is imported as it is, and the bundle holds the registry's own files only: every package
  // (@interleave/sim included) stays outside, so the registry and the worker share Node's one copy of it.
  const fromSources = TYPESCRIPT.test(modulePath);
  const conditions = fromSources ? ["source"] : [];
  const entry = fromSources
    ? `export * from ${JSON.stringify(modulePath)};\nexport { default } from ${JSON.stringify(registry)};\n`
    : `export { default } from ${JSON.stringify(registry)};\n`;
  const key = createHash("sha256")
    .update(JSON.stringify({ entry, conditions, esbuild: esbuild.version, node: process.version }))
    .digest("hex")
    .slice(0, 20);
  const dir = workerBundleDir();
  const bundle = join(dir, `${key}.mjs`);
  const manifest = join(dir, `${key}.json`);
  const url = pathToFileURL(bundle).href;
  const worker = fromSources ? url : module.href;
  if (fresh(bundle, manifest)) return { worker, registry: url, tsx: null, how: "cached" };
  const built = await esbuild.build({
    stdin: { contents: entry, resolveDir: dirname(registry), loader: "js", sourcefile: "worker-entry.js" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node.split(".")[0]}`,
    conditions,
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: dirname(registry),
    plugins: [outsideTheBundle(!fromSources)],
  });
  const inputs = Object.keys(built.metafile.inputs)
    .map((p) => (isAbsolute(p) ? p : resolve(dirname(registry), p)))
    .filter((p) => existsSync(p))
    .map((p) => {
      const s = statSync(p);
      return [p, s.size, s.mtimeMs] as const;
    });
  mkdirSync(dir, { recursive: true });
  // written under a temporary name, then renamed: a concurrent command sees the old bundle or the new one
  const temporary = `${bundle}.${process.pid}.tmp`;
  writeFileSync(temporary, built.outputFiles[0]!.contents);
  renameSync(temporary, bundle);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
  return { worker, registry: url, tsx: null, how: "built" };
}

/** Where the bundles are cached: `<os tmpdir>/interleave-<uid>/worker-bundles` (removing it is always safe). */
export function workerBundleDir(): string {
  return join(tmpdir(), `interleave-${userInfo().uid}`, "worker-bundles");
}

/** Whether the bundle exists and none of its inputs changed since it was written. */
function fresh(bundle: string, manifest: string): boolean {
  if (!existsSync(bundle) || !existsSync(manifest)) return false;
  try {
    const inputs = JSON.parse(readFileSync(manifest, "utf8")) as [string, number, number][];
    return inputs.every(([p, size, mtimeMs]) => {
      const s = statSync(p, { throwIfNoEntry: false });
      return s !== undefined && s.size === size && s.mtimeMs === mtimeMs;
    });
  } catch {
    return false;
  }
}

/**
 * The esbuild plugin that leaves outside the bundle built-ins, CommonJS packages, packages asking where they are,
 * and with `packages` every file under a `node_modules`.
 */
function outsideTheBundle(packages: boolean): import("esbuild").Plugin {
  const moduleType = new Map<string, boolean>();
  const isEsm = (file: string): boolean => {
    if (file.endsWith(".mjs")) return true;
    if (file.endsWith(".cjs")) return false;
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      const known = moduleType.get(dir);
      if (known !== undefined) return known;
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) {
        const esm = (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type === "module";
        moduleType.set(dir, esm);
        return esm;
      }
      if (dirname(dir) === dir) return false;
    }
  };
  return {
    name: "interleave-worker-bundle",
    setup(build) {
      // Only bare specifiers (packages) can lead outside; relative imports stay with their package. Every
      // callback runs on the thread that builds, between the main thread's runs, so they are kept few.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "inner" || args.kind === "entry-point") return undefined;
        if (args.path.startsWith("node:")) return { external: true };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "inner",
        });
        if (found.errors.length > 0 || found.external || found.path === "") return found;
        const outside =
          IN_NODE_MODULES.test(found.path) &&
          !TYPESCRIPT.test(found.path) &&
          (packages || !isEsm(found.path) || ASKS_WHERE.test(readFileSync(found.path, "utf8")));
        // outside: imported by its absolute file URL, so it resolves wherever the bundle is
        return outside ? { path: pathToFileURL(found.path).href, external: true } : found;
      });
      // our own files and a registry's are TypeScript: only they get their import.meta.url replaced
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
        if (IN_NODE_MODULES.test(args.path)) return undefined;
        const text = await readFile(args.path, "utf8");
        if (!ASKS_WHERE.test(text)) return undefined;
        const here = pathToFileURL(args.path).href;
        const contents = text
          .replaceAll("import.meta.url", JSON.stringify(here))
          .replaceAll("import.meta.filename", JSON.stringify(args.path))
          .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)));
        const loader = /\.[cm]?(tsx?)$/.exec(args.path)![1] as "ts" | "tsx";
        return { contents, loader };
      });
    },
  };
}

/**
 * A worker thread that imports `entry`'s two modules and calls `serve(registry)` of the worker module with the
 * registry's default export. `parent` is the importing module's URL (tsx resolves from it in the fallback). The
 * bootstrap is eval'd (a `--import` loader is not yet active when a worker's entry loads on Node 20) and is valid
 * as a script and as a module (`--input-type=module` in execArgv makes it one).
 */
export function startBundledWorker(entry: WorkerEntry, parent: string): Worker {
  const execArgv = [...process.execArgv];
  if (entry.tsx !== null && !execArgv.includes("--conditions=source")) execArgv.push("--conditions=source");
  const script = `
import("node:worker_threads").then(({ workerData }) => {
  const load = workerData.tsx === null
    ? (url) => import(url)
    : (url) => import(workerData.tsx).then((t) => t.tsImport(url, workerData.parent));
  return Promise.all([load(workerData.worker), load(workerData.registry)]).then(([w, r]) => w.serve(r.default));
});`;
  return new Worker(script, {
    eval: true,
    execArgv,
    workerData: { worker: entry.worker, registry: entry.registry, tsx: entry.tsx, parent },
  });
}
