// Faults around the lease: a Redis restart with the append-only file on (the grant and its token survive) and
// off (documented: the lease and its token are gone, the next grant starts again at token 1), and client clock
// skew (no effect: every time the scripts use is the server's). A SIGSTOPped holder process is not covered
// here yet (it needs a child process); the event-loop pause in lease.test.ts covers the in-process half.
// Every LeaseManager call is recorded around its Redis call and each test's history is checked for
// linearizability against the core Lease, one machine per lease name (support/lincheck.ts); a restart that
// loses the data splits the history in two.

import { Lease } from "@interleave/core";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { LeaseManager } from "../src/lease/lease.js";
import { type CallRecord, recordCalls, wallMs } from "./support/calls.js";
import { assertLinearizable, type Epoch, HISTORY_FILES, leaseOps, leaseSpec } from "./support/lincheck.js";
import { useRedis } from "./support/redis.js";

const CONFIG = { leaseTtlMs: 60_000, heartbeatIntervalMs: 10_000 };

/** LeaseManagers on `redis` whose calls are recorded; `check` checks them for linearizability. */
function recordedLeases() {
  const calls: CallRecord[] = [];
  return {
    open: (client: Redis) =>
      recordCalls(new LeaseManager(client, CONFIG), ["apply"], "client", (r) => calls.push(r)),
    check: (label: string, epoch?: Epoch) =>
      assertLinearizable(
        label,
        leaseOps(calls, epoch),
        leaseSpec({ leaseTtlMs: CONFIG.leaseTtlMs }),
        HISTORY_FILES.lease({ leaseTtlMs: CONFIG.leaseTtlMs }),
      ),
  };
}

describe("lease faults: Redis restart with the append-only file on", () => {
  const redis = useRedis({ appendonly: true });

  it("keeps the grant and its fencing token across a restart", async () => {
    if (!redis.owned) return; // REDIS_URL: cannot restart a server we do not own
    const leases = recordedLeases();
    const before = leases.open(redis.client());
    const first = await before.acquire("durable", "worker-a");
    expect(first).toMatchObject({ _tag: "Granted", token: 1 });
    expect(await before.release("durable", "worker-a", 1)).toEqual({ _tag: "Released" });
    const g = await before.acquire("durable", "worker-a");
    expect(g).toMatchObject({ _tag: "Granted", token: 2 });
    const state = await before.state("durable");
    await redis.restart();
    const after = leases.open(redis.client());
    expect(await after.state("durable")).toEqual(state);
    expect(await after.acquire("durable", "worker-b")).toMatchObject({ _tag: "Busy", holder: "worker-a" });
    expect(await after.renew("durable", "worker-a", 2)).toMatchObject({ _tag: "Renewed" });
    leases.check("lease.faults restart (AOF)"); // one history: the restart lost nothing
  });
});

describe("lease faults: Redis restart without persistence", () => {
  const redis = useRedis();

  it("loses the lease and its token: the next grant gets token 1 again (documented on LeaseManager.acquire)", async () => {
    if (!redis.owned) return;
    const leases = recordedLeases();
    const before = leases.open(redis.client());
    for (const expected of [1, 2, 3]) {
      const g = await before.acquire("volatile", "worker-a");
      expect(g).toMatchObject({ _tag: "Granted", token: expected });
      if (g._tag === "Granted" && expected < 3) await before.release("volatile", "worker-a", g.token);
    }
    // The epochs split on the wall clock in whole ms: let it move past the last call's return first, so a call
    // that returned in the same ms as the restart mark is not mistaken for one made after the restart.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const restartMs = wallMs();
    await redis.restart();
    const after = leases.open(redis.client());
    expect(await after.state("volatile")).toEqual(Lease.initial({ leaseTtlMs: CONFIG.leaseTtlMs }));
    // The fencing implication: token 1 is below the 3 a fenced resource may have seen, so its writes are refused.
    expect(await after.acquire("volatile", "worker-b")).toMatchObject({
      _tag: "Granted",
      token: 1,
      reclaimed: false,
    });
    leases.check("lease.faults restart (no AOF), before", { untilMs: restartMs });
    leases.check("lease.faults restart (no AOF), after", { sinceMs: restartMs });
  });
});

describe("lease faults: client clock skew", () => {
  const redis = useRedis();

  it("gives the same results with Date.now skewed by hours either way: time is the server's", async () => {
    const client = redis.client();
    const recorded = recordedLeases();
    const leases = recorded.open(client);
    const realNow = Date.now;
    let model = Lease.initial({ leaseTtlMs: CONFIG.leaseTtlMs });
    try {
      for (const skewMs of [3_600_000, -3_600_000, 86_400_000 * 30]) {
        Date.now = () => realNow.call(Date) + skewMs;
        const [seconds, micros] = await client.time();
        const serverMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
        const acquired = await leases.apply("skew", { _tag: "Acquire", holder: "worker-a" });
        const expected = Lease.transition(model, {
          _tag: "Acquire",
          holder: "worker-a",
          atMs: acquired.atMs,
        });
        model = expected.state;
        expect(acquired.result).toEqual(expected.result);
        expect(acquired.result).toMatchObject({ _tag: "Granted", token: 1 }); // same holder: idempotent
        // The script's time is the server's (within a second of TIME), not the skewed client clock.
        expect(Math.abs(acquired.atMs - serverMs)).toBeLessThan(1_000);
        expect(Math.abs(acquired.atMs - Date.now())).toBeGreaterThan(1_000_000);
        const renewed = await leases.apply("skew", { _tag: "Renew", holder: "worker-a", token: 1 });
        const expectedRenew = Lease.transition(model, {
          _tag: "Renew",
          holder: "worker-a",
          token: 1,
          atMs: renewed.atMs,
        });
        model = expectedRenew.state;
        expect(renewed.result).toEqual(expectedRenew.result);
        expect(await leases.state("skew")).toEqual(model);
      }
      const released = await leases.withLease("skew-with", "worker-a", async (signal) => signal.aborted);
      expect(released).toBe(false);
    } finally {
      Date.now = realNow;
    }
    recorded.check("lease.faults clock skew"); // call and return times are the host's unskewed clock
  });
});
