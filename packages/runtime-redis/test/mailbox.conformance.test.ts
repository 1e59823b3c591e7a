// Conformance of the Redis keyed mailbox to the core Mailbox (DESIGN.md "Redis runtime"): fast-check
// generates command sequences (Submit over a few keys, kinds, ids and bypass orders; Complete of in-flight,
// unknown and wrongly keyed orders; Shutdown) under two policies — the rich test fixture (every kind of cell:
// queue, cancel, cancel+coalesce, coalesce, drop; a never-cancelled kind) and a small teardown policy — and a
// small config so every bound is hit; each command runs on Redis and on the core, and the results, the effects and the full state read
// back from Redis must be deep-equal after every command.

import { Mailbox as Core } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyedMailbox, type MailboxStep } from "../src/mailbox/mailbox.js";
import { RICH_POLICY } from "./support/mailbox-policy.js";
import { useRedis } from "./support/redis.js";

const CONFIG: Core.Config = {
  policy: RICH_POLICY,
  inFlightMax: 2,
  pendingPerKeyMax: 2,
  keylessPendingMax: 2,
  keyCountMax: 3,
};

// "7" and "10" are array indices: JavaScript lists them first in `keys`, which Shutdown's order follows.
const key: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("a") },
  { weight: 2, arbitrary: fc.constantFrom("b", "7") },
  { weight: 1, arbitrary: fc.constantFrom("c", "10", null) },
);
/** A small teardown policy: a dropping diagonal cell on the never-cancelled kind. */
const TEARDOWN = Core.policy({
  name: "teardown",
  kinds: ["Sync", "Delete"],
  neverCancel: ["Delete"],
  matrix: { Sync: { Sync: "cancel+coalesce", Delete: "cancel" }, Delete: { Sync: "queue", Delete: "drop" } },
});
const richKind = fc.oneof(
  { weight: 4, arbitrary: fc.constant("Replace") },
  { weight: 2, arbitrary: fc.constantFrom("Remove", "Patch") },
  { weight: 1, arbitrary: fc.constantFrom("Resume", "Pause", "Other") },
);
const teardownKind = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("Sync", "Delete") },
  { weight: 1, arbitrary: fc.constant("Other") },
);
const id = fc.constantFrom("o1", "o2", "o3", "o4", "o5", "o6", "3", "x:y");

type Command =
  | { readonly _tag: "Submit"; readonly order: Core.Order }
  | { readonly _tag: "Complete"; readonly pick: number; readonly outcome: "done" | "failed" | "cancelled" }
  | { readonly _tag: "CompleteAny"; readonly key: string | null; readonly orderId: string }
  | { readonly _tag: "Shutdown" };

const commands = (kind: fc.Arbitrary<string>): fc.Arbitrary<Command> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        _tag: fc.constant("Submit" as const),
        order: fc.record({ id, key, kind, payload: fc.constantFrom({ n: 1 }, [1, "two"], "p") }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        _tag: fc.constant("Complete" as const),
        pick: fc.nat(),
        outcome: fc.constantFrom("done" as const, "failed" as const, "cancelled" as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ _tag: fc.constant("CompleteAny" as const), key, orderId: id }) },
    { weight: 1, arbitrary: fc.constant({ _tag: "Shutdown" as const }) },
  );

/** The in-flight orders of the model as [dispatch key, id]. */
function inFlight(state: Core.State): [string | null, string][] {
  const out: [string | null, string][] = [];
  for (const [k, entry] of Object.entries(state.keys)) {
    if (entry.inFlight !== null) out.push([k, entry.inFlight.order.id]);
  }
  for (const orderId of Object.keys(state.keyless)) out.push([null, orderId]);
  return out;
}

describe("KeyedMailbox on Redis conforms to the core Mailbox (property)", () => {
  const redis = useRedis();
  let runs = 0;
  const seen = new Set<string>();

  it.each([
    ["rich fixture", RICH_POLICY, richKind],
    ["teardown", TEARDOWN, teardownKind],
  ] as const)(
    "under the %s policy, gives every command the core's result and effects and leaves the core's state",
    async (_, policy, kind) => {
      const client = redis.client();
      const config: Core.Config = { ...CONFIG, policy };
      const command = commands(kind);
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 50 }), async (commands) => {
          runs += 1;
          const mailbox = await KeyedMailbox.open(client, { name: `conf-${runs}`, config });
          let model = Core.initial(config);
          expect(await mailbox.snapshot()).toEqual(model);
          for (const cmd of commands) {
            let event: Core.Event;
            let got: MailboxStep;
            if (cmd._tag === "Submit") {
              event = cmd;
              got = await mailbox.submit(cmd.order);
            } else if (cmd._tag === "Complete") {
              const flights = inFlight(model);
              const [k, orderId] = flights.length === 0 ? [null, "o1"] : flights[cmd.pick % flights.length]!;
              event = { _tag: "Complete", key: k, orderId, outcome: cmd.outcome };
              got = await mailbox.complete(k, orderId, cmd.outcome);
            } else if (cmd._tag === "CompleteAny") {
              event = { _tag: "Complete", key: cmd.key, orderId: cmd.orderId, outcome: "done" };
              got = await mailbox.complete(cmd.key, cmd.orderId, "done");
            } else {
              event = cmd;
              got = await mailbox.shutdown();
            }
            const step = Core.transition(model, event);
            seen.add(
              step.result._tag === "Accepted" && step.result.superseded.length > 0
                ? "Coalesced"
                : step.result._tag,
            );
            expect(got.result).toEqual(step.result);
            expect(got.effects).toEqual(step.effects);
            model = step.state;
            expect(await mailbox.snapshot()).toEqual(model);
          }
        }),
        { numRuns: 250 },
      );
    },
  );

  it("reached every result over both policies", () => {
    expect(runs).toBeGreaterThanOrEqual(500);
    // The generator reaches every result (a test that never coalesces or rejects could not fail on them).
    expect([...seen].sort()).toEqual(
      [
        "Accepted",
        "AlreadyShutDown",
        "Coalesced",
        "Completed",
        "Dropped",
        "Duplicate",
        "NotInFlight",
        "Rejected",
        "ShutDown",
      ].sort(),
    );
  });
});
