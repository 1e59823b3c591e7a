// Mailbox service-instance processes and the history checker of the keyed mailbox on Redis (issue 8,
// "History check with several processes"). `startMailboxProcess` runs support/mailbox-child.ts as a separate
// Node process (one KeyedMailbox dispatcher loop with the fixture policy, one "cluster" per stack kept
// in a RedisFencedResource), so a test can SIGKILL, SIGSTOP and SIGCONT it. Every take / write / abort / end
// the child makes is appended as one JSON line to its records file, with the Redis server time (`TIME`, ms)
// and the order's fencing token. `checkMailboxHistory` lists the violations of the mailbox's properties.

import type { Mailbox as Core, FencedResource } from "@interleave/core";
import { type CallRecord, callRecords } from "./calls.js";
import { type Exit, killChildren, startChild } from "./child-process.js";
import { RICH_POLICY } from "./mailbox-policy.js";

export { KINDS } from "./mailbox-policy.js";

/** The mailbox config every instance and submitter uses: the fixture policy (support/mailbox-policy.ts). */
export const MAILBOX_CONFIG: Core.Config = {
  policy: RICH_POLICY,
  inFlightMax: 8,
  pendingPerKeyMax: 64,
  keylessPendingMax: 4,
  keyCountMax: 64,
};

/** What an order asks for: `version` (of a Replace or Patch); `stall` makes the handler outlive its lease. */
export interface OrderPayload {
  readonly version: number;
  readonly stall?: boolean;
}

/**
 * The state an order leaves its stack's cluster in: "replaced@<version>", "patched@<version>", "removed",
 * "resumed", "paused".
 */
export function desiredState(order: Core.Order): string {
  const payload = order.payload as OrderPayload | undefined;
  switch (order.kind) {
    case "Replace":
      return `replaced@${payload?.version ?? 0}`;
    case "Patch":
      return `patched@${payload?.version ?? 0}`;
    case "Remove":
      return "removed";
    case "Resume":
      return "resumed";
    default:
      return "paused";
  }
}

/** The fenced resource holding the cluster of stack `key`. */
export const clusterResource = (mailbox: string, key: string): string => `${mailbox}-cluster-${key}`;

/** The value the handler writes to the cluster: the order, and its final `state` or `"applying"` at `step`. */
export interface ClusterValue {
  readonly order: string;
  readonly state: string;
  readonly step: number;
}

/**
 * A service-instance process: Redis `url`, mailbox `name`, `instance` name, `inFlightMax` (this instance's
 * bound), `leaseTtlMs`, `heartbeatIntervalMs`, handler `steps` × `stepMs` (one fenced write per step, the
 * last one the final state), `recordsPath` (filled in by `startMailboxProcess`).
 */
export interface MailboxChildSpec {
  readonly url: string;
  readonly name: string;
  readonly instance: string;
  readonly inFlightMax: number;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly recordsPath: string;
}

/** A record of a mailbox process; `atMs` is Redis server time in ms. */
export type MailboxRecord =
  | { readonly kind: "ready"; readonly instance: string }
  | { readonly kind: "error"; readonly instance: string; readonly message: string }
  | {
      readonly kind: "take";
      readonly instance: string;
      readonly id: string;
      readonly key: string;
      readonly token: number;
      readonly atMs: number;
    }
  | {
      readonly kind: "write";
      readonly instance: string;
      readonly id: string;
      readonly key: string;
      readonly token: number;
      readonly step: number;
      /** Whether the write was made after the handler's signal fired (a late write). */
      readonly late: boolean;
      readonly result: FencedResource.Result;
    }
  | {
      readonly kind: "abort";
      readonly instance: string;
      readonly id: string;
      readonly token: number;
      readonly reason: string;
    }
  | {
      readonly kind: "end";
      readonly instance: string;
      readonly id: string;
      readonly key: string;
      readonly token: number;
      /** `lost`: the signal fired because the lease was lost; `cancelled`: because a later order cancelled it. */
      readonly outcome: "done" | "cancelled" | "lost" | "failed";
      readonly atMs: number;
    };

/** A running mailbox process. */
export interface MailboxProcess {
  readonly instance: string;
  readonly exited: Promise<Exit>;
  records(): MailboxRecord[];
  /** Its fenced writes, each recorded around its Redis call (support/calls.ts), and its reconnects. */
  calls(): CallRecord[];
  kill(signal: "SIGKILL" | "SIGSTOP" | "SIGCONT"): void;
  /** Graceful stop: the dispatcher loop finishes its running orders, then the process exits. */
  close(): Promise<void>;
  output(): string;
}

const CHILD = new URL("./mailbox-child.ts", import.meta.url);
const CALL_RECORD_KINDS = new Set<string>(["call", "return", "threw", "reconnecting"]);

/**
 * Starts a mailbox process for `spec` and resolves once its dispatcher loop runs.
 *
 * @throws when the process exits before it is ready (the message carries its output).
 */
export async function startMailboxProcess(
  spec: Omit<MailboxChildSpec, "recordsPath">,
): Promise<MailboxProcess> {
  const child = startChild<MailboxRecord | CallRecord>(`mailbox process ${spec.instance}`, CHILD, spec);
  await child.message("ready");
  const { exited, kill, close, output } = child;
  const records = () => child.records().filter((r): r is MailboxRecord => !CALL_RECORD_KINDS.has(r.kind));
  return {
    instance: spec.instance,
    exited,
    records,
    calls: () => callRecords(child.records()),
    kill,
    close,
    output,
  };
}

