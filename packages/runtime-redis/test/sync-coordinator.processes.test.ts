// The Redis SyncCoordinator in serial mode across real processes (issue 8, "History check with several
// processes … no reset executes during a sync in serial mode"): three service-instance processes
// (support/sync-child.ts) run `syncCodeOwners` and `scheduleReset` on the same few MRs; every sync and reset
// body records its interval in server time (Redis TIME) and its lease token; sync bodies write the MR's rules
// through a fenced resource with their token, reset bodies fence it with theirs. Checked: no reset of an MR
// overlaps a sync of that MR; every fenced operation was accepted; every scheduled reset runs exactly once; the
// coordinator ends empty. Then the order leases (issue 19, "Nothing can wedge", leaseTtlMs 1 s): a process
// SIGKILLed mid-sync blocks its MR only until the lease expires — the resets queued behind it run once each,
// then a later sync, with no overlap and growing tokens (the recovery time, kill to the first reset's start in
// server time, is printed); a process SIGSTOPped mid-sync past its lease and SIGCONTed finds its lease lost:
// its heartbeat answers Stale (its signal aborts), its late fenced write is refused, and `syncCodeOwners`
// rejects with SyncLeaseLostError.
// Every test also checks the whole history of coordinator calls — each `apply` of every process, recorded
// around its Redis call (support/calls.ts) — for linearizability against the core SyncCoordinator with the
// coordinator's config, results and effects compared (support/lincheck.ts), and prints its size and time.

import type { SyncCoordinator as Core } from "@interleave/core";
import { runCli } from "@interleave/sim/cli";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { RedisSyncCoordinator } from "../src/sync-coordinator/sync-coordinator.js";
import { type CallRecord, callRecords, recordCalls } from "./support/calls.js";
import { killChildren, startChild } from "./support/child-process.js";
import {
  assertLinearizable,
  HISTORY_FILES,
  syncCoordinatorOps,
  syncCoordinatorSpec,
} from "./support/lincheck.js";
import { until } from "./support/mailbox-policy.js";
import { useRedis } from "./support/redis.js";
import type { SyncChildRecord, SyncChildSpec, SyncPlanStep } from "./support/sync-child.js";
import { overlaps } from "./support/sync-history.js";

const SERIAL: Core.Config = { legacyTtlMs: 15_000, mrCountMax: 100, pendingPerMrMax: 64 };
/** The fenced resource holding `mr`'s code-owner rules, as support/sync-child.ts names it. */
const rulesOf = (mr: string) => `rules-${mr}`;
/** Short order leases, so a dead or stopped holder loses its order within the test. */
const LEASED: Core.Config = { ...SERIAL, leaseTtlMs: 1_000 };

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
  records(): (SyncChildRecord | CallRecord)[];
  kill(signal?: NodeJS.Signals): void;
}

function startSyncProcess(
  tag: string,
  spec: Omit<SyncChildSpec, "recordsPath" | "url" | "process">,
): SyncProcess {
  const child = startChild<SyncChildRecord | CallRecord>(`sync process ${tag}`, CHILD, {
    ...spec,
    url: redis.url,
    process: tag,
  });
  return {
    ready: child.message("ready"),
    done: child.message("done"),
    go: () => child.process.send({ type: "go" }),
    exited: child.exited.then(({ code, signal }) => signal ?? code),
    records: child.records,
    kill: (signal = "SIGKILL") => child.kill(signal),
  };
}

type Interval = Extract<SyncChildRecord, { startUs: number }>;

/**
 * Checks the coordinator calls of `calls` (every process's) against the core SyncCoordinator with `config`:
 * a verdict other than `linearizable` fails, `unknown` with its budget's message. Writes the history file.
 */
