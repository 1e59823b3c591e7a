/**
 * `extendMachine`: a scenario widens a core machine's events with the identity its bug depends on (issue 20,
 * "Authoring": ClaimQueue events carry no worker id). The scenario here is the bug "ownership checked by
 * worker id": two slots of one worker (same id, `worker-1`) share a queue; a slot that stalls past its lease
 * acks by worker id and deletes the item its sibling has since reclaimed. Checking the claim token (the
 * core's Ack) is the fix.
 */
import { ClaimQueue } from "@interleave/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  defineScenario,
  exploreVariant,
  extendMachine,
  sleep,
  txAt,
  uniform,
  type View,
} from "../src/index.js";

/** `DELETE FROM items WHERE scope = $1 AND claimed_by = $worker`: ownership by worker id, not by token. */
type AckByWorker = {
  readonly _tag: "AckByWorker";
  readonly scope: string;
  readonly worker: string;
  /** The caller's claim token: not checked, carried so properties can see which claim acted. */
  readonly token: number;
  readonly atMs: number;
};

const byWorkerQueue = extendMachine(ClaimQueue, {
  AckByWorker: (state, event: AckByWorker, base) => {
    const claim = state.items[event.scope]?.claim;
    if (claim == null || claim.holder !== event.worker) {
      return { state, effects: [], result: { _tag: "NotOwner" as const, scope: event.scope } };
    }
    return base(state, { _tag: "Ack", scope: event.scope, token: claim.token, atMs: event.atMs });
  },
});

const config = {
  leaseTtlMs: 10_000,
  heartbeatIntervalMs: 3_000,
  attemptsMax: 3,
  retryBackoffBaseMs: 1_000,
  retryBackoffCapMs: 8_000,
  claimBatchSizeMax: 1,
  itemCountMax: 8,
};

const scenario = defineScenario({
  name: "ack-by-worker-id",
  source: "test (issue 20)",
  description: "Two slots of worker-1 claim and ack one scope; a slot may stall past its 10 s lease.",
  params: {},
  runs: 300,
  variants: {
    "ack-by-worker-id": {
      expect: "violation",
      why: "the ack checks claimed_by = worker id, which the sibling slot's newer claim also matches",
      options: { byWorker: true },
    },
    "ack-by-token": { expect: "pass", why: "the ack checks the claim token", options: { byWorker: false } },
  },
  build(world, _params, { byWorker }) {
    const queue = world.store("queue", byWorkerQueue, ClaimQueue.initial(config));
    world.process("producer", function* () {
      yield* txAt(queue)((atMs) => ({ _tag: "Enqueue", scope: "s1", atMs }));
    });
    for (const slot of ["slot-a", "slot-b"]) {
      world.process(slot, function* () {
        for (let attempt = 0; attempt < 20; attempt++) {
          const r = yield* txAt(queue)((atMs) => ({ _tag: "Claim", holder: "worker-1", batchSize: 1, atMs }));
          const grant = r._tag === "Claimed" ? r.claims[0] : undefined;
          if (grant === undefined) {
            yield* sleep(1_000, "poll");
            continue;
          }
          yield* sleep(uniform(1_000, 16_000, 5_000), "process");
          const { scope, token } = grant;
          yield* txAt(queue)((atMs) =>
            byWorker
              ? { _tag: "AckByWorker", scope, worker: "worker-1", token, atMs }
              : { _tag: "Ack", scope, token, atMs },
          );
          return;
        }
      });
    }
    world.always("an item is only deleted by its current claim", (view: View) => {
      const last = view.lastOn(queue);
      if (last === null || last.result._tag !== "Acked" || !last.result.deleted) return true;
      expectTypeOf(last.event).toEqualTypeOf<ClaimQueue.Event | AckByWorker>();
      const event = last.event;
      if (!("token" in event) || !("scope" in event)) return true;
      return last.before.items[event.scope]?.claim?.token === event.token;
    });
    world.horizon(60_000);
  },
});

describe("extendMachine", () => {
  it("types the extended machine: the core's events and results plus the added ones", () => {
    type Ev = Parameters<typeof byWorkerQueue.transition>[1];
    expectTypeOf<Ev>().toEqualTypeOf<ClaimQueue.Event | AckByWorker>();
    type Res = ReturnType<typeof byWorkerQueue.transition>["result"];
    expectTypeOf<{ readonly _tag: "NotOwner"; readonly scope: string }>().toExtend<Res>();
  });

  it("sends the added tags to their handler and every other event to the core", () => {
    let s = ClaimQueue.initial(config);
    s = byWorkerQueue.transition(s, { _tag: "Enqueue", scope: "s1", atMs: 0 }).state;
    const claimed = byWorkerQueue.transition(s, { _tag: "Claim", holder: "w", batchSize: 1, atMs: 0 });
    expect(claimed.result._tag).toBe("Claimed");
    const other = byWorkerQueue.transition(claimed.state, {
      _tag: "AckByWorker",
      scope: "s1",
      worker: "x",
      token: 1,
      atMs: 1,
    });
    expect(other.result).toEqual({ _tag: "NotOwner", scope: "s1" });
    const mine = byWorkerQueue.transition(claimed.state, {
      _tag: "AckByWorker",
      scope: "s1",
      worker: "w",
      token: 99,
      atMs: 1,
    });
    expect(mine.result).toMatchObject({ _tag: "Acked", deleted: true });
  });

  it("finds the ownership-by-worker-id bug, and passes the fix that checks the token", () => {
    const [buggy, fixed] = scenario.variants;
    const found = exploreVariant(scenario, buggy!, { seed: 7 });
    expect(found.verdict).toBe("violation");
    expect(found.counterexample?.violation?.property).toBe("an item is only deleted by its current claim");
    expect(
      found.counterexample?.events.some((e) => (e.input as { _tag?: string })._tag === "AckByWorker"),
    ).toBe(true);
    expect(exploreVariant(scenario, fixed!, { seed: 7 }).verdict).toBe("pass");
  });

  it("rejects an empty handler table", () => {
    expect(() => extendMachine(ClaimQueue, {})).toThrow(/at least one handler/);
  });
});
