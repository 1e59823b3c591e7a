// The worker processes of a chaos run: each start of process i is a new Node process (`p<i>.<start>`) running
// bench/chaos/child.ts with its own records file in the run's output folder; the nemesis SIGKILLs, SIGSTOPs and
// SIGCONTs them, and a killed one is started again under a new name. Starting Node with tsx and loading the
// runtime takes seconds on a loaded machine, so spare processes are loaded before the run: a start hands one its
// spec over IPC (the restart then takes the time the nemesis chose, not the loader's).

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
  private readonly spares: Spare[] = [];
  private readonly all: ChildProcess[] = [];

  /**
   * Loads `spareCount` processes up front, one per start the run will make (the initial ones and one per scheduled
   * kill), so no process loads while the faults run (loading competes for the CPU the measured run uses).
   */
  constructor(
    private readonly recordsDir: string,
    spareCount: number,
  ) {
    for (let i = 0; i < spareCount; i++) this.addSpare();
  }

  private addSpare(): void {
    const spare = spawnSpare();
    this.all.push(spare.proc);
    this.spares.push(spare);
  }

  /**
   * Starts a worker process for `spec` (its records in `<recordsDir>/<name>.jsonl`) and resolves once its
   * workers run.
   *
   * @throws when it exits first (with its output).
   */
  async start(spec: Omit<ChildSpec, "recordsPath">): Promise<ChaosChild> {
    if (this.spares.length === 0) this.addSpare(); // none left: this start waits for Node and tsx
    const spare = this.spares.shift()!;
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

  /** Resolves when every spare has loaded (so loading does not compete with the measured run). */
  async sparesLoaded(): Promise<void> {
    await Promise.all(this.spares.map((spare) => spare.loaded));
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

  /** Kills the spares (at the end of a run). */
  async closeSpares(): Promise<void> {
    const spares = this.spares.splice(0);
    for (const spare of spares) if (spare.proc.exitCode === null) spare.proc.kill("SIGKILL");
    await Promise.all(spares.map((spare) => spare.exited));
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
