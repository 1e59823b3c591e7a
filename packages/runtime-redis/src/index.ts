/**
 * @interleave/runtime-redis — the production runtime for @interleave/core on Redis. The same transitions the
 * simulator explored run here as Lua scripts, one per event, applied atomically per key at the Redis server's
 * clock (`TIME`) and proven equal to the core by model-based conformance tests.
 */

export {
  type ClaimedItem,
  type ClaimOutcome,
  ClaimQueue,
  type ClaimQueueOptions,
  type Counts,
  InvalidPayloadError,
  type JsonValue,
  PAYLOAD_BYTES_MAX_DEFAULT,
  PAYLOAD_DEPTH_MAX,
  PayloadTooLargeError,
  type Timed,
} from "./claim-queue/claim-queue.js";
export { ClaimQueueService, claimQueueLayer, runWorker } from "./claim-queue/claim-queue-effect.js";
export {
  type Handler,
  type HandlerOutcome,
  OwnedNotDeletedError,
  Worker,
  type WorkerLogger,
  type WorkerOptions,
  type WorkerRecord,
  type WorkItem,
} from "./claim-queue/worker.js";
export {
  ClaimQueueConfigMismatchError,
  ClaimQueueNotInitializedError,
  MailboxConfigMismatchError,
  SyncCoordinatorConfigMismatchError,
  SyncCoordinatorNotInitializedError,
} from "./deprecated.js";
export { FENCED_VALUE_BYTES_MAX, InvalidValueError, RedisFencedResource } from "./fenced/fenced.js";
export {
  LeaseBusyError,
  type LeaseCommand,
  type LeaseGrant,
  LeaseLostError,
  LeaseManager,
  type LeaseManagerConfig,
  type TimedLeaseResult,
} from "./lease/lease.js";
export { LeaseManagerService, layer as leaseManagerLayer, withLeaseEffect } from "./lease/lease-effect.js";
export {
  type DispatcherOptions,
  KeyedMailbox,
  type KeyedMailboxOptions,
  type MailboxHandler,
  type MailboxStep,
  type SubmitWhenRoomOptions,
  type SubmitWhenRoomStep,
} from "./mailbox/mailbox.js";
export { KeyedMailboxService, keyedMailboxLayer, runMailbox } from "./mailbox/mailbox-effect.js";
export {
  addressOf,
  awaitReady,
  CONNECT_WAIT_MS_DEFAULT,
  RedisUnreachableError,
} from "./shared/connection.js";
export {
  ConfigMismatchError,
  CorruptValueError,
  ErrorCode,
  errorCode,
  type Machine,
  NotInitializedError,
  REDIS_SERVER_MISSING,
  replyError,
} from "./shared/errors.js";
export { DEFAULT_PREFIX, InvalidNameError, NAME_LENGTH_MAX } from "./shared/keys.js";
export {
  type OrderLease,
  type OrderWork,
  RedisSyncCoordinator,
  type ResetOrder,
  type ResetRun,
  type SyncCommand,
  type SyncCoordinatorOptions,
  SyncLeaseLostError,
  SyncOrderLostError,
  type SyncOutcome,
  SyncRejectedError,
  type TimedStep,
} from "./sync-coordinator/sync-coordinator.js";
export {
  type OrderEffect,
  runResetEffect,
  SyncCoordinatorService,
  syncCodeOwnersEffect,
  syncCoordinatorLayer,
} from "./sync-coordinator/sync-effect.js";
