/** Helpers shared by the benchmarks: the median of a sample, and the Redis EVALSHA ceiling. */
import { execFileSync } from "node:child_process";
import type { TestRedis } from "@interleave/runtime-redis/testing";

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `redis-benchmark -p <port> -c <clients> -n <n> -q EVALSHA <sha> 0` → requests per second. */
export function evalshaCeiling(redis: TestRedis, sha: string, clients: number, n: number): number {
  const out = execFileSync(
    "redis-benchmark",
    [
      "-h",
      redis.host,
      "-p",
      String(redis.port),
      "-c",
      String(clients),
      "-n",
      String(n),
      "-q",
      "EVALSHA",
      sha,
      "0",
    ],
    { encoding: "utf8" },
  );
  const match = /([\d.]+) requests per second/.exec(out);
  if (match === null) throw new Error(`cannot parse redis-benchmark output: ${out}`);
  return Number(match[1]);
}
