/**
 * `@interleave/sim/redis`: the simulated Redis — its wire types, the ioredis-compatible client over a transport,
 * and a transport that applies commands at once (for tests and for running ioredis code without a world).
 */

export {
  type ResolvedSimRedisOptions,
  SimRedis,
  type SimRedisOptions,
  type SimRedisStatus,
} from "./client.js";
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
export { COMMAND_NAMES, type CommandReplies } from "./commands.js";
export {
  type DirectTransport,
  type DirectTransportOptions,
  directTransport,
  type RedisServerMachine,
} from "./direct-transport.js";
export { type PipelineResult, SimPipeline } from "./pipeline.js";
export * from "./protocol.js";
