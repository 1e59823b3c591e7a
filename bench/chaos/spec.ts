// The options of a chaos run (`pnpm chaos`) and of its worker processes, and their validation: pure (no I/O), so
// a bad flag is a one-line error before anything starts or is written.

import type { ClaimQueue as Core, Mailbox } from "@interleave/core";
import { RICH_POLICY } from "../../packages/runtime-redis/test/support/mailbox-policy.js";
import { INJECTIONS, type Injection } from "./inject.js";

/** The fault kinds the nemesis injects (docs/chaos.md). */
export const FAULT_KINDS = ["kill", "stop", "redis-restart", "drop", "latency", "skew"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The runtime object a chaos run drives (`--machine`): the claim queue (its Workers), or the lease manager
 * (contended acquire / fenced writes / renew / release loops), or the keyed mailbox (a producer submits orders over
 * `--keys` keys; each process runs one dispatcher whose handlers write a fenced resource per key).
 */
export const MACHINES = ["claim-queue", "lease", "mailbox"] as const;
export type Machine = (typeof MACHINES)[number];

/** A validated run. Durations in ms. */
export interface RunOptions {
  /** What the worker processes run (absent in histories recorded before `--machine`: the claim queue). */
  readonly machine: Machine;
  /** Lease mode: how many lease names the workers contend for. */
  readonly leases: number;
  /** Mailbox mode: how many keys the orders are spread over. */
  readonly keys: number;
  readonly processes: number;
  readonly workers: number;
  readonly items: number;
  /** Share of the items enqueued a second time at a later moment (often while claimed). */
  readonly reenqueueShare: number;
  /** How long the producer spreads its enqueues and the nemesis injects faults; then the queue drains. */
  readonly durationMs: number;
  readonly seed: number;
  readonly aof: boolean;
  readonly faults: readonly FaultKind[];
  readonly inject: Injection;
  /** The folder the history and the summary are written to (created; must not hold a previous run's files). */
  readonly out: string;
  readonly config: Core.ResolvedConfig;
}

/** What a worker process is told (JSON in its argv). */
export interface ChildSpec {
  /** The process name, unique per start (`p2.1`: process 2, first restart); holders are `<name>-w<k>`. */
  readonly name: string;
  readonly machine: Machine;
  /** Lease mode: the lease names are `lease-0` … `lease-<leases - 1>`; the lease config. */
  readonly leases: number;
  readonly keys: number;
  readonly lease: { readonly leaseTtlMs: number; readonly heartbeatIntervalMs: number };
  /** The Redis URL the process connects to (the chaos proxy). */
  readonly url: string;
  readonly queue: string;
  readonly config: Core.ResolvedConfig;
  readonly workers: number;
  readonly pollIntervalMs: number;
  /** A handler sleeps between its two fenced writes for a time in this range (ms), fixed by scope and token. */
  readonly handlerMs: readonly [number, number];
  /** A scope `…<i>` with `i % longEvery === 3` sleeps in `longHandlerMs` instead (heartbeats keep its claim). */
  readonly longEvery: number;
  readonly longHandlerMs: readonly [number, number];
  /** A scope `…<i>` fails (dead letter) when `i % failEvery === 0`; retries once when `i % retryOnceEvery === 0`. */
  readonly failEvery: number;
  readonly retryOnceEvery: number;
  /** The client clock's offset from the host's, ms (0: none). */
  readonly clockSkewMs: number;
  readonly inject: Injection;
  readonly recordsPath: string;
}

/** The claim-queue config of a chaos run: a 1 s lease so pauses and lost heartbeats expire claims within a run. */
export const CHAOS_QUEUE_CONFIG: Core.ResolvedConfig = {
  leaseTtlMs: 1_000,
  heartbeatIntervalMs: 250,
  attemptsMax: 3,
  retryBackoffBaseMs: 20,
  retryBackoffCapMs: 200,
  claimBatchSizeMax: 8,
  itemCountMax: 200_000,
};

/** The lease config of a lease-mode run: the claim queue's lease and heartbeat. */
export const CHAOS_LEASE_CONFIG = { leaseTtlMs: 1_000, heartbeatIntervalMs: 250 } as const;

/** The mailbox of a mailbox-mode run. */
export const MAILBOX_NAME = "chaos-mb";

/**
 * The mailbox config of a mailbox-mode run: the runtime tests' fixture policy (every supersession cell: queue,
 * cancel, cancel+coalesce, coalesce, drop; packages/runtime-redis/test/support/mailbox-policy.ts), room for 64
 * orders in flight in all, 16 pending per key, up to 1,000 keys.
 */
export const CHAOS_MAILBOX_CONFIG: Mailbox.Config = {
  policy: RICH_POLICY,
  inFlightMax: 64,
  pendingPerKeyMax: 16,
  keylessPendingMax: 4,
  keyCountMax: 1_000,
};

/** The raw flags as `node:util` `parseArgs` gives them. */
export interface RawFlags {
  readonly machine?: string | undefined;
  readonly leases?: string | undefined;
  readonly keys?: string | undefined;
  readonly processes?: string | undefined;
  readonly workers?: string | undefined;
  readonly items?: string | undefined;
  readonly reenqueue?: string | undefined;
  readonly duration?: string | undefined;
  readonly seed?: string | undefined;
  readonly aof?: string | undefined;
  readonly faults?: string | undefined;
  readonly inject?: string | undefined;
  readonly out?: string | undefined;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} ${raw}: expected an integer in [${min}, ${max}]`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, raw: string, known: readonly T[]): T {
  if (!(known as readonly string[]).includes(raw)) {
    throw new Error(`--${flag} ${raw}: unknown value; known: ${known.join(", ")}`);
  }
  return raw as T;
}

/**
 * The run `flags` ask for, with the defaults (the claim queue, 32 lease names in lease mode, 200 keys in mailbox mode, 4 processes × 16 workers, 10,000 items, 30 % re-enqueued, 60 s,
 * AOF on, every fault kind, no injected bug); `randomSeed` when no `--seed` is given; `defaultOut` when no
 * `--out`.
 *
 * @throws an `Error` with one line naming the flag and what it expects, for any bad value.
 */
export function parseRunOptions(flags: RawFlags, randomSeed: number, defaultOut: string): RunOptions {
  const share = flags.reenqueue === undefined ? 0.3 : Number(flags.reenqueue);
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new Error(`--reenqueue ${flags.reenqueue}: expected a share in [0, 1]`);
  }
  const duration = flags.duration ?? "60";
  const durationS = Number(duration.replace(/s$/, ""));
  if (!/^\d+(\.\d+)?s?$/.test(duration) || !(durationS >= 5 && durationS <= 3_600)) {
    throw new Error(`--duration ${duration}: expected seconds in [5, 3600], e.g. 60 or 60s`);
  }
  const faults =
    flags.faults === undefined
      ? [...FAULT_KINDS]
      : flags.faults === "none"
        ? []
        : flags.faults.split(",").map((f) => oneOf("faults", f.trim(), FAULT_KINDS));
  const aof = oneOf("aof", flags.aof ?? "on", ["on", "off"]) === "on";
  if (flags.out !== undefined && flags.out.trim() === "") throw new Error("--out: expected a folder path");
  const machine = oneOf("machine", flags.machine ?? "claim-queue", MACHINES);
  if (machine === "mailbox" && !aof) {
    // a restart that loses the mailbox's config leaves its dispatchers polling a mailbox that is gone
    throw new Error("--aof off: not with --machine mailbox (use claim-queue or lease)");
  }
  return {
    machine,
    leases: integer("leases", flags.leases, 32, 1, 10_000),
    keys: integer("keys", flags.keys, 200, 1, CHAOS_MAILBOX_CONFIG.keyCountMax),
    processes: integer("processes", flags.processes, 4, 1, 64),
    workers: integer("workers", flags.workers, 16, 1, 256),
    items: integer("items", flags.items, 10_000, 1, 1_000_000),
    reenqueueShare: share,
    durationMs: Math.round(durationS * 1_000),
    seed: integer("seed", flags.seed, randomSeed, 0, 2 ** 32 - 1),
    aof,
    faults: [...new Set(faults)],
    inject: oneOf("inject", flags.inject ?? "none", INJECTIONS),
    out: flags.out ?? defaultOut,
    config: CHAOS_QUEUE_CONFIG,
  };
}
