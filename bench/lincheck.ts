/**
 * The linearizability checker's speed (`checkLinearizable`, packages/sim/src/lincheck/) on generated histories
 * of core machines: several processes each calling one op at a time, every op taking effect at an instant
 * between its call and its return (so the history is linearizable by construction), some calls never
 * returning; then the same history with one result flipped in the middle (not linearizable). Seeded, so every
 * run checks the same histories. Never part of `pnpm test`.
 *
 * Columns: machine, ops, processes, pending (calls with no return: each may take effect anywhere after its
 * call), overlap (the mean number of other completed ops each completed op overlaps in time), verdict, states memoised, and the median wall clock of `runs` checks in ms.
 */
import { ClaimQueue, Lease } from "@interleave/core";
import { checkLinearizable, type LinOperation, type LinSpec } from "@interleave/sim";
import { median } from "./support/measure.js";
import { prng } from "./support/prng.js";

export interface LincheckRow {
  readonly history: string;
  readonly ops: number;
  readonly processes: number;
  readonly pending: number;
  readonly overlap: number;
  readonly verdict: string;
  readonly states: number;
  readonly "median ms": number;
}

/** What a process of the generator decides: its next event at `atMs`, from what it saw last. */
type Decide<E, R> = (process: string, atMs: number, last: R | null, random: () => number) => E;

/**
 * Run `processes` clients against `machine` until `opsTotal` ops: each calls, takes effect 0–`spanMs` ms later
 * (the machine steps then, with `atMs` = that instant), returns 0–`spanMs` ms after that, thinks 0–`spanMs` ms.
 * A share `pendingRate` of the calls never return (they took effect; the client saw nothing and goes on).
 */
function generate<C, S, E, R>(
  spec: LinSpec<C, S, E, R>,
  decide: Decide<E, R>,
  processes: number,
  opsTotal: number,
  spanMs: number,
  seed: number,
  pendingRate: number,
): LinOperation<E>[] {
  const random = prng(seed);
  const span = () => Math.floor(random() * spanMs);
  let state = spec.machine.initial(spec.config);
  type Phase = { at: number; kind: "call" | "effect" | "return"; op: number };
  const phase: Phase[] = Array.from({ length: processes }, () => ({ at: span(), kind: "call", op: -1 }));
  const last: (R | null)[] = Array.from({ length: processes }, () => null);
  const ops: { process: string; input: E; output?: unknown; callMs: number; returnMs?: number | null }[] = [];
  const effectAt: number[] = [];
  let done = 0;
  while (done < opsTotal) {
    let p = 0;
    for (let i = 1; i < processes; i++) if (phase[i]!.at < phase[p]!.at) p = i;
    const now = phase[p]!;
    const name = `p${p}`;
    if (now.kind === "call") {
      const atMs = now.at + span();
      ops.push({ process: name, input: decide(name, atMs, last[p]!, random), callMs: now.at });
      effectAt.push(atMs);
      phase[p] = { at: atMs, kind: "effect", op: ops.length - 1 };
    } else if (now.kind === "effect") {
      const step = spec.machine.transition(state, ops[now.op]!.input);
      state = step.state;
      last[p] = step.result;
      ops[now.op]!.output = step.result;
      phase[p] = { at: now.at + span(), kind: "return", op: now.op };
    } else {
      const op = ops[now.op]!;
      if (random() < pendingRate) {
        op.returnMs = null;
        delete op.output;
      } else op.returnMs = now.at;
      done++;
      phase[p] = { at: now.at + span(), kind: "call", op: -1 };
    }
  }
  return ops.filter((op) => op.returnMs !== undefined);
}

const lease = { machine: Lease, config: { leaseTtlMs: 40 } };
const decideLease: Decide<Lease.Event, Lease.Result> = (holder, atMs, last, random) => {
  if (last?._tag === "Granted" || last?._tag === "Renewed") {
    const token = last._tag === "Granted" ? last.token : -1;
    if (token >= 0 || random() < 0.5) {
      return random() < 0.7
        ? { _tag: "Renew", holder, token: Math.max(token, 1), atMs }
        : { _tag: "Release", holder, token: Math.max(token, 1), atMs };
    }
  }
  return { _tag: "Acquire", holder, atMs };
};

