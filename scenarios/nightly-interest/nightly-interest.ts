/**
 * nightly-interest — a small service of the kind users write on `LeaseManager.withLease`, with the bug in the
 * user's code, not in interleave's. Two instances of a billing service each try to run the nightly interest job
 * for one account under the lease `interest:2026-01-01`: read the ledger, skip if that night was applied, else
 * compute the interest (it takes a while) and apply it. An instance may stall (a GC pause) for longer than the
 * lease; the lease then goes to the other instance, which runs the job too.
 *
 * The buggy variant trusts the lease alone: it reads and applies without the grant's fencing token and never
 * looks at its `AbortSignal`, so a stalled holder that wakes up applies the night a second time. The fixed one
 * fences the ledger with the token when it reads (the ledger remembers the highest token) and applies with it,
 * so the ledger refuses the stalled holder's late apply (Kleppmann's fencing tokens, with the read fenced too).
 */
import { LeaseBusyError, LeaseLostError, LeaseManager } from "@interleave/runtime-redis";
import { constant, defineScenario } from "@interleave/sim";
import { simRedis } from "@interleave/sim/redis";
import type { Redis } from "ioredis";

/** The account's ledger: its balance, how often each night's interest was applied, the highest token seen. */
export interface LedgerState {
  readonly balance: number;
  readonly applied: Readonly<Record<string, number>>;
  readonly highestToken: number;
}

export type LedgerEvent =
  | { readonly _tag: "Read"; readonly night: string; readonly token: number | null }
  | {
      readonly _tag: "Apply";
      readonly night: string;
      readonly amount: number;
      readonly token: number | null;
    };

export type LedgerResult =
  | { readonly _tag: "Seen"; readonly applied: boolean; readonly balance: number }
  | { readonly _tag: "Applied"; readonly balance: number }
  | { readonly _tag: "Stale"; readonly highestToken: number };

/** A ledger that fences: a read or apply with a token below the highest one seen is refused; null = no fencing. */
export const ledger = {
  transition(
    s: LedgerState,
    e: LedgerEvent,
  ): { state: LedgerState; result: LedgerResult; effects: readonly never[] } {
    const done = (state: LedgerState, result: LedgerResult) => ({ state, result, effects: [] as const });
    if (e.token !== null && e.token < s.highestToken)
      return done(s, { _tag: "Stale", highestToken: s.highestToken });
    const fenced = e.token === null ? s : { ...s, highestToken: Math.max(s.highestToken, e.token) };
    if (e._tag === "Read") {
      return done(fenced, { _tag: "Seen", applied: (s.applied[e.night] ?? 0) > 0, balance: s.balance });
    }
    const state = {
      ...fenced,
      balance: s.balance + e.amount,
      applied: { ...s.applied, [e.night]: (s.applied[e.night] ?? 0) + 1 },
    };
    return done(state, { _tag: "Applied", balance: state.balance });
  },
};

export interface Options {
  /** The fix: the read and the apply carry the grant's fencing token, and the signal is checked before applying. */
  readonly fenced: boolean;
}

export const params = {
  night: "2026-01-01",
  interest: 5,
  lease: { leaseTtlMs: 3_000, heartbeatIntervalMs: 1_000 },
  computeMs: 2_000,
  /** An instance that finds the lease busy, or loses it, tries again after this long. */
  retryMs: 1_000,
  /** An instance gives up trying after this long. */
  runForMs: 20_000,
  pause: { probability: 0.05, durationMs: constant(6_000), countMax: 1 },
  livenessWithinMs: 30_000,
  horizonMs: 35_000,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Close a client; as with ioredis, QUIT rejects when the connection drops first (a restart): nothing to do then. */
const quit = (client: unknown) => (client as { quit(): Promise<unknown> }).quit().catch(() => undefined);

export default defineScenario<typeof params, Options>({
  name: "nightly-interest",
  source: "a user-style service on LeaseManager.withLease (docs/real-code.md)",
  description:
    "Two instances of a billing service run the nightly interest job under a lease (the real LeaseManager on the simulated Redis); an instance may stall past its lease.",
  params,
  runs: 300,
  variants: {
    "unfenced-job": {
      expect: "violation",
      why: "the job trusts the lease alone: a holder that stalled past its lease wakes up and applies the night again",
      options: { fenced: false },
    },
    "fenced-job": {
      expect: "pass",
      why: "the job fences the ledger with the grant's token when it reads and applies with it: the late apply is refused",
      options: { fenced: true },
    },
  },
  build(world, p, options) {
    const redis = simRedis(world, { persistence: "aof" });
    const book = world.store("ledger", ledger, { balance: 100, applied: {}, highestToken: 0 });
    for (const name of ["billing-1", "billing-2"]) {
      world.task(
        name,
        async (ctx) => {
          const client = redis.client();
          const leases = new LeaseManager(client as unknown as Redis, p.lease);
          const giveUpAt = performance.now() + p.runForMs;
          while (performance.now() < giveUpAt) {
            try {
              await leases.withLease(`interest:${p.night}`, name, async (signal, grant) => {
                const token = options.fenced ? grant.token : null;
                const seen = await ctx.call(book, { _tag: "Read", night: p.night, token });
                if (seen._tag !== "Seen" || seen.applied) return;
                await sleep(p.computeMs);
                if (options.fenced) signal.throwIfAborted();
                await ctx.call(book, { _tag: "Apply", night: p.night, amount: p.interest, token });
              });
              break;
            } catch (error) {
              // Busy: another instance holds the lease; lost: it expired under us (a stall) — try again.
              if (!(error instanceof LeaseBusyError || error instanceof LeaseLostError)) throw error;
              await sleep(p.retryMs);
            }
          }
          await quit(client);
        },
        { faults: true },
      );
    }
    world.faults({ pause: p.pause });
    world.always("a night's interest is applied at most once", (view) =>
      Object.values(view.get(book).applied).every((n) => n <= 1),
    );
    world.eventually(
      "the night's interest is applied",
      (view) => (view.get(book).applied[p.night] ?? 0) >= 1,
      { withinMs: p.livenessWithinMs },
    );
    world.horizon(p.horizonMs);
    world.finishWhen((view) => view.finished("billing-1") && view.finished("billing-2"));
  },
});
