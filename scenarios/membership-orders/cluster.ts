/**
 * A model of the Kubernetes API objects a membership order reconciles, as a store machine: each stack owns
 * four objects (`namespace`, `config`, `modules`, `status`). One event is one API request, applied
 * atomically; a handler's read-modify-write of an object is a `Get` and a later `Create` / `Patch`, so
 * requests of two handlers can interleave between them — the seed's race. A `Patch` is a merge patch
 * without a resourceVersion precondition, like the seed's PATCH: it silently overwrites a newer write.
 *
 * Every request names the order it was made for (`order`), so properties can tell whose write it was.
 * `Canceled` is a request that the client refused to send because the caller's context was already
 * cancelled (client-go checks `ctx.Err()` before sending); it changes nothing.
 */

/** The objects of one stack, in the order the ExistingStack handler syncs them. */
export const OBJECTS = ["namespace", "config", "modules", "status"] as const;
export type ObjectName = (typeof OBJECTS)[number];

/** One API object: the snapshot `version` that last wrote it; `enabled` is meaningful on `modules` only. */
export interface ApiObject {
  readonly version: number;
  readonly enabled: boolean;
}

/** The objects of one stack by name; an absent entry is an object that does not exist. */
export type StackObjects = Readonly<Partial<Record<ObjectName, ApiObject>>>;

/** All objects, by stack then object name; a stack with no objects has no entry. */
export interface ClusterState {
  readonly objects: Readonly<Record<string, StackObjects>>;
}

interface Request {
  readonly stack: string;
  readonly object: ObjectName;
  /** Id of the order whose handler made the request. */
  readonly order: string;
}

export type ClusterEvent =
  | ({ readonly _tag: "Get" } & Request)
  | ({ readonly _tag: "Create"; readonly value: ApiObject } & Request)
  | ({ readonly _tag: "Patch"; readonly value: Partial<ApiObject> } & Request)
  | ({ readonly _tag: "Delete" } & Request)
  | ({ readonly _tag: "Canceled"; readonly request: "Get" | "Create" | "Patch" | "Delete" } & Request);

export type ClusterResult =
  | { readonly _tag: "Found"; readonly object: ApiObject }
  | { readonly _tag: "Created" }
  | { readonly _tag: "Patched" }
  | { readonly _tag: "Deleted" }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "AlreadyExists" }
  | { readonly _tag: "ContextCanceled" };

/** The object `object` of `stack`, or `undefined` when it does not exist. */
export function objectOf(state: ClusterState, stack: string, object: ObjectName): ApiObject | undefined {
  const objects = Object.hasOwn(state.objects, stack) ? state.objects[stack] : undefined;
  return objects?.[object];
}

/** `state` with `object` of `stack` set to `value`, or removed when `value` is undefined. */
function withObject(
  state: ClusterState,
  stack: string,
  object: ObjectName,
  value: ApiObject | undefined,
): ClusterState {
  const objects: Partial<Record<ObjectName, ApiObject>> = {
    ...(Object.hasOwn(state.objects, stack) ? state.objects[stack] : {}),
  };
  if (value === undefined) delete objects[object];
  else objects[object] = value;
  const stacks: Record<string, StackObjects> = { ...state.objects };
  if (Object.keys(objects).length === 0) delete stacks[stack];
  else stacks[stack] = objects;
  return { objects: stacks };
}

/** The API server: Get / Create (fails if it exists) / Patch (merge; fails if absent) / Delete (fails if absent). */
export const cluster = {
  transition(
    state: ClusterState,
    event: ClusterEvent,
  ): { state: ClusterState; effects: readonly never[]; result: ClusterResult } {
    const current = objectOf(state, event.stack, event.object);
    const same = (result: ClusterResult) => ({ state, effects: [], result });
    switch (event._tag) {
      case "Get":
        return same(current === undefined ? { _tag: "NotFound" } : { _tag: "Found", object: current });
      case "Create":
        if (current !== undefined) return same({ _tag: "AlreadyExists" });
        return {
          state: withObject(state, event.stack, event.object, event.value),
          effects: [],
          result: { _tag: "Created" },
        };
      case "Patch":
        if (current === undefined) return same({ _tag: "NotFound" });
        return {
          state: withObject(state, event.stack, event.object, { ...current, ...event.value }),
          effects: [],
          result: { _tag: "Patched" },
        };
      case "Delete":
        if (current === undefined) return same({ _tag: "NotFound" });
        return {
          state: withObject(state, event.stack, event.object, undefined),
          effects: [],
          result: { _tag: "Deleted" },
        };
      case "Canceled":
        return same({ _tag: "ContextCanceled" });
    }
  },
};