/** Kills (SIGCONT then SIGKILL) every mailbox process still running and removes their records; for `afterAll`. */
export const killMailboxProcesses = killChildren;

/** A submission made by the test, in submission order: the order and the mailbox's result. */
export interface Submission {
  readonly order: Core.Order;
  readonly result: Core.Result;
}

/**
 * The violations of the history's properties, one sentence each (empty when it is correct):
 * - "at most one order in flight per key": per key, ordered by fencing token, an order's interval [take,
 *   end] (server ms) ends no later than the next order's take; an order without an end (its instance was
 *   killed) or whose lease was lost (`lost`: the ids the test knows outlived their lease) is bounded by its
 *   lease instead and is skipped here — the fenced resource rejects its late writes;
 * - fencing tokens are unique and every take is of an accepted order, taken once;
 * - "per-key order respected except superseded orders": per key the taken orders, by token, are in
 *   submission order; an accepted order that was never taken was coalesced by a later one (`superseded` of
 *   its result); an order that ended `cancelled` was cancelled by a later one (`cancelled` of its result);
 *   an order that ended `lost` (its lease) is one of `lost`; an order of `orphanable` may also never have run
 *   (a take whose reply was lost in a Redis restart: see mailbox.faults.test.ts);
 * - "the final state per key equals the last order's desired state": `finals` maps each key to the value of
 *   its fenced cluster, which must be the final write of the key's last accepted order.
 */
export function checkMailboxHistory(
  submissions: readonly Submission[],
  records: readonly MailboxRecord[],
  finals: ReadonlyMap<string, string | null>,
  lost: ReadonlySet<string> = new Set(),
  orphanable: ReadonlySet<string> = new Set(),
): string[] {
  const violations: string[] = [];
  const index = new Map<string, number>();
  const accepted = new Map<string, Core.Order>();
  const superseded = new Set<string>();
  const cancelled = new Set<string>();
  const lastOfKey = new Map<string, Core.Order>();
  submissions.forEach(({ order, result }, i) => {
    index.set(order.id, i);
    if (result._tag !== "Accepted") return;
    accepted.set(order.id, order);
    for (const id of result.superseded) superseded.add(id);
    if (result.cancelled !== null) cancelled.add(result.cancelled);
    if (order.key !== null) lastOfKey.set(order.key, order);
  });
  const takes = records.filter((r) => r.kind === "take");
  const ends = new Map<string, Extract<MailboxRecord, { kind: "end" }>>();
  for (const r of records) if (r.kind === "end") ends.set(`${r.id}|${r.token}`, r);
  const tokens = new Set<number>();
  const taken = new Set<string>();
  const byKey = new Map<string, Extract<MailboxRecord, { kind: "take" }>[]>();
  for (const t of takes) {
    if (tokens.has(t.token)) violations.push(`fencing token ${t.token} was granted twice`);
    tokens.add(t.token);
    if (taken.has(t.id)) violations.push(`order ${t.id} was taken twice`);
    taken.add(t.id);
    if (!accepted.has(t.id)) violations.push(`order ${t.id} was taken but never accepted`);
    byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  }
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.token - b.token);
    for (let i = 0; i + 1 < list.length; i += 1) {
      const a = list[i]!;
      const b = list[i + 1]!;
      if ((index.get(a.id) ?? -1) > (index.get(b.id) ?? -1)) {
        violations.push(`key ${key}: order ${b.id} ran after ${a.id} but was submitted before it`);
      }
      const end = ends.get(`${a.id}|${a.token}`);
      if (end === undefined || lost.has(a.id)) continue;
      if (end.atMs > b.atMs) {
        violations.push(
          `key ${key}: order ${a.id} (token ${a.token}) was in flight until ${end.atMs} ms, after ${b.id} (token ${b.token}) was taken at ${b.atMs} ms`,
        );
      }
    }
  }
  for (const [id, order] of accepted) {
    if (!taken.has(id) && !superseded.has(id) && !orphanable.has(id)) {
      violations.push(`order ${id} (key ${order.key}) was accepted but neither run nor superseded`);
    }
  }
  for (const end of ends.values()) {
    if (end.outcome === "cancelled" && !cancelled.has(end.id)) {
      violations.push(`order ${end.id} ended cancelled but no later order cancelled it`);
    }
    if (end.outcome === "lost" && !lost.has(end.id)) {
      violations.push(`order ${end.id} lost its lease, which the test did not expect`);
    }
  }
  for (const [key, order] of lastOfKey) {
    const raw = finals.get(key) ?? null;
    const want: ClusterValue = { order: order.id, state: desiredState(order), step: -1 };
    let value: ClusterValue | null = null;
    try {
      value = raw === null ? null : (JSON.parse(raw) as ClusterValue);
    } catch {
      value = null;
    }
    if (value === null || value.order !== want.order || value.state !== want.state) {
      violations.push(
        `key ${key}: the cluster holds ${raw} but the last order ${order.id} wants ${want.state}`,
      );
    }
  }
  return violations;
}
