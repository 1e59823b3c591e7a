// Recording of runtime calls for the linearizability checks of support/lincheck.ts: each call of a runtime
// instance's methods as a "call" line before it is sent and a "return" or "threw" line after it, on the host's
// wall clock (shared by every process of a test and by the local Redis). Kept apart from support/lincheck.ts so
// child processes load no checker.

/** The host's wall clock in ms, read before a test or a child skews `Date.now` (Redis runs on this host). */
export const wallMs: () => number = Date.now.bind(Date);

/**
 * A recorded runtime call: `call` before it is sent (`args` as given), then `return` (`value`: what it
 * resolved to) or `threw`; `reconnecting` when a caller's connection came back. Times: {@link wallMs}.
 */
export type CallRecord =
  | {
      readonly kind: "call";
      readonly id: string;
      readonly process: string;
      readonly op: string;
      readonly args: readonly unknown[];
      readonly callMs: number;
    }
  | { readonly kind: "return"; readonly id: string; readonly returnMs: number; readonly value: unknown }
  | { readonly kind: "threw"; readonly id: string; readonly returnMs: number; readonly message: string }
  | { readonly kind: "reconnecting"; readonly process: string; readonly wallMs: number };

const CALL_KINDS = new Set(["call", "return", "threw", "reconnecting"]);

/** The call records among `records` (a child's records file mixes them with its own). */
export function callRecords(records: readonly { readonly kind: string }[]): CallRecord[] {
  return records.filter((r): r is CallRecord => CALL_KINDS.has(r.kind));
}

let nextCallId = 0;

/**
 * Records every call of `methods` on `target` (an instance of a runtime class: ClaimQueue, LeaseManager,
 * RedisFencedResource) to `sink`, as `process`. The instance gets a prototype of its own with the wrapped
 * methods, so no own property appears on it (the Worker checks `Object.hasOwn(queue, "ack")`). Returns it.
 */
export function recordCalls<T extends object>(
  target: T,
  methods: readonly (keyof T & string)[],
  process: string,
  sink: (record: CallRecord) => void,
): T {
  const proto = Object.getPrototypeOf(target) as Record<string, unknown>;
  const patched = Object.create(proto) as Record<string, unknown>;
  for (const op of methods) {
    const original = proto[op] as (...args: unknown[]) => Promise<unknown>;
    patched[op] = async function (this: unknown, ...args: unknown[]) {
      const id = `${process}#${nextCallId++}`;
      sink({ kind: "call", id, process, op, args, callMs: wallMs() });
      try {
        const value = await original.apply(this, args);
        sink({ kind: "return", id, returnMs: wallMs(), value: jsonOf(value) });
        return value;
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        sink({ kind: "threw", id, returnMs: wallMs(), message });
        throw error;
      }
    };
  }
  Object.setPrototypeOf(target, patched);
  return target;
}

/** Records each reconnect of `client` (an ioredis client) as `process`. */
export function recordReconnects(
  client: { on(event: "reconnecting", listener: () => void): unknown },
  process: string,
  sink: (record: CallRecord) => void,
): void {
  client.on("reconnecting", () => sink({ kind: "reconnecting", process, wallMs: wallMs() }));
}

const jsonOf = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null)) as unknown;

/** The claim-queue methods support/lincheck.ts reads (`claimQueueOps`). */
export const CLAIM_QUEUE_CALLS = [
  "enqueue",
  "claim",
  "ackAndClaim",
  "ackManyAndClaim",
  "heartbeat",
  "ack",
  "retry",
  "fail",
  "release",
] as const;
