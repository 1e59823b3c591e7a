// Decoding of what the SyncCoordinator scripts store and reply (layout in lua/includes/syncCoordinator.lua):
// MR entries (with the lease of the order in flight) and the fence counter back into the core's
// `SyncCoordinator.State` (with its per-MR Mailbox rebuilt from each MR's in-flight and pending orders), and
// event replies into the core's `Result` and `Effect`s (with their tokens). Anything that is not what the
// scripts write is a CorruptValueError.

import { SyncCoordinator as Core, type Mailbox } from "@interleave/core";
import { CorruptValueError } from "../shared/errors.js";
import { replyInt as int, replyString as str } from "../shared/redis-script.js";

type Kind = "Sync" | "Reset";

/**
 * One decoded MR entry: the core's `MrState` plus the MR's Mailbox work (in flight, pending FIFO). An order in
 * flight stored by a version without leases decodes with `lease: null` (the core never holds such an entry;
 * the MR's next event grants it a lease, see lua/includes/syncCoordinator.lua).
 */
export interface StoredMr {
  readonly mr: Core.MrState;
  readonly inFlight: readonly [Kind, string] | null;
  readonly pending: readonly (readonly [Kind, string])[];
}

function isIdList(value: unknown): value is string[] {
  // cjson encodes an empty Lua table as `{}`; the scripts write `[]`, but accept both.
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.keys(value).length === 0;
  }
  return Array.isArray(value) && value.every((id) => typeof id === "string" && id.length > 0);
}

function asList(value: string[] | object): string[] {
  return Array.isArray(value) ? value : [];
}

function isOrder(value: unknown): value is [Kind, string] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (value[0] === "Sync" || value[0] === "Reset") &&
    typeof value[1] === "string" &&
    value[1].length > 0
  );
}

/**
 * Decodes the stored JSON of MR `mr` found in hash `key`.
 *
 * @throws {@link CorruptValueError} (naming `key` and the MR) when it is not what the scripts write.
 */
