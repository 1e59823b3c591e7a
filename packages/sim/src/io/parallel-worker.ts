/**
 * Entry point of an exploration worker thread (see parallel.ts): serves tasks one at a time, posting each
 * result (or the error) back.
 */
import { parentPort } from "node:worker_threads";
import { serveTask, type WorkerTask } from "./parallel.js";

const port = parentPort;
if (port === null) throw new Error("parallel-worker must run in a worker thread");
port.on("message", (task: WorkerTask) => {
  serveTask(task).then(
    (result) => port.postMessage({ result }),
    (error: unknown) =>
      port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
