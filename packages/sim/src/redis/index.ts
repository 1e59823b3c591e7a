/**
 * @interleave/sim/redis — the simulated Redis for running real code in the world: the server machine
 * (server.ts), its wire types (protocol.ts) and the keyspace's data shapes (keyspace.ts). A plain list of
 * exports; the ioredis-compatible client adds its own here.
 */

export { luaNumberText } from "./fengari.js";
export type { RedisKeyspace, RedisValue } from "./keyspace.js";
export { sha1hex } from "./lua.js";
export {
  type ConnectionHandlers,
  isErrorReply,
  REDIS_EPOCH_MS,
  type RedisConnection,
  type RedisErrorReply,
  type RedisEvent,
  type RedisPush,
  type RedisReply,
  type RedisTransport,
} from "./protocol.js";
export {
  initialRedisState,
  liveKeys,
  type RedisPersistence,
  type RedisServerOptions,
  type RedisSnapshot,
  type RedisState,
  redisServer,
  restartLosses,
  unpersistedKeys,
} from "./server.js";