function checkHistory(label: string, calls: readonly CallRecord[], config: Core.Config) {
  return assertLinearizable(
    label,
    syncCoordinatorOps(calls),
    syncCoordinatorSpec(config),
    HISTORY_FILES.syncCoordinator(config),
  );
}

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
    expect(intervals.filter((r) => r.fenced === "StaleToken")).toEqual([]);
    expect([...ran].sort()).toEqual([...scheduled].sort());
    // Resets really ran in processes other than the one that scheduled them (the history spans processes).
    const ranIn = processes.map(
      (p) =>
        new Set(
          p
            .records()
            .filter((r): r is Interval => r.kind === "reset")
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
    // Every call returned (the processes ended their plans): every time in the history is the server's.
    const report = checkHistory(
      "sync-coordinator 3 processes",
      processes.flatMap((p) => callRecords(p.records())),
      SERIAL,
    );
    expect(report.processes).toBe(3);
    expect(report.pending).toBe(0);
    // The history file, in the documented format, passes `interleave lincheck` too (SyncCoordinatorStep).
    let out = "";
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (out += t), cwd: process.cwd() };
    expect(await runCli(["lincheck", report.path!], io), out).toBe(0);
    expect(out).toMatch(/^linearizable: \d+ ops against SyncCoordinatorStep/);
  }, 120_000);

  it("SIGKILL mid-sync: the MR recovers once the lease expires — queued resets run once each, then a later sync, no overlap", async () => {
    const name = "processes-kill";
    const victim = startSyncProcess("victim", {
      name,
      config: LEASED,
      plan: [{ op: "sync", mr: "!9", id: "dead" }],
      hangMr: "!9",
      // Its first heartbeat would come 999 ms into the sync: the kill, right after the sync began, finds no
      // call of it in flight, so its history has no pending call (whose server time would be unknown).
      heartbeatIntervalMs: 999,
    });
    await victim.ready;
    victim.go();
    await until("the victim to begin its sync", () => victim.records().some((r) => r.kind === "sync-begin"));
    const begin = victim.records().find((r) => r.kind === "sync-begin")!;
    const client = redis.client();
    const killUs = await serverMicros(client);
    victim.kill();
    expect(await victim.exited).toBe("SIGKILL");

    const survivor = await openSurvivor(client, name);
    // Two resets and a sync of !9 queue behind the dead sync (unless its lease expired already).
    await survivor.coordinator.scheduleReset("!9", "after-kill-1");
    await survivor.coordinator.scheduleReset("!9", "after-kill-2");
    // Other MRs are not affected.
    expect((await survivor.coordinator.scheduleReset("!10", "free")).result).toMatchObject({ running: true });
    // The later sync waits for its turn: its polls (Expire) and the reclaim timer reclaim the dead sync.
    await survivor.coordinator.syncCodeOwners("!9", survivor.syncBody("!9", "later"));
    const { intervals } = survivor;
    const resets = intervals.filter((r) => r.kind === "reset" && r.mr === "!9");
    const later = intervals.find((r) => r.kind === "sync" && r.id === "later")!;
    // Every reset scheduled behind the dead sync ran exactly once, before the later sync, under growing tokens.
    expect(resets.map((r) => r.id)).toEqual(["after-kill-1", "after-kill-2"]);
    expect(resets.every((r) => r.token > begin.token && r.token < later.token)).toBe(true);
    expect(intervals.map((r) => r.fenced)).not.toContain("StaleToken");
    expect(overlaps(intervals)).toEqual([]);
    const recoveryMs = (resets[0]!.startUs - killUs) / 1000;
    expect(recoveryMs).toBeGreaterThan(0);
    console.log(
      `SIGKILL mid-sync: the queued reset started ${recoveryMs.toFixed(0)} ms (server time) after the kill (leaseTtlMs ${LEASED.leaseTtlMs}; the victim's lease was granted before the kill, its first heartbeat was due 999 ms in)`,
    );
    await until("!10's reset to run", () => intervals.some((r) => r.id === "free"));
    const { state } = await survivor.coordinator.snapshot();
    expect(state.mailbox.keys).toEqual({});
    expect(state.mrs["!9"]?.scheduledResets ?? []).toEqual([]);
    await survivor.close();
    const report = checkHistory(
      "sync-coordinator SIGKILL mid-sync",
      [...callRecords(victim.records()), ...survivor.calls],
      LEASED,
    );
    expect(report.processes).toBe(2);
    // The victim was killed between its calls (see heartbeatIntervalMs above): nothing is pending.
    expect(report.pending).toBe(0);
  }, 120_000);

  it("SIGSTOP past the lease, then SIGCONT: the heartbeat answers Stale, the late fenced write is refused, syncCodeOwners rejects with SyncLeaseLostError", async () => {
    const name = "processes-stop";
    const victim = startSyncProcess("stopped", {
      name,
      config: LEASED,
      plan: [{ op: "sync", mr: "!7", id: "stopped" }],
      stopMr: "!7",
    });
    await victim.ready;
    victim.go();
    await until("the victim to begin its sync", () => victim.records().some((r) => r.kind === "sync-begin"));
    const begin = victim.records().find((r) => r.kind === "sync-begin")!;
    victim.kill("SIGSTOP");

    const survivor = await openSurvivor(redis.client(), name);
    await survivor.coordinator.scheduleReset("!7", "behind-stop");
    // The reclaim timer reclaims the stopped sync once its lease expired; the reset runs and fences the rules.
    await until("the reset behind the stopped sync to run", () =>
      survivor.intervals.some((r) => r.id === "behind-stop"),
    );
    const reset = survivor.intervals.find((r) => r.id === "behind-stop")!;
    expect(reset.token).toBeGreaterThan(begin.token);
    expect(reset.fenced).toBe("Fenced");

    victim.kill("SIGCONT");
    await victim.done;
    const records = victim.records();
    const write = records.find((r) => r.kind === "write");
    expect(write).toMatchObject({ kind: "write", token: begin.token, fenced: "StaleToken" });
    expect(write?.kind === "write" && write.abort).toMatch(/SyncLeaseLostError.*lost its lease/);
    const lost = records.find((r) => r.kind === "lost");
    expect(lost?.kind === "lost" && lost.error).toMatch(
      /^SyncLeaseLostError: sync "[^"]+" of MR "!7" lost its lease/,
    );
    // The rules hold nothing from the stopped holder: its token never got through.
    const rules = await new RedisFencedResource(redis.client(), { prefix: `fenced-${name}` }).state(
      rulesOf("!7"),
    );
    expect(rules).toEqual({ highestToken: reset.token, value: null, writeCount: 0 });
    const { state } = await survivor.coordinator.snapshot();
    expect(state.mailbox.keys).toEqual({});
    await survivor.close();
    // The stopped process's calls all returned after SIGCONT (a reply that arrived while it was stopped is
    // read then, with the server time Redis used): nothing is pending.
    const report = checkHistory(
      "sync-coordinator SIGSTOP past the lease",
      [...callRecords(victim.records()), ...survivor.calls],
      LEASED,
    );
    expect(report.processes).toBe(2);
    expect(report.pending).toBe(0);
  }, 120_000);
});

