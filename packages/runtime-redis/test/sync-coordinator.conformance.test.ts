// Conformance of the Redis SyncCoordinator to the core machine (DESIGN.md "Redis runtime"), property tests:
// fast-check generates command sequences (StartSync, FinishSync, ScheduleReset, BeginReset, FinishReset,
// Heartbeat, Expire — the fenced ones with no token, the MR's current lease token, an older one or another —
// and real sleeps so legacy markers and order leases expire: leaseTtlMs is 8 ms, so reclaims happen) over a
// few MRs and ids, for the serial coordinator (the only one the
// core and the runtime have; the config written with and without the deprecated serial fields); each command
// runs on Redis, its reply's `atMs` (the script's `TIME`) is fed to the core's `transition`, and the result,
// the effects and the full state read back from Redis (with the Mailbox rebuilt) must be deep-equal to the
// core's after every command. `mrCountMax` 2 over 3 MRs and a small `pendingPerMrMax` reach the sweep,
// `mr-limit` and `pending-full`.

import { SyncCoordinator as Core } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RedisSyncCoordinator, type SyncCommand } from "../src/sync-coordinator/sync-coordinator.js";
import { sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const BASE = { legacyTtlMs: 6, mrCountMax: 2, pendingPerMrMax: 2, leaseTtlMs: 8 };
const MODES: readonly (readonly [string, Core.Config])[] = [
  ["serial", BASE],
  ["serial (deprecated fields)", { ...BASE, featureFlag: true, mode: "serial", legacyResetDelayMs: 3 }],
];

const mr = fc.constantFrom("!1", "!2", "mr:3");
const syncId = fc.constantFrom("s1", "s2", "s3");
const resetId = fc.constantFrom("r1", "r2", "r3");

/** Which token a fenced command carries, resolved against the core's state when it runs. */
type TokenChoice = "none" | "current" | "older" | "newer";
const tokenChoice = fc.constantFrom<TokenChoice>("none", "current", "current", "older", "newer");

type Fenced =
  | { readonly _tag: "FinishSync"; mr: string; syncId: string; outcome: "ok" | "failed"; token: TokenChoice }
  | { readonly _tag: "BeginReset" | "FinishReset"; mr: string; resetId: string; token: TokenChoice }
  | { readonly _tag: "Heartbeat"; mr: string; token: TokenChoice };
type Command =
  | Exclude<SyncCommand, { _tag: Fenced["_tag"] }>
  | Fenced
  | { readonly _tag: "Sleep"; readonly ms: number };

/** `cmd` with its token choice resolved against `model` (the MR's lease token, one below or above it). */
function resolve(model: Core.State, cmd: Exclude<Command, { _tag: "Sleep" }>): SyncCommand {
  if (!("token" in cmd)) return cmd;
  const current = model.mrs[cmd.mr]?.lease?.token ?? model.lastToken;
  const token = { none: undefined, current, older: Math.max(0, current - 1), newer: current + 1 }[cmd.token];
  if (cmd._tag === "Heartbeat") return { ...cmd, token: token ?? current };
  return { ...cmd, token };
}

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("StartSync" as const), mr, syncId }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("FinishSync" as const),
      mr,
      syncId,
      outcome: fc.constantFrom("ok" as const, "failed" as const),
      token: tokenChoice,
    }),
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("ScheduleReset" as const), mr, resetId }) },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constantFrom("BeginReset" as const, "FinishReset" as const),
      mr,
      resetId,
      token: tokenChoice,
    }),
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Heartbeat" as const), mr, token: tokenChoice }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Expire" as const), mr }) },
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constant("Sleep" as const), ms: fc.integer({ min: 0, max: 12 }) }),
  },
);

describe("SyncCoordinator on Redis conforms to the core SyncCoordinator (property)", () => {
  const redis = useRedis();
  let runs = 0;

  for (const [label, config] of MODES) {
    it(`${label}: every command gives the core's result and effects and leaves the core's state`, async () => {
      const client = redis.client();
      let modeRuns = 0;
      const seen = { reclaims: 0, stale: 0, renewed: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
          runs += 1;
          modeRuns += 1;
          const coordinator = await RedisSyncCoordinator.open(client, {
            name: `conf-${runs}`,
            config,
            enqueueReset: () => {
              throw new Error("apply() hands out no effect");
            },
          });
          let model = Core.initial(config);
          expect((await coordinator.snapshot()).state).toEqual(model);
          let lastAtMs = 0;
          for (const cmd of commands) {
            if (cmd._tag === "Sleep") {
              await sleep(cmd.ms); // so markers and leases expire
              continue;
            }
            const event = resolve(model, cmd);
            const { atMs, result, effects } = await coordinator.apply(event);
            expect(atMs).toBeGreaterThanOrEqual(lastAtMs);
            lastAtMs = atMs;
            const step = Core.transition(model, { ...event, atMs } as Core.Event);
            const lease = model.mrs[event.mr]?.lease;
            if (lease != null && atMs >= lease.expiresAtMs) seen.reclaims += 1;
            if (step.result._tag === "Stale") seen.stale += 1;
            if (step.result._tag === "Renewed") seen.renewed += 1;
            expect(result).toEqual(step.result);
            expect(effects).toEqual(step.effects);
            model = step.state;
            expect((await coordinator.snapshot()).state).toEqual(model);
          }
        }),
        { numRuns: 200 },
      );
      expect(modeRuns).toBeGreaterThanOrEqual(200);
      // The runs reached the lease paths: reclaims of expired orders, stale tokens, renewals.
      expect(seen.reclaims).toBeGreaterThan(0);
      expect(seen.stale).toBeGreaterThan(0);
      expect(seen.renewed).toBeGreaterThan(0);
      console.log(`${label}: lease paths reached ${JSON.stringify(seen)}`);
    }, 120_000);
  }
});
