/**
 * @interleave/runtime-redis/testing — helpers for the tests and benchmarks of services built on the runtime:
 * a private `redis-server` per test file on a free loopback port (never the shared 6379), with the process
 * faults a fault test needs (pause, resume, kill and restart), a private three-master Redis Cluster, and a hook
 * that substitutes one of the runtime's Lua scripts on a client (for harnesses that plant a bug to check their
 * checker: bench/chaos/). Not for production code.
 *
 * @example
 * const redis = await startRedis();
 * const leases = new LeaseManager(redis.client(), { leaseTtlMs: 1_000 });
 * // …
 * await redis.stop();
 */

export { type ClusterNode, startCluster, type TestCluster } from "./redis-cluster.js";
export {
  connect,
  freePort,
  hasRedisServer,
  type RedisOptions,
  startRedis,
  type TestRedis,
} from "./redis-server.js";
export { shippedScriptSource, substituteScript } from "./scripts.js";
