// The files and the printed report of a chaos run: `history.jsonl` (a `meta` line, one `fault` line per fault as
// carried out, then every call record of every process), the two projections (claim queue or, in lease mode,
// `lease.history.jsonl`, none in mailbox mode; and the fenced store) in the interleave-history format
// (docs/linearizability.md; `fenced.history.jsonl` replays with `pnpm lincheck <file> --partition-by resource`),
// and `summary.md` (the table of summary.ts and each check's notes, violations and smallest failing window).
// `readHistory` reads a history.jsonl back for `pnpm chaos --check`.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatHistory } from "@interleave/sim";
import type { CallRecord } from "../../packages/runtime-redis/test/support/calls.js";
import { claimQueueOps, fencedOps, leaseOps } from "../../packages/runtime-redis/test/support/lincheck.js";
import { type ChaosHistory, checkChaosHistory, epochsOf, type LossyRestart } from "./check.js";
import { checkLeaseChaosHistory } from "./check-lease.js";
import { checkMailboxChaosHistory } from "./check-mailbox.js";
import type { FaultEvent } from "./nemesis.js";
import type { RunOptions } from "./spec.js";
import { CHAOS_LEASE_CONFIG } from "./spec.js";
import { phaseFigures, renderSummary } from "./summary.js";

/** The first line of history.jsonl. Times: host ms. */
export interface RunMeta {
  readonly kind: "meta";
  readonly command: string;
  readonly seed: number;
  readonly options: RunOptions;
  readonly runStartMs: number;
  /** When the producer and the nemesis started. */
  readonly startMs: number;
  readonly endMs: number;
  /** Acknowledged enqueues (`Enqueued`). */
  readonly enqueued: number;
  /** "p1.0 +2209 s": each skewed process start and its clock offset. */
  readonly skews: readonly string[];
  readonly lossyRestarts: readonly LossyRestart[];
  /** Scopes still holding an item after the drain. */
  readonly finalItems: readonly string[];
}

/** Writes history.jsonl and the two projections to `out`. */
export function writeHistory(
  out: string,
  meta: RunMeta,
  faults: readonly FaultEvent[],
  records: readonly CallRecord[],
): void {
  const lines = [meta, ...faults.map((f) => ({ ...f, kind: "fault", fault: f.kind })), ...records];
  writeFileSync(join(out, "history.jsonl"), `${lines.map((r) => JSON.stringify(r)).join("\n")}\n`);
  // the last epoch (the whole run unless a Redis restart lost the data)
  const epoch = epochsOf(meta.lossyRestarts).at(-1)!;
  writeFileSync(
    join(out, "fenced.history.jsonl"),
    formatHistory({
      header: { format: "interleave-history", version: 1, machine: "FencedResource" },
      ops: fencedOps(records, epoch) as never,
    }),
  );
  if (meta.options.machine === "mailbox") return;
  if (meta.options.machine === "lease") {
    writeFileSync(
      join(out, "lease.history.jsonl"),
      formatHistory({
        header: {
          format: "interleave-history",
          version: 1,
          machine: "Lease",
          config: { leaseTtlMs: CHAOS_LEASE_CONFIG.leaseTtlMs },
        },
        ops: leaseOps(records, epoch) as never,
      }),
    );
    return;
  }
  writeFileSync(
    join(out, "claim-queue.history.jsonl"),
    formatHistory({
      header: {
        format: "interleave-history",
        version: 1,
        machine: "ClaimQueueItem",
        config: meta.options.config,
      },
      ops: claimQueueOps(records, epoch) as never,
    }),
  );
}

/**
 * Reads a history.jsonl written by {@link writeHistory}.
 *
 * @throws an `Error` (one line) when the file cannot be read or is not a chaos history.
 */
