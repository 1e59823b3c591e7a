// The linearizability checks of the runtime's histories (support/lincheck.ts) fail as they should (issue 19,
// part 2): histories from real runs against deliberately broken Lua scripts — a claim-queue ack that skips the
// token check (a late ack by a holder whose claim was taken over is accepted), a lease release that skips it
// (a stale token releases the lease, a second holder is granted), a SyncCoordinator FinishReset that ignores its
// fencing token (a reset holder whose lease was reclaimed completes the reset's new run) — and mutations of recorded histories (two
// holders granted one lease at once, a stale fencing token accepted) are `not-linearizable`, with the failing
// window naming the ops; the unmutated histories pass. A recorded history written as a file is checked by the
// `interleave lincheck` CLI too. The conversion of recorded calls (pending, resent, per epoch) is pinned first.

import { readFileSync } from "node:fs";
import { type LinOperation, type LinResult, type LinWindow, renderWindow } from "@interleave/sim";
import { runCli } from "@interleave/sim/cli";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { decodeOwnerResult } from "../src/claim-queue/claim-queue-codec.js";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { LeaseManager, type TimedLeaseResult } from "../src/lease/lease.js";
import { decodeLeaseReply } from "../src/lease/lease-codec.js";
import { replyInt, scriptSource } from "../src/shared/redis-script.js";
import { decodeStep } from "../src/sync-coordinator/sync-codec.js";
import {
  RedisSyncCoordinator,
  type SyncCommand,
  type TimedStep,
} from "../src/sync-coordinator/sync-coordinator.js";
import { type CallRecord, CLAIM_QUEUE_CALLS, recordCalls } from "./support/calls.js";
import {
  assertLinearizable,
  claimQueueOps,
  claimQueueSpec,
  FENCED_SPEC,
  fencedOps,
  leaseOps,
  leaseSpec,
  lincheck,
  syncCoordinatorOps,
  syncCoordinatorSpec,
  writeHistoryFile,
} from "./support/lincheck.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const QUEUE_CONFIG = queueConfig({ leaseTtlMs: 100, heartbeatIntervalMs: 25 });
const LEASE_CONFIG = { leaseTtlMs: 60_000, heartbeatIntervalMs: 10_000 };

type Command = (...args: unknown[]) => Promise<unknown[]>;
/** Registers `lua` as command `name` on `client` and returns it. */
function defineScript(client: Redis, name: string, lua: string, numberOfKeys: number): Command {
  client.defineCommand(name, { lua, numberOfKeys });
  return (...args) => (client as unknown as Record<string, Command>)[name]!.call(client, ...args);
}

/** The failing window of `result`, which must be `not-linearizable`. */
function windowOf(result: LinResult): LinWindow {
  if (result.verdict !== "not-linearizable")
    throw new Error(`expected not-linearizable, got ${result.verdict}`);
  return result.window;
}

/** The window's stuck ops (those that cannot take effect next) as "process Tag". */
const stuck = (window: LinWindow) =>
  window.ops
    .filter((op) => !op.linearized)
    .map((op) => `${op.process} ${(op.input as { _tag: string })._tag}`);

