/**
 * Entry point of a `check --workers` thread (see check-workers.ts): loads the model registry, builds the named
 * model and serves one {@link Partition} of its hash-partitioned breadth-first check, exchanging the states it
 * does not own with the other threads over the message ports it was given.
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import { type Batch, type LevelReport, Partition } from "../statespace/partition.js";
import type { CheckerReply, CheckerRequest } from "./check-workers.js";
import { loadModels } from "./registry.js";

const port = parentPort;
if (port === null) throw new Error("check-worker must run in a worker thread");
const reply = (message: CheckerReply) => port.postMessage(message);

let partition: Partition<unknown, unknown> | null = null;
let initials: readonly unknown[] = [];
let peers: (MessagePort | null)[] = [];
let inbox: Batch<unknown>[] = [];
let expanding: { probe: boolean } | null = null;

/** When this partition has expanded its level and has every other partition's batch: store them, report. */
function finishLevel(): void {
  if (expanding === null || partition === null || inbox.length < partition.count - 1) return;
  for (const batch of inbox) partition.receive(batch, expanding.probe);
  inbox = [];
  expanding = null;
  report(partition.endLevel());
}

function report(level: LevelReport): void {
  reply({ type: "level", report: level, states: partition!.states, bytes: partition!.bytes });
}

async function init(request: Extract<CheckerRequest, { type: "init" }>): Promise<void> {
  const models = await loadModels(request.registry);
  const checked = models.find((m) => m.name === request.model);
  if (checked === undefined) throw new Error(`model "${request.model}" is not in ${request.registry}`);
  const model = checked.build();
  partition = new Partition(model, request.index, request.count, request.reduction);
  const initial = model.initial;
  initials = Array.isArray(initial) ? initial : [initial];
  peers = request.ports;
  for (const peer of peers) {
    peer?.on("message", (batch: Batch<unknown>) => {
      inbox.push(batch);
      finishLevel();
    });
  }
  reply({ type: "ready" });
}

function serve(request: CheckerRequest): void {
  if (request.type === "init") {
    init(request).catch((error: unknown) =>
      reply({
        type: "error",
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
    return;
  }
  const p = partition!;
  if (request.type === "seed") report(p.seed(initials));
  else if (request.type === "expand") {
    const batches = p.expand(request.probe);
    for (let j = 0; j < batches.length; j++) if (j !== p.index) peers[j]!.postMessage(batches[j]);
    expanding = { probe: request.probe };
    finishLevel();
  } else if (request.type === "link") reply({ type: "link", ...p.link(request.localId) });
  else for (const peer of peers) peer?.close();
}

port.on("message", (request: CheckerRequest) => {
  try {
    serve(request);
  } catch (error) {
    reply({
      type: "error",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
