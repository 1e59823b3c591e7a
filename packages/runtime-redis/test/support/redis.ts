// The tests' private Redis: the package's testing entry (src/testing/), shared with the benchmarks, and
// `useRedis`, the one place a test file starts and stops it.

import { afterAll, beforeAll } from "vitest";
import { type RedisOptions, startRedis, type TestRedis } from "../../src/testing/index.js";

export * from "../../src/testing/index.js";

/**
 * A private Redis for the calling test file (or `describe` block): started in a `beforeAll`, stopped in an
 * `afterAll` after `cleanup` (e.g. killing the block's child processes) and after the block's own `afterAll`
 * hooks, which run first. The returned object stands for the server once it is started; reading it before
 * (at module load) throws.
 */
export function useRedis(options: RedisOptions = {}, cleanup?: () => Promise<void>): TestRedis {
  let current: TestRedis | undefined;
  beforeAll(async () => {
    current = await startRedis(options);
  });
  afterAll(async () => {
    await cleanup?.();
    await current?.stop();
  });
  return new Proxy({} as TestRedis, {
    get: (_, property) => {
      if (current === undefined) throw new Error("useRedis: the Redis starts in beforeAll");
      const value = current[property as keyof TestRedis];
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