export function decodeMr(key: string, mr: string, raw: string): StoredMr {
  const bad = (problem: string): never => {
    throw new CorruptValueError(key, `entry of MR ${JSON.stringify(mr)}: ${problem}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return bad(`not JSON: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return bad("not a JSON object");
  const fields = value as Record<string, unknown>;
  const lists: Record<string, string[]> = {};
  for (const name of ["d", "r"]) {
    const list = fields[name];
    if (!isIdList(list)) return bad(`field ${name} is not a list of ids`);
    lists[name] = asList(list);
  }
  // Entries written by earlier versions hold "s" and "p" too, always empty in the serial mode.
  for (const name of ["s", "p"]) {
    const list = fields[name];
    if (list !== undefined && !(isIdList(list) && asList(list).length === 0)) {
      return bad(`field ${name} is not an empty list (no racy mode here)`);
    }
  }
  const u = fields.u;
  if (typeof u !== "string" || !/^\d{1,16}$/.test(u)) return bad("field u is not an integer string");
  const f = fields.f;
  if (f !== undefined && !isOrder(f)) return bad("field f is not an order");
  const q = fields.q ?? [];
  const pending = Array.isArray(q) ? q : isIdList(q) ? [] : bad("field q is not a list of orders");
  if (!pending.every(isOrder)) return bad("field q is not a list of orders");
  const lease = decodeLease(fields.t, fields.x, f !== undefined, bad);
  return {
    mr: { scheduledResets: lists.d!, runningResets: lists.r!, unapprovedUntilMs: Number(u), lease },
    inFlight: f === undefined ? null : (f as [Kind, string]),
    pending: pending as [Kind, string][],
  };
}

const UINT = /^\d{1,16}$/;

/** The lease fields `t` (token), `x` (expiresAtMs) of an entry: both absent, or both integer strings. */
function decodeLease(
  t: unknown,
  x: unknown,
  inFlight: boolean,
  bad: (problem: string) => never,
): Core.OrderLease | null {
  if (t === undefined && x === undefined) return null;
  if (typeof t !== "string" || !UINT.test(t) || Number(t) < 1) {
    return bad("field t (lease token) is not a positive integer string");
  }
  if (typeof x !== "string" || !UINT.test(x)) return bad("field x (lease expiry) is not an integer string");
  if (!inFlight) return bad("a lease (fields t, x) with no order in flight");
  return { token: Number(t), expiresAtMs: Number(x) };
}

/**
 * The fence counter (the core's `lastToken`) as stored at `key`: `null` (absent) is 0.
 *
 * @throws {@link CorruptValueError} when it is not an integer string.
 */
export function decodeFence(key: string, raw: unknown): number {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw !== "string" || !UINT.test(raw)) {
    throw new CorruptValueError(key, `fence counter is not an integer string: ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** The per-MR Mailbox's order for `kind`/`id` of `mr`, as the core builds it. */
function order(mr: string, [kind, id]: readonly [Kind, string]): Mailbox.Order {
  return { id: JSON.stringify([kind, mr, id]), key: mr, kind, payload: id };
}

function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  // defineProperty: a "__proto__" MR stays an ordinary entry.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The core `State` for `config` (validated) from the flat `[mr, json, …]` list of the `mrs` hash at `key` and
 * the fence counter `lastToken` (see {@link decodeFence}).
 *
 * @throws {@link CorruptValueError} for a malformed entry, or a lease token above `lastToken`.
 */
export function decodeState(
  config: Core.Config,
  key: string,
  flat: readonly string[],
  lastToken: number,
): Core.State {
  const base = Core.initial(config);
  const mrs: Record<string, Core.MrState> = {};
  const keys: Record<string, Mailbox.KeyState> = {};
  let inFlightCount = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const mr = flat[i]!;
    const stored = decodeMr(key, mr, flat[i + 1]!);
    defineEntry(mrs, mr, stored.mr);
    if (stored.mr.lease !== null && stored.mr.lease.token > lastToken) {
      throw new CorruptValueError(
        key,
        `entry of MR ${JSON.stringify(mr)}: lease token ${stored.mr.lease.token} above the fence counter ${lastToken}`,
      );
    }
    if (stored.inFlight !== null) {
      inFlightCount += 1;
      defineEntry(keys, mr, {
        inFlight: { order: order(mr, stored.inFlight), cancelled: false, cancelledBy: null },
        pending: stored.pending.map((o) => order(mr, o)),
      });
    } else if (stored.pending.length > 0) {
      throw new CorruptValueError(key, `entry of MR ${JSON.stringify(mr)}: orders pending, none in flight`);
    }
  }
  return { config: base.config, mrs, mailbox: { ...base.mailbox, keys, inFlightCount }, lastToken };
}

function strings(reply: readonly unknown[], index: number, script: string): readonly unknown[] {
  const value = reply[index];
  if (!Array.isArray(value)) {
    throw new Error(`sync script ${script}: reply[${index}] is ${JSON.stringify(value)}, expected an array`);
  }
  return value;
}

/**
 * Decodes an event reply `{atMs, tag, s, n, drained, effects, reclaimed}` (after the `NoConfig` / `Corrupt`
 * checks) for MR `mr` into the core's result and effects (`effects`: flat quadruples kind, id, token,
 * expiresAtMs; `reclaimed`: `{kind, id, token}` or empty, for `Expired`).
 */
export function decodeStep(
  reply: readonly unknown[],
  mr: string,
  script: string,
): { readonly result: Core.Result; readonly effects: readonly Core.Effect[] } {
  const tag = str(reply, 1, script);
  const s = str(reply, 2, script);
  const n = int(reply, 3, script);
  const drained = strings(reply, 4, script).map((_, i, all) => str(all, i, script));
  const flat = strings(reply, 5, script);
  const effects: Core.Effect[] = [];
  if (flat.length % 4 !== 0) {
    throw new Error(`sync script ${script}: effects ${JSON.stringify(flat)} are not quadruples`);
  }
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const kind = str(flat, i, script);
    const id = str(flat, i + 1, script);
    const token = int(flat, i + 2, script);
    const expiresAtMs = int(flat, i + 3, script);
    if (kind === "RunSync") effects.push({ _tag: "RunSync", mr, syncId: id, token, expiresAtMs });
    else if (kind === "RunReset") effects.push({ _tag: "RunReset", mr, resetId: id, token, expiresAtMs });
    else throw new Error(`sync script ${script}: unknown effect ${JSON.stringify(kind)}`);
  }
  const reclaimed = decodeReclaimed(strings(reply, 6, script), script);
  return { result: decodeResult(tag, s, n, drained, reclaimed, script), effects };
}

function decodeReclaimed(flat: readonly unknown[], script: string): Core.Reclaimed | null {
  if (flat.length === 0) return null;
  const kind = str(flat, 0, script);
  if (flat.length !== 3 || (kind !== "Sync" && kind !== "Reset")) {
    throw new Error(`sync script ${script}: reclaimed ${JSON.stringify(flat)} is not {kind, id, token}`);
  }
  return { kind, id: str(flat, 1, script), token: int(flat, 2, script) };
}

function decodeResult(
  tag: string,
  s: string,
  n: number,
  drained: string[],
  reclaimed: Core.Reclaimed | null,
  script: string,
): Core.Result {
  switch (tag) {
    case "SyncStarted":
      return { _tag: "SyncStarted", route: "serial", running: n === 1 };
    case "SyncFinished":
      return { _tag: "SyncFinished", route: "serial", drained };
    case "ResetQueued":
      return { _tag: "ResetQueued", running: n === 1 };
    case "Proceed":
      return { _tag: "Proceed" };
    case "Deferred":
      return { _tag: "Deferred" };
    case "ResetFinished":
      return { _tag: "ResetFinished" };
    case "Rejected":
      if (s !== "mr-limit" && s !== "pending-full") break;
      return { _tag: "Rejected", reason: s };
    case "Unknown":
      if (s !== "sync" && s !== "reset") break;
      return { _tag: "Unknown", what: s };
    case "Renewed":
      return { _tag: "Renewed", expiresAtMs: n };
    case "Stale":
      return { _tag: "Stale" };
    case "Expired":
      return { _tag: "Expired", reclaimed };
  }
  throw new Error(`sync script ${script}: unknown reply ${JSON.stringify([tag, s, n])}`);
}

/**
 * The inverse of {@link decodeState}: `state` as the fields of the `<base>:mrs` hash (MR → the JSON the scripts
 * write, layout in `lua/includes/syncCoordinator.lua`), with each MR's Mailbox work (in flight, pending FIFO)
 * and lease in its entry, and the `<base>:fence` counter (`lastToken`). For tests that write a state in place
 * (the exhaustive conformance test).
 *
 * @throws an `Error` when `state` is not one the serial coordinator stores: Mailbox work of an MR without an
 *   entry, a cancelled order, orders pending with none in flight, or a non-empty `ready`.
 */
export function encodeState(state: Core.State): {
  readonly mrs: Record<string, string>;
  readonly fence: string;
} {
  const mailbox = state.mailbox;
  if (mailbox.ready.length > 0 || Object.keys(mailbox.keyless).length > 0) {
    throw new Error("the serial coordinator stores no ready or keyless Mailbox work");
  }
  const work = (o: Mailbox.Order): [Kind, string] => [o.kind as Kind, String(o.payload)];
  const fields: Record<string, string> = {};
  for (const [mr, m] of Object.entries(state.mrs)) {
    const entry: Record<string, unknown> = {
      d: m.scheduledResets,
      r: m.runningResets,
      u: String(m.unapprovedUntilMs),
      q: [],
    };
    const keyState = mailbox.keys[mr];
    if (keyState !== undefined) {
      if (keyState.inFlight === null || keyState.inFlight.cancelled) {
        throw new Error(`MR ${JSON.stringify(mr)}: the serial coordinator stores no such Mailbox work`);
      }
      entry.f = work(keyState.inFlight.order);
      entry.q = keyState.pending.map(work);
    }
    if (m.lease !== null) {
      entry.t = String(m.lease.token);
      entry.x = String(m.lease.expiresAtMs);
    }
    fields[mr] = JSON.stringify(entry);
  }
  for (const mr of Object.keys(mailbox.keys)) {
    if (!(mr in state.mrs)) throw new Error(`MR ${JSON.stringify(mr)} has Mailbox work and no entry`);
  }
  return { mrs: fields, fence: String(state.lastToken) };
}
