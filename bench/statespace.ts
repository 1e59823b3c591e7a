/**
 * Explicit-state throughput: breadth-first checking (`checkStateSpace`) of the shipped lease and
 * claim-queue models at over a million distinct states each, one core, with the memory each stored state
 * costs. A synthetic row (a numeric model whose successor is two multiplications) shows what the checker
 * itself costs per state, so the machine rows can be read as "checker + model". Never part of `pnpm test`.
 *
 * Columns: distinct states, transitions (enabled state × input pairs, self-loops included), depth, wall
 * clock, distinct states/s, distinct states per second of the process's CPU time (user + system, every
 * thread, so the collector's helpers count: robust on a shared machine), transitions/s, bytes per state of
 * the visited set and parent pointers (the structures that grow with the state count), the most states
 * held at once (two BFS levels) and the bytes per state of the typed arrays holding them packed (the
 * models' `encoding`; 0 for objects), and the peak live memory over the check, in all and per state: the
 * visited set, parent pointers and packed frontier (typed arrays) plus the JS heap's peak growth, measured
 * in a second, untimed run that collects garbage after every BFS level (`onLevel`) and reads the heap
 * while the frontier is live — so it counts object frontiers and the model's transition cache too.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type CheckResult, checkStateSpace, type StateSpaceModel } from "@interleave/sim/statespace";
import { CLAIM_QUEUE_LARGE, claimQueueModel } from "../scenarios/heartbeat-vs-ack/claim-queue.model.js";
import { LEASE_LARGE, leaseModel } from "../scenarios/merge-gate/lease.model.js";

export interface StateSpaceRow {
  readonly model: string;
  readonly verdict: string;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly "elapsed ms": number;
  readonly "states/s": number;
  readonly "states/CPU-s": number;
  readonly "transitions/s": number;
  readonly "bytes/state": number;
  readonly "frontier max": number;
  readonly "frontier B/state": number;
  readonly "peak memory MB": number;
  readonly "peak memory B/state": number;
}

/**
 * A numeric model with `size` states `0..size-1` and seven inputs per state, whose successors are spread
 * over the whole range (`(s · 48271 + i · 7919) mod size`): every fingerprint lookup is a cache miss, as
 * in a real model, but the model itself costs almost nothing.
 */
function ceilingModel(size: number): StateSpaceModel<number, number> {
  const inputs = [1, 2, 3, 4, 5, 6, 7];
  return {
    name: `ceiling (numeric, ${inputs.length} inputs/state)`,
    initial: 0,
    inputs: () => inputs,
    next: (s, i) => (s * 48271 + i * 7919) % size,
    invariants: [{ name: "every state is in range", holds: (s) => s >= 0 && s < size }],
    key: (s) => s,
  };
}

/** The garbage collector, exposed at run time when node was not started with `--expose-gc`. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * The JS heap's growth (bytes) at its highest over a check of a fresh model, sampled after a collection
 * at the end of each level, while that level and the next are live (the frontier, the model's cache). The
 * checker's typed arrays live outside the JS heap; their size is in the result's `bytesPerState`.
 */
export function peakHeap<S, I>(
  build: () => StateSpaceModel<S, I>,
  options: { readonly reduction?: boolean } = {},
): number {
  const gc = collector();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  checkStateSpace(build(), {
    ...options,
    maxStates: 10_000_000,
    onLevel: () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    },
  });
  return peak;
}

function measure<S, I>(build: () => StateSpaceModel<S, I>): StateSpaceRow {
  const model = build();
  const cpu0 = process.cpuUsage();
  const r: CheckResult<S> = checkStateSpace(model, { maxStates: 10_000_000 });
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const seconds = r.elapsedMs / 1000;
  const peak = peakHeap(build) + r.bytesPerState * r.states + r.frontierBytesMax;
  return {
    model: model.name,
    verdict: r._tag === "Violation" ? `violation: ${r.invariant}` : r._tag,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    "elapsed ms": Math.round(r.elapsedMs),
    "states/s": r.statesPerSecond,
    "states/CPU-s": Math.round(r.states / cpuSeconds),
    "transitions/s": Math.round(r.transitions / seconds),
    "bytes/state": r.bytesPerState,
    "frontier max": r.frontierMax,
    "frontier B/state": Math.round((r.frontierBytesMax / r.states) * 10) / 10,
    "peak memory MB": Math.round(peak / 1e6),
    "peak memory B/state": Math.round(peak / r.states),
  };
}

/**
 * Checks the lease and claim-queue models breadth-first and returns one row each, plus the checker's
 * ceiling. `quick`: the CLI-sized instances (about 0.1 million states each) instead of the
 * million-state ones (`LEASE_LARGE`, `CLAIM_QUEUE_LARGE`). A small warm-up run precedes the measurements;
 * each model is then checked twice (timed, then sampled for memory), so the whole takes about a minute.
 */
export async function benchStateSpace({ quick }: { quick: boolean }): Promise<StateSpaceRow[]> {
  checkStateSpace(leaseModel({ holders: 2, horizonMs: 8_000, grantsMax: 4 }));
  checkStateSpace(claimQueueModel({ horizonMs: 4_000, claimsMax: 3, enqueuesMax: 2 }));
  return [
    measure(() => (quick ? leaseModel() : leaseModel(LEASE_LARGE))),
    measure(() => (quick ? claimQueueModel() : claimQueueModel(CLAIM_QUEUE_LARGE))),
    measure(() => ceilingModel(quick ? 200_000 : 1_200_000)),
  ];
}
