// The checks of the chaos run (bench/chaos/check.ts) on small hand-written histories: a correct history passes
// every check; a planted stale-token write, a lost item, two live holders of one item and a stale ack are each
// flagged, with the item named; what a Redis restart without persistence lost is reported as the unpersisted
// writes, not as a loss, and a server/history disagreement about it is flagged; a call whose connection came
// back (so ioredis may have run it twice) is not mistaken for a loss; the window minimiser cuts a failing
// item's history to the shortest failing prefix. The lease mode's checks (bench/chaos/check-lease.ts): a correct
// history passes; a planted double holder, a stale write and a stale renew are flagged. The mailbox mode's
// (bench/chaos/check-mailbox.ts): a correct history passes; a stale write, an order neither run nor superseded, one
// left after the drain, two orders of a key in flight at once and a FIFO inversion are flagged. No Redis, no processes: the run itself is `pnpm chaos`.

import { shippedScriptSource } from "@interleave/runtime-redis/testing";
import { checkLinearizable } from "@interleave/sim";
import { describe, expect, it } from "vitest";
import {
  type ChaosHistory,
  checkChaosHistory,
  checkLiveHolders,
  checkNoneLost,
  checkStaleWrites,
  minimiseWindow,
} from "../bench/chaos/check.js";
import { checkLeaseChaosHistory, checkLeaseHolders } from "../bench/chaos/check-lease.js";
import { checkMailboxChaosHistory, checkMailboxOrders } from "../bench/chaos/check-mailbox.js";
import { buggyScripts, INJECTIONS } from "../bench/chaos/inject.js";
import { CHAOS_LEASE_CONFIG, CHAOS_QUEUE_CONFIG } from "../bench/chaos/spec.js";
import type { CallRecord } from "../packages/runtime-redis/test/support/calls.js";
import { claimQueueOps, claimQueueSpec } from "../packages/runtime-redis/test/support/lincheck.js";

const TTL = CHAOS_QUEUE_CONFIG.leaseTtlMs;
let nextId = 0;

/** A call of `op` by `process` at `callMs` returning `value` at `returnMs` (null: no reply). */
function call(
  process: string,
  op: string,
  args: unknown[],
  callMs: number,
  returnMs: number | null,
  value?: unknown,
): CallRecord[] {
  const id = `${process}#${nextId++}`;
  const c: CallRecord = { kind: "call", id, process, op, args, callMs };
  return returnMs === null ? [c] : [c, { kind: "return", id, returnMs, value }];
}
const enqueue = (scope: string, atMs: number) =>
  call("producer", "enqueue", [scope], atMs - 1, atMs + 1, {
    atMs,
    result: { _tag: "Enqueued", scope, merged: false },
  });
const grant = (scope: string, token: number, atMs: number) => ({
  scope,
  token,
  expiresAtMs: atMs + TTL,
  attemptCount: 0,
  updatedAtMs: atMs,
  reclaimed: false,
});
const claim = (holder: string, scope: string, token: number, atMs: number, reclaimed = false) =>
  call(holder, "claim", [holder, 1], atMs - 1, atMs + 1, {
    atMs,
    result: { _tag: "Claimed", claims: [{ ...grant(scope, token, atMs), reclaimed }] },
  });
const ack = (holder: string, scope: string, token: number, atMs: number, owned: boolean) =>
  call(holder, "ack", [scope, token], atMs - 1, atMs + 1, {
    atMs,
    result: { _tag: "Acked", owned, deleted: owned, requeued: false },
  });
const write = (
  holder: string,
  scope: string,
  token: number,
  callMs: number,
  accepted: boolean,
  highest = token,
) =>
  call(
    holder,
    "fencedWrite",
    [`effect:${scope}`, token, `${holder}:${token}`],
    callMs,
    callMs + 1,
    accepted ? { _tag: "Accepted", token } : { _tag: "StaleToken", token, highestToken: highest },
  );

const history = (records: CallRecord[], extra: Partial<ChaosHistory> = {}): ChaosHistory => ({
  records,
  lossyRestarts: [],
  finalItems: [],
  config: CHAOS_QUEUE_CONFIG,
  ...extra,
});