describe("recorded calls as operations (support/lincheck.ts)", () => {
  const call = (id: string, process: string, op: string, args: unknown[], callMs: number): CallRecord => ({
    kind: "call",
    id,
    process,
    op,
    args,
    callMs,
  });
  const renewed = { atMs: 12, result: { _tag: "Renewed", scope: "s", expiresAtMs: 112 } };

  it("a call that never returned or threw is pending at its call time; a claim that never returned is left out", () => {
    const ops = claimQueueOps([
      call("1", "w", "heartbeat", ["s", 1], 10),
      call("2", "w", "ack", ["s", 1], 20),
      { kind: "threw", id: "2", returnMs: 25, message: "Error: Connection is closed." },
      call("3", "w", "claim", ["w", 1], 30),
    ]);
    expect(ops).toEqual([
      {
        process: "w",
        input: { _tag: "Heartbeat", scope: "s", token: 1, atMs: 10 },
        callMs: 10,
        returnMs: null,
      },
      { process: "w", input: { _tag: "Ack", scope: "s", token: 1, atMs: 20 }, callMs: 20, returnMs: null },
    ]);
  });

  it("a reconnect during a call adds a pending copy of it (ioredis may have resent it); NotInitializedError had no effect", () => {
    const ops = claimQueueOps([
      call("1", "w", "heartbeat", ["s", 1], 10),
      { kind: "reconnecting", process: "w", wallMs: 11 },
      { kind: "return", id: "1", returnMs: 13, value: renewed },
      call("2", "w", "heartbeat", ["s", 1], 20),
      { kind: "threw", id: "2", returnMs: 21, message: "NotInitializedError: no config" },
    ]);
    expect(ops).toEqual([
      {
        process: "w",
        input: { _tag: "Heartbeat", scope: "s", token: 1, atMs: 12 },
        output: renewed.result,
        callMs: 10,
        returnMs: 13,
      },
      {
        process: "w (resent)",
        input: { _tag: "Heartbeat", scope: "s", token: 1, atMs: 10 },
        callMs: 10,
        returnMs: null,
      },
    ]);
  });

  it("an epoch keeps the calls on its side of a restart; one running across the bound is pending", () => {
    const records: CallRecord[] = [
      call("1", "w", "heartbeat", ["s", 1], 10),
      { kind: "return", id: "1", returnMs: 13, value: renewed },
      call("2", "w", "heartbeat", ["s", 1], 15),
      { kind: "return", id: "2", returnMs: 30, value: { ...renewed, atMs: 28 } },
      call("3", "w", "heartbeat", ["s", 1], 40),
      { kind: "return", id: "3", returnMs: 41, value: { ...renewed, atMs: 40 } },
    ];
    const times = (ops: readonly LinOperation[]) => ops.map((op) => [op.callMs, op.returnMs]);
    expect(times(claimQueueOps(records, { untilMs: 20 }))).toEqual([
      [10, 13],
      [15, null],
    ]);
    expect(times(claimQueueOps(records, { sinceMs: 20 }))).toEqual([
      [15, null],
      [40, 41],
    ]);
  });

  it("a coordinator apply is the command at the reply's server time, its output the result and the effects", () => {
    const effect = { _tag: "RunReset", mr: "!1", resetId: "r", token: 1, expiresAtMs: 1_012 };
    const ops = syncCoordinatorOps([
      call("1", "a", "apply", [{ _tag: "ScheduleReset", mr: "!1", resetId: "r" }], 10),
      {
        kind: "return",
        id: "1",
        returnMs: 14,
        value: { atMs: 12, result: { _tag: "ResetQueued", running: true }, effects: [effect] },
      },
      call("2", "a", "apply", [{ _tag: "Heartbeat", mr: "!1", token: 1 }], 20),
    ]);
    expect(ops).toEqual([
      {
        process: "a",
        input: { _tag: "ScheduleReset", mr: "!1", resetId: "r", atMs: 12 },
        output: { result: { _tag: "ResetQueued", running: true }, effects: [effect] },
        callMs: 10,
        returnMs: 14,
      },
      {
        process: "a",
        input: { _tag: "Heartbeat", mr: "!1", token: 1, atMs: 20 },
        callMs: 20,
        returnMs: null,
      },
    ]);
  });
});

