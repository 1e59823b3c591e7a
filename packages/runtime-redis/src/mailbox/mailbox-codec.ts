// Decoding of the keyed mailbox's Lua replies and of its stored state into the core Mailbox's shapes
// (packages/core/src/mailbox.ts). Anything not as the scripts write it is a `CorruptValueError`.

import type { Mailbox as Core } from "@interleave/core";
import { CorruptValueError } from "../shared/errors.js";

/** Parses an order stored as JSON by `KeyedMailbox.submit`; `where` names the Redis key for errors. */
export function decodeOrder(where: string, raw: unknown): Core.Order {
  if (typeof raw !== "string") throw new CorruptValueError(where, `order is not a string: ${String(raw)}`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CorruptValueError(where, `order is not JSON: ${raw.slice(0, 80)}`);
  }
  const o = value as Record<string, unknown>;
  if (
    typeof o !== "object" ||
    o === null ||
    typeof o.id !== "string" ||
    typeof o.kind !== "string" ||
    !(o.key === null || typeof o.key === "string")
  ) {
    throw new CorruptValueError(where, `order is not {id, key, kind, payload?}: ${raw.slice(0, 80)}`);
  }
  const order: { id: string; key: string | null; kind: string; payload?: unknown } = {
    id: o.id,
    key: o.key,
    kind: o.kind,
  };
  if (Object.hasOwn(o, "payload")) order.payload = o.payload;
  return order;
}

/** The JSON the runtime stores for `order` (the fields of the core's `Order`, nothing else). */
export function encodeOrder(order: Core.Order): string {
  const plain: Record<string, unknown> = { id: order.id, key: order.key, kind: order.kind };
  if (order.payload !== undefined) plain.payload = order.payload;
  return JSON.stringify(plain);
}

const nullable = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Decodes the effects list of a transition reply into core `Effect`s. */
export function decodeEffects(where: string, raw: unknown): Core.Effect[] {
  if (!Array.isArray(raw)) throw new Error(`mailbox script reply: effects are not a list`);
  return raw.map((e: unknown[]): Core.Effect => {
    if (e[0] === "Dispatch") {
      return { _tag: "Dispatch", key: nullable(e[1]), order: decodeOrder(where, e[2]) };
    }
    return {
      _tag: "Cancel",
      key: nullable(e[1]),
      orderId: String(e[2]),
      reason: e[3] === "shutdown" ? "shutdown" : "superseded",
      by: nullable(e[4]),
    };
  });
}

/** Decodes a transition reply `{tag, fields}` into the core `Result`. */
export function decodeResult(where: string, tag: unknown, fields: unknown[]): Core.Result {
  switch (tag) {
    case "Accepted":
      return {
        _tag: "Accepted",
        orderId: String(fields[0]),
        dispatched: fields[1] === 1,
        superseded: (fields[2] as unknown[]).map(String),
        cancelled: nullable(fields[3]),
      };
    case "Dropped":
      return { _tag: "Dropped", orderId: String(fields[0]), duplicateOf: String(fields[1]) };
    case "Rejected":
      return {
        _tag: "Rejected",
        orderId: String(fields[0]),
        reason: fields[1] as "pending-full" | "key-limit" | "shutting-down",
      };
    case "Duplicate":
      return { _tag: "Duplicate", orderId: String(fields[0]) };
    case "Completed":
      return {
        _tag: "Completed",
        orderId: String(fields[0]),
        outcome: fields[1] as "done" | "failed" | "cancelled",
        dispatched: nullable(fields[2]),
      };
    case "NotInFlight":
      return { _tag: "NotInFlight", orderId: String(fields[0]) };
    case "ShutDown":
      return {
        _tag: "ShutDown",
        cancelled: (fields[0] as unknown[]).map(String),
        pending: (fields[1] as unknown[]).map((raw) => decodeOrder(where, raw)),
      };
    case "AlreadyShutDown":
      return { _tag: "AlreadyShutDown" };
    default:
      throw new Error(`mailbox script reply: unknown result ${JSON.stringify(tag)}`);
  }
}

/** `[k1, v1, k2, v2]` → a Map (insertion order kept). */
export function pairs(raw: unknown): Map<string, string> {
  const list = raw as string[];
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i]!, list[i + 1]!);
  return map;
}

interface StoredEntry {
  readonly f?: string;
  readonly c: 0 | 1;
  readonly b?: string;
  /** Format 1 only (before issue 22): the pending ids; format 2 keeps them in `<base>:pending:<key>`. */
  readonly p?: readonly string[];
}

/** Parses a stored key entry (layout in lua/includes/mailbox.lua), format 2 or format 1 (with `p`). */
export function decodeEntry(where: string, key: string, raw: string | undefined): StoredEntry {
  let value: unknown;
  try {
    value = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    value = undefined;
  }
  const e = value as Record<string, unknown> | undefined;
  if (
    typeof e !== "object" ||
    e === null ||
    (e.p !== undefined && !(Array.isArray(e.p) && e.p.every((id) => typeof id === "string"))) ||
    (e.c !== 0 && e.c !== 1) ||
    (e.f !== undefined && typeof e.f !== "string") ||
    (e.b !== undefined && typeof e.b !== "string")
  ) {
    throw new CorruptValueError(where, `entry of key ${JSON.stringify(key)} is malformed or missing`);
  }
  return e as unknown as StoredEntry;
}

