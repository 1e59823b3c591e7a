// The supersession policy of the runtime's mailbox tests: a fixture, not seed 003's table (that one is
// scenario data in scenarios/membership-orders). Generic kinds, and every cell the core knows — queue, cancel,
// cancel+coalesce, coalesce, drop — with a never-cancelled kind, so the Lua's policy interpretation is
// exercised on each of them.
//
//   in flight ↓ / incoming →  Replace          Remove   Resume  Pause   Patch
//   Replace                   cancel+coalesce  cancel   queue   queue   coalesce
//   Remove (never cancelled)  queue            coalesce queue   queue   queue
//   Resume                    queue            cancel   queue   cancel  queue
//   Pause                     queue            cancel   cancel  queue   queue
//   Patch                     cancel+coalesce  cancel   queue   queue   drop
//
// A newer Replace supersedes the running one and the Replaces waiting; a Remove cancels anything but a Remove;
// Resume and Pause cancel each other; a Patch while a Patch runs (and nothing waits) is a duplicate.

import { Mailbox as Core } from "@interleave/core";

/** The kinds the fixture serialises per key; index order is used by the process tests' order mix. */
export const KINDS = ["Replace", "Remove", "Resume", "Pause", "Patch"] as const;
export type Kind = (typeof KINDS)[number];

/** The fixture policy (see the table above). */
export const RICH_POLICY: Core.Policy = Core.policy({
  name: "rich-fixture",
  kinds: KINDS,
  neverCancel: ["Remove"],
  matrix: {
    Replace: {
      Replace: "cancel+coalesce",
      Remove: "cancel",
      Resume: "queue",
      Pause: "queue",
      Patch: "coalesce",
    },
    Remove: { Replace: "queue", Remove: "coalesce", Resume: "queue", Pause: "queue", Patch: "queue" },
    Resume: { Replace: "queue", Remove: "cancel", Resume: "queue", Pause: "cancel", Patch: "queue" },
    Pause: { Replace: "queue", Remove: "cancel", Resume: "cancel", Pause: "queue", Patch: "queue" },
    Patch: { Replace: "cancel+coalesce", Remove: "cancel", Resume: "queue", Pause: "queue", Patch: "drop" },
  },
});

/** A FIFO mailbox config (kind `Sync`, small bounds) for the single-node and cluster mailbox tests. */
export const FIFO: Core.Config = {
  policy: Core.fifoPolicy(["Sync"]),
  inFlightMax: 3,
  pendingPerKeyMax: 20,
  keylessPendingMax: 4,
  keyCountMax: 10,
};
/** {@link FIFO}'s bounds with {@link RICH_POLICY} (a Replace supersedes a running Replace). */
export const RICH: Core.Config = { ...FIFO, policy: RICH_POLICY };

/** Waits until `condition()` holds; fails (never times an assertion) when it does not within 15 s. */
export async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1500; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
