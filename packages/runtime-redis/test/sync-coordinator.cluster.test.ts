// The Redis SyncCoordinator on a three-master Redis Cluster (issue 19), as test/sync-coordinator.test.ts runs
// it on one Redis: coordinators whose `{name}` hash tags put them on three different masters; syncCodeOwners
// draining the resets scheduled during a sync (sync ok and sync throwing); a reset worker deferred during a sync
// and run after it; runReset finishing on a throw; scheduleReset / startSync / finishSync / beginReset /
// finishReset, heartbeat and expire (fenced and stale tokens) giving the core's results, effects and state; two clients racing with no reset inside a sync of
// its MR. Every script call is observed: its KEYS are in the coordinator's slot, and every coordinator script
// ran for three coordinators.

import { SyncCoordinator as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  RedisSyncCoordinator,
  type ResetOrder,
  type SyncCommand,
} from "../src/sync-coordinator/sync-coordinator.js";
import { syncScripts } from "../src/sync-coordinator/sync-scripts.js";
import {
  luaScripts,
  namesOnDistinctMasters,
  observeScripts,
  type ScriptCall,
  slotOf,
  startCluster,
  type TestCluster,
  tagsPerScript,
} from "./support/cluster.js";
import { type Interval as HistoryInterval, overlaps } from "./support/sync-history.js";

const SERIAL: Core.Config = { legacyTtlMs: 15_000, mrCountMax: 100, pendingPerMrMax: 64 };

/** The {@link ResetOrder} of `resetId` of `mr` as `enqueueReset` receives it, whatever its lease. */
function releasedOrder(mr: string, resetId: string) {
  const lease = { token: expect.any(Number), expiresAtMs: expect.any(Number) };
  return { mr, resetId, ...lease, delayMs: 0, via: "RunReset" };
}

/** A sync's or reset's execution, with its id. */
interface Interval extends HistoryInterval {
  readonly id: string;
}

