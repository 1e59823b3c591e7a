// The ClaimQueue of the exhaustive conformance test (test/exhaustive.conformance.test.ts): a small model over the
// core machine (its bounds below), the state written in place through the codec's `encodeClaimQueueState`, and
// every event — the core's seven plus the Worker's AckAndClaim of one or two acks, compared with the core's Acks
// then Claim at one `atMs` — run through the queue's scripts.

import { ClaimQueue as Core } from "@interleave/core";
import type { Redis } from "ioredis";
import type { ClaimQueue } from "../../src/claim-queue/claim-queue.js";
import { encodeClaimQueueState } from "../../src/claim-queue/claim-queue-codec.js";
import { type CoreModel, type RedisMachine, TICK_MS } from "./exhaustive.js";

/** The queue's config: a 2-tick claim, 2 attempts, backoff 1 tick doubling to 2, batches ≤ 2, ≤ 2 items. */
export const CLAIM_QUEUE_CONFIG: Core.ResolvedConfig = {
  leaseTtlMs: 2 * TICK_MS,
  heartbeatIntervalMs: TICK_MS,
  attemptsMax: 2,
  retryBackoffBaseMs: TICK_MS,
  retryBackoffCapMs: 2 * TICK_MS,
  claimBatchSizeMax: 2,
  itemCountMax: 2,
};
const SCOPES = ["a", "b"] as const;
const TOKEN_GRANTED_MAX = 3;
const EVENT_COUNT_MAX = 2;
const ERROR = "e: 1";

/**
 * The depth of the checker's BFS (events and ticks from the initial state): 7, where the core reaches 6,491
 * states (about 2 s of the checker; 187,039 pairs with their events, over the budget). `pnpm test` compares a
 * seeded sample of {@link CLAIM_QUEUE_SAMPLE_SIZE} of them holding every state within
 * {@link CLAIM_QUEUE_DEPTH_KEPT} (650 states: what the test compared in full before). Depth 6 has 2,164 states,
 * depth 8 16,393. `EXHAUSTIVE_CLAIM_QUEUE_DEPTH`, `EXHAUSTIVE_CLAIM_QUEUE_SAMPLE` (a size, or `all`) and
 * `EXHAUSTIVE_SEED` change them.
 */
export const CLAIM_QUEUE_DEPTH_MAX = Number(process.env.EXHAUSTIVE_CLAIM_QUEUE_DEPTH ?? 7);
/** Every state within this depth is in the sample. */
export const CLAIM_QUEUE_DEPTH_KEPT = Math.min(5, CLAIM_QUEUE_DEPTH_MAX);
/** How many states the sample holds (all of them when the space within the depth is smaller). */
export const CLAIM_QUEUE_SAMPLE_SIZE =
  process.env.EXHAUSTIVE_CLAIM_QUEUE_SAMPLE === "all"
    ? Number.POSITIVE_INFINITY
    : Number(process.env.EXHAUSTIVE_CLAIM_QUEUE_SAMPLE ?? 2_000);

/** The model's bounds, as the test names them (the depth and the sample are said by `coverage`). */
export const CLAIM_QUEUE_BOUNDS = `scopes a, b; holders w1, w2; leaseTtlMs ${CLAIM_QUEUE_CONFIG.leaseTtlMs}, attemptsMax 2, backoff ${TICK_MS}..${2 * TICK_MS}, batch ≤ 2, items ≤ 2; clock 0..${2 * TICK_MS} ms by ${TICK_MS}; tokens granted ≤ ${TOKEN_GRANTED_MAX}; eventCount ≤ ${EVENT_COUNT_MAX}`;

/** A command of the runtime: a core event without `atMs`, or the Worker's AckAndClaim of one or more acks. */
export type ClaimQueueCommand =
  | (Core.Event extends infer E ? (E extends unknown ? Omit<E, "atMs"> : never) : never)
  | {
      readonly _tag: "AckAndClaim";
      readonly acks: readonly { readonly scope: string; readonly token: number }[];
      readonly holder: string;
      readonly batchSize: number;
    };

