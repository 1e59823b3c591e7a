// Worker processes for fault and history tests (issue 7, "Faults with real processes"): each is a separate
// Node process (`node --import tsx --conditions=source support/worker-child.ts`) running one Worker on its own
// Redis connection, so a test can SIGKILL, SIGSTOP and SIGCONT it like an operator or the OS would. Every
// record the child makes is appended as one JSON line to its records file, read back by `records()`.

import type { ClaimQueue as Core, FencedResource } from "@interleave/core";
import type { WorkerRecord } from "../../src/claim-queue/worker.js";
import type { CallRecord } from "./calls.js";
import { type Exit, killChildren, startChild } from "./child-process.js";

/**
 * What the child's handler does with an item whose scope ends in the integer `i`:
 * - `stall`: `"all"` items, or (`{ every: n }`) the first claim this process gets of each `i % n === 0`, wait
 *   for the signal (the claim lost), then ack 30 ms later (a late ack); with `fenced`, such a handler also
 *   writes `holder` to the fenced resource named by the scope with its claim token as the fencing token, once
 *   at its start and once after its signal fired;
 * - otherwise it sleeps `sleepMs` (plus `i % 4` ms with `jitter`), then fails when `i % failEvery === 0`,
 *   retries when `i % retryOnceEvery === 0` and the item has no failed attempt yet, else returns `"ok"`.
 */
export interface Behaviour {
  readonly sleepMs?: number;
  readonly jitter?: boolean;
  readonly stall?: "all" | { readonly every: number };
  readonly fenced?: boolean;
  readonly failEvery?: number;
  readonly retryOnceEvery?: number;
}

/**
 * A worker process: Redis `url`, claim queue `queue` with `config`, Worker `holder` name, `concurrency`,
 * `heartbeatIntervalMs` (`null`: none), `pollIntervalMs`, the handler's `behaviour`, `recordsPath` (the JSON-lines
 * file; `startWorkerProcess` fills it in), and an optional client clock skew (`Date.now` patched to
 * `real + offsetMs + driftPerCallMs × reads so far`).
 */
export interface ChildSpec {
  readonly url: string;
  readonly queue: string;
  readonly config: Core.Config;
  readonly holder: string;
  readonly concurrency: number;
  readonly heartbeatIntervalMs: number | null;
  readonly pollIntervalMs: number;
  readonly behaviour: Behaviour;
  readonly recordsPath: string;
  readonly clockSkew?: { readonly offsetMs: number; readonly driftPerCallMs: number };
}

/**
 * A record a worker process writes: the Worker's own records, the handler's and the connection's events, and
 * every queue and fenced-resource call with its call and return times (support/calls.ts).
 */
export type ChildRecord =
  | WorkerRecord
  | CallRecord
  | { readonly kind: "ready" | "reconnect"; readonly holder: string }
  | { readonly kind: "error"; readonly holder: string; readonly message: string }
  | {
      readonly kind: "start";
      readonly holder: string;
      readonly scope: string;
      readonly token: number;
      readonly attemptCount: number;
      readonly reclaimed: boolean;
    }
  | {
      readonly kind: "done";
      readonly holder: string;
      readonly scope: string;
      readonly token: number;
      readonly outcome: string;
    }
  | {
      readonly kind: "aborted";
      readonly holder: string;
      readonly scope: string;
      readonly token: number;
      readonly reason: string;
      /** Whether the handler had already returned when the signal fired. */
      readonly finished: boolean;
    }
  | {
      readonly kind: "fenced";
      readonly holder: string;
      readonly scope: string;
      readonly token: number;
      readonly result: FencedResource.Result;
    };

/** The Worker records (claim, heartbeat, ack, retry, fail, release) among `records`. */
export function workerRecords(records: readonly ChildRecord[]): WorkerRecord[] {
  const kinds = new Set(["claim", "heartbeat", "ack", "retry", "fail", "release"]);
  return records.filter((r): r is WorkerRecord => kinds.has(r.kind));
}

/** A running worker process. */
export interface WorkerProcess {
  readonly holder: string;
  readonly pid: number;
  /** Resolves when the process exits: its exit code, or the signal that ended it. */
  readonly exited: Promise<Exit>;
  /** Whether the process has exited. */
  readonly alive: boolean;
  /** Everything the process recorded so far, in its order (a torn last line, after SIGKILL, is skipped). */
  records(): ChildRecord[];
  /** Sends `signal` to the process. */
  kill(signal: "SIGKILL" | "SIGSTOP" | "SIGCONT"): void;
  /** The number of handlers running now (asked over IPC; a stopped process answers once continued). */
  activeCount(): Promise<number>;
  /** Graceful stop: the Worker closes (claims still held are given back), then the process exits. */
  close(): Promise<void>;
  /** Whatever the process wrote to stdout and stderr (for failure messages). */
  output(): string;
}

const CHILD = new URL("./worker-child.ts", import.meta.url);

/**
 * Starts a worker process for `spec` (`recordsPath` is chosen by support/child-process.ts, in a fresh
 * temporary directory) and resolves once its Worker runs.
 *
 * @throws when the process exits before it is ready (the message carries its output).
 */
export async function startWorkerProcess(spec: Omit<ChildSpec, "recordsPath">): Promise<WorkerProcess> {
  const child = startChild<ChildRecord>(`worker process ${spec.holder}`, CHILD, spec);
  const answers: ((count: number) => void)[] = [];
  child.process.on("message", (msg: { type?: string; count?: number }) => {
    if (msg.type === "active") answers.shift()?.(msg.count ?? -1);
  });
  await child.message("ready");
  void child.exited.then(() => {
    for (const answer of answers.splice(0)) answer(0);
  });
  const { exited, records, kill, close, output } = child;
  return {
    holder: spec.holder,
    pid: child.process.pid ?? -1,
    exited,
    get alive() {
      return child.running();
    },
    records,
    kill,
    activeCount: () =>
      new Promise<number>((resolve) => {
        if (!child.running() || !child.process.connected) return resolve(0);
        answers.push(resolve);
        child.process.send({ type: "active" });
      }),
    close,
    output,
  };
}

/**
 * Kills (SIGCONT then SIGKILL) every worker process still running and removes their records files; for
 * `afterAll`.
 */
export const killWorkerProcesses = killChildren;
