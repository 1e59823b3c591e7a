// The Redis SyncCoordinator in serial mode across real processes (issue 8, "History check with several
// processes … no reset executes during a sync in serial mode"): three service-instance processes
// (support/sync-child.ts) run `syncCodeOwners` and `scheduleReset` on the same few MRs; every sync and reset
// body records its interval in server time (Redis TIME). Checked: no reset of an MR overlaps a sync of that MR;
// every scheduled reset runs exactly once; the coordinator ends empty. Then a process is SIGKILLed mid-sync:
// serial mode has no lease per order, so the dead sync stays in flight and its MR stays blocked (the reset
// scheduled behind it and a later sync stay queued) until an operator finishes the dead sync; that is the
// documented limitation of RedisSyncCoordinator (a lease per order is the KeyedMailbox runtime's job).

import type { SyncCoordinator as Core } from "@interleave/core";
import { afterAll, describe, expect, it } from "vitest";
import { RedisSyncCoordinator, type ResetOrder } from "../src/sync-coordinator/sync-coordinator.js";
import { killChildren, startChild } from "./support/child-process.js";
import { sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";
import type { SyncChildRecord, SyncChildSpec, SyncPlanStep } from "./support/sync-child.js";
import { overlaps } from "./support/sync-history.js";

const SERIAL: Core.Config = { legacyTtlMs: 15_000, mrCountMax: 100, pendingPerMrMax: 64 };

const CHILD = new URL("./support/sync-child.ts", import.meta.url);
const redis = useRedis();

afterAll(async () => {
  await killChildren();
});

interface SyncProcess {
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  go(): void;
  readonly exited: Promise<NodeJS.Signals | number | null>;
  records(): SyncChildRecord[];
  kill(): void;
}

function startSyncProcess(tag: string, spec: Omit<SyncChildSpec, "recordsPath" | "url">): SyncProcess {
  const child = startChild<SyncChildRecord>(`sync process ${tag}`, CHILD, { ...spec, url: redis.url });
  return {
    ready: child.message("ready"),
    done: child.message("done"),
    go: () => child.process.send({ type: "go" }),
    exited: child.exited.then(({ code, signal }) => signal ?? code),
    records: child.records,
    kill: () => child.kill("SIGKILL"),
  };
}

type Interval = Extract<SyncChildRecord, { startUs: number }>;

describe("serial mode across processes", () => {
  it("no reset runs during a sync of its MR, every reset runs once, the coordinator ends empty", async () => {
    const name = "processes-history";
    const MRS = ["!1", "!2", "!3"];
    const processes = [0, 1, 2].map((p) => {
      const plan: SyncPlanStep[] = Array.from({ length: 30 }, (_, i) => {
        const mr = MRS[(i + p) % MRS.length]!;
        return (i + p) % 3 === 0
          ? { op: "reset", mr, id: `r-${p}-${i}` }
          : { op: "sync", mr, id: `s-${p}-${i}` };
      });
      return startSyncProcess(`history-${p}`, { name, config: SERIAL, plan });
    });
    await Promise.all(processes.map((p) => p.ready));
    for (const p of processes) p.go();
    await Promise.all(processes.map((p) => p.done));
    const records = processes.flatMap((p) => p.records());
    const intervals = records.filter((r): r is Interval => r.kind === "sync" || r.kind === "reset");
    const scheduled = records.filter((r) => r.kind === "scheduled").map((r) => `${r.mr}/${r.id}`);
    const ran = intervals.filter((r) => r.kind === "reset").map((r) => `${r.mr}/${r.id}`);
    expect(intervals.filter((r) => r.kind === "sync")).toHaveLength(60);
    expect(scheduled).toHaveLength(30);
    expect(overlaps(intervals)).toEqual([]);
    expect([...ran].sort()).toEqual([...scheduled].sort());
    // Resets really ran in processes other than the one that scheduled them (the history spans processes).
    const ranIn = processes.map(
      (p) =>
        new Set(
          p
            .records()
            .filter((r) => r.kind === "reset")
            .map((r) => r.id),
        ),
    );
    expect(ranIn.some((set, p) => [...set].some((id) => !id.startsWith(`r-${p}-`)))).toBe(true);
    const observer = await RedisSyncCoordinator.open(redis.client(), {
      name,
      config: SERIAL,
      enqueueReset: () => {},
    });
    const { state } = await observer.snapshot();
    expect(state.mailbox.keys).toEqual({});
    expect(state.mailbox.inFlightCount).toBe(0);
  }, 60_000);

  it("SIGKILL mid-sync: no lease in serial mode, so the MR stays blocked until the dead sync is finished", async () => {
    const name = "processes-kill";
    const victim = startSyncProcess("victim", {
      name,
      config: SERIAL,
      plan: [{ op: "sync", mr: "!9", id: "dead" }],
      hangMr: "!9",
    });
    await victim.ready;
    victim.go();
    for (let i = 0; !victim.records().some((r) => r.kind === "sync-begin"); i++) {
      if (i > 1500) throw new Error("the victim never began its sync");
      await sleep(10);
    }
    victim.kill();
    expect(await victim.exited).toBe("SIGKILL");

    const released: ResetOrder[] = [];
    const survivor = await RedisSyncCoordinator.open(redis.client(), {
      name,
      config: SERIAL,
      enqueueReset: (reset) => {
        released.push(reset);
      },
    });
    // The dead process's sync is still in flight: a reset and a sync of !9 queue behind it, not dispatched.
    const reset = await survivor.scheduleReset("!9", "after-kill");
    expect(reset.result).toMatchObject({ _tag: "ResetQueued", running: false });
    const sync = await survivor.apply({ _tag: "StartSync", mr: "!9", syncId: "later" });
    expect(sync.result).toMatchObject({ _tag: "SyncStarted", running: false });
    expect(released).toEqual([]);
    const before = (await survivor.snapshot()).state.mailbox;
    const key = before.keys["!9"]!;
    expect(key.inFlight?.order.kind).toBe("Sync");
    const deadSyncId = String(key.inFlight!.order.payload);
    expect(key.pending.map((o) => o.kind)).toEqual(["Reset", "Sync"]);
    // Other MRs are not affected.
    expect((await survivor.scheduleReset("!10", "free")).result).toMatchObject({ running: true });

    // Nothing expires the dead order: after the polling period of many waiters, it is still in flight.
    await sleep(200);
    const still = (await survivor.snapshot()).state.mailbox.keys["!9"]!;
    expect(still.inFlight?.order.payload).toBe(deadSyncId);

    // Recovery is an operator's FinishSync of the dead sync: the queued reset is released (RunReset).
    const finished = await survivor.finishSync("!9", deadSyncId, "failed");
    expect(finished.result._tag).toBe("SyncFinished");
    expect(released.map((r) => [r.mr, r.resetId, r.via])).toContainEqual(["!9", "after-kill", "RunReset"]);
  }, 60_000);
});