/** The tokens tried on `scope`: its claim's token and the one before it, or the last token granted. */
function tokensOf(s: Core.State, scope: string): number[] {
  const claim = s.items[scope]?.claim;
  const t = claim ? claim.token : s.nextToken - 1;
  return [t, t - 1].filter((token) => token >= 0);
}

function claimQueueEvents(s: Core.State): readonly ClaimQueueCommand[] {
  const events: ClaimQueueCommand[] = [
    ...SCOPES.map((scope) => ({ _tag: "Enqueue" as const, scope })),
    { _tag: "Claim", holder: "w1", batchSize: 1 },
    { _tag: "Claim", holder: "w1", batchSize: 2 },
    { _tag: "Claim", holder: "w2", batchSize: 1 },
  ];
  for (const scope of SCOPES) {
    for (const token of tokensOf(s, scope)) {
      events.push(
        { _tag: "Heartbeat", scope, token },
        { _tag: "Ack", scope, token },
        { _tag: "Release", scope, token },
        { _tag: "Retry", scope, token, error: ERROR },
        { _tag: "Fail", scope, token, error: ERROR },
        { _tag: "AckAndClaim", acks: [{ scope, token }], holder: "w2", batchSize: 1 },
      );
    }
  }
  return events;
}

/**
 * The events compared on each state: the model's, plus two batches of acks (the Worker's batched path) — both
 * scopes at their current token, and one scope twice. They are left out of the exploration (their states are
 * reached by single Acks and a Claim), so the explored space stays as documented.
 */
export function claimQueueComparedEvents(s: Core.State): readonly ClaimQueueCommand[] {
  const [a, b] = SCOPES.map((scope) => ({ scope, token: tokensOf(s, scope)[0] ?? 0 }));
  return [
    ...claimQueueEvents(s),
    { _tag: "AckAndClaim", acks: [a!, b!], holder: "w2", batchSize: 2 },
    { _tag: "AckAndClaim", acks: [a!, a!], holder: "w1", batchSize: 1 },
  ];
}

/** The core's transition of a command: AckAndClaim is the core's Acks in order then Claim, all at one `atMs`. */
function coreTransition(
  s: Core.State,
  c: ClaimQueueCommand,
  atMs: number,
): { state: Core.State; result: unknown; effects: readonly unknown[] } {
  if (c._tag !== "AckAndClaim") return Core.transition(s, { ...c, atMs } as Core.Event);
  let state = s;
  const acks: Core.Result[] = [];
  const effects: unknown[] = [];
  for (const { scope, token } of c.acks) {
    const ack = Core.transition(state, { _tag: "Ack", scope, token, atMs });
    state = ack.state;
    acks.push(ack.result);
    effects.push(...ack.effects);
  }
  const claim = Core.transition(state, { _tag: "Claim", holder: c.holder, batchSize: c.batchSize, atMs });
  return {
    state: claim.state,
    result: { acks, claim: claim.result },
    effects: [...effects, ...claim.effects],
  };
}

function shiftClaimQueue(s: Core.State, d: number): Core.State {
  const items: Record<string, Core.Item> = {};
  for (const [scope, i] of Object.entries(s.items)) {
    items[scope] = {
      ...i,
      enqueuedAtMs: i.enqueuedAtMs + d,
      updatedAtMs: i.updatedAtMs + d,
      notBeforeMs: i.notBeforeMs + d,
      claim:
        i.claim === null
          ? null
          : { ...i.claim, claimedAtMs: i.claim.claimedAtMs + d, expiresAtMs: i.claim.expiresAtMs + d },
    };
  }
  const deadLetters: Record<string, Core.DeadLetter> = {};
  for (const [scope, dl] of Object.entries(s.deadLetters)) deadLetters[scope] = { ...dl, atMs: dl.atMs + d };
  return { ...s, items, deadLetters };
}

