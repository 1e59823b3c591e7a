// A service-instance process for test/sync-coordinator.processes.test.ts (`node --import tsx --conditions=source
// support/sync-child.ts <spec JSON>`): one ioredis client, one RedisSyncCoordinator, and a plan of operations
// run one after another — `syncCodeOwners` of an MR (the seed's sync_code_owners!) or `scheduleReset` of one;
// the resets this process is handed (`RunReset`, serial mode) run here through `runReset`. Each sync and reset
// body records its execution interval in server time (Redis `TIME`, µs) as one JSON line, appended
// synchronously, so a SIGKILL loses nothing already recorded. With `hangMr`, the first sync of that MR records
// `sync-begin` and then never returns (the test SIGKILLs the process). IPC: child → parent `ready` once
// open, then `done` when the plan is finished; parent → child `go` starts the plan (a start barrier).

import { appendFileSync } from "node:fs";
import type { SyncCoordinator as Core } from "@interleave/core";
import { Redis } from "ioredis";
import { RedisSyncCoordinator } from "../../src/sync-coordinator/sync-coordinator.js";

/** One step of a process's plan. */
export type SyncPlanStep =
  | { readonly op: "sync"; readonly mr: string; readonly id: string }
  | { readonly op: "reset"; readonly mr: string; readonly id: string };

/** The spec of a sync-child process (argv[2], JSON). */
export interface SyncChildSpec {
  readonly url: string;
  readonly name: string;
  readonly config: Core.Config;
  readonly plan: readonly SyncPlanStep[];
  readonly recordsPath: string;
  readonly hangMr?: string;
}

/** A line of a records file: an execution interval (server µs), a scheduled reset, or a hanging sync's start. */
export type SyncChildRecord =
  | {
      readonly kind: "sync" | "reset";
      readonly mr: string;
      readonly id: string;
      readonly startUs: number;
      readonly endUs: number;
    }
  | { readonly kind: "scheduled" | "sync-begin"; readonly mr: string; readonly id: string };

const spec = JSON.parse(process.argv[2] ?? "") as SyncChildSpec;
const record = (r: SyncChildRecord) => appendFileSync(spec.recordsPath, `${JSON.stringify(r)}\n`);
const client = new Redis(spec.url);
const clock = new Redis(spec.url);
const serverMicros = async () => {
  const [seconds, micros] = await clock.time();
  return Number(seconds) * 1_000_000 + Number(micros);
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

const coordinator: RedisSyncCoordinator = await RedisSyncCoordinator.open(client, {
  name: spec.name,
  config: spec.config,
  pollIntervalMs: 2,
  enqueueReset: async ({ mr, resetId }) => {
    await coordinator.runReset(mr, resetId, async () => {
      const startUs = await serverMicros();
      await tick();
      record({ kind: "reset", mr, id: resetId, startUs, endUs: await serverMicros() });
    });
  },
});

process.send?.({ type: "ready" });
await new Promise<void>((resolve) =>
  process.on("message", (msg: { readonly type?: string }) => {
    if (msg.type === "go") resolve();
  }),
);
let hung = false;
for (const step of spec.plan) {
  if (step.op === "reset") {
    record({ kind: "scheduled", mr: step.mr, id: step.id });
    await coordinator.scheduleReset(step.mr, step.id);
  } else {
    await coordinator.syncCodeOwners(step.mr, async () => {
      if (step.mr === spec.hangMr && !hung) {
        hung = true;
        record({ kind: "sync-begin", mr: step.mr, id: step.id });
        await new Promise(() => {}); // never returns: the test SIGKILLs this process mid-sync
      }
      const startUs = await serverMicros();
      await tick();
      record({ kind: "sync", mr: step.mr, id: step.id, startUs, endUs: await serverMicros() });
    });
  }
}
process.send?.({ type: "done" }, () => {
  client.disconnect();
  clock.disconnect();
  process.exit(0);
});
