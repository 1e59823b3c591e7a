// Faults of the keyed mailbox with real processes (issue 8, "Faults with real processes"): two service-instance
// processes (support/mailbox-child.ts) on one Redis. SIGKILL of the instance running an order: its lease
// expires, the other instance completes it as failed and runs the key's next order, and the stack's fenced
// cluster ends in the last order's state. SIGSTOP of that instance past its lease, then SIGCONT: its handler is
// aborted and its late fenced write is rejected (StaleToken). Redis restarted (SIGKILL) with AOF on while orders
// are pending and in flight: nothing is lost. Each run is checked with support/mailbox-history.ts, and its
// handlers' fenced writes (recorded around their Redis calls) for linearizability against the core
// FencedResource per cluster (support/lincheck.ts: the part of the mailbox clients observe exactly).

import type { Mailbox as Core } from "@interleave/core";
import { afterAll, describe, expect, it } from "vitest";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { KeyedMailbox } from "../src/mailbox/mailbox.js";
import { assertLinearizable, FENCED_SPEC, fencedOps, HISTORY_FILES } from "./support/lincheck.js";
import {
  checkMailboxHistory,
  clusterResource,
  killMailboxProcesses,
  MAILBOX_CONFIG,
  type MailboxProcess,
  type MailboxRecord,
  type Submission,
  startMailboxProcess,
} from "./support/mailbox-history.js";
import { sleep } from "./support/queue-config.js";
import { startRedis, type TestRedis } from "./support/redis.js";

const LEASE_TTL_MS = 600;

/** Waits until `condition()` holds; fails (never times an assertion) when it does not within 20 s. */
async function until<T>(what: string, condition: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 2000; i += 1) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    await sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const servers: TestRedis[] = [];
afterAll(async () => {
  await killMailboxProcesses();
  for (const server of servers) await server.stop();
});

/** A Redis, a submitter and two instances (`a`, `b`) on mailbox `name`. */
async function setup(name: string, appendonly = false, leaseTtlMs = LEASE_TTL_MS) {
  const redis = await startRedis({ appendonly });
  servers.push(redis);
  const submitter = await KeyedMailbox.open(redis.client(), {
    name,
    config: MAILBOX_CONFIG,
    leaseTtlMs,
  });
  const instances = await Promise.all(
    ["a", "b"].map((instance) =>
      startMailboxProcess({
        url: redis.url,
        name,
        instance,
        inFlightMax: 4,
        leaseTtlMs,
        heartbeatIntervalMs: Math.floor(leaseTtlMs / 4),
        steps: 3,
        stepMs: 5,
      }),
    ),
  );
  const submissions: Submission[] = [];
  const submit = async (order: Core.Order) => {
    const step = await submitter.submit(order);
    submissions.push({ order, result: step.result });
    return step.result;
  };
  const records = (): MailboxRecord[] => instances.flatMap((p) => p.records());
  const drained = () =>
    until("the mailbox to drain", async () => {
      const state = await submitter.snapshot();
      return Object.keys(state.keys).length === 0 && state.inFlightCount === 0 ? true : undefined;
    });
  const finals = async () => {
    const fenced = new RedisFencedResource(redis.client());
    const out = new Map<string, string | null>();
    for (const key of new Set(submissions.map((s) => s.order.key!))) {
      out.set(key, (await fenced.state(clusterResource(name, key))).value);
    }
    return out;
  };
  /** The instance that took order `id`. */
  const taker = (id: string) =>
    until(`order ${id} to be taken`, () => {
      const take = records().find((r) => r.kind === "take" && r.id === id);
      return take === undefined ? undefined : instances.find((p) => p.instance === take.instance);
    });
  /** Submits a stalling Replace `id` on key "stack" and resolves with its instance once it wrote once. */
  const stalled = async (id: string) => {
    await submit({ id, key: "stack", kind: "Replace", payload: { version: 1, stall: true } });
    const instance = await taker(id);
    await until(`${id}'s first write`, () =>
      records().some((r) => r.kind === "write" && r.id === id) ? true : undefined,
    );
    return instance;
  };
  /** Checks the instances' fenced writes for linearizability (one history: the data survive every fault). */
  const checkFenced = (label: string) =>
    assertLinearizable(
      label,
      fencedOps(instances.flatMap((p) => p.calls())),
      FENCED_SPEC,
      HISTORY_FILES.fenced,
    );
  return {
    redis,
    submitter,
    instances,
    submissions,
    submit,
    records,
    drained,
    finals,
    taker,
    stalled,
    checkFenced,
  };
}