const queueConfig = {
  leaseTtlMs: 40,
  heartbeatIntervalMs: 10,
  attemptsMax: 3,
  retryBackoffBaseMs: 5,
  retryBackoffCapMs: 20,
  claimBatchSizeMax: 1,
  itemCountMax: 8,
};
const queue = { machine: ClaimQueue, config: queueConfig };
const decideQueue: Decide<ClaimQueue.Event, ClaimQueue.Result> = (holder, atMs, last, random) => {
  if (last?._tag === "Claimed" && last.claims.length > 0 && random() < 0.9) {
    const { scope, token } = last.claims[0]!;
    return { _tag: "Ack", scope, token, atMs };
  }
  return random() < 0.5
    ? { _tag: "Enqueue", scope: `s${Math.floor(random() * 6)}`, atMs }
    : { _tag: "Claim", holder, batchSize: 1, atMs };
};

/** The mean number of other completed ops each completed op overlaps in time (ops are in call order). */
function overlapOf(ops: readonly LinOperation[]): number {
  const done = ops.filter((op) => op.returnMs != null);
  let pairs = 0;
  for (let i = 0; i < done.length; i++) {
    for (let j = i + 1; j < done.length && done[j]!.callMs <= done[i]!.returnMs!; j++) pairs++;
  }
  return Math.round((200 * pairs) / Math.max(1, done.length)) / 100;
}

/** The op in the middle that returned, its output replaced by a result of another tag. */
function flipMiddle<E>(
  ops: readonly LinOperation<E>[],
  other: (output: unknown) => unknown,
): LinOperation<E>[] {
  let i = Math.floor(ops.length / 2);
  while (ops[i]!.returnMs == null) i++;
  return ops.map((op, j) => (j === i ? { ...op, output: other(op.output) } : op));
}

function row<C, S, E, R>(
  name: string,
  spec: LinSpec<C, S, E, R>,
  ops: readonly LinOperation<E>[],
  processes: number,
  runs: number,
): LincheckRow {
  const times: number[] = [];
  let verdict = checkLinearizable(ops, spec);
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    verdict = checkLinearizable(ops, spec);
    times.push(performance.now() - start);
  }
  return {
    history: name,
    ops: ops.length,
    processes,
    pending: ops.filter((op) => op.returnMs == null).length,
    overlap: overlapOf(ops),
    verdict: verdict.verdict,
    states: verdict.states,
    "median ms": Math.round(median(times) * 10) / 10,
  };
}

/**
 * The table: Lease and ClaimQueue histories of 5 processes, 2,000 ops with 1% of the calls pending, linearizable
 * and with one result flipped in the middle; the flipped Lease history again without pending calls (each pending
 * call is concurrent with everything after it, which is what a failing search pays for); and, unless quick,
 * linearizable histories of 10,000 ops.
 */
export function benchLincheck({ quick }: { quick: boolean }): LincheckRow[] {
  const runs = quick ? 3 : 5;
  const rows: LincheckRow[] = [];
  const leaseOps = generate(lease, decideLease, 5, 2_000, 10, 19, 0.01);
  const flipLease = (o: unknown) =>
    (o as Lease.Result)._tag === "Busy"
      ? { _tag: "Granted", token: 1, expiresAtMs: 0, reclaimed: false }
      : { _tag: "Busy", holder: "nobody", expiresAtMs: 0 };
  rows.push(row("Lease", lease, leaseOps, 5, runs));
  rows.push(row("Lease, one result flipped", lease, flipMiddle(leaseOps, flipLease), 5, runs));
  const settled = generate(lease, decideLease, 5, 2_000, 10, 19, 0);
  rows.push(row("Lease, no pending, one flipped", lease, flipMiddle(settled, flipLease), 5, runs));
  const queueOps = generate(queue, decideQueue, 5, 2_000, 10, 19, 0.01);
  rows.push(row("ClaimQueue", queue, queueOps, 5, runs));
  rows.push(
    row(
      "ClaimQueue, one result flipped",
      queue,
      flipMiddle(queueOps, () => ({ _tag: "QueueFull" })),
      5,
      runs,
    ),
  );
  if (!quick) {
    rows.push(row("Lease", lease, generate(lease, decideLease, 5, 10_000, 10, 19, 0.01), 5, runs));
    rows.push(row("ClaimQueue", queue, generate(queue, decideQueue, 5, 10_000, 10, 19, 0.01), 5, runs));
  }
  return rows;
}
