// The shape every machine's Effect API shares, written once: a layer that opens the machine (failing with the
// open's error), and a runner that runs a caller's effect from inside a Promise API (a handler, a sync's work)
// with the caller's context and an AbortSignal that interrupts it.

import { Cause, type Context, Effect, Exit, Layer } from "effect";

/** `error` as an `Error` (a non-Error rejection is wrapped). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The layer function of a machine: given `open`'s arguments, a layer providing `service` with the machine
 * `open(...args)` resolves to; it fails to build with `open`'s error (e.g. the core's `InvalidConfigError`,
 * `InvalidNameError`, `ConfigMismatchError`).
 */
export function openLayer<I, S, A extends readonly unknown[]>(
  service: Context.Key<I, S>,
  open: (...args: A) => Promise<S>,
): (...args: A) => Layer.Layer<I, Error> {
  return (...args) => Layer.effect(service)(Effect.tryPromise({ try: () => open(...args), catch: toError }));
}

/** Runs an effect needing `R` to its `Exit`; aborting `signal` interrupts it. */
export type Runner<R> = <A, E>(
  effect: Effect.Effect<A, E, R>,
  signal?: AbortSignal,
) => Promise<Exit.Exit<A, E>>;

/** A {@link Runner} over the calling fiber's context, for the Promise APIs the Effect APIs wrap. */
export function runner<R>(): Effect.Effect<Runner<R>, never, R> {
  return Effect.map(Effect.context<R>(), (context) => {
    const runExit = Effect.runPromiseExitWith(context);
    return (effect, signal) => runExit(effect, signal === undefined ? undefined : { signal });
  });
}

/**
 * How a handler effect ended, for a runtime loop that takes a Promise handler: its value, or `"interrupted"`
 * (the loop aborted it: its claim or order was lost or cancelled), or the pretty-printed failure.
 */
export function handlerEnd<A, E>(
  exit: Exit.Exit<A, E>,
): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly why: string } {
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value };
  return { ok: false, why: Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : Cause.pretty(exit.cause) };
}