/** The model: the core ClaimQueue under {@link claimQueueEvents}, within {@link CLAIM_QUEUE_BOUNDS}. */
export const claimQueueModel: CoreModel<Core.State, ClaimQueueCommand> = {
  initial: Core.initial(CLAIM_QUEUE_CONFIG),
  events: claimQueueEvents,
  step: (s, c, atMs) => {
    const next = coreTransition(s, c, atMs).state;
    if (next.nextToken - 1 > TOKEN_GRANTED_MAX) return null;
    if (Object.values(next.items).some((i) => i.eventCount > EVENT_COUNT_MAX)) return null;
    return next;
  },
  shift: shiftClaimQueue,
  nowMaxMs: 2 * TICK_MS,
};

/** The queue on Redis as the exhaustive test drives it: `queue()` is opened on the test's Redis. */
export function claimQueueMachine(
  queue: () => ClaimQueue,
  ack?: (
    redis: Redis,
    q: ClaimQueue,
    scope: string,
    token: number,
  ) => Promise<{ atMs: number; result: unknown }>,
): RedisMachine<Core.State, ClaimQueueCommand, unknown> {
  return {
    name: ack === undefined ? "ClaimQueue" : "ClaimQueue (injected bug)",
    pipelined: true,
    keys: () => {
      const q = queue();
      const b = q.base;
      return [
        `${b}:ready`,
        `${b}:claimed`,
        `${b}:token`,
        `${b}:dead`,
        ...SCOPES.map((scope) => q.itemKey(scope)),
      ];
    },
    write(redis: Redis, state) {
      const q = queue();
      const base = q.base;
      const encoded = encodeClaimQueueState(state);
      const tx = redis.multi();
      tx.del(
        `${base}:ready`,
        `${base}:claimed`,
        `${base}:token`,
        `${base}:dead`,
        ...SCOPES.map((scope) => q.itemKey(scope)),
      );
      for (const [score, member] of encoded.ready) tx.zadd(`${base}:ready`, score, member);
      for (const [score, scope] of encoded.claimed) tx.zadd(`${base}:claimed`, score, scope);
      if (encoded.token !== null) tx.set(`${base}:token`, encoded.token);
      if (Object.keys(encoded.dead).length > 0) tx.hset(`${base}:dead`, encoded.dead);
      for (const [scope, fields] of Object.entries(encoded.items)) {
        if (!(SCOPES as readonly string[]).includes(scope))
          throw new Error(`scope ${scope} outside the model`);
        tx.hset(q.itemKey(scope), fields);
      }
      return tx.exec();
    },
    async apply(redis, c) {
      const q = queue();
      const timed =
        ack !== undefined && c._tag === "Ack" ? await ack(redis, q, c.scope, c.token) : await run(q, c);
      return { ...timed, effects: [] };
    },
    read: async () => (await queue().snapshot()).state,
    transition: coreTransition,
  };
}

async function run(q: ClaimQueue, c: ClaimQueueCommand): Promise<{ atMs: number; result: unknown }> {
  switch (c._tag) {
    case "Enqueue":
      return q.enqueue(c.scope);
    case "Claim": {
      const { atMs, result } = await q.claim(c.holder, c.batchSize);
      return { atMs, result };
    }
    case "Heartbeat":
      return q.heartbeat(c.scope, c.token);
    case "Ack":
      return q.ack(c.scope, c.token);
    case "Release":
      return q.release(c.scope, c.token);
    case "Retry":
      return q.retry(c.scope, c.token, c.error);
    case "Fail":
      return q.fail(c.scope, c.token, c.error);
    case "AckAndClaim": {
      const { acks, claim } =
        c.acks.length === 1
          ? await q
              .ackAndClaim(c.acks[0]!.scope, c.acks[0]!.token, c.holder, c.batchSize)
              .then(({ ack, claim }) => ({ acks: [ack], claim }))
          : await q.ackManyAndClaim(c.acks, c.holder, c.batchSize);
      for (const ack of acks) {
        if (ack.atMs !== claim.atMs)
          throw new Error(`AckAndClaim used two times: ${ack.atMs}, ${claim.atMs}`);
      }
      return { atMs: claim.atMs, result: { acks: acks.map((a) => a.result), claim: claim.result } };
    }
  }
}
