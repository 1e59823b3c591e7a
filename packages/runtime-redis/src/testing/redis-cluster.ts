/**
 * A private three-master Redis Cluster for tests (`@interleave/runtime-redis/testing`): `startCluster()` starts three `redis-server` processes on free
 * loopback ports with `--cluster-enabled yes` (nothing saved: `--save "" --appendonly no`), each in its own
 * temporary directory, joins them with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`
 * (16384 slots split in three), waits for `cluster_state:ok` on every node, and returns an ioredis `Cluster`
 * client factory and `stop()`. `REDIS_URL` is not used (a cluster needs servers this test starts). Without
 * `redis-server` on PATH it fails with one line saying how to get it.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { REDIS_SERVER_MISSING } from "../shared/errors.js";
import { freePort, hasRedisServer, killServer, launchServer } from "./redis-server.js";

const execFileAsync = promisify(execFile);

/** One master of the test cluster. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

/** A three-master Redis Cluster for one test file. */
export interface TestCluster {
  /** The three masters, in start order. */
  readonly nodes: readonly ClusterNode[];
  /** A new ioredis `Cluster` client over the nodes (closed by `stop`). */
  client(): Cluster;
  /** A plain client on one node (for `CLUSTER KEYSLOT`, `CLUSTER NODES`; closed by `stop`). */
  nodeClient(node: ClusterNode): Redis;
  /** Stop the servers, close the clients, remove the directories. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster (see the module comment).
 *
 * @throws an `Error` with {@link REDIS_SERVER_MISSING} when `redis-server` is not on PATH; an `Error` with the
 *   server's last output line when a node does not start, or when the cluster is not `ok` within 20 s.
 */
export async function startCluster(): Promise<TestCluster> {
  if (!hasRedisServer()) throw new Error(REDIS_SERVER_MISSING);
  const host = "127.0.0.1";
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  const clients: (Redis | Cluster)[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(procs.map(killServer));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes: ClusterNode[] = [];
    while (nodes.length < 3) {
      const port = await freePort();
      if (nodes.some((n) => n.port === port)) continue;
      const dir = mkdtempSync(join(tmpdir(), "interleave-redis-cluster-"));
      dirs.push(dir);
      // Cluster nodes also listen on port + 10000 (the cluster bus); a busy bus port fails the start.
      procs.push(
        await launchServer(
          [
            "--port",
            String(port),
            "--bind",
            host,
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir,
          ],
          port,
          "redis-server (cluster node)",
        ),
      );
      nodes.push({ host, port });
    }
    await execFileAsync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `${n.host}:${n.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      { timeout: 20_000 },
    );
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      const probe = new Redis(node.port, node.host, { maxRetriesPerRequest: 1 });
      probe.on("error", () => {});
      try {
        for (;;) {
          const info = await probe.cluster("INFO");
          if (/cluster_state:ok/.test(String(info))) break;
          if (Date.now() > deadline) {
            throw new Error(`Redis Cluster node ${node.port} not ok within 20 s: ${String(info)}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        probe.disconnect();
      }
    }
    const track = <C extends Redis | Cluster>(client: C): C => {
      client.on("error", () => {});
      clients.push(client);
      return client;
    };
    return {
      nodes,
      client: () => track(new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })))),
      nodeClient: (node) => track(new Redis(node.port, node.host, { maxRetriesPerRequest: 3 })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