describe("keyed mailbox faults with real processes", () => {
  it("SIGKILL of the instance running an order: its lease expires, the next order proceeds, the final state is right", async () => {
    const s = await setup("kill");
    const victim: MailboxProcess = await s.stalled("k1");
    victim.kill("SIGKILL");
    await victim.exited;
    // Queued behind k1 (the policy queues a Resume behind a Replace); also other stacks go on.
    await s.submit({ id: "k2", key: "stack", kind: "Resume", payload: { version: 2 } });
    await s.submit({ id: "k3", key: "other", kind: "Replace", payload: { version: 3 } });
    await s.drained();
    const survivor = s.instances.find((p) => p !== victim)!;
    const records = s.records();
    expect(records.find((r) => r.kind === "take" && r.id === "k2")?.instance).toBe(survivor.instance);
    expect(records.some((r) => r.kind === "end" && r.id === "k1")).toBe(false);
    expect(checkMailboxHistory(s.submissions, records, await s.finals(), new Set(["k1"]))).toEqual([]);
    expect((await s.finals()).get("stack")).toBe(JSON.stringify({ order: "k2", state: "resumed", step: 3 }));
    s.checkFenced("mailbox.faults SIGKILL fenced writes");
  });

  it("SIGSTOP past the lease, then SIGCONT: the handler is aborted and its late fenced write is rejected", async () => {
    const s = await setup("stop");
    const paused: MailboxProcess = await s.stalled("s1");
    paused.kill("SIGSTOP");
    await s.submit({ id: "s2", key: "stack", kind: "Pause", payload: { version: 2 } });
    // The other instance reaps s1's expired lease and runs s2 to its end.
    await until("s2 to end", () =>
      s.records().some((r) => r.kind === "end" && r.id === "s2") ? true : undefined,
    );
    paused.kill("SIGCONT");
    const late = await until("s1's late write", () =>
      s.records().find((r) => r.kind === "write" && r.id === "s1" && r.late),
    );
    expect(late.kind === "write" && late.result._tag).toBe("StaleToken");
    const abort = s.records().find((r) => r.kind === "abort" && r.id === "s1");
    expect(abort?.kind === "abort" && abort.reason).toMatch(/lease lost/);
    // The child records s1's end after one more round trip (it stamps the server's time), so wait for it.
    const end = await until("s1's end", () => s.records().find((r) => r.kind === "end" && r.id === "s1"));
    expect(end.kind === "end" && end.outcome).toBe("lost");
    await s.drained();
    const records = s.records();
    const s2 = records.find((r) => r.kind === "take" && r.id === "s2");
    expect(s2?.instance).not.toBe(paused.instance);
    expect(checkMailboxHistory(s.submissions, records, await s.finals(), new Set(["s1"]))).toEqual([]);
    expect((await s.finals()).get("stack")).toBe(JSON.stringify({ order: "s2", state: "paused", step: 3 }));
    s.checkFenced("mailbox.faults SIGSTOP fenced writes");
  });

  it("Redis restarted with AOF on while orders are pending and in flight: nothing is lost", async () => {
    // A lease longer than the restart, so no running order changes hands while Redis is down.
    const s = await setup("restart", true, 2000);
    for (let i = 0; i < 60; i += 1) {
      const kind = i % 3 === 0 ? "Replace" : i % 3 === 1 ? "Resume" : "Pause";
      await s.submit({ id: `r${i}`, key: `stack-${i % 6}`, kind, payload: { version: i } });
    }
    await until("some orders to run", () =>
      s.records().filter((r) => r.kind === "end").length >= 3 ? true : undefined,
    );
    await s.redis.restart();
    for (let i = 60; i < 90; i += 1) {
      await s.submit({ id: `r${i}`, key: `stack-${i % 6}`, kind: "Replace", payload: { version: i } });
    }
    await s.drained();
    const records = s.records();
    expect(s.submissions.every((x) => x.result._tag === "Accepted")).toBe(true);
    // Orders in flight when Redis died may have lost their lease (their heartbeat could not reach it).
    const lost = new Set(
      records.flatMap((r) => (r.kind === "abort" && /lease lost/.test(r.reason) ? [r.id] : [])),
    );
    // A take that ran on the server but whose reply was lost when Redis died is resent by ioredis on
    // reconnect; the dispatcher takes back the orders the first run leased to it (mb-held) instead of leaving
    // them to lapse unrun. So every order either ran or was superseded, and each stack ends in its last order's
    // state.
    expect(
      checkMailboxHistory(s.submissions, records, await s.finals(), lost),
      JSON.stringify(records.filter((r) => r.kind === "error")),
    ).toEqual([]);
    const ran = new Set(records.flatMap((r) => (r.kind === "take" ? [r.id] : [])));
    const superseded = new Set(
      s.submissions.flatMap((x) => (x.result._tag === "Accepted" ? x.result.superseded : [])),
    );
    expect(s.submissions.map((x) => x.order.id).filter((id) => !ran.has(id) && !superseded.has(id))).toEqual(
      [],
    );
    s.checkFenced("mailbox.faults Redis restart (AOF) fenced writes"); // appendfsync always: nothing lost
  });
});