/** A correct history of item s: enqueued, claimed by a, a stops past its lease, b reclaims, a's late write and ack fail. */
const correct = (): CallRecord[] => [
  ...enqueue("s", 1_000),
  ...claim("a", "s", 1, 1_010),
  ...write("a", "s", 1, 1_020, true),
  ...claim("b", "s", 2, 2_100, true),
  ...write("b", "s", 2, 2_110, true),
  ...write("a", "s", 1, 2_200, false, 2),
  ...ack("a", "s", 1, 2_210, false),
  ...write("b", "s", 2, 2_300, true),
  ...ack("b", "s", 2, 2_310, true),
];

describe("the chaos run's checks (bench/chaos/check.ts)", () => {
  it("a correct history with a takeover, a rejected late write and a rejected late ack passes every check", () => {
    const results = checkChaosHistory(history(correct()), () => 0);
    expect(results.map((r) => [r.name, r.violations])).toEqual(results.map((r) => [r.name, []]));
  });

  it("a planted stale-token write (accepted after a newer token's write returned) is flagged, and is not linearizable", () => {
    const records = correct().map((r) =>
      r.kind === "return" && (r.value as { _tag?: string })._tag === "StaleToken"
        ? { ...r, value: { _tag: "Accepted", token: 1 } }
        : r,
    );
    expect(checkStaleWrites(history(records))).toEqual([
      "resource effect:s: a's write with token 1 (sent at +2.200 s) was applied after b's write with token 2 was accepted (at +2.111 s)",
    ]);
    const fenced = checkChaosHistory(history(records), () => 0).find((r) =>
      r.name.includes("FencedResource"),
    )!;
    expect(fenced.ok).toBe(false);
    expect(fenced.violations[0]).toMatch(/^item effect:s: not linearizable/);
  });

  it("a stale ack that deleted the item (the skip-token-check bug) is not linearizable; the window ends at that ack", () => {
    const records = correct().map((r) =>
      r.kind === "return" && (r.value as { result?: { owned?: boolean } }).result?.owned === false
        ? {
            ...r,
            value: { atMs: 2_210, result: { _tag: "Acked", owned: true, deleted: true, requeued: false } },
          }
        : r,
    );
    const lin = checkChaosHistory(history(records), () => 0)[0]!;
    expect(lin.ok).toBe(false);
    expect(lin.violations[0]).toMatch(/^item s: not linearizable; smallest failing window: 4 of its 5 ops/);
    expect(lin.window).toContain('"token":1');
  });

  it("a claim whose reply was lost may have taken the item unseen: that explains a late owned:false ack, and only after the claim's expiry", () => {
    const lateAck = (atMs: number) => [
      ...enqueue("s", 1_000),
      ...claim("a", "s", 1, 1_010),
      ...ack("a", "s", 1, atMs, false), // not owned: someone took the item…
      ...claim("b", "s", 9, 3_500, true), // …and b reclaims it after that claim expired
    ];
    const lin = (records: CallRecord[]) => checkChaosHistory(history(records), () => 0)[0]!;
    expect(lin(lateAck(2_500)).ok).toBe(false); // no claim could have taken it
    const lost = call("c", "claim", ["c", 1], 900, null); // sent before, never answered
    const explained = lin([...lost, ...lateAck(2_500)]);
    expect(explained.ok).toBe(true);
    expect(explained.notes[0]).toMatch(/1 linearizable only with a claim whose reply was lost/);
    // while a's claim was still live (until 2 010) no claim could take it: still a violation
    expect(lin([...lost, ...lateAck(1_500)]).ok).toBe(false);
  });

  it("a lost item (enqueued, never acked) and an item left after the drain are flagged", () => {
    const records = [...correct(), ...enqueue("t", 3_000)];
    expect(checkNoneLost(history(records, { finalItems: ["t"] })).violations).toEqual([
      "item t: enqueued at +3.000 s (by producer), never acked or dead-lettered",
      "item t: still in the queue after the drain",
    ]);
  });

  it("a Worker's batched ackManyAndClaim counts as its acks and its claim: the items it acked are not lost, its grants can be double holders", () => {
    const acked = (scope: string, token: number) => ({
      atMs: 1_500,
      result: { _tag: "Acked", scope, token, owned: true, deleted: true, requeued: false },
    });
    const batch = call(
      "a",
      "ackManyAndClaim",
      [
        [
          { scope: "s", token: 1 },
          { scope: "t", token: 2 },
        ],
        "a",
      ],
      1_499,
      1_501,
      {
        acks: [acked("s", 1), acked("t", 2)],
        claim: { atMs: 1_500, result: { _tag: "Claimed", claims: [grant("u", 3, 1_500)] } },
      },
    );
    const records = [
      ...enqueue("s", 1_000),
      ...enqueue("t", 1_001),
      ...enqueue("u", 1_002),
      ...claim("a", "s", 1, 1_010),
      ...call("a", "claim", ["a", 1], 1_019, 1_021, {
        atMs: 1_020,
        result: { _tag: "Claimed", claims: [grant("t", 2, 1_020)] },
      }),
      ...batch,
      ...ack("a", "u", 3, 1_600, true),
    ];
    expect(checkNoneLost(history(records)).violations).toEqual([]);
    // the batch's grant of u (token 3 at 1.500 s, live for the lease TTL) overlaps b's grant of u at 2.000 s
    const doubled = [...records.slice(0, -2), ...claim("b", "u", 4, 2_000)];
    expect(checkLiveHolders(history(doubled))).toEqual([
      "item u: b was granted token 4 at +2.000 s while a's token 3 (granted at +1.500 s) was live until +2.500 s",
    ]);
  });

  it("two live holders of one item (a grant before the other's claim expired) are flagged", () => {
    const records = [...enqueue("s", 1_000), ...claim("a", "s", 1, 1_010), ...claim("b", "s", 2, 1_500)];
    expect(checkLiveHolders(history(records))).toEqual([
      "item s: b was granted token 2 at +1.500 s while a's token 1 (granted at +1.010 s) was live until +2.010 s",
    ]);
    // once a renewal moved the expiry, a grant after the first expiry is still a double holder
    const renewed = [
      ...enqueue("s", 1_000),
      ...claim("a", "s", 1, 1_010),
      ...call("a", "heartbeat", ["s", 1], 1_500, 1_502, {
        atMs: 1_501,
        result: { _tag: "Renewed", scope: "s", expiresAtMs: 2_501 },
      }),
      ...claim("b", "s", 2, 2_100),
    ];
    expect(checkLiveHolders(history(renewed))).toHaveLength(1);
    // an ack whose reply was lost may have ended the claim at its call: no violation
    const pendingAck = [
      ...enqueue("s", 1_000),
      ...claim("a", "s", 1, 1_010),
      ...call("a", "ack", ["s", 1], 1_100, null),
      ...claim("b", "s", 2, 1_500),
    ];
    expect(checkLiveHolders(history(pendingAck))).toEqual([]);
  });

  it("an ack whose connection came back during the call (it may have run twice) covers its enqueue when the item is gone", () => {
    const records: CallRecord[] = [
      ...enqueue("s", 1_000),
      ...claim("a", "s", 1, 1_010),
      ...call("a", "ack", ["s", 1], 1_100, 3_000, {
        atMs: 2_990,
        result: { _tag: "Acked", owned: false, deleted: false, requeued: false },
      }),
    ];
    expect(checkNoneLost(history(records)).violations).toHaveLength(1);
    const reconnected: CallRecord[] = [...records, { kind: "reconnecting", process: "a", wallMs: 1_200 }];
    expect(checkNoneLost(history(reconnected)).violations).toEqual([]);
  });

  it("a Redis restart without persistence: the items the server held are the unpersisted writes, not losses; a disagreement is flagged", () => {
    const records = [
      ...correct(),
      ...enqueue("u", 3_000),
      ...claim("a", "u", 3, 3_010),
      // the restart at 3 500 lost u; after it, t is enqueued and acked (tokens start again at 1)
      ...enqueue("t", 4_000),
      ...claim("b", "t", 1, 4_010),
      ...ack("b", "t", 1, 4_020, true),
    ];
    const restart = { pausedMs: 3_500, resumedMs: 3_600, heldScopes: ["u"] };
    const lost = checkNoneLost(history(records, { lossyRestarts: [restart] }));
    expect(lost.violations).toEqual([]);
    expect(lost.notes[0]).toMatch(
      /the server held 1 items at the kill \(the unpersisted writes\), all lost; 1 of them/,
    );
    const wrong = checkNoneLost(
      history(records, { lossyRestarts: [{ ...restart, heldScopes: ["u", "s"] }] }),
    );
    expect(wrong.violations).toEqual([
      "item s: the server held it at the kill (+3.500 s), the history says it was done",
    ]);
    // each side of the restart is its own epoch: token 1 again after it is no stale write and no double holder
    const all = checkChaosHistory(history(records, { lossyRestarts: [restart] }), () => 0);
    expect(all.every((r) => r.ok)).toBe(true);
  });

  it("the window minimiser cuts a failing item's history to the shortest failing prefix", () => {
    // item s: 20 correct claim/ack rounds, then a stale ack accepted, then 10 more rounds
    const rounds = (from: number, n: number, t0: number) =>
      Array.from({ length: n }, (_, k) => {
        const token = from + k;
        const at = t0 + k * 100;
        return [
          ...enqueue("s", at),
          ...claim("w", "s", token, at + 10),
          ...ack("w", "s", token, at + 20, true),
        ];
      }).flat();
    const stale = [
      ...enqueue("s", 5_000),
      ...claim("a", "s", 100, 5_010),
      ...claim("b", "s", 101, 6_100, true),
      ...ack("a", "s", 100, 6_200, true), // the bug: a stale token's ack deleted b's item
    ];
    const records = [...rounds(1, 20, 1_000), ...stale, ...rounds(102, 10, 7_000)];
    const ops = claimQueueOps(records);
    const spec = claimQueueSpec(CHAOS_QUEUE_CONFIG);
    const fails = (sub: readonly (typeof ops)[number][]) =>
      checkLinearizable(sub, spec).verdict === "not-linearizable";
    expect(fails(ops)).toBe(true);
    const small = minimiseWindow(ops, fails);
    expect(small.untilMs).toBe(6_201); // the stale ack's return: every later op is cut
    expect(small.ops.length).toBe(20 * 3 + 4);
    expect(fails(small.ops)).toBe(true);
    // one step shorter, the stale ack has not returned (pending: it may not have taken effect) and nothing fails
    const shorter = small.ops.map((op) =>
      op.returnMs === small.untilMs
        ? { process: op.process, input: op.input, callMs: op.callMs, returnMs: null }
        : op,
    );
    expect(fails(shorter)).toBe(false);
  });
});