describe("RedisSyncCoordinator on a three-master Redis Cluster", () => {
  let cluster: TestCluster;
  let clients: [Cluster, Cluster];
  let node: Redis;
  let calls: ScriptCall[];
  let crossings: () => ScriptCall[];
  /** A coordinator key of `name` (the default prefix), for `CLUSTER KEYSLOT`. */
  const keyOf = (name: string) => `interleave:{${name}}:sc:config`;

  beforeAll(async () => {
    cluster = await startCluster();
    clients = [cluster.client(), cluster.client()];
    node = cluster.nodeClient(cluster.nodes[0]!);
    ({ calls, crossings } = observeScripts(clients));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** A coordinator on `clients[0]` whose released resets are recorded in `released`. */
  async function open(name: string) {
    const released: ResetOrder[] = [];
    const coordinator = await RedisSyncCoordinator.open(clients[0], {
      name,
      config: SERIAL,
      enqueueReset: (reset) => {
        released.push(reset);
      },
    });
    return { coordinator, released };
  }

  /** Three coordinators on three masters, opened fresh under `stem`. */
  async function onThreeMasters(stem: string) {
    const picked = await namesOnDistinctMasters(node, stem, 3, keyOf);
    expect(new Set(picked.map((p) => p.master)).size).toBe(3);
    return Promise.all(
      picked.map(async ({ name, slot }) => {
        const opened = await open(name);
        expect(slotOf(`${opened.coordinator.base}:mrs`)).toBe(slot);
        return opened;
      }),
    );
  }

  it("syncCodeOwners drains the resets scheduled during a sync, on three masters, when the sync succeeds", async () => {
    for (const { coordinator, released } of await onThreeMasters("drain-ok-")) {
      let scheduled: Core.Result | undefined;
      const outcome = await coordinator.syncCodeOwners("!42", async () => {
        scheduled = (await coordinator.scheduleReset("!42", "push-2")).result;
        expect(released).toEqual([]);
      });
      expect(scheduled).toEqual({ _tag: "ResetQueued", running: false });
      expect(outcome.finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: ["push-2"] });
      expect(released).toEqual([releasedOrder("!42", "push-2")]);
    }
  });

  it("syncCodeOwners drains the resets scheduled during a sync, on three masters, when the sync throws, then rethrows", async () => {
    for (const { coordinator, released } of await onThreeMasters("drain-throw-")) {
      const boom = new Error("rules sync failed");
      await expect(
        coordinator.syncCodeOwners("!7", async () => {
          await coordinator.scheduleReset("!7", "push-1");
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(released).toEqual([releasedOrder("!7", "push-1")]);
      const { state } = await coordinator.snapshot();
      expect(state.mailbox.keys["!7"]?.inFlight?.order.payload).toBe("push-1");
      expect(state.mailbox.keys["!7"]?.pending).toEqual([]);
      expect(state.mrs["!7"]?.scheduledResets).toEqual(["push-1"]);
    }
  });

  it("a reset worker starting during a sync is deferred, handed out after the sync, and runs then (three masters)", async () => {
    for (const { coordinator, released } of await onThreeMasters("deferred-")) {
      const ran: string[] = [];
      await coordinator.syncCodeOwners("!9", async () => {
        await coordinator.scheduleReset("!9", "push-3");
        const run = await coordinator.runReset("!9", "push-3", () => {
          ran.push("reset during sync");
        });
        expect(run.ran).toBe(false);
        expect(run.begun.result).toEqual({ _tag: "Deferred" });
        expect(released).toHaveLength(0);
      });
      expect(released).toEqual([releasedOrder("!9", "push-3")]);
      const run = await coordinator.runReset("!9", "push-3", () => {
        ran.push("reset after sync");
      });
      expect(run.finished?.result).toEqual({ _tag: "ResetFinished" });
      expect(ran).toEqual(["reset after sync"]);
      // runReset finishes the reset when its body throws, and rethrows.
      await coordinator.scheduleReset("!5", "push-9");
      await expect(
        coordinator.runReset("!5", "push-9", () => {
          throw new Error("delete failed");
        }),
      ).rejects.toThrow("delete failed");
      expect((await coordinator.snapshot()).state.mrs["!5"]?.scheduledResets).toEqual([]);
    }
  });

  it("scheduleReset, startSync, finishSync, beginReset, finishReset, heartbeat and expire on three masters give the core's results, effects and state", async () => {
    for (const { coordinator } of await onThreeMasters("lockstep-")) {
      let model = Core.initial(SERIAL);
      expect((await coordinator.snapshot()).state).toEqual(model);
      const commands: SyncCommand[] = [
        { _tag: "ScheduleReset", mr: "!1", resetId: "r1" },
        { _tag: "StartSync", mr: "!1", syncId: "s1" },
        { _tag: "BeginReset", mr: "!1", resetId: "r1" },
        { _tag: "FinishReset", mr: "!1", resetId: "r1" },
        { _tag: "ScheduleReset", mr: "!1", resetId: "r2" },
        { _tag: "StartSync", mr: "!2", syncId: "s2" },
        { _tag: "BeginReset", mr: "!1", resetId: "r2" },
        { _tag: "FinishSync", mr: "!1", syncId: "s1", outcome: "ok" },
        { _tag: "BeginReset", mr: "!1", resetId: "r2" },
        { _tag: "FinishReset", mr: "!1", resetId: "r2" },
        { _tag: "FinishSync", mr: "!2", syncId: "s2", outcome: "failed" },
        { _tag: "FinishReset", mr: "!3", resetId: "nope" },
      ];
      /** The lease token of `mr`'s order in flight in the core's state (0 when none). */
      const leaseOf = (state: Core.State, mr: string) => state.mrs[mr]?.lease?.token ?? 0;
      const fenced: ((state: Core.State) => SyncCommand)[] = [
        () => ({ _tag: "ScheduleReset", mr: "!4", resetId: "r9" }),
        (m) => ({ _tag: "Heartbeat", mr: "!4", token: leaseOf(m, "!4") }),
        (m) => ({ _tag: "BeginReset", mr: "!4", resetId: "r9", token: leaseOf(m, "!4") - 1 }),
        () => ({ _tag: "Expire", mr: "!4" }),
        (m) => ({ _tag: "BeginReset", mr: "!4", resetId: "r9", token: leaseOf(m, "!4") }),
        () => ({ _tag: "StartSync", mr: "!4", syncId: "s4" }),
        (m) => ({ _tag: "FinishReset", mr: "!4", resetId: "r9", token: leaseOf(m, "!4") }),
        (m) => ({ _tag: "FinishSync", mr: "!4", syncId: "s4", outcome: "ok", token: leaseOf(m, "!4") + 1 }),
        (m) => ({ _tag: "FinishSync", mr: "!4", syncId: "s4", outcome: "ok", token: leaseOf(m, "!4") }),
        () => ({ _tag: "Heartbeat", mr: "!4", token: 1 }),
      ];
      const tags: string[] = [];
      for (const next of [...commands, ...fenced]) {
        const command = typeof next === "function" ? next(model) : next;
        const got = await coordinator.apply(command);
        const step = Core.transition(model, { ...command, atMs: got.atMs } as Core.Event);
        expect(got.result).toEqual(step.result);
        expect(got.effects).toEqual(step.effects);
        model = step.state;
        expect((await coordinator.snapshot()).state).toEqual(model);
        tags.push(got.result._tag);
      }
      expect(tags).toEqual([
        "ResetQueued",
        "SyncStarted",
        "Proceed",
        "ResetFinished",
        "ResetQueued",
        "SyncStarted",
        "Deferred",
        "SyncFinished",
        "Proceed",
        "ResetFinished",
        "SyncFinished",
        "Unknown",
        "ResetQueued",
        "Renewed",
        "Stale",
        "Expired",
        "Proceed",
        "SyncStarted",
        "ResetFinished",
        "Stale",
        "SyncFinished",
        "Stale",
      ]);
    }
  });

  it("two clients racing on three masters: no reset runs while a sync of its MR runs, and every reset runs once", async () => {
    const picked = await namesOnDistinctMasters(node, "race-", 3, keyOf);
    const clock = cluster.nodeClient(cluster.nodes[1]!);
    const serverMicros = async () => {
      const [seconds, micros] = await clock.time();
      return Number(seconds) * 1_000_000 + Number(micros);
    };
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    await Promise.all(
      picked.map(async ({ name }) => {
        const history: Interval[] = [];
        const ranResets: string[] = [];
        const coordinators: RedisSyncCoordinator<Cluster>[] = [];
        for (const client of clients) {
          const coordinator: RedisSyncCoordinator<Cluster> = await RedisSyncCoordinator.open(client, {
            name,
            config: SERIAL,
            pollIntervalMs: 2,
            enqueueReset: async ({ mr, resetId }) => {
              await coordinator.runReset(mr, resetId, async () => {
                const startUs = await serverMicros();
                await tick();
                history.push({ mr, kind: "reset", id: resetId, startUs, endUs: await serverMicros() });
                ranResets.push(`${mr}/${resetId}`);
              });
            },
          });
          coordinators.push(coordinator);
        }
        const scheduled: string[] = [];
        await Promise.all(
          coordinators.map(async (coordinator, c) => {
            for (let i = 0; i < 12; i++) {
              const mr = `!${i % 2}`;
              if ((i + c) % 3 === 0) {
                const resetId = `r-${c}-${i}`;
                scheduled.push(`${mr}/${resetId}`);
                await coordinator.scheduleReset(mr, resetId);
              } else {
                await coordinator.syncCodeOwners(mr, async () => {
                  const startUs = await serverMicros();
                  await tick();
                  history.push({ mr, kind: "sync", id: `${c}-${i}`, startUs, endUs: await serverMicros() });
                });
              }
            }
          }),
        );
        expect(history.filter((i) => i.kind === "sync")).toHaveLength(16);
        expect(overlaps(history)).toEqual([]);
        expect([...ranResets].sort()).toEqual([...scheduled].sort());
        const { state } = await coordinators[0]!.snapshot();
        expect(state.mailbox.keys).toEqual({});
        expect(state.mailbox.inFlightCount).toBe(0);
      }),
    );
  });

  it("every coordinator script ran for three coordinators on three masters, each call's KEYS in its coordinator's slot", () => {
    const scripts = luaScripts().filter((s) => s.startsWith("syncCoordinator-"));
    expect([...syncScripts.files].sort()).toEqual(scripts);
    expect(crossings()).toEqual([]);
    const tags = tagsPerScript(calls, [...scripts, "config-init-2"]);
    for (const [script, seen] of Object.entries(tags)) {
      expect({ script, count: seen.length >= 3 }).toEqual({ script, count: true });
    }
  });
});
