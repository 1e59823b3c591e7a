// The Mailbox of the exhaustive conformance test (test/exhaustive.conformance.test.ts): a small model over the
// core Mailbox with a two-kind teardown policy (bounds below), the state written in place through the codec's
// `encodeState`, and every Submit, Complete and Shutdown run through the keyed mailbox's scripts.

import { Mailbox as Core } from "@interleave/core";
import type { Redis } from "ioredis";
import type { KeyedMailbox } from "../../src/mailbox/mailbox.js";
import { encodeState } from "../../src/mailbox/mailbox-codec.js";
import type { CoreModel, RedisMachine } from "./exhaustive.js";

/** A teardown policy: Sync supersedes Sync (cancel+coalesce), Delete cancels Sync and is never cancelled. */
const POLICY = Core.policy({
  name: "teardown",
  kinds: ["Sync", "Delete"],
  neverCancel: ["Delete"],
  matrix: { Sync: { Sync: "cancel+coalesce", Delete: "cancel" }, Delete: { Sync: "queue", Delete: "drop" } },
});
export const MAILBOX_CONFIG: Core.Config = {
  policy: POLICY,
  inFlightMax: 2,
  pendingPerKeyMax: 1,
  keylessPendingMax: 1,
  keyCountMax: 2,
};
const IDS = ["o1", "o2"] as const;
const KEYS = ["a", "b", null] as const;
const KINDS = ["Sync", "Delete", "Other"] as const;
/** The model's bounds, as the test names them. */
export const MAILBOX_BOUNDS = `ids o1, o2; keys a, b, none; kinds Sync, Delete (teardown policy), Other; inFlightMax 2, pendingPerKeyMax 1, keylessPendingMax 1, keyCountMax 2 (the whole space)`;

export type MailboxEvent = Core.Event;

function mailboxEvents(s: Core.State): readonly MailboxEvent[] {
  const events: MailboxEvent[] = [];
  for (const id of IDS) {
    for (const key of KEYS) {
      for (const kind of KINDS) events.push({ _tag: "Submit", order: { id, key, kind } });
    }
  }
  for (const [key, ks] of Object.entries(s.keys)) {
    if (ks.inFlight !== null) {
      events.push({ _tag: "Complete", key, orderId: ks.inFlight.order.id, outcome: "done" });
      events.push({ _tag: "Complete", key: null, orderId: ks.inFlight.order.id, outcome: "done" });
    }
  }
  for (const id of Object.keys(s.keyless)) {
    events.push({ _tag: "Complete", key: null, orderId: id, outcome: "failed" });
    events.push({ _tag: "Complete", key: "a", orderId: id, outcome: "done" });
  }
  events.push({ _tag: "Complete", key: "a", orderId: "o9", outcome: "done" }, { _tag: "Shutdown" });
  return events;
}

/** The model: the core Mailbox under {@link mailboxEvents}, within {@link MAILBOX_BOUNDS}. */
export const mailboxModel: CoreModel<Core.State, MailboxEvent> = {
  initial: Core.initial(MAILBOX_CONFIG),
  events: mailboxEvents,
  step: (s, e) => Core.transition(s, e).state,
  shift: (s) => s,
  nowMaxMs: 0,
};

/** The keyed mailbox on Redis as the exhaustive test drives it. */
export function mailboxMachine(
  mailbox: () => KeyedMailbox,
): RedisMachine<Core.State, MailboxEvent, Core.Result> {
  return {
    name: "Mailbox",
    async write(redis: Redis, state) {
      const base = mailbox().base;
      const e = encodeState(state);
      const k = (name: string) => `${base}:${name}`;
      const tx = redis.multi();
      tx.del(
        ...[
          "state",
          "orders",
          "kinds",
          "entries",
          "keyorder",
          "keyless",
          "kcan",
          "ready",
          "dkey",
          "dispatch",
          "leases",
          "holder",
          ...KEYS.filter((key) => key !== null).map((key) => `pending:${key}`),
        ].map(k),
      );
      tx.hset(k("state"), e.state);
      if (Object.keys(e.orders).length > 0) tx.hset(k("orders"), e.orders);
      if (Object.keys(e.kinds).length > 0) tx.hset(k("kinds"), e.kinds);
      if (Object.keys(e.entries).length > 0) tx.hset(k("entries"), e.entries);
      for (const [key, ids] of Object.entries(e.pending)) tx.rpush(k(`pending:${key}`), ...ids);
      for (const [score, m] of e.keyorder) tx.zadd(k("keyorder"), score, m);
      for (const [score, m] of e.keyless) tx.zadd(k("keyless"), score, m);
      if (e.kcan.length > 0) tx.sadd(k("kcan"), ...e.kcan);
      if (e.ready.length > 0) tx.rpush(k("ready"), ...e.ready);
      if (Object.keys(e.dkey).length > 0) tx.hset(k("dkey"), e.dkey);
      if (e.dispatch.length > 0) tx.rpush(k("dispatch"), ...e.dispatch);
      await tx.exec();
    },
    async apply(_redis, event) {
      const m = mailbox();
      const got =
        event._tag === "Submit"
          ? await m.submit(event.order)
          : event._tag === "Complete"
            ? await m.complete(event.key, event.orderId, event.outcome)
            : await m.shutdown();
      return { atMs: got.atMs, result: got.result, effects: got.effects };
    },
    read: () => mailbox().snapshot(),
    transition: (s, e) => Core.transition(s, e),
  };
}