// The lease mode (bench/chaos/check-lease.ts): `LeaseManager.apply` calls and fenced writes to `lease:<name>`.
const LEASE = { leaseTtlMs: CHAOS_LEASE_CONFIG.leaseTtlMs };
const apply = (holder: string, lease: string, command: object, atMs: number, result: object) =>
  call(holder, "apply", [lease, { ...command, holder }], atMs - 1, atMs + 1, { atMs, result });
const acquired = (holder: string, lease: string, token: number, atMs: number, reclaimed = false) =>
  apply(holder, lease, { _tag: "Acquire" }, atMs, {
    _tag: "Granted",
    token,
    expiresAtMs: atMs + LEASE.leaseTtlMs,
    reclaimed,
  });
const leaseWrite = (holder: string, lease: string, token: number, callMs: number, result: object) =>
  call(holder, "fencedWrite", [`lease:${lease}`, token, `${holder}:${token}`], callMs, callMs + 1, result);

/** a holds L, renews, stops past its lease; b reclaims; a's late renew is NotOwner, its late write is rejected. */
const leaseCorrect = (): CallRecord[] => [
  ...acquired("a", "L", 1, 1_000),
  ...leaseWrite("a", "L", 1, 1_010, { _tag: "Accepted", token: 1 }),
  ...apply("a", "L", { _tag: "Renew", token: 1 }, 1_250, { _tag: "Renewed", expiresAtMs: 2_250 }),
  ...apply("b", "L", { _tag: "Acquire" }, 1_500, { _tag: "Busy", holder: "a", expiresAtMs: 2_250 }),
  ...acquired("b", "L", 2, 2_300, true),
  ...leaseWrite("b", "L", 2, 2_310, { _tag: "Accepted", token: 2 }),
  ...apply("a", "L", { _tag: "Renew", token: 1 }, 2_400, { _tag: "NotOwner", holder: "b", token: 2 }),
  ...leaseWrite("a", "L", 1, 2_410, { _tag: "StaleToken", token: 1, highestToken: 2 }),
  ...apply("b", "L", { _tag: "Release", token: 2 }, 2_500, { _tag: "Released" }),
  ...acquired("a", "L", 3, 2_600),
];

