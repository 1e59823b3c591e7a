// Waiting for a Redis connection with a bound: the machines' `open` calls it before their first command, so a
// client pointed at a Redis that is not there fails within 2 s (it waits 1.5 s) with one line naming the address,
// instead of queueing
// the command while ioredis retries (its default gives up after 20 retries, about 73 s, with
// MaxRetriesPerRequestError, and a client with retries unbounded never does).

import type { Cluster, Redis } from "ioredis";

/** How long `open` waits for the client to connect before it fails with {@link RedisUnreachableError}. */
export const CONNECT_WAIT_MS_DEFAULT = 1_500;

/**
 * The client did not connect within the wait (or was closed). Nothing was sent; the client is left as it was
 * (it may go on retrying on its own; `quit` or `disconnect` it to stop that).
 */
export class RedisUnreachableError extends Error {
  override readonly name = "RedisUnreachableError";
  constructor(
    /** Where the client connects, e.g. `redis://127.0.0.1:1`. */
    readonly address: string,
    /** Why, e.g. `no connection within 1500 ms (connect ECONNREFUSED 127.0.0.1:1)` or `the client is closed`. */
    readonly why: string,
  ) {
    super(`cannot reach Redis at ${address}: ${why}`);
  }
}

/** The address `redis` connects to, as a URL without credentials (`redis://host:port`, `rediss://…`, a socket). */
export function addressOf(redis: Redis | Cluster): string {
  if ("isCluster" in redis && redis.isCluster) {
    const nodes = (redis as unknown as { startupNodes?: readonly unknown[] }).startupNodes ?? [];
    const named = nodes.map((n) =>
      typeof n === "object" && n !== null
        ? `${(n as { host?: string }).host ?? "localhost"}:${(n as { port?: number }).port ?? 6379}`
        : String(n),
    );
    return `redis cluster ${named.join(",") || "(no startup nodes)"}`;
  }
  const o = (redis as Redis).options;
  if (o.path !== undefined && o.path !== null && o.path !== "") return `unix:${o.path}`;
  return `${o.tls === undefined ? "redis" : "rediss"}://${o.host ?? "localhost"}:${o.port ?? 6379}`;
}

/**
 * Resolves once `redis` is connected and ready (at once when it already is; a lazy client is told to connect).
 *
 * @throws {@link RedisUnreachableError} naming the address when it is not ready within `waitMs` (default
 *   {@link CONNECT_WAIT_MS_DEFAULT}), with the last connection error seen, or when the client was closed.
 */
export async function awaitReady(redis: Redis | Cluster, waitMs = CONNECT_WAIT_MS_DEFAULT): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "end") throw new RedisUnreachableError(addressOf(redis), "the client is closed");
  let lastError: Error | null = null;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  let onError: ((e: Error) => void) | undefined;
  let onEnd: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = () => resolve();
      onError = (e) => {
        lastError = e;
      };
      onEnd = () => reject(new RedisUnreachableError(addressOf(redis), closedWhy(lastError)));
      redis.on("ready", onReady);
      redis.on("error", onError);
      redis.on("end", onEnd);
      timer = setTimeout(() => {
        const seen = lastError === null ? "" : ` (${(lastError as Error).message})`;
        reject(new RedisUnreachableError(addressOf(redis), `no connection within ${waitMs} ms${seen}`));
      }, waitMs);
      if (redis.status === "wait") redis.connect().catch(() => {});
    });
  } finally {
    clearTimeout(timer);
    if (onReady !== undefined) redis.off("ready", onReady);
    if (onError !== undefined) redis.off("error", onError);
    if (onEnd !== undefined) redis.off("end", onEnd);
  }
}

function closedWhy(lastError: Error | null): string {
  return lastError === null ? "the client closed" : `the client gave up (${lastError.message})`;
}