describe("linearizability of the runtime's histories: injected bugs are caught", () => {
  const redis = useRedis();

  it("a claim-queue ack that skips the token check: a late ack after a takeover is accepted — not linearizable, the window names it", async () => {
    const client = redis.client();
    const calls: CallRecord[] = [];
    const open = async (caller: string) =>
      recordCalls(
        await ClaimQueue.open(client, { name: "buggy-ack", config: QUEUE_CONFIG }),
        CLAIM_QUEUE_CALLS,
        caller,
        (r) => calls.push(r),
      );
    // claimQueue-owner-5 with the ownership test of an Ack reduced to "the item is claimed" (the bug of
    // exhaustive.conformance.test.ts), behind a `ack(scope, token)` recorded like the queue's own.
    const real = scriptSource("claimQueue-owner-5");
    const check = "if not owns(item, ARGV[4]) then";
    expect(real).toContain(check);
    const buggyOwner = defineScript(
      client,
      "lincheckBuggyClaimQueueOwner",
      real.replace(
        check,
        "if not (owns(item, ARGV[4]) or (event == 'Ack' and item ~= nil and item.h ~= nil)) then",
      ),
      5,
    );
    const producer = await open("producer");
    const a = await open("a");
    const b = await open("b");
    class BuggyAck {
      async ack(scope: string, token: number) {
        const base = a.base;
        const keys = [`${base}:config`, `${base}:ready`, `${base}:claimed`, `${base}:dead`, a.itemKey(scope)];
        const reply = await buggyOwner(...keys, base, "Ack", scope, token, "", QUEUE_CONFIG.leaseTtlMs);
        return { atMs: replyInt(reply, 0, "buggy owner"), result: decodeOwnerResult(reply, scope) };
      }
    }
    const lateA = recordCalls(new BuggyAck(), ["ack"], "a", (r) => calls.push(r));

    await producer.enqueue("job");
    const [first] = (await a.claim("a", 1)).items;
    expect(first).toMatchObject({ scope: "job", token: 1 });
    // a stalls past its claim; b takes the item over once the claim expired.
    let taken = (await b.claim("b", 1)).items[0];
    while (taken === undefined) {
      await sleep(10);
      taken = (await b.claim("b", 1)).items[0];
    }
    expect(taken).toMatchObject({ scope: "job", token: 2, reclaimed: true });
    // a's late ack with its stale token: the broken script deletes b's item.
    expect((await lateA.ack("job", 1)).result).toEqual({
      _tag: "Acked",
      owned: true,
      deleted: true,
      requeued: false,
    });
    expect((await b.ack("job", 2)).result).toMatchObject({ _tag: "Acked", owned: false });

    const report = lincheck(
      "injected bug: claim-queue ack without the token check",
      claimQueueOps(calls),
      claimQueueSpec(QUEUE_CONFIG),
    );
    const window = windowOf(report.result);
    expect(window.partition).toBe("job");
    expect(stuck(window)).toContain("a Ack");
    const late = window.ops.find((op) => op.process === "a" && !op.linearized)!;
    expect(late.input).toMatchObject({ _tag: "Ack", scope: "job", token: 1 });
    expect(late.expected).toEqual({ _tag: "Acked", owned: false, deleted: false, requeued: false });
    console.log(`injected bug caught:\n${renderWindow(window)}`);
  });

  it("a lease release that skips the token check: a stale token releases the lease and a second holder is granted — not linearizable", async () => {
    const client = redis.client();
    const calls: CallRecord[] = [];
    const real = scriptSource("lease-release-1");
    const check = "if holder ~= caller or token ~= callerToken then";
    expect(real).toContain(check);
    const buggyRelease = defineScript(
      client,
      "lincheckBuggyLeaseRelease",
      real.replace(check, "if holder ~= caller then"),
      1,
    );
    const leases = new LeaseManager(client, LEASE_CONFIG);
    /** A LeaseManager whose Release goes through the broken script. */
    class BuggyLeases {
      async apply(name: string, command: Parameters<LeaseManager["apply"]>[1]): Promise<TimedLeaseResult> {
        if (command._tag !== "Release") return leases.apply(name, command);
        return decodeLeaseReply(await buggyRelease(leases.key(name), command.holder, command.token));
      }
    }
    const a = recordCalls(new BuggyLeases(), ["apply"], "a", (r) => calls.push(r));
    const b = recordCalls(new BuggyLeases(), ["apply"], "b", (r) => calls.push(r));
    expect((await a.apply("report", { _tag: "Acquire", holder: "a" })).result).toMatchObject({ token: 1 });
    // a releases with a token it never held: the broken script accepts it.
    expect((await a.apply("report", { _tag: "Release", holder: "a", token: 7 })).result).toEqual({
      _tag: "Released",
    });
    expect((await b.apply("report", { _tag: "Acquire", holder: "b" })).result).toMatchObject({
      _tag: "Granted",
      token: 2,
    });

    const report = lincheck(
      "injected bug: lease release without the token check",
      leaseOps(calls),
      leaseSpec({ leaseTtlMs: LEASE_CONFIG.leaseTtlMs }),
    );
    const window = windowOf(report.result);
    expect(window.partition).toBe("report");
    expect(stuck(window)).toContain("a Release");
    expect(window.ops.find((op) => op.process === "a" && !op.linearized)!.expected).toMatchObject({
      _tag: "NotOwner",
      holder: "a",
      token: 1,
    });
  });

  it("a SyncCoordinator FinishReset that ignores its fencing token: a reclaimed holder completes the reset's new run — not linearizable, the window names it", async () => {
    const client = redis.client();
    const calls: CallRecord[] = [];
    const config = { mrCountMax: 10, pendingPerMrMax: 4, leaseTtlMs: 50 };
    // syncCoordinator-finishReset-3 reading no token (the bug of exhaustive.conformance.test.ts).
    const real = scriptSource("syncCoordinator-finishReset-3");
    const check = "local mr, id, token = ARGV[1], ARGV[2], token_arg(ARGV[3])";
    expect(real).toContain(check);
    const buggyFinishReset = defineScript(
      client,
      "lincheckBuggySyncFinishReset",
      real.replace(check, "local mr, id, token = ARGV[1], ARGV[2], nil"),
      3,
    );
    const open = async () =>
      RedisSyncCoordinator.open(client, {
        name: "lincheck-buggy-finish-reset",
        config,
        enqueueReset: () => {},
      });
    const coordinator = await open();
    /** The coordinator's `apply`, its FinishReset through the broken script. */
    class BuggyCoordinator {
      async apply(command: SyncCommand): Promise<TimedStep> {
        if (command._tag !== "FinishReset") return coordinator.apply(command);
        const base = coordinator.base;
        const reply = await buggyFinishReset(
          `${base}:config`,
          `${base}:mrs`,
          `${base}:fence`,
          command.mr,
          command.resetId,
          command.token === undefined ? "" : String(command.token),
        );
        const script = "buggy finishReset";
        return { atMs: replyInt(reply, 0, script), ...decodeStep(reply, command.mr, script) };
      }
    }
    const a = recordCalls(new BuggyCoordinator(), ["apply"], "a", (r) => calls.push(r));
    const b = recordCalls(await open(), ["apply"], "b", (r) => calls.push(r));

    const queued = await a.apply({ _tag: "ScheduleReset", mr: "!1", resetId: "r" });
    expect(queued.effects).toMatchObject([{ _tag: "RunReset", resetId: "r", token: 1 }]);
    expect((await a.apply({ _tag: "BeginReset", mr: "!1", resetId: "r", token: 1 })).result).toEqual({
      _tag: "Proceed",
    });
    // a stalls past its lease; b's Expire reclaims the reset and hands it out again with token 2.
    let reclaim = await b.apply({ _tag: "Expire", mr: "!1" });
    while (reclaim.effects.length === 0) {
      await sleep(10);
      reclaim = await b.apply({ _tag: "Expire", mr: "!1" });
    }
    expect(reclaim.effects).toMatchObject([{ _tag: "RunReset", resetId: "r", token: 2 }]);
    // a's late FinishReset with its stale token: the broken script completes the new run.
    expect((await a.apply({ _tag: "FinishReset", mr: "!1", resetId: "r", token: 1 })).result).toEqual({
      _tag: "ResetFinished",
    });
    // b, handed the new run, finds its lease gone.
    expect((await b.apply({ _tag: "BeginReset", mr: "!1", resetId: "r", token: 2 })).result).toEqual({
      _tag: "Stale",
    });

    const report = lincheck(
      "injected bug: SyncCoordinator FinishReset without the token check",
      syncCoordinatorOps(calls),
      syncCoordinatorSpec(config),
    );
    const window = windowOf(report.result);
    expect(window.partition).toBeNull();
    expect(stuck(window)).toContain("a FinishReset");
    const late = window.ops.find((op) => op.process === "a" && !op.linearized)!;
    expect(late.input).toMatchObject({ _tag: "FinishReset", resetId: "r", token: 1 });
    expect(late.expected).toEqual({ result: { _tag: "Stale" }, effects: [] });
    console.log(`injected bug caught:\n${renderWindow(window)}`);
  });

  it("mutations of a recorded lease history: two holders granted at once — not linearizable; the recorded one passes", async () => {
    const calls: CallRecord[] = [];
    const open = (caller: string) =>
      recordCalls(new LeaseManager(redis.client(), LEASE_CONFIG), ["apply"], caller, (r) => calls.push(r));
    const [a, b] = [open("a"), open("b")];
    await Promise.all([a.acquire("nightly", "a"), b.acquire("nightly", "b")]);
    await Promise.all([a.acquire("weekly", "a"), b.acquire("weekly", "b")]);
    const spec = leaseSpec({ leaseTtlMs: LEASE_CONFIG.leaseTtlMs });
    const recorded = leaseOps(calls);
    assertLinearizable("lease history (recorded)", recorded, spec);
    // Whoever got Busy on "nightly" is reported Granted with the next token instead.
    const busy = recorded.findIndex(
      (op) => op.input.lease === "nightly" && (op.output as { _tag: string })._tag === "Busy",
    );
    const granted = recorded.find(
      (op) => op.input.lease === "nightly" && (op.output as { _tag: string })._tag === "Granted",
    )!;
    const twoHolders: LinOperation<(typeof recorded)[number]["input"]>[] = recorded.map((op, i) =>
      i === busy
        ? {
            ...op,
            output: {
              _tag: "Granted",
              token: 2,
              expiresAtMs: op.input.atMs + LEASE_CONFIG.leaseTtlMs,
              reclaimed: false,
            },
          }
        : op,
    );
    const window = windowOf(lincheck("lease history: two holders granted at once", twoHolders, spec).result);
    expect(window.partition).toBe("nightly");
    const processes = window.ops.map((op) => op.process).sort();
    expect(processes).toEqual(["a", "b"]);
    expect(window.ops.some((op) => op.process === granted.process)).toBe(true);
  });

  it("mutations of a recorded fenced-resource history: a stale token accepted — not linearizable; the recorded one passes, also through the CLI", async () => {
    const calls: CallRecord[] = [];
    const open = (caller: string) =>
      recordCalls(new RedisFencedResource(redis.client()), ["fencedWrite"], caller, (r) => calls.push(r));
    const [old, fresh] = [open("old-holder"), open("new-holder")];
    expect(await fresh.fencedWrite("cluster", 2, "v2")).toEqual({ _tag: "Accepted", token: 2 });
    // A few ms apart, so the recorded times order the two writes (they are taken to the ms).
    await sleep(5);
    expect(await old.fencedWrite("cluster", 1, "v1")).toEqual({
      _tag: "StaleToken",
      token: 1,
      highestToken: 2,
    });
    const recorded = fencedOps(calls);
    assertLinearizable("fenced history (recorded)", recorded, FENCED_SPEC);
    const stale = recorded.map((op) =>
      op.process === "old-holder" ? { ...op, output: { _tag: "Accepted", token: 1 } } : op,
    );
    const window = windowOf(lincheck("fenced history: a stale token accepted", stale, FENCED_SPEC).result);
    expect(stuck(window)).toEqual(["old-holder Write"]);
    expect(window.ops.find((op) => !op.linearized)!.expected).toEqual({
      _tag: "StaleToken",
      token: 1,
      highestToken: 2,
    });

    // The same histories as files in the documented format, through `interleave lincheck`.
    const cli = async (path: string) => {
      let stdout = "";
      const code = await runCli(["lincheck", path, "--partition-by", "resource"], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stdout += t),
        cwd: process.cwd(),
      });
      return { code, stdout };
    };
    const good = writeHistoryFile("fenced-recorded", "FencedResource", undefined, recorded);
    expect(readFileSync(good, "utf8").split("\n")[0]).toContain('"machine":"FencedResource"');
    expect(await cli(good)).toMatchObject({ code: 0 });
    const bad = await cli(writeHistoryFile("fenced-stale-accepted", "FencedResource", undefined, stale));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("old-holder");
  });
});