/** Server time in µs (Redis `TIME`), the clock of the history. */
async function serverMicros(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}

/**
 * A coordinator in the test process that reclaims expired orders every 50 ms and runs the resets it is handed
 * (fencing `rules-<mr>` with their token), recording every interval in server time and every coordinator call
 * (`calls`, as process "survivor"). `close()` stops the reclaim timer and waits until every call recorded has
 * returned (a reclaim pass may be running), so the history it leaves has no pending call.
 */
async function openSurvivor(client: Redis, name: string) {
  const intervals: Interval[] = [];
  const rules = new RedisFencedResource(client, { prefix: `fenced-${name}` });
  const timed = async (
    kind: "sync" | "reset",
    mr: string,
    id: string,
    token: number,
    op: () => Promise<{ _tag: string }>,
  ) => {
    const startUs = await serverMicros(client);
    const fenced = (await op())._tag;
    intervals.push({ kind, mr, id, token, startUs, endUs: await serverMicros(client), fenced });
  };
  const calls: CallRecord[] = [];
  const coordinator: RedisSyncCoordinator = await RedisSyncCoordinator.open(client, {
    name,
    config: LEASED,
    pollIntervalMs: 5,
    reclaimIntervalMs: 50,
    enqueueReset: async (order) => {
      await coordinator.runReset(order, ({ token }) =>
        timed("reset", order.mr, order.resetId, token, () => rules.fence(rulesOf(order.mr), token)),
      );
    },
  });
  const syncBody =
    (mr: string, id: string) =>
    ({ token }: { readonly token: number }) =>
      timed("sync", mr, id, token, () => rules.fencedWrite(rulesOf(mr), token, `${id}@${token}`));
  recordCalls(coordinator, ["apply"], "survivor", (r) => calls.push(r));
  const close = async () => {
    coordinator.close();
    const ended = () => new Set(calls.filter((r) => r.kind !== "call").map((r) => (r as { id: string }).id));
    await until("the survivor's calls to return", () => {
      const done = ended();
      return calls.every((r) => r.kind !== "call" || done.has(r.id));
    });
  };
  return { coordinator, intervals, syncBody, calls, close };
}
