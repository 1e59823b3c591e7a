/**
 * `interleave check --all`, one test per registered model (./models.ts): a fixed model is verified — the search
 * completed, no bound cut — with the distinct-state count pinned here (a change to a model or to its machine
 * that changes the space shows up as a changed count, to be explained); a model of a buggy behaviour is a
 * violation with a shortest counterexample of the pinned length. The registered models are checked here only;
 * the family tests beside each model check smaller instances, non-vacuity and the counterexamples' content.
 */
import { describe, expect, it } from "vitest";
import models from "./models.js";

/** Distinct states of each verified model, and the length of each violation's shortest counterexample. */
const PINNED: Readonly<Record<string, { readonly states: number } | { readonly inputs: number }>> = {
  lease: { states: 95_047 },
  "lease-unguarded-release": { inputs: 6 },
  "lease-processes": { states: 236_254 },
  "lease-processes-unguarded-release": { inputs: 11 },
  "claim-queue": { states: 139_644 },
  "claim-queue-updated-at-guard": { inputs: 5 },
  "claim-queue-retry-without-recheck": { inputs: 8 },
  "merge-gate": { states: 309_857 },
  "merge-gate-rebase-when-behind": { states: 272_177 },
  "merge-gate-corrupt-lease": { states: 135_841 },
  "merge-gate-timeout-backstop": { states: 153_171 },
  "merge-gate-ambiguous-behind": { states: 148_206 },
  "merge-gate-ambiguous-as-current": { inputs: 9 },
  "merge-gate-blind-merge": { inputs: 2 },
  "merge-gate-stale-reclaim-without-fencing": { inputs: 14 },
  "merge-gate-tc17-skip": { inputs: 19 },
  "merge-gate-failed-redrive": { inputs: 22 },
  mailbox: { states: 70_866 },
  "mailbox-fifo": { states: 40_206 },
  "mailbox-dedupe": { states: 43_898 },
  "mailbox-pool-without-mailbox": { inputs: 2 },
  "mailbox-cancel-without-successor": { inputs: 2 },
  "mailbox-no-cancel-check": { inputs: 2 },
  "mailbox-captured-ctx": { inputs: 3 },
  "sync-coordinator-flag-off": { states: 10_863 },
  "sync-coordinator-entry-check": { states: 62_092 },
  "sync-coordinator-serial": { states: 38_384 },
  "sync-coordinator-flag-off-reset-during-sync": { inputs: 6 },
  "sync-coordinator-legacy-ttl": { inputs: 6 },
  "sync-coordinator-entry-check-reset-during-sync": { inputs: 4 },
  "sync-coordinator-no-entry-check": { inputs: 3 },
  "sync-coordinator-serial-recovery": { states: 172_776 },
  "sync-coordinator-serial-no-lease": { inputs: 4 },
  "sync-coordinator-serial-unfenced-reset-worker": { inputs: 7 },
  "task-deps": { states: 82_012 },
  "task-deps-ignoring-deps": { inputs: 3 },
  "task-deps-no-cycle-detection": { inputs: 2 },
  "fenced-resource": { states: 217_644 },
  "fenced-resource-unfenced-write": { inputs: 7 },
};

/** The machines of @interleave/core (packages/core/src/index.ts): each must have a model. */
const CORE_MACHINES = [
  "Lease",
  "FencedResource",
  "ClaimQueue",
  "Mailbox",
  "SyncCoordinator",
  "MergeGate",
  "TaskDeps",
];

describe("interleave check --all: every core machine's models", () => {
  it("covers every machine of @interleave/core, with a pinned figure for every model", () => {
    const machines = new Set(models.flatMap((m) => m.machine.split(/\s*\+\s*/)));
    for (const machine of CORE_MACHINES) expect(machines).toContain(machine);
    expect(models.map((m) => m.name).sort()).toEqual(Object.keys(PINNED).sort());
  });

  for (const model of models) {
    const pinned = PINNED[model.name];
    const what = pinned !== undefined && "states" in pinned ? "verified" : "a violation";
    it(`${model.name} (${model.machine}, expect ${model.expect}): ${what}`, () => {
      const { result, counterexample, path } = model.check();
      if (model.expect === "pass") {
        if (result._tag === "Violation") throw new Error(`${model.name}: ${counterexample}`);
        expect(result._tag, result._tag === "Bounded" ? result.message : "").toBe("Verified");
        expect({ states: result.states }).toEqual(pinned);
      } else {
        expect(result._tag).toBe("Violation");
        expect({ inputs: (path?.length ?? 0) - 1 }).toEqual(pinned);
      }
    });
  }
});
