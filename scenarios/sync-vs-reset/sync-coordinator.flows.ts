/**
 * The coordinators the seed-000 models drive (seed 000, ../../shared/seeds/000_a68bbd6ee7280424.txt), one per
 * mode: the core's serial `SyncCoordinator`, the seed's coordinator behind its feature flag (./entry-check.ts:
 * flag off or entry check) and the scenario's legacy code (./legacy.ts), each with a canonical fingerprint of
 * its state for the model's machine cache and a one-line description for counterexamples.
 */
import { SyncCoordinator } from "@interleave/core";
import type { FingerprintBuilder } from "@interleave/sim/statespace";
import * as EntryCheck from "./entry-check.js";
import { LEGACY_TIMINGS, type LegacyState, legacyFlow } from "./legacy.js";
import type { Effect, Event, Result, Route } from "./protocol.js";

/**
 * The coordinator a model drives: the core's `SyncCoordinator.State` (serial), the seed's coordinator behind
 * its flag (./entry-check.ts), or the scenario's legacy code (./legacy.ts).
 */
export type FlowState = SyncCoordinator.State | EntryCheck.State | LegacyState;

/** A step of either coordinator: the next state, the effects and the result. */
export interface CoordinatorStep {
  readonly state: FlowState;
  readonly effects: readonly Effect[];
  readonly result: Result;
}

/** The coordinator a model drives, whichever flow it is. */
export interface Flow {
  readonly route: Route;
  readonly initial: FlowState;
  transition(state: FlowState, event: Event): CoordinatorStep;
  fingerprint(state: FlowState, into: FingerprintBuilder): void;
  describe(state: FlowState): string;
}
// The coordinators

/** The core `SyncCoordinator` (serial) with `config`'s marker TTL and bounds. */
export function coreFlow(config: EntryCheck.Config): Flow {
  const { legacyTtlMs, mrCountMax, pendingPerMrMax } = config;
  const leaseTtlMs = "leaseTtlMs" in config ? (config.leaseTtlMs as number | undefined) : undefined;
  const initial = SyncCoordinator.initial({
    legacyTtlMs,
    mrCountMax,
    pendingPerMrMax,
    ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
  });
  return {
    route: "serial",
    initial,
    transition: (state, event) => SyncCoordinator.transition(state as SyncCoordinator.State, event),
    fingerprint: (state, into) => fingerprintCoordinator(state as SyncCoordinator.State, into),
    describe: (state) => describeCoordinator(state as SyncCoordinator.State),
  };
}

/** The seed's coordinator behind its flag (./entry-check.ts) with `config`: the flag-off route or the entry check. */
export function entryCheckFlow(config: EntryCheck.Config): Flow {
  const initial = EntryCheck.initial(config);
  return {
    route: EntryCheck.routeOf(config),
    initial,
    transition: (state, event) => EntryCheck.transition(state as EntryCheck.State, event),
    fingerprint: (state, into) => fingerprintCoordinator(state as EntryCheck.State, into),
    describe: (state) => describeCoordinator(state as EntryCheck.State),
  };
}

/** The scenario's `legacyFlow` (the code before the seed's change); it has the scenario's timings only. */
export function legacyCodeFlow(config: EntryCheck.Config): Flow {
  const { legacyTtlMs, legacyResetDelayMs } = LEGACY_TIMINGS;
  if (config.legacyTtlMs !== legacyTtlMs || config.legacyResetDelayMs !== legacyResetDelayMs) {
    throw new RangeError(
      `legacy-code runs with the scenario's legacyTtlMs ${legacyTtlMs} and legacyResetDelayMs ${legacyResetDelayMs}`,
    );
  }
  const initial: LegacyState = { unapprovedUntilMs: {} };
  return {
    route: "legacy",
    initial,
    transition: (state, event) => legacyFlow.transition(state as LegacyState, event),
    fingerprint: (state, into) => {
      const markers = (state as LegacyState).unapprovedUntilMs;
      for (const mr of Object.keys(markers).sort()) {
        into.string(mr);
        into.int(markers[mr]!);
      }
    },
    describe: (state) => JSON.stringify((state as LegacyState).unapprovedUntilMs),
  };
}

function intoIds(ids: readonly string[], into: FingerprintBuilder): void {
  into.int(ids.length);
  for (const id of ids) into.string(id);
}

/**
 * Feeds a canonical key of a coordinator state to `into`: its MR entries (serial: with their order leases) and
 * (serial) the last fencing token and the Mailbox keys, in sorted MR order, so the history-dependent insertion
 * order of the records does not matter. The config is fixed per model, so it is left out.
 */
function fingerprintCoordinator(c: SyncCoordinator.State | EntryCheck.State, into: FingerprintBuilder): void {
  const mrs = Object.keys(c.mrs).sort();
  into.int(mrs.length);
  for (const mr of mrs) {
    const e = c.mrs[mr]!;
    into.string(mr);
    into.int(e.unapprovedUntilMs);
    // The serial coordinator keeps no sync or pending ids (its syncs are Mailbox orders): empty lists.
    intoIds("syncs" in e ? e.syncs : [], into);
    intoIds("pendingResets" in e ? e.pendingResets : [], into);
    intoIds(e.scheduledResets, into);
    intoIds(e.runningResets, into);
    // The serial coordinator's order lease (token, expiry); the racy routes have none.
    const lease = "lease" in e ? e.lease : null;
    into.int(lease === null ? 0 : lease.token);
    into.int(lease === null ? 0 : lease.expiresAtMs);
  }
  if (!("mailbox" in c)) return;
  into.int(c.lastToken);
  const serial = c.mailbox;
  const keys = Object.keys(serial.keys).sort();
  into.int(keys.length);
  into.int(serial.inFlightCount);
  into.int(serial.ready.length + Object.keys(serial.keyless).length + (serial.shuttingDown ? 1 : 0));
  for (const key of keys) {
    const work = serial.keys[key]!;
    into.string(key);
    if (work.inFlight === null) into.int(-1);
    else {
      into.string(work.inFlight.order.id);
      into.int(work.inFlight.cancelled ? 1 : 0);
    }
    into.int(work.pending.length);
    for (const order of work.pending) into.string(order.id);
  }
}

function describeCoordinator(c: SyncCoordinator.State | EntryCheck.State): string {
  const entries = Object.keys(c.mrs)
    .sort()
    .map((mr) => {
      const e = c.mrs[mr]!;
      const parts = [`until=${e.unapprovedUntilMs}`];
      if ("syncs" in e && e.syncs.length > 0) parts.push(`syncs=${e.syncs.join(",")}`);
      if ("pendingResets" in e && e.pendingResets.length > 0)
        parts.push(`pending=${e.pendingResets.join(",")}`);
      if (e.scheduledResets.length > 0) parts.push(`scheduled=${e.scheduledResets.join(",")}`);
      if (e.runningResets.length > 0) parts.push(`running=${e.runningResets.join(",")}`);
      if ("lease" in e && e.lease !== null) parts.push(`lease=#${e.lease.token}<${e.lease.expiresAtMs}`);
      if ("mailbox" in c && Object.hasOwn(c.mailbox.keys, mr)) {
        const work = c.mailbox.keys[mr]!;
        const orders = [work.inFlight?.order, ...work.pending].flatMap((o) =>
          o === undefined ? [] : [`${o.kind} ${String(o.payload)}`],
        );
        parts.push(`queue=[${orders.join(", ")}]`);
      }
      return `${mr}{${parts.join(" ")}}`;
    });
  return entries.length === 0 ? "{}" : entries.join(" ");
}
