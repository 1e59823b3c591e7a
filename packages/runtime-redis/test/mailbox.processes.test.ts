// History check with real processes (issue 8, "History check with several processes"): three mailbox
// service-instance processes (support/mailbox-child.ts) on one Redis run the fixture policy
// (support/mailbox-policy.ts) over 20 stacks; this process submits 300 orders in bursts, so newer Replaces
// cancel and coalesce older ones, Resume and Pause cancel each other and Removes cancel running work. Every take, fenced write, abort and end is recorded with the Redis
// server time and the lease's fencing token; the merged history must satisfy support/mailbox-history.ts: at
// most one order in flight per key, per-key order kept except superseded orders, and each stack's fenced
// "cluster" holding its last order's desired state. The handlers' fenced writes, recorded around their Redis
// calls, are checked for linearizability against the core FencedResource per cluster (support/lincheck.ts).

import type { Mailbox as Core } from "@interleave/core";
import { runCli } from "@interleave/sim/cli";
import { describe, expect, it } from "vitest";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { KeyedMailbox } from "../src/mailbox/mailbox.js";
import { assertLinearizable, FENCED_SPEC, fencedOps, HISTORY_FILES } from "./support/lincheck.js";
import {
  checkMailboxHistory,
  clusterResource,
  KINDS,
  killMailboxProcesses,
  MAILBOX_CONFIG,
  type MailboxRecord,
  type Submission,
  startMailboxProcess,
} from "./support/mailbox-history.js";
import { sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

/** A fixed pseudo-random sequence (a 32-bit LCG), so every run submits the same orders. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("keyed mailbox: several service-instance processes on one Redis", () => {
  const redis = useRedis({}, killMailboxProcesses);

  it("3 instances, 20 stacks, 300 orders with supersession: the merged history keeps every property", async () => {
    const name = "orders";
    const submitter = await KeyedMailbox.open(redis.client(), {
      name,
      config: MAILBOX_CONFIG,
      leaseTtlMs: 2000,
    });
    const instances = await Promise.all(
      ["i1", "i2", "i3"].map((instance) =>
        startMailboxProcess({
          url: redis.url,
          name,
          instance,
          inFlightMax: 4,
          leaseTtlMs: 2000,
          heartbeatIntervalMs: 500,
          steps: 3,
          stepMs: 4,
        }),
      ),
    );
    const random = lcg(8);
    const keys = Array.from({ length: 20 }, (_, i) => `stack-${i}`);
    const submissions: Submission[] = [];
    for (let i = 0; i < 300; i += 1) {
      const r = random();
      const kind = r < 0.5 ? KINDS[0] : r < 0.65 ? KINDS[2] : r < 0.8 ? KINDS[3] : KINDS[1];
      const order: Core.Order = {
        id: `o${i}`,
        key: keys[Math.floor(random() * keys.length)]!,
        kind,
        payload: { version: i },
      };
      submissions.push({ order, result: (await submitter.submit(order)).result });
      if (i % 10 === 9) await sleep(Math.floor(random() * 15));
    }
    for (let i = 0; ; i += 1) {
      const state = await submitter.snapshot();
      if (Object.keys(state.keys).length === 0 && state.inFlightCount === 0) break;
      if (i > 1500) throw new Error(`the mailbox did not drain: ${JSON.stringify(state).slice(0, 500)}`);
      await sleep(10);
    }
    const fenced = new RedisFencedResource(redis.client());
    const finals = new Map<string, string | null>();
    for (const key of new Set(submissions.map((s) => s.order.key!))) {
      finals.set(key, (await fenced.state(clusterResource(name, key))).value);
    }
    const records: MailboxRecord[] = instances.flatMap((p) => p.records());
    const errors = records.filter((r) => r.kind === "error");
    expect(errors, instances.map((p) => p.output()).join("\n")).toEqual([]);
    expect(checkMailboxHistory(submissions, records, finals)).toEqual([]);
    const writes = fencedOps(instances.flatMap((p) => p.calls()));
    const report = assertLinearizable(
      "mailbox.processes fenced writes",
      writes,
      FENCED_SPEC,
      HISTORY_FILES.fenced,
    );
    // The history file, in the documented format, passes `interleave lincheck` too.
    const cli = ["lincheck", report.path!, "--partition-by", "resource"];
    let out = "";
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (out += t), cwd: process.cwd() };
    expect(await runCli(cli, io), out).toBe(0);
    expect(out).toMatch(/^linearizable: \d+ ops against FencedResource/);
    // The run exercised what it claims to: every instance ran orders, orders were cancelled and coalesced.
    const accepted = submissions.filter((s) => s.result._tag === "Accepted");
    expect(accepted.length).toBe(300);
    const takers = new Set(records.filter((r) => r.kind === "take").map((r) => r.instance));
    expect([...takers].sort()).toEqual(["i1", "i2", "i3"]);
    const ends = records.filter((r) => r.kind === "end");
    expect(ends.filter((r) => r.outcome === "cancelled").length).toBeGreaterThan(0);
    expect(ends.some((r) => r.outcome === "failed")).toBe(false);
    expect(accepted.some((s) => s.result._tag === "Accepted" && s.result.superseded.length > 0)).toBe(true);
    await Promise.all(instances.map((p) => p.close()));
  });

  it("the checker flags overlapping orders of a key, order inversions, lost orders and a wrong final state", () => {
    const order = (id: string, kind = "Resume"): Core.Order => ({
      id,
      key: "k",
      kind,
      payload: { version: 1 },
    });
    const accepted = (id: string): Core.Result => ({
      _tag: "Accepted",
      orderId: id,
      dispatched: false,
      superseded: [],
      cancelled: null,
    });
    const submissions: Submission[] = ["a", "b", "c"].map((id) => ({
      order: order(id),
      result: accepted(id),
    }));
    const take = (id: string, token: number, atMs: number): MailboxRecord => ({
      kind: "take",
      instance: "i1",
      id,
      key: "k",
      token,
      atMs,
    });
    const end = (id: string, token: number, atMs: number): MailboxRecord => ({
      kind: "end",
      instance: "i1",
      id,
      key: "k",
      token,
      outcome: "done",
      atMs,
    });
    const good = JSON.stringify({ order: "c", state: "resumed", step: 3 });
    const history = [
      take("a", 1, 10),
      end("a", 1, 20),
      take("b", 2, 20),
      end("b", 2, 30),
      take("c", 3, 31),
      end("c", 3, 40),
    ];
    expect(checkMailboxHistory(submissions, history, new Map([["k", good]]))).toEqual([]);
    const overlapping = [
      take("a", 1, 10),
      end("a", 1, 25),
      take("b", 2, 20),
      end("b", 2, 30),
      take("c", 3, 31),
    ];
    expect(checkMailboxHistory(submissions, overlapping, new Map([["k", good]]))).toHaveLength(1);
    const inverted = [take("b", 1, 10), end("b", 1, 20), take("a", 2, 20), end("a", 2, 30), take("c", 3, 31)];
    expect(checkMailboxHistory(submissions, inverted, new Map([["k", good]]))).toHaveLength(1);
    const missing = [take("a", 1, 10), end("a", 1, 20), take("c", 3, 31)];
    expect(checkMailboxHistory(submissions, missing, new Map([["k", good]]))).toHaveLength(1);
    const stale = JSON.stringify({ order: "b", state: "resumed", step: 3 });
    expect(checkMailboxHistory(submissions, history, new Map([["k", stale]]))).toHaveLength(1);
  });
});
