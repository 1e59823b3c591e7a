/**
 * `@interleave/sim/redis`: the simulated Redis for running real code in the world — the server machine
 * (server.ts, real Lua in fengari), its wire types (protocol.ts), the keyspace's data shapes (keyspace.ts), the
 * ioredis-compatible client over a transport (client.ts), a transport that applies commands at once
 * (direct-transport.ts, for tests and for running ioredis code without a world), and `simRedis`, the server
 * declared in a world (world.ts). A plain list of exports.
 */

export {
  type ResolvedSimRedisOptions,
  SimRedis,
  type SimRedisOptions,
  type SimRedisStatus,
} from "./client.js";
export { COMMAND_NAMES, type CommandReplies } from "./client-commands.js";
export {
  AbortError,
  type Callback,
  CONNECTION_CLOSED_ERROR_MSG,
  type CommandArg,
  MaxRetriesPerRequestError,
  ReplyError,
  SimCommand,
  SimScript,
} from "./command.js";
export {
  type DirectTransport,
  type DirectTransportOptions,
  directTransport,
  type RedisServerMachine,
} from "./direct-transport.js";
export { luaNumberText } from "./fengari.js";
export type { RedisKeyspace, RedisValue } from "./keyspace.js";
export { sha1hex } from "./lua.js";
export { type PipelineResult, SimPipeline } from "./pipeline.js";
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
export { redisProtocol, type SimRedisServer, simRedis } from "./world.js";