/** Builds the core's `State` from a `mb-snapshot` reply; `base` names the keys in errors. */
export function decodeState(base: string, config: Core.Config, reply: readonly unknown[]): Core.State {
  const [rawState, keyorder, rawEntries, keyless, kcan, ready, rawOrders, , , pendingLists] = reply as [
    unknown,
    string[],
    unknown,
    string[],
    string[],
    string[],
    unknown,
    unknown,
    unknown,
    string[][],
  ];
  const st = pairs(rawState);
  const int = (field: string): number => {
    const v = st.get(field);
    if (v === undefined || !/^\d{1,15}$/.test(v)) {
      throw new CorruptValueError(`${base}:state`, `field ${field} is not an integer: ${String(v)}`);
    }
    return Number(v);
  };
  const entries = pairs(rawEntries);
  const orders = pairs(rawOrders);
  const order = (id: string): Core.Order => {
    const raw = orders.get(id);
    if (raw === undefined) throw new CorruptValueError(`${base}:orders`, `live order ${id} is missing`);
    return decodeOrder(`${base}:orders`, raw);
  };
  const keys: Record<string, Core.KeyState> = {};
  for (const [i, key] of keyorder.entries()) {
    const e = decodeEntry(`${base}:entries`, key, entries.get(key));
    const inFlight: Core.InFlight | null =
      e.f === undefined ? null : { order: order(e.f), cancelled: e.c === 1, cancelledBy: e.b ?? null };
    const list = pendingLists[i] ?? [];
    if (e.p !== undefined && list.length > 0) {
      throw new CorruptValueError(
        `${base}:entries`,
        `entry of key ${JSON.stringify(key)} has format-1 pending ids and a pending list`,
      );
    }
    Object.defineProperty(keys, key, {
      value: { inFlight, pending: (e.p ?? list).map(order) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const cancelled = new Set(kcan);
  const keylessRecord: Record<string, Core.InFlight> = {};
  for (const id of keyless) {
    Object.defineProperty(keylessRecord, id, {
      value: { order: order(id), cancelled: cancelled.has(id), cancelledBy: null },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const readyEntries = ready.map((entry): Core.ReadyEntry => {
    if (entry.startsWith("K:")) return { _tag: "Key", key: entry.slice(2) };
    if (entry.startsWith("O:")) return { _tag: "Keyless", order: order(entry.slice(2)) };
    throw new CorruptValueError(`${base}:ready`, `entry is neither K: nor O:: ${entry.slice(0, 80)}`);
  });
  const sd = int("sd");
  return {
    config,
    keys,
    keyless: keylessRecord,
    ready: readyEntries,
    inFlightCount: int("n"),
    shuttingDown: sd === 1,
  };
}

/**
 * The inverse of {@link decodeState}: `state` as the keyed mailbox's keys under `<base>` (layout in
 * `lua/includes/mailbox.lua`), hashes as field → value, zsets as `[score, member]` in order, lists in order. The
 * runtime's bookkeeping is filled in as the scripts leave it right after a dispatch: every in-flight order in
 * `dkey` and in the `dispatch` list (dispatched, not yet taken by an instance; no lease, no holder). For tests that
 * write a state in place (the exhaustive conformance test).
 */
export function encodeState(state: Core.State): {
  readonly state: Readonly<Record<string, string>>;
  readonly orders: Readonly<Record<string, string>>;
  readonly kinds: Readonly<Record<string, string>>;
  readonly entries: Readonly<Record<string, string>>;
  /** Key → its pending ids (the list `<base>:pending:<key>`), for keys with pending orders. */
  readonly pending: Readonly<Record<string, readonly string[]>>;
  readonly keyorder: readonly (readonly [number, string])[];
  readonly keyless: readonly (readonly [number, string])[];
  readonly kcan: readonly string[];
  readonly ready: readonly string[];
  readonly dkey: Readonly<Record<string, string>>;
  readonly dispatch: readonly string[];
} {
  const orders: Record<string, string> = {};
  const kinds: Record<string, string> = {};
  const entries: Record<string, string> = {};
  const pending: Record<string, string[]> = {};
  const dkey: Record<string, string> = {};
  const dispatch: string[] = [];
  const live = (o: Core.Order) => {
    orders[o.id] = encodeOrder(o);
    kinds[o.id] = o.kind;
  };
  let seq = 0;
  const keyorder: [number, string][] = [];
  for (const [key, ks] of Object.entries(state.keys)) {
    keyorder.push([++seq, key]);
    const entry: Record<string, unknown> = { c: ks.inFlight?.cancelled ? 1 : 0 };
    if (ks.pending.length > 0) pending[key] = ks.pending.map((o) => o.id);
    if (ks.inFlight !== null) {
      entry.f = ks.inFlight.order.id;
      if (ks.inFlight.cancelledBy !== null) entry.b = ks.inFlight.cancelledBy;
      live(ks.inFlight.order);
      dkey[ks.inFlight.order.id] = `K:${key}`;
      dispatch.push(ks.inFlight.order.id);
    }
    for (const o of ks.pending) live(o);
    entries[key] = JSON.stringify(entry);
  }
  const keyless: [number, string][] = [];
  const kcan: string[] = [];
  for (const [id, f] of Object.entries(state.keyless)) {
    keyless.push([++seq, id]);
    if (f.cancelled) kcan.push(id);
    live(f.order);
    dkey[id] = "N";
    dispatch.push(id);
  }
  let wk = 0;
  const ready = state.ready.map((r) => {
    if (r._tag === "Key") return `K:${r.key}`;
    wk += 1;
    live(r.order);
    return `O:${r.order.id}`;
  });
  return {
    state: {
      n: String(state.inFlightCount),
      sd: state.shuttingDown ? "1" : "0",
      wk: String(wk),
      seq: String(seq),
    },
    orders,
    kinds,
    entries,
    pending,
    keyorder,
    keyless,
    kcan,
    ready,
    dkey,
    dispatch,
  };
}