export function readHistory(path: string): { meta: RunMeta; faults: FaultEvent[]; records: CallRecord[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lines = text.split("\n").filter((l) => l !== "");
  let parsed: { kind?: string; fault?: string }[];
  try {
    parsed = lines.map((l) => JSON.parse(l) as { kind?: string });
  } catch {
    throw new Error("not a chaos history (a line is not JSON)");
  }
  const meta = parsed[0] as RunMeta | undefined;
  if (meta?.kind !== "meta" || meta.options === undefined)
    throw new Error("not a chaos history (no meta line first)");
  const faults = parsed
    .filter((r) => r.kind === "fault")
    .map((r) => ({ ...(r as unknown as FaultEvent), kind: r.fault ?? "" }));
  const records = parsed.filter((r): r is CallRecord =>
    ["call", "return", "threw", "reconnecting"].includes(r.kind ?? ""),
  );
  return { meta, faults, records };
}

/**
 * Runs the checks on `records`, prints the summary, the checks' notes and any failure with its smallest failing
 * window, and writes summary.md to `out` (unless null). Returns whether every check passed.
 */
export function checkAndReport(
  meta: RunMeta,
  faults: readonly FaultEvent[],
  records: readonly CallRecord[],
  out: string | null,
): boolean {
  const calls = records.filter((r) => r.kind === "call").length;
  console.log(`checking ${calls} calls…`);
  const history: ChaosHistory = {
    records,
    lossyRestarts: meta.lossyRestarts,
    finalItems: meta.finalItems,
    config: meta.options.config,
    startMs: meta.startMs,
  };
  const checks =
    meta.options.machine === "lease"
      ? checkLeaseChaosHistory(history, { leaseTtlMs: CHAOS_LEASE_CONFIG.leaseTtlMs }, () =>
          performance.now(),
        )
      : meta.options.machine === "mailbox"
        ? checkMailboxChaosHistory(history, () => performance.now())
        : checkChaosHistory(history, () => performance.now());
  const done = faults.filter((f) => !f.detail.startsWith("skipped"));
  const faultCounts: Record<string, number> = {};
  for (const f of done) faultCounts[f.kind] = (faultCounts[f.kind] ?? 0) + 1;
  if (meta.skews.length > 0) faultCounts["clock skew (process starts)"] = meta.skews.length;
  const phases = {
    startMs: meta.startMs,
    faultsFromMs: done.length === 0 ? meta.endMs : Math.min(...done.map((f) => f.startMs)),
    faultsUntilMs: done.length === 0 ? meta.endMs : Math.max(...done.map((f) => f.endMs)),
    endMs: meta.endMs,
  };
  const summary = renderSummary({
    command: meta.command,
    seed: meta.seed,
    processes: meta.options.processes,
    workers: meta.options.workers,
    items: meta.options.items,
    enqueues: meta.enqueued,
    calls,
    pendingCalls: calls - records.filter((r) => r.kind === "return").length,
    faults: faultCounts,
    phases: phaseFigures(records, phases),
    checks,
    wallS: (meta.endMs - meta.runStartMs) / 1_000,
    ...(meta.options.machine === "lease"
      ? {
          lease: {
            names: meta.options.leases,
            grants: records.filter(
              (r) =>
                r.kind === "return" &&
                (r.value as { result?: { _tag?: string } })?.result?._tag === "Granted",
            ).length,
          },
        }
      : {}),
    ...(meta.options.machine === "mailbox"
      ? { mailbox: { keys: meta.options.keys, accepted: meta.enqueued } }
      : {}),
  });
  const failed = checks.filter((c) => !c.ok);
  const details = [
    ...checks.flatMap((c) => c.notes.map((n) => `${c.name}: ${n}`)),
    ...(meta.skews.length === 0 ? [] : [`client clocks skewed: ${meta.skews.join(", ")}`]),
    ...failed.flatMap((c) => [
      "",
      `FAILED: ${c.name}`,
      ...c.violations.slice(0, 10).map((v) => `  ${v}`),
      ...(c.violations.length > 10 ? [`  … and ${c.violations.length - 10} more`] : []),
      ...(c.window === null ? [] : ["smallest failing window:", c.window]),
    ]),
  ].join("\n");
  if (out !== null) writeFileSync(join(out, "summary.md"), `${summary}\n\n${details}\n`);
  console.log(`\n${summary}\n\n${details}\n`);
  if (out !== null)
    console.log(`history: ${join(out, "history.jsonl")}; summary: ${join(out, "summary.md")}`);
  console.log(failed.length === 0 ? "chaos: every check passed" : `chaos: ${failed.length} check(s) FAILED`);
  return failed.length === 0;
}