describe("the lease-mode chaos checks (bench/chaos/check-lease.ts)", () => {
  it("a correct history with a renewal, a takeover, a rejected late renew and a rejected late write passes every check", () => {
    const results = checkLeaseChaosHistory(history(leaseCorrect()), LEASE, () => 0);
    expect(results.map((r) => [r.name, r.ok, r.violations])).toEqual(results.map((r) => [r.name, true, []]));
  });

  it("a double lease holder (b granted while a's renewed grant was live) is flagged, and is not linearizable", () => {
    const records = [
      ...acquired("a", "L", 1, 1_000),
      ...apply("a", "L", { _tag: "Renew", token: 1 }, 1_800, { _tag: "Renewed", expiresAtMs: 2_800 }),
      ...acquired("b", "L", 2, 2_300, true), // a's grant was live until 2,800
    ];
    expect(checkLeaseHolders(history(records))).toEqual([
      expect.stringMatching(/^lease L: b was granted token 2 at .* while a's token 1 .* was live until/),
    ]);
    const results = checkLeaseChaosHistory(history(records), LEASE, () => 0);
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual([
      "linearizable: leases vs core Lease, per lease name",
      "no lease held by two live holders at once",
    ]);
    expect(results[0]!.window).toContain("b");
  });

  it("a release cuts the grant: a new holder right after it is not a second live holder", () => {
    const records = [
      ...acquired("a", "L", 1, 1_000),
      ...apply("a", "L", { _tag: "Release", token: 1 }, 1_100, { _tag: "Released" }),
      ...acquired("b", "L", 2, 1_200),
    ];
    expect(checkLeaseHolders(history(records))).toEqual([]);
    // a Release whose reply was lost may have freed it as early as its call
    const lost = [
      ...acquired("a", "L", 1, 1_000),
      ...call("a", "apply", ["L", { _tag: "Release", holder: "a", token: 1 }], 1_099, null),
      ...acquired("b", "L", 2, 1_200),
    ];
    expect(checkLeaseHolders(history(lost))).toEqual([]);
    expect(checkLeaseChaosHistory(history(lost), LEASE, () => 0).every((r) => r.ok)).toBe(true);
  });

  it("a stale write (token 1 accepted after token 2's write returned) is flagged, and the fenced store is not linearizable", () => {
    const records = [
      ...acquired("a", "L", 1, 1_000),
      ...acquired("b", "L", 2, 2_100, true),
      ...leaseWrite("b", "L", 2, 2_110, { _tag: "Accepted", token: 2 }),
      ...leaseWrite("a", "L", 1, 2_200, { _tag: "Accepted", token: 1 }),
    ];
    const results = checkLeaseChaosHistory(history(records), LEASE, () => 0);
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual([
      "linearizable: fenced store vs core FencedResource, per resource",
      "no write with a stale fencing token applied",
    ]);
    expect(results[3]!.violations[0]).toMatch(/^resource lease:L: a's write with token 1/);
  });

  it("a stale renew that extended another holder's grant (the lease skip-token-check bug) is not linearizable", () => {
    const records = [
      ...acquired("a", "L", 1, 1_000),
      ...acquired("b", "L", 2, 2_100, true),
      ...apply("a", "L", { _tag: "Renew", token: 1 }, 2_200, { _tag: "Renewed", expiresAtMs: 3_200 }),
    ];
    const [lease] = checkLeaseChaosHistory(history(records), LEASE, () => 0);
    expect(lease!.ok).toBe(false);
    expect(lease!.violations[0]).toMatch(/^item L: not linearizable/);
  });
});

// The mailbox mode (bench/chaos/check-mailbox.ts): the producer's submits, the dispatchers' `run` script calls,
// the handlers' fenced writes to `mb:<key>`.
const order = (id: string, key: string, kind = "Resume") => ({ id, key, kind, payload: { version: 0 } });
const submit = (o: ReturnType<typeof order>, atMs: number, superseded: string[] = []) =>
  call("producer", "submitWhenRoom", [o, { timeoutMs: 10_000 }], atMs - 1, atMs + 1, {
    atMs,
    result: { _tag: "Accepted", orderId: o.id, dispatched: false, superseded, cancelled: null },
    effects: [],
    rejected: 0,
  });
/** A finish call of `process` completing `done` (or reaping `reaped`) and taking `taken` ([id, key, token]). */
const finish = (
  process: string,
  atMs: number,
  done: string | null,
  taken: [string, string, number][],
  reaped: string[] = [],
) =>
  call(
    process,
    "run",
    ["mailbox-finish-2", [done ?? "", process, 0, done === null ? "failed" : "done", 1, 1_000]],
    atMs - 1,
    atMs + 1,
    [
      atMs,
      done === null ? "Reaped" : "Completed",
      done === null ? reaped : [done, "done", false],
      [],
      taken.map(([id, key, token]) => [id, key, "{}", token, 0, atMs + 1_000]),
    ],
  );
const mbWrite = (process: string, key: string, token: number, callMs: number, result: object) =>
  call(process, "fencedWrite", [`mb:${key}`, token, `${process}:${token}`], callMs, callMs + 1, result);

describe("the mailbox-mode chaos checks (bench/chaos/check-mailbox.ts)", () => {
  const o1 = order("o1", "k");
  const o2 = order("o2", "k");
  const o3 = order("o3", "k", "Patch");
  /** o1 and o2 run in order on k (o2's first holder is reaped, its late write rejected); o3 was superseded. */
  const correct = (): CallRecord[] => [
    ...submit(o1, 1_000),
    ...submit(o3, 1_001),
    ...submit(o2, 1_002, ["o3"]),
    ...finish("p0", 1_010, null, [["o1", "k", 1]]),
    ...mbWrite("p0", "k", 1, 1_020, { _tag: "Accepted", token: 1 }),
    ...finish("p0", 1_100, "o1", [["o2", "k", 2]]),
    ...mbWrite("p0", "k", 2, 1_110, { _tag: "Accepted", token: 2 }),
    ...finish("p1", 2_200, null, [], ["o2"]),
    ...mbWrite("p0", "k", 2, 2_300, { _tag: "Accepted", token: 2 }),
  ];

  it("a correct history (FIFO, a reaped order, a superseded order) passes every check", () => {
    const results = checkMailboxChaosHistory(history(correct()), () => 0);
    expect(results.map((r) => [r.name, r.ok, r.violations])).toEqual(results.map((r) => [r.name, true, []]));
  });

  it("a stale write (an order's token 1 accepted after token 2's write returned) is flagged", () => {
    const records = [...correct(), ...mbWrite("p2", "k", 1, 2_400, { _tag: "Accepted", token: 1 })];
    const results = checkMailboxChaosHistory(history(records), () => 0);
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual([
      "linearizable: fenced store vs core FencedResource, per key",
      "no write with a stale fencing token applied",
    ]);
  });

  it("an accepted order never taken nor superseded, one left after the drain, two in flight on a key, and a FIFO inversion are flagged", () => {
    const o4 = order("o4", "j");
    const lost = checkMailboxOrders(history([...submit(o4, 1_000)], { finalItems: ["o9"] }));
    expect(lost.violations).toEqual([
      expect.stringMatching(/^order o4 \(key j\): accepted at .*, neither taken nor superseded/),
      "order o9: still in the mailbox after the drain",
    ]);
    const overlap = [
      ...submit(o1, 1_000),
      ...submit(o2, 1_001),
      ...finish("p0", 1_010, null, [["o2", "k", 1]]), // o2 before o1: not FIFO
      ...finish("p1", 1_020, null, [["o1", "k", 2]]), // while o2 is still in flight
      ...finish("p0", 1_500, "o2", []),
      ...finish("p1", 1_600, "o1", []),
    ];
    expect(checkMailboxOrders(history(overlap)).violations).toEqual([
      expect.stringMatching(/^key k: order o1 .* ran after o2 .*: not FIFO/),
      expect.stringMatching(
        /^key k: order o2 \(token 1\) was in flight until .*, after o1 \(token 2\) was taken/,
      ),
    ]);
  });

  it("an order not seen taken is excused by a take whose reply was lost after it was accepted, and noted", () => {
    const o4 = order("o4", "j");
    const records = [
      ...submit(o4, 1_000),
      ...call("p0", "run", ["mailbox-finish-2", ["", "p0", 0, "failed", 1, 1_000]], 1_050, null),
    ];
    const { violations, notes } = checkMailboxOrders(history(records));
    expect(violations).toEqual([]);
    expect(notes[0]).toContain("1 not seen taken, excused by a take whose reply was lost");
    // it asked for one order (room 1): a second order not seen taken is not excused
    const two = checkMailboxOrders(history([...submit(order("o5", "i"), 1_001), ...records]));
    expect(two.violations).toEqual([
      expect.stringMatching(/^order o4 \(key j\): accepted at .*, neither taken/),
    ]);
  });
});

describe("the lease-mode live-holder check and resent calls", () => {
  it("a Release resent after a reconnect (its first run freed the lease unseen, the resend answered NotOwner) cuts the grant at its call", () => {
    const records: CallRecord[] = [
      ...acquired("a", "L", 1, 1_000),
      ...call("a", "apply", ["L", { _tag: "Release", holder: "a", token: 1 }], 1_099, 1_400, {
        atMs: 1_390,
        result: { _tag: "NotOwner", holder: "b", token: 2 },
      }),
      { kind: "reconnecting", process: "a", wallMs: 1_300 },
      ...acquired("b", "L", 2, 1_200),
    ];
    expect(checkLeaseHolders(history(records))).toEqual([]);
    expect(checkLeaseChaosHistory(history(records), LEASE, () => 0).every((r) => r.ok)).toBe(true);
    // without the reconnect, the NotOwner answer means a still held the lease when b was granted
    const noReconnect = records.filter((r) => r.kind !== "reconnecting");
    expect(checkLeaseHolders(history(noReconnect))).toHaveLength(1);
  });
});

describe("the injected bugs (bench/chaos/inject.ts)", () => {
  it("every --inject edit still applies to the shipped script it names (a renamed or changed script fails here, not at a run's start)", () => {
    for (const injection of INJECTIONS) {
      const scripts = buggyScripts(injection);
      expect(scripts.length > 0).toBe(injection !== "none");
      for (const [file, lua] of scripts) expect(lua).not.toBe(shippedScriptSource(file));
    }
    expect(buggyScripts("skip-token-check").map(([file]) => file)).toContain("lease-renew-1");
  });
});

describe("the lease-mode linearizability check and pending Acquires", () => {
  it("a pending Acquire granted unseen later than its call is explained by the time a later Busy reveals; a Busy no grant explains still fails", () => {
    const records: CallRecord[] = [
      // a's process is killed with its Acquire in flight: it ran 150 ms after the call (a delayed chunk)
      ...call("a", "apply", ["L", { _tag: "Acquire", holder: "a" }], 1_000, null),
      // b sees a's grant live until 2,150: at the call time (1,000) it would have expired at 2,000
      ...apply("b", "L", { _tag: "Acquire" }, 2_100, { _tag: "Busy", holder: "a", expiresAtMs: 2_150 }),
      ...acquired("b", "L", 2, 2_200, true),
    ];
    const results = checkLeaseChaosHistory(history(records), LEASE, () => 0);
    expect(results.map((r) => [r.name, r.ok, r.violations])).toEqual(results.map((r) => [r.name, true, []]));
    expect(results[0]!.notes[0]).toContain("1 linearizable only with a claim whose reply was lost");
    // a Busy naming a holder whose Acquire was never sent: no grant explains it
    const forged = records.map((r) =>
      r.kind === "call" && r.process === "a"
        ? { ...r, process: "c", args: ["M", { _tag: "Acquire", holder: "a" }] }
        : r,
    );
    expect(checkLeaseChaosHistory(history(forged), LEASE, () => 0)[0]!.ok).toBe(false);
  });
});

describe("the lease-mode linearizability check and resent Renews", () => {
  it("a Renew resent after a reconnect whose first run was later than its call is explained by the expiry a later Expired reveals", () => {
    const records: CallRecord[] = [
      ...acquired("a", "L", 1, 1_000),
      // sent at 1,500, first run at 1,586 (a delayed chunk: expiry 2,586), resent after a reconnect at 3,600
      ...call("a", "apply", ["L", { _tag: "Renew", holder: "a", token: 1 }], 1_500, 3_700, {
        atMs: 3_650,
        result: { _tag: "Expired", expiredAtMs: 2_586 },
      }),
      { kind: "reconnecting", process: "a", wallMs: 3_600 },
    ];
    const results = checkLeaseChaosHistory(history(records), LEASE, () => 0);
    expect(results.map((r) => [r.name, r.ok, r.violations])).toEqual(results.map((r) => [r.name, true, []]));
    // an expiry no run of the Renew explains (before its call) fails
    const early = records.map((r) =>
      r.kind === "return"
        ? { ...r, value: { atMs: 3_650, result: { _tag: "Expired", expiredAtMs: 2_400 } } }
        : r,
    );
    expect(checkLeaseChaosHistory(history(early), LEASE, () => 0)[0]!.ok).toBe(false);
  });
});
