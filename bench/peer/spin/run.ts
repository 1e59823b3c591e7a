/**
 * SPIN side by side (`pnpm bench --only spin`): the lease as processes, in Promela (./lease.pml) under SPIN 6.5.2
 * and as an interleave model (scenarios/merge-gate/lease-processes.model.ts) under `checkStateSpace`, with and
 * without partial-order reduction, in one run. SPIN's side: `spin -a`, `cc -O2 -DSAFETY [-DNOREDUCE]` (compile
 * time not counted), `./pan -E` (no deadlock check: interleave has none) with bash's `time` around it for CPU
 * seconds; its states stored, transitions, elapsed, and memory (states, hash table, DFS stack) are parsed from
 * pan's report. interleave's side: the same instance, timed, then re-checked untimed for the peak heap with its
 * frontier (bench/statespace.ts `peakHeap`). When `spin` or a C compiler is missing, says so and returns no rows.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkStateSpace } from "@interleave/sim/statespace";
import {
  LEASE_PROCESSES_SPIN,
  leaseProcessesModel,
} from "../../../scenarios/merge-gate/lease-processes.model.js";
import { peakHeap } from "../../statespace.js";

const HERE = dirname(fileURLToPath(import.meta.url));

export interface SpinRow {
  readonly checker: string;
  readonly reduction: string;
  readonly states: number;
  readonly transitions: number;
  readonly "elapsed s": number;
  readonly "cpu s": number;
  readonly "states/s": number;
  readonly "states/cpu s": number;
  readonly "× SPIN POR states/s": number;
  readonly "× SPIN POR states/cpu s": number;
  readonly "B/state stored": number;
  readonly "B/state incl. frontier": number;
}

/** What pan printed: figures of one run (memory in bytes). */
export interface PanReport {
  readonly stateVectorBytes: number;
  readonly states: number;
  readonly transitions: number;
  readonly elapsedSeconds: number;
  readonly statesMemoryBytes: number;
  readonly hashTableBytes: number;
  readonly stackBytes: number;
  readonly totalBytes: number;
  readonly errors: number;
}

/** Parses pan's report (SPIN 6.5.2's wording); throws naming the first figure it cannot find. */
export function parsePan(text: string): PanReport {
  const num = (re: RegExp, what: string): number => {
    const m = re.exec(text);
    if (m === null) throw new Error(`pan's report has no ${what}:\n${text}`);
    return Number(m[1]);
  };
  const mb = (re: RegExp, what: string) => Math.round(num(re, what) * 1024 * 1024);
  return {
    stateVectorBytes: num(/State-vector (\d+) byte/, "state vector"),
    states: num(/(\d+) states, stored/, "states stored"),
    transitions: num(/(\d+) transitions \(= /, "transitions"),
    elapsedSeconds: num(/pan: elapsed time ([\d.e+]+) seconds/, "elapsed time"),
    statesMemoryBytes: mb(/([\d.]+)\s+actual memory usage for states/, "memory for states"),
    hashTableBytes: mb(/([\d.]+)\s+memory used for hash table/, "hash table memory"),
    stackBytes: mb(/([\d.]+)\s+memory used for DFS stack/, "DFS stack memory"),
    totalBytes: mb(/([\d.]+)\s+total actual memory usage/, "total memory"),
    errors: num(/errors: (\d+)/, "error count"),
  };
}

function found(command: string, args: readonly string[]): boolean {
  const r = spawnSync(command, args, { stdio: "ignore" });
  return r.error === undefined;
}

/** The C compiler to use (`cc`, else `gcc`), or null. */
function compiler(): string | null {
  for (const cc of ["cc", "gcc"]) if (found(cc, ["--version"])) return cc;
  return null;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
  }
  return `${r.stdout}${r.stderr}`;
}

/** SPIN's defines for the instance interleave checks (`LEASE_PROCESSES_SPIN`). */
function spinDefines(): string[] {
  const o = LEASE_PROCESSES_SPIN;
  return [`-DHORIZON=${(o.horizonMs ?? 8_000) / 1_000}`, `-DGRANTS=${o.grantsMax ?? 4}`];
}

