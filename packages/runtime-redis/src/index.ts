/**
 * @interleave/runtime-redis — the production runtime for @interleave/core on Redis. The same `transition`
 * functions the simulator explored run here, applied atomically per key with the Redis server's clock.
 */
export { REDIS_SERVER_MISSING } from "./errors.js";
