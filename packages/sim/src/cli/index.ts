/**
 * @interleave/sim/cli — the `interleave` command line as a function ({@link runCli}: argv and an I/O record
 * in, an exit code out), and what it runs on: the scenario and model registry loaders, seed parsing, and the
 * worker-thread pool that explores on several cores. For embedding the CLI, testing it, and benchmarks.
 */

export { checkWithWorkers, type WorkersCheck } from "../io/check-workers.js";
export { WorkerPool } from "../io/parallel.js";
export { findModelRegistry, findRegistry, loadModels, loadScenarios } from "../io/registry.js";
export { type WorkerEntry, workerBundleDir, workerEntry } from "../io/worker-bundle.js";
export { parseSeed } from "./common.js";
export type { CliIo, CliOptions } from "./context.js";
export { main as runCli } from "./main.js";
