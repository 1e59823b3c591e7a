/**
 * Entry point of a `check --workers` thread (see check-workers.ts): {@link serve} is given the model registry (the
 * thread imports it with this module, compiled once: worker-bundle.ts), builds the named model and serves one {@link Partition} of its parallel breadth-first check over the shared visited set it was
 * given, moving frontier states to and from the other threads over the message ports it was given.
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import { type Batch, Partition } from "../statespace/partition.js";
import { SharedFingerprintSet } from "../statespace/shared-fingerprint-set.js";
import type { CheckerReply, CheckerRequest } from "./check-workers.js";
import { modelList } from "./registry.js";

const reply = (message: CheckerReply) => parentPort!.postMessage(message);
let registered: unknown = null;

let partition: Partition<unknown, unknown> | null = null;
let initials: readonly unknown[] = [];
let peers: (MessagePort | null)[] = [];
let inbox: Batch<unknown>[] = [];
let expecting: number | null = null;

/** When this partition has sent its states and received every batch it expects: adds them, reports. */
function finishBalance(): void {
  if (expecting === null || partition === null || inbox.length < expecting) return;
  for (const batch of inbox) partition.give(batch);
  inbox = [];
  expecting = null;
  reply({ type: "balanced", share: partition.share });
}

async function init(request: Extract<CheckerRequest, { type: "init" }>): Promise<void> {
  const models = modelList(registered, request.registry);
  const checked = models.find((m) => m.name === request.model);
  if (checked === undefined) throw new Error(`model "${request.model}" is not in ${request.registry}`);
  const model = checked.build();
  const visited = new SharedFingerprintSet(request.table);
  partition = new Partition(model, visited, request.index, request.count, request.reduction);
  const initial = model.initial;
  initials = Array.isArray(initial) ? initial : [initial];
  peers = request.ports;
  for (const peer of peers) {
    peer?.on("message", (batch: Batch<unknown>) => {
      inbox.push(batch);
      finishBalance();
    });
  }
  reply({ type: "ready" });
}

function level(report: ReturnType<Partition<unknown, unknown>["expand"]>): void {
  reply({ type: "level", report, states: partition!.states, bytes: partition!.bytes });
}

function answer(request: CheckerRequest): void {
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
  if (request.type === "seed") level(p.seed(initials));
  else if (request.type === "expand") level(p.expand(request.probe));
  else if (request.type === "balance") {
    for (const [to, count] of request.sends) peers[to]!.postMessage(p.take(count));
    expecting = request.expect;
    finishBalance();
  } else if (request.type === "table") {
    p.useVisited(new SharedFingerprintSet(request.table));
    reply({ type: "ready" });
  } else if (request.type === "link") reply({ type: "link", ...p.link(request.localId) });
  else for (const peer of peers) peer?.close();
}

/** Serves the main thread's requests with the models of `registry` (the model registry's default export). */
export function serve(registry: unknown): void {
  const port = parentPort;
  if (port === null) throw new Error("check-worker must run in a worker thread");
  registered = registry;
  port.on("message", (request: CheckerRequest) => {
    try {
      answer(request);
    } catch (error) {
      reply({
        type: "error",
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
}
