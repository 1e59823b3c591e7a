/** The one line a user without `redis-server` on PATH gets from the tests and the benchmarks. */
export const REDIS_SERVER_MISSING =
  "redis-server was not found on PATH: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you own";