/** Runs `./pan` under bash's `time`: pan's report and the CPU seconds (user + system). */
function pan(binary: string, cwd: string): { report: PanReport; cpuSeconds: number } {
  // -m: the DFS stack's depth (the search reaches under 1,000); pan warns when it is too small, and then the
  // search is incomplete, so that is an error here.
  const out = run("bash", ["-c", `TIMEFORMAT='cpu %U %S'; time ./${binary} -E -m100000 -w24`], cwd);
  if (out.includes("max search depth too small")) throw new Error(`pan: -m too small for lease.pml:\n${out}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(out);
  if (cpu === null) throw new Error(`no CPU time from bash's time:\n${out}`);
  return { report: parsePan(out), cpuSeconds: Number(cpu[1]) + Number(cpu[2]) };
}

/**
 * The side-by-side rows (SPIN with POR, interleave with ample sets, then both without reduction), or `null`
 * after printing why when `spin` or a C compiler is missing. The instance is fixed (`LEASE_PROCESSES_SPIN`) so
 * the rows stay comparable; `quick` skips the rows without reduction.
 */
export function benchSpin({ quick }: { quick: boolean }): SpinRow[] | null {
  const cc = compiler();
  if (!found("spin", ["-V"]) || cc === null) {
    console.log(
      `skipped: ${cc === null ? "no C compiler (cc or gcc)" : "no spin"} on PATH (Debian: apt-get install spin gcc)`,
    );
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "interleave-spin-"));
  try {
    copyFileSync(join(HERE, "lease.pml"), join(dir, "lease.pml"));
    run("spin", [...spinDefines(), "-a", "lease.pml"], dir);
    const modes = quick ? [true] : [true, false];
    for (const reduce of modes) {
      run(
        cc,
        ["-O2", "-DSAFETY", ...(reduce ? [] : ["-DNOREDUCE"]), "-o", reduce ? "pan" : "pan_nr", "pan.c"],
        dir,
      );
    }
    // interleave warm-up (JIT) on the registry's smaller instance.
    checkStateSpace(leaseProcessesModel());
    const rows: Omit<SpinRow, "× SPIN POR states/s" | "× SPIN POR states/cpu s">[] = [];
    for (const reduce of modes) {
      const { report, cpuSeconds } = pan(reduce ? "pan" : "pan_nr", dir);
      if (report.errors !== 0) throw new Error(`pan found ${report.errors} error(s) in lease.pml`);
      rows.push({
        checker: "SPIN 6.5.2 (DFS)",
        reduction: reduce ? "POR" : "none",
        states: report.states,
        transitions: report.transitions,
        "elapsed s": report.elapsedSeconds,
        "cpu s": Math.round(cpuSeconds * 100) / 100,
        "states/s": Math.round(report.states / report.elapsedSeconds),
        "states/cpu s": Math.round(report.states / cpuSeconds),
        "B/state stored": Math.round(report.statesMemoryBytes / report.states),
        "B/state incl. frontier": Math.round((report.statesMemoryBytes + report.stackBytes) / report.states),
      });
      const cpu0 = process.cpuUsage();
      const r = checkStateSpace(leaseProcessesModel(LEASE_PROCESSES_SPIN), {
        reduction: reduce,
        maxStates: 10_000_000,
      });
      const cpu = process.cpuUsage(cpu0);
      if (r._tag !== "Verified") throw new Error(`interleave: ${r._tag} on ${LEASE_PROCESSES_SPIN.name}`);
      const cpuSeconds2 = (cpu.user + cpu.system) / 1e6;
      const peak = peakHeap(() => leaseProcessesModel(LEASE_PROCESSES_SPIN), { reduction: reduce });
      rows.push({
        checker: "interleave (BFS)",
        reduction: reduce ? "ample sets" : "none",
        states: r.states,
        transitions: r.transitions,
        "elapsed s": Math.round(r.elapsedMs) / 1000,
        "cpu s": Math.round(cpuSeconds2 * 100) / 100,
        "states/s": r.statesPerSecond,
        "states/cpu s": Math.round(r.states / cpuSeconds2),
        "B/state stored": Math.round(r.bytesPerState),
        "B/state incl. frontier": Math.round((peak + r.bytesPerState * r.states) / r.states),
      });
    }
    const spinPor = rows[0]!;
    return rows.map((row) => ({
      ...row,
      "× SPIN POR states/s": Math.round((row["states/s"] / spinPor["states/s"]) * 100) / 100,
      "× SPIN POR states/cpu s": Math.round((row["states/cpu s"] / spinPor["states/cpu s"]) * 100) / 100,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
