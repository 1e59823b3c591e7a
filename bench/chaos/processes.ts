// The worker processes of a chaos run: each start of process i is a new Node process (`p<i>.<start>`) running
// bench/chaos/child.ts with its own records file in the run's output folder; the nemesis SIGKILLs, SIGSTOPs and
// SIGCONTs them, and a killed one is started again under a new name. Starting Node with tsx and loading the
// runtime takes seconds on a loaded machine, so one spare process is kept loaded and idle: a start hands it its
// spec over IPC (the restart then takes the time the nemesis chose, not the loader's) and spawns the next spare.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildSpec } from "./spec.js";

const CHILD = new URL("./child.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** One start of a worker process. */
export interface ChaosChild {
  readonly name: string;
  readonly recordsPath: string;
  readonly exited: Promise<void>;
  /** Whether it runs and has not been sent SIGKILL. */
  alive(): boolean;
  /** Sends `signal` (after SIGKILL, `alive()` is false at once, before the exit is seen). */
  signal(signal: "SIGKILL" | "SIGSTOP" | "SIGCONT"): void;
  /** Asks it over IPC to close its workers (they give their claims back) and exit. */
  close(): void;
  output(): string;
}

/** A loaded, idle process waiting for its spec. */
interface Spare {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  readonly loaded: Promise<void>;
  output(): string;
}

function spawnSpare(): Spare {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=source", CHILD], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    cwd: ROOT,
  });
  proc.on("error", () => {}); // a signal to a process that already exited
  let output = "";
  const append = (d: Buffer) => {
    output += d.toString();
  };
  proc.stdout?.on("data", append);
  proc.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const loaded = new Promise<void>((resolve, reject) => {
    proc.on("message", (m: { type?: string }) => {
      if (m.type === "spare") resolve();
    });
    void exited.then(() => reject(new Error(`a worker process exited while loading:\n${output}`)));
  });
  loaded.catch(() => {});
  return { proc, exited, loaded, output: () => output };
}

/** Starts worker processes from a pool with one spare kept loaded. */
export class ChaosProcesses {
  private spare: Spare | null = null;
  private readonly all: ChildProcess[] = [];

  constructor(private readonly recordsDir: string) {}

  /**
   * Starts a worker process for `spec` (its records in `<recordsDir>/<name>.jsonl`) and resolves once its
   * workers run.
   *
   * @throws when it exits first (with its output).
   */
  async start(spec: Omit<ChildSpec, "recordsPath">): Promise<ChaosChild> {
    const spare = this.spare ?? spawnSpare();
    this.all.push(spare.proc);
    this.spare = spawnSpare();
    this.all.push(this.spare.proc);
    const { proc, exited } = spare;
    await spare.loaded;
    const recordsPath = join(this.recordsDir, `${spec.name}.jsonl`);
    const ready = new Promise<void>((resolve, reject) => {
      proc.on("message", (m: { type?: string }) => {
        if (m.type === "ready") resolve();
      });
      void exited.then(() =>
        reject(new Error(`worker process ${spec.name} exited before it was ready:\n${spare.output()}`)),
      );
    });
    proc.send({ type: "start", spec: { ...spec, recordsPath } });
    await ready;
    let killed = false;
    const running = () => !killed && proc.exitCode === null && proc.signalCode === null;
    return {
      name: spec.name,
      recordsPath,
      exited,
      alive: running,
      signal: (signal) => {
        if (!running()) return;
        if (signal === "SIGKILL") killed = true;
        proc.kill(signal);
      },
      close: () => {
        if (proc.connected) proc.send({ type: "close" });
      },
      output: spare.output,
    };
  }

  /** SIGKILLs every process this pool started that still runs (the spare too). */
  killAll(): void {
    for (const proc of this.all) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGCONT");
        proc.kill("SIGKILL");
      }
    }
  }

  /** Kills the spare (at the end of a run). */
  async closeSpare(): Promise<void> {
    const spare = this.spare;
    this.spare = null;
    if (spare === null || spare.proc.exitCode !== null) return;
    spare.proc.kill("SIGKILL");
    await spare.exited;
  }
}

/** Graceful stop: SIGCONT, `close` over IPC (the workers give their claims back), SIGKILL after `graceMs`. */
export async function closeChaosChild(child: ChaosChild, graceMs = 10_000): Promise<void> {
  if (!child.alive()) return;
  child.signal("SIGCONT");
  child.close();
  const timer = setTimeout(() => child.signal("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** The JSON lines of a records file (a line torn by SIGKILL is skipped). */
export function readRecordLines(path: string): { readonly kind: string }[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const out: { kind: string }[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      out.push(JSON.parse(line) as { kind: string });
    } catch {
      // torn by SIGKILL
    }
  }
  return out;
}
