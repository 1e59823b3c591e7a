/**
 * Sync or async, one code path. A run whose world holds async tasks (real `async` code) must let the microtask
 * queue drain between its steps, which only an `await` can do; a run of generator processes needs none. So the
 * world, and every search that runs worlds (explore, exhaustive, shrink, record, replay), is written once as a
 * generator of type {@link Sim}: it yields {@link SETTLE} where the microtask queue must drain and returns its
 * result. {@link runSync} drives it without awaiting (and fails with {@link AsyncTasksError} at the first
 * `SETTLE`); {@link runAsync} awaits a macrotask turn at each `SETTLE`. The same technique as the `gensync`
 * package, written out here because it is three functions.
 */

/** Yielded by a {@link Sim} where the microtask queue must drain before it goes on. */
export const SETTLE: unique symbol = Symbol("interleave.settle");
export type Settle = typeof SETTLE;

/** A computation that is synchronous unless it meets async tasks: see the module comment. */
export type Sim<T> = Generator<Settle, T, void>;

/** A run with async tasks was driven by a synchronous entry point (`runWorld`, `exploreVariant`, …). */
export class AsyncTasksError extends Error {
  override readonly name = "AsyncTasksError";
  constructor(what: string) {
    super(
      `${what} runs async tasks (world.task), which need the async API: use the *Async function of the same name, or the CLI`,
    );
  }
}

/** Drive `sim` synchronously. Throws {@link AsyncTasksError} (naming `what`) if it yields {@link SETTLE}. */
export function runSync<T>(sim: Sim<T>, what: string): T {
  const r = sim.next();
  if (r.done === true) return r.value;
  sim.return(undefined as T);
  throw new AsyncTasksError(what);
}

// Captured when this module loads, before any simulated run may replace the global (async/globals.ts).
const realSetImmediate = globalThis.setImmediate;

/** Resolves after one macrotask turn: every microtask (and `process.nextTick`) queued before has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Drive `sim`, awaiting {@link settle} at each {@link SETTLE}. */
export async function runAsync<T>(sim: Sim<T>): Promise<T> {
  for (;;) {
    const r = sim.next();
    if (r.done === true) return r.value;
    await settle();
  }
}
