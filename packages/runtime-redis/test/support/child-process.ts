// A service-instance process of the runtime's process tests, started once here for every kind (mailbox,
// worker, sync coordinator): `node --import tsx --conditions=source <child> <spec JSON>` with an IPC channel,
// its records appended by the child as JSON lines to a file in a fresh temporary directory, its output kept
// for failure messages. The kind's module adds its own IPC (ready, close, …) on top.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How a child process ended: its exit code, or the signal that ended it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started child process and what every kind needs of it. */
export interface Child<R> {
  readonly process: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Whether the process still runs (it has not exited). */
  running(): boolean;
  /** Everything the process recorded so far, in its order (a line torn by SIGKILL is skipped). */
  records(): R[];
  /** Sends `signal` unless the process has exited. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the child sends `{ type }`; rejects (with its output) when it exits first. */
  message(type: string): Promise<void>;
  /** Graceful stop: SIGCONT, then `{ type: "close" }`; SIGKILL after 5 s. */
  close(): Promise<void>;
  /** Whatever the process wrote to stdout and stderr. */
  output(): string;
}

const started = new Set<ChildProcess>();
const dirs = new Set<string>();

/**
 * Starts `script` (a URL of a support/*-child.ts) with `spec` plus its `recordsPath`; `what` names the child
 * in errors.
 */
export function startChild<R>(what: string, script: URL, spec: object): Child<R> {
  const dir = mkdtempSync(join(tmpdir(), "interleave-child-"));
  dirs.add(dir);
  const recordsPath = join(dir, "records.jsonl");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", script.pathname, JSON.stringify({ ...spec, recordsPath })],
    { stdio: ["ignore", "pipe", "pipe", "ipc"], cwd: new URL("../..", import.meta.url).pathname },
  );
  started.add(child);
  let output = "";
  const append = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const message = (type: string) => {
    const received = new Promise<void>((resolve, reject) => {
      child.on("message", (msg: { type?: string }) => {
        if (msg.type === type) resolve();
      });
      void exited.then(({ code, signal }) =>
        reject(new Error(`${what} exited (${code ?? signal}) before "${type}":\n${output}`)),
      );
    });
    received.catch(() => {});
    return received;
  };
  return {
    process: child,
    exited,
    running,
    records: () => readRecords<R>(recordsPath),
    kill: (signal) => {
      if (running()) child.kill(signal);
    },
    message,
    close: async () => {
      if (!running()) return;
      child.kill("SIGCONT");
      if (child.connected) child.send({ type: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
    output: () => output,
  };
}

function readRecords<R>(path: string): R[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const out: R[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      out.push(JSON.parse(line) as R);
    } catch {
      // a line torn by SIGKILL
    }
  }
  return out;
}

/** Kills (SIGCONT then SIGKILL) every child still running and removes their records; for `afterAll`. */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGCONT");
          child.kill("SIGKILL");
        }),
    ),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
