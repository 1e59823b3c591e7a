// What the instance and the submit CLI share: the mailbox config (seed 003's membership policy, the very object
// the scenario and its explicit-state model verify),
// the order payload, the "cluster" value kept per stack, and command-line parsing.

import type { Mailbox } from "@interleave/core";
import { membershipPolicy } from "@interleave/scenarios/membership-orders/policy";

/** The mailbox both instances and the submitter open: per stack one order in flight, FIFO, seed 003's matrix. */
export const CONFIG: Mailbox.Config = {
  policy: membershipPolicy,
  inFlightMax: 8,
  pendingPerKeyMax: 32,
  keylessPendingMax: 4,
  keyCountMax: 1000,
};

/** The lease of a running order, ms: an instance that dies holds its order this long at most. Every instance
 * and the submitter must open the mailbox with the same value (it is stored with the config). */
export const LEASE_TTL_MS = 5000;

/** The membership order kinds (seed 003). */
export const KINDS = ["ExistingStack", "DeletedStack", "EnabledStack", "DisabledStack"] as const;
export type Kind = (typeof KINDS)[number];

/** An order's payload: for an ExistingStack snapshot, the stack's members. */
export interface OrderPayload {
  readonly members?: readonly string[];
}

/**
 * The "cluster" of one stack, stored as JSON in a RedisFencedResource: whether the stack exists, is enabled,
 * its members, the order that last wrote it, and the sub-syncs that order has applied so far.
 */
export interface ClusterValue {
  readonly stack: string;
  readonly exists: boolean;
  readonly enabled: boolean;
  readonly members: readonly string[];
  readonly order: string;
  readonly applied: readonly string[];
}

/** The fenced resource holding stack `stack`'s cluster. */
export const clusterResource = (stack: string): string => `membership-cluster-${stack}`;

/** `--flag value` pairs of `argv` (and the positional rest). */
export function parseArgs(argv: readonly string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      flags.set(arg.slice(2), argv[i + 1] ?? "");
      i += 1;
    } else rest.push(arg);
  }
  return { flags, rest };
}

/** The Redis URL: `--redis`, else `REDIS_URL`, else `redis://127.0.0.1:6379`. */
export const redisUrl = (flags: Map<string, string>): string =>
  flags.get("redis") ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
