// The summary of a chaos run (pure): operations and items, faults injected by kind, throughput and p50/p99
// latency of the recorded calls before, during and after the faults, and the checks' verdicts and times, as a
// Markdown table (printed, written to the output folder, pasted into docs/benchmarks.md).

import type { CallRecord } from "../../packages/runtime-redis/test/support/calls.js";
import type { CheckResult } from "./check.js";

/** The run's phases on the host clock (ms): faults ran in [faultsFromMs, faultsUntilMs]. */
export interface Phases {
  readonly startMs: number;
  readonly faultsFromMs: number;
  readonly faultsUntilMs: number;
  readonly endMs: number;
}

/**
 * A phase's figures: calls that returned, per second; acks that deleted an item (lease mode: lease grants; mailbox
 * mode: orders completed), per second; latency (ms).
 */
export interface PhaseFigures {
  readonly phase: string;
  readonly seconds: number;
  readonly calls: number;
  readonly callsPerS: number;
  readonly acksPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The figures of each phase, by the calls' start times. */
export function phaseFigures(records: readonly CallRecord[], phases: Phases): PhaseFigures[] {
  const calls = new Map<string, number>();
  const bounds: [string, number, number][] = [
    ["before faults", phases.startMs, phases.faultsFromMs],
    ["during faults", phases.faultsFromMs, phases.faultsUntilMs],
    ["after faults (+ drain)", phases.faultsUntilMs, phases.endMs],
  ];
  const latencies = bounds.map(() => [] as number[]);
  const acks = bounds.map(() => 0);
  const phaseOf = (ms: number) => bounds.findIndex(([, from, until]) => ms >= from && ms < until);
  for (const r of records) {
    if (r.kind === "call") calls.set(r.id, r.callMs);
    if (r.kind !== "return") continue;
    const callMs = calls.get(r.id);
    if (callMs === undefined) continue;
    const i = phaseOf(callMs);
    if (i < 0) continue;
    latencies[i]!.push(r.returnMs - callMs);
    const v = r.value as {
      result?: { _tag?: string; owned?: boolean };
      ack?: { result?: { owned?: boolean } };
      acks?: readonly { result?: { owned?: boolean } }[];
    };
    // a Worker's batched ackManyAndClaim: each owned ack counts
    if (Array.isArray(v?.acks)) acks[i]! += v.acks.filter((a) => a.result?.owned === true).length;
    else if (
      (v?.result?._tag === "Acked" && v.result.owned === true) ||
      v?.ack?.result?.owned === true ||
      v?.result?._tag === "Granted" ||
      (Array.isArray(v) && v[1] === "Completed")
    )
      acks[i]!++;
  }
  return bounds.map(([phase, from, until], i) => {
    const seconds = Math.max(0.001, (until - from) / 1_000);
    const sorted = latencies[i]!.sort((a, b) => a - b);
    return {
      phase,
      seconds,
      calls: sorted.length,
      callsPerS: sorted.length / seconds,
      acksPerS: acks[i]! / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    };
  });
}

/** What the table shows besides the phases. */
export interface RunFigures {
  readonly command: string;
  readonly seed: number;
  readonly processes: number;
  readonly workers: number;
  readonly items: number;
  readonly enqueues: number;
  readonly calls: number;
  readonly pendingCalls: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly phases: readonly PhaseFigures[];
  readonly checks: readonly CheckResult[];
  readonly wallS: number;
  /** Lease mode: the lease names contended for and the grants made (`Granted` replies). */
  readonly lease?: { readonly names: number; readonly grants: number };
  /** Mailbox mode: the keys and the orders submitted and accepted. */
  readonly mailbox?: { readonly keys: number; readonly accepted: number };
}

const fmt = (n: number, digits = 0) =>
  Number.isNaN(n)
    ? "—"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The summary as Markdown: a run table, a phase table, a checks table. */
export function renderSummary(f: RunFigures): string {
  const lines: string[] = [];
  lines.push(`\`${f.command}\` (seed ${f.seed})`, "");
  lines.push("| run | |", "| --- | --- |");
  lines.push(`| processes × workers | ${f.processes} × ${f.workers} |`);
  if (f.lease !== undefined)
    lines.push(`| lease names / grants | ${fmt(f.lease.names)} / ${fmt(f.lease.grants)} |`);
  else if (f.mailbox !== undefined)
    lines.push(
      `| keys / orders submitted / accepted | ${fmt(f.mailbox.keys)} / ${fmt(f.items)} / ${fmt(f.mailbox.accepted)} |`,
    );
  else lines.push(`| items (scopes) / acknowledged enqueues | ${fmt(f.items)} / ${fmt(f.enqueues)} |`);
  lines.push(`| operations recorded (pending: no reply) | ${fmt(f.calls)} (${fmt(f.pendingCalls)}) |`);
  const faults = Object.entries(f.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  lines.push(`| faults injected | ${faults === "" ? "none" : faults} |`);
  lines.push(`| wall time | ${fmt(f.wallS, 1)} s |`, "");
  lines.push(
    `| phase | s | calls | calls/s | ${f.lease !== undefined ? "grants/s" : f.mailbox !== undefined ? "completed/s" : "acks/s"} | p50 ms | p99 ms |`,
    "| --- | --: | --: | --: | --: | --: | --: |",
  );
  for (const p of f.phases) {
    lines.push(
      `| ${p.phase} | ${fmt(p.seconds, 1)} | ${fmt(p.calls)} | ${fmt(p.callsPerS)} | ${fmt(p.acksPerS)} | ${fmt(p.p50Ms)} | ${fmt(p.p99Ms)} |`,
    );
  }
  lines.push("", "| check | result | time |", "| --- | --- | --: |");
  for (const c of f.checks) {
    const result = c.ok ? "pass" : `FAIL (${c.violations.length})`;
    lines.push(`| ${c.name} | ${result} | ${fmt(c.elapsedMs)} ms |`);
  }
  return lines.join("\n");
}
