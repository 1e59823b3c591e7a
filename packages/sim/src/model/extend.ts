/**
 * `extendMachine`: a core machine plus events of a scenario's own, typed. A seed's bug often lives in a
 * statement the core does not have — a `DELETE … WHERE claimed_by = $worker` that checks ownership by worker
 * id instead of by claim token — and that statement needs fields the core's events do not carry (the
 * caller's identity). The core stays as it is (the Redis runtime runs the same transitions); the scenario
 * widens the machine's event type instead, one handler per added `_tag`.
 */
import { assert } from "@interleave/core";

/** One transition's outcome, as a machine returns it. */
export interface TransitionOf<S, R, F> {
  readonly state: S;
  readonly result: R;
  readonly effects: readonly F[];
}

/** A machine as the store takes it: a pure `transition`. */
export interface TransitionMachine<S, E, R, F> {
  transition(state: S, event: E): TransitionOf<S, R, F>;
}

/**
 * A handler of an added event: the base machine's state, the event (annotate its type: it becomes part of the
 * extended machine's event type), and the base machine's `transition` to delegate to. Pure, like a core
 * transition.
 */
export type AddedHandler<S, E, R, F> = (
  state: S,
  // biome-ignore lint/suspicious/noExplicitAny: each handler declares its own event type; AddedEvent recovers it.
  event: any,
  base: (state: S, event: E) => TransitionOf<S, R, F>,
) => TransitionOf<S, unknown, F>;

/** The union of the events the handlers `H` take. */
export type AddedEvent<H> = {
  // biome-ignore lint/suspicious/noExplicitAny: matches any handler to read its event parameter.
  [K in keyof H]: H[K] extends (state: any, event: infer X, ...rest: any[]) => unknown ? X : never;
}[keyof H];

/** The union of the results the handlers `H` return. */
export type AddedResult<H> = {
  // biome-ignore lint/suspicious/noExplicitAny: matches any handler to read its result.
  [K in keyof H]: H[K] extends (...args: any[]) => { readonly result: infer X } ? X : never;
}[keyof H];

/**
 * `base` with more events: an event whose `_tag` is a key of `handlers` goes to that handler, every other
 * event to `base.transition`. The result's event type is `E | AddedEvent<H>` and its result type
 * `R | AddedResult<H>`, so `tx`, `txAt` and `view.lastOn` check and narrow them like the core's own.
 * A handler may take a `_tag` of the base machine to replace it (the buggy statement in place of the core's).
 * Throws (a scenario bug) when `handlers` is empty or a handler is not a function.
 *
 * @example
 * // Seed-style bug: ownership checked by worker id (`claimed_by = $worker`), not by claim token.
 * const queue = extendMachine(ClaimQueue, {
 *   AckByHolder: (state, event: { _tag: "AckByHolder"; scope: string; holder: string; token: number; atMs: number }, base) => {
 *     const claim = state.items[event.scope]?.claim;
 *     if (claim?.holder !== event.holder) return { state, effects: [], result: { _tag: "NotOwner", scope: event.scope } };
 *     return base(state, { _tag: "Ack", scope: event.scope, token: claim.token, atMs: event.atMs });
 *   },
 * });
 * const ref = world.store("queue", queue, ClaimQueue.initial(config));
 * yield* txAt(ref)((atMs) => ({ _tag: "AckByHolder", scope, holder: "worker-1", token, atMs }));
 */
export function extendMachine<
  S,
  E extends { readonly _tag: string },
  R,
  F,
  H extends Readonly<Record<string, AddedHandler<S, E, R, F>>>,
>(
  base: TransitionMachine<S, E, R, F>,
  handlers: H,
): TransitionMachine<S, E | AddedEvent<H>, R | AddedResult<H>, F> {
  const tags = Object.keys(handlers);
  assert(tags.length > 0, "extendMachine: give at least one handler");
  for (const tag of tags) {
    assert(typeof handlers[tag] === "function", `extendMachine: the handler of "${tag}" is not a function`);
  }
  const baseTransition = (state: S, event: E) => base.transition(state, event);
  return {
    transition(state, event) {
      const tag = (event as { readonly _tag: string })._tag;
      const handler = Object.hasOwn(handlers, tag) ? handlers[tag] : undefined;
      if (handler === undefined) return base.transition(state, event as E);
      return handler(state, event, baseTransition) as TransitionOf<S, R | AddedResult<H>, F>;
    },
  };
}
