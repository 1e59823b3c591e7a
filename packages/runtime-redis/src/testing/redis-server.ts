/**
 * A private Redis for tests and benchmarks: `startRedis()` starts its own `redis-server` on a free loopback
 * port (nothing saved unless asked: `--save "" --appendonly no`), in its own temporary directory, and stops it
 * afterwards; fault tests can pause (SIGSTOP), resume (SIGCONT), kill and restart it. When `REDIS_URL` is set
 * that server is used instead (and the process-level faults are unavailable: `owned` is false); it must answer
 * PING within 1.5 s, else `startRedis` fails with one line naming the URL. Without
 * `redis-server` on PATH it fails with one line saying how to get it. Never touches the shared 127.0.0.1:6379.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { CONNECT_WAIT_MS_DEFAULT } from "../shared/connection.js";
import { REDIS_SERVER_MISSING } from "../shared/errors.js";

export interface RedisOptions {
  /** Turn the append-only file on (`appendfsync always`), for persistence tests. Default false. */
  readonly appendonly?: boolean;
  /** Extra `redis-server` arguments, e.g. `["--cluster-enabled", "yes"]`. */
  readonly args?: readonly string[];
}

/** A Redis server for one test file. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (or `REDIS_URL`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** True when this process started the server (so it can pause, kill and restart it). */
  readonly owned: boolean;
  /** A new ioredis client for this server (closed by `stop`). */
  client(options?: { readonly lazyConnect?: boolean }): Redis;
  /** SIGSTOP / SIGCONT the server process (owned servers only). */
  pause(): void;
  resume(): void;
  /** Kill the server (SIGKILL) and start it again on the same port and directory, with the same options. */
  restart(): Promise<void>;
  /** Stop the server, close the clients, remove the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Whether `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Start a private Redis (see the module comment), or wrap `REDIS_URL` when it is set. */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const clients: Redis[] = [];
  const external = process.env.REDIS_URL;
  if (external !== undefined && external !== "") {
    let u: URL;
    try {
      u = new URL(external);
    } catch {
      throw new Error(`REDIS_URL=${external} is not a URL (expected redis://host:port)`);
    }
    await probeExternal(external);
    return {
      url: external,
      host: u.hostname,
      port: Number(u.port || 6379),
      owned: false,
      client: (o) =>
        track(
          clients,
          new Redis(external, {
            lazyConnect: o?.lazyConnect ?? false,
            maxRetriesPerRequest: 3,
            connectTimeout: CONNECT_WAIT_MS_DEFAULT,
          }),
        ),
      pause: () => notOwned("pause"),
      resume: () => notOwned("resume"),
      restart: async () => notOwned("restart"),
      stop: async () => {
        await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      },
    };
  }
  if (!hasRedisServer()) throw new Error(REDIS_SERVER_MISSING);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "interleave-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    ...(options.appendonly === true
      ? ["--appendonly", "yes", "--appendfsync", "always"]
      : ["--appendonly", "no"]),
    ...(options.args ?? []),
  ];
  let proc: ChildProcess = await launchServer(args, port);
  let stopped = false;
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    host: "127.0.0.1",
    port,
    owned: true,
    client: (o) =>
      track(
        clients,
        new Redis(port, "127.0.0.1", { lazyConnect: o?.lazyConnect ?? false, maxRetriesPerRequest: 3 }),
      ),
    pause: () => {
      proc.kill("SIGSTOP");
    },
    resume: () => {
      proc.kill("SIGCONT");
    },
    restart: async () => {
      await killServer(proc);
      proc = await launchServer(args, port);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      proc.kill("SIGCONT");
      await killServer(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Checks that the Redis at `url` (REDIS_URL) answers PING, with one connection attempt bounded by
 * {@link CONNECT_WAIT_MS_DEFAULT} (1.5 s) and no retries.
 *
 * @throws an `Error` with one line naming the URL and why (refused, timed out, not Redis) otherwise.
 */
async function probeExternal(url: string): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_WAIT_MS_DEFAULT,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: Error | null = null;
  probe.on("error", (e: Error) => {
    lastError = e;
  });
  const startedMs = Date.now();
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer within ${CONNECT_WAIT_MS_DEFAULT} ms`)),
      CONNECT_WAIT_MS_DEFAULT,
    );
    timer.unref();
  });
  try {
    await Promise.race([probe.connect().then(() => probe.ping()), timeout]);
  } catch (error) {
    // ioredis rejects with "Connection is closed."; the connection error seen before says why
    const why = (lastError ?? (error as Error)).message;
    throw new Error(
      `REDIS_URL=${url}: no Redis answered (${why}, after ${Date.now() - startedMs} ms); unset REDIS_URL to let the tests start their own redis-server`,
    );
  } finally {
    probe.disconnect();
  }
}

function track(clients: Redis[], client: Redis): Redis {
  // Connection errors (a restart, a pause) reach the commands that fail; the event itself is expected.
  client.on("error", () => {});
  clients.push(client);
  return client;
}

function notOwned(what: string): never {
  throw new Error(
    `cannot ${what} the Redis at REDIS_URL: process-level faults need a server this test starts`,
  );
}

/**
 * Spawns `redis-server` with `args` and resolves once it answers PING on `port` (within 10 s). `what` names it
 * in errors. Used by {@link startRedis} and the cluster helper.
 *
 * @throws an `Error` with the server's last output line when it exits or does not answer in time.
 */
export async function launchServer(
  args: readonly string[],
  port: number,
  what = "redis-server",
): Promise<ChildProcess> {
  const proc = spawn("redis-server", [...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (d: Buffer) => {
    output += d.toString();
  };
  proc.stdout?.on("data", append);
  proc.stderr?.on("data", append);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(
        `${what} on port ${port} exited (${proc.exitCode}): ${output.trim().split("\n").at(-1)}`,
      );
    }
    const probe = new Redis(port, "127.0.0.1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on("error", () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") {
        probe.disconnect();
        return proc;
      }
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${what} on port ${port} did not answer PING within 10 s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILLs a server started by {@link launchServer} and resolves when it exited. */
export function killServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

/** A new ioredis client for `url` (e.g. a `TestRedis`'s `url` handed to a child process). */
export function connect(url: string): Redis {
  return new Redis(url);
}
