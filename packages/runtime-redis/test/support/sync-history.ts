// The history check of the sync coordinator's tests: a sync or reset body's execution interval, stamped with
// the Redis server's `TIME` (µs), and the one property the serial coordinator promises about them.

/** One sync or reset body's execution, start and end in server µs. */
export interface Interval {
  readonly mr: string;
  readonly kind: "sync" | "reset";
  readonly startUs: number;
  readonly endUs: number;
}

/** The pairs (sync, reset) of one MR whose execution intervals overlap: empty when no reset ran during a sync. */
export function overlaps<I extends Interval>(history: readonly I[]): [I, I][] {
  const out: [I, I][] = [];
  for (const sync of history.filter((i) => i.kind === "sync")) {
    for (const reset of history.filter((i) => i.kind === "reset" && i.mr === sync.mr)) {
      if (sync.startUs < reset.endUs && reset.startUs < sync.endUs) out.push([sync, reset]);
    }
  }
  return out;
}
