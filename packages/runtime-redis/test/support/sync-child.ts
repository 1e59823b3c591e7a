// A service-instance process for test/sync-coordinator.processes.test.ts (`node --import tsx --conditions=source
// support/sync-child.ts <spec JSON>`): one ioredis client, one RedisSyncCoordinator, and a plan of operations
// run one after another — `syncCodeOwners` of an MR (the seed's sync_code_owners!) or `scheduleReset` of one;
// the resets this process is handed (`RunReset`, serial mode) run here through `runReset` with their token.
// Each sync and reset body records its execution interval in server time (Redis `TIME`, µs) and its lease
// token as one JSON line, appended synchronously, so a SIGKILL loses nothing already recorded. The MR's rules
// are a fenced resource (`rules-<mr>`, RedisFencedResource): a sync body writes them with its token, a reset
// fences them with its token before it reads them, so a sync holder that outlived its lease has its write
// refused. With `hangMr`, the first sync of that MR records `sync-begin` and then never returns (the test
// SIGKILLs the process). With `stopMr`, the first sync of that MR records `sync-begin` and waits for its lease
// signal (the test SIGSTOPs the process past the lease, then SIGCONTs it: a heartbeat answers Stale), then
// writes late (recorded as `write`, `late`) and ends; `syncCodeOwners`'s rejection is recorded as `lost`.
// Every coordinator call (`apply`, through which each event method, poll and runReset goes) is recorded around
// its Redis call (support/calls.ts) as `process`, in the same records file, for the linearizability check of
// support/lincheck.ts; so are the client's reconnects.
// IPC: child → parent `ready` once open, then `done` when the plan is finished; parent → child `go` starts
// the plan (a start barrier).

import { appendFileSync } from "node:fs";
import type { SyncCoordinator as Core } from "@interleave/core";
import { Redis } from "ioredis";
import { RedisFencedResource } from "../../src/fenced/fenced.js";
import { RedisSyncCoordinator } from "../../src/sync-coordinator/sync-coordinator.js";
import { type CallRecord, recordCalls, recordReconnects } from "./calls.js";

/** One step of a process's plan. */
export type SyncPlanStep =
  | { readonly op: "sync"; readonly mr: string; readonly id: string }
  | { readonly op: "reset"; readonly mr: string; readonly id: string };

/** The spec of a sync-child process (argv[2], JSON). */
export interface SyncChildSpec {
  readonly url: string;
  /** The process's name in the recorded calls. */
  readonly process: string;
  readonly name: string;
  readonly config: Core.Config;
  readonly plan: readonly SyncPlanStep[];
  readonly recordsPath: string;
  readonly hangMr?: string;
  readonly stopMr?: string;
  readonly heartbeatIntervalMs?: number;
}

/**
 * A line of a records file: an execution interval (server µs) with its token and the fenced operation's result
 * tag, a scheduled reset, a hanging or stopped sync's start, a stopped sync's late write, a sync that lost its
 * lease (`syncCodeOwners` rejected: the error's name and message).
 */
export type SyncChildRecord =
  | {
      readonly kind: "sync" | "reset";
      readonly mr: string;
      readonly id: string;
      readonly token: number;
      readonly startUs: number;
      readonly endUs: number;
      /** The fenced write (sync) or fence (reset) result: `Accepted`, `Fenced` or `StaleToken`. */
      readonly fenced: string;
    }
  | { readonly kind: "scheduled"; readonly mr: string; readonly id: string }
  | { readonly kind: "sync-begin"; readonly mr: string; readonly id: string; readonly token: number }
  | {
      readonly kind: "write";
      readonly mr: string;
      readonly id: string;
      readonly token: number;
      readonly late: true;
      readonly fenced: string;
      readonly abort: string;
    }
  | { readonly kind: "lost"; readonly mr: string; readonly id: string; readonly error: string };

/** The fenced resource holding `mr`'s code-owner rules (the test names it the same way). */
const rulesOf = (mr: string) => `rules-${mr}`;

const spec = JSON.parse(process.argv[2] ?? "") as SyncChildSpec;
const record = (r: SyncChildRecord | CallRecord) =>
  appendFileSync(spec.recordsPath, `${JSON.stringify(r)}\n`);
const client = new Redis(spec.url);
const clock = new Redis(spec.url);
const serverMicros = async () => {
  const [seconds, micros] = await clock.time();
  return Number(seconds) * 1_000_000 + Number(micros);
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
const rules = new RedisFencedResource(client, { prefix: `fenced-${spec.name}` });

recordReconnects(client, spec.process, record);
const coordinator: RedisSyncCoordinator = await RedisSyncCoordinator.open(client, {
  name: spec.name,
  config: spec.config,
  pollIntervalMs: 2,
  ...(spec.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: spec.heartbeatIntervalMs }),
  enqueueReset: async (order) => {
    const { mr, resetId } = order;
    await coordinator.runReset(order, async ({ token }) => {
      const startUs = await serverMicros();
      const fenced = (await rules.fence(rulesOf(mr), token))._tag;
      await tick();
      record({ kind: "reset", mr, id: resetId, token, startUs, endUs: await serverMicros(), fenced });
    });
  },
});

recordCalls(coordinator, ["apply"], spec.process, record);

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
    const { mr, id } = step;
    await coordinator
      .syncCodeOwners(mr, async ({ token, signal }) => {
        if (mr === spec.hangMr && !hung) {
          hung = true;
          record({ kind: "sync-begin", mr, id, token });
          await new Promise(() => {}); // never returns: the test SIGKILLs this process mid-sync
        }
        if (mr === spec.stopMr && !hung) {
          hung = true;
          record({ kind: "sync-begin", mr, id, token });
          // The test SIGSTOPs this process here, past the lease, then SIGCONTs it: a heartbeat answers Stale.
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          const fenced = (await rules.fencedWrite(rulesOf(mr), token, `${id}@${token}`))._tag;
          record({ kind: "write", mr, id, token, late: true, fenced, abort: String(signal.reason) });
          return;
        }
        const startUs = await serverMicros();
        const fenced = (await rules.fencedWrite(rulesOf(mr), token, `${id}@${token}`))._tag;
        await tick();
        record({ kind: "sync", mr, id, token, startUs, endUs: await serverMicros(), fenced });
      })
      .catch((error: Error) => record({ kind: "lost", mr, id, error: `${error.name}: ${error.message}` }));
  }
}
process.send?.({ type: "done" }, () => {
  client.disconnect();
  clock.disconnect();
  process.exit(0);
});
