// @interleave/core: pure state machines for coordination (leases with fencing tokens, fenced storage,
// claim queues, keyed mailboxes, sync/reset coordination, merge gates, task dependencies). No I/O, no clock, no randomness; the simulator
// and the Redis runtime drive the same code.

export { AssertionError, assert, type ConfigProblem, InvalidConfigError } from "./assert.js";
/** Work queue keyed by scope with batch claims, heartbeats, ack, retry and dead-letter (seed 002). */
export * as ClaimQueue from "./claim-queue.js";
/** Storage that rejects writes with a fencing token older than the highest seen (Kleppmann). */
export * as FencedResource from "./fenced-resource.js";
/** Lease with fencing tokens: acquire, renew (heartbeat), holder-aware release, reclaim after expiry. */
export * as Lease from "./lease.js";
export type { Machine, Transition } from "./machine.js";
/** Keyed mailbox: one order in flight per key, FIFO, global bound, supersession policy as data (seed 003). */
export * as Mailbox from "./mailbox.js";
/** Per-repo merge gate: merge lease with fencing, catch-up rebase, re-test, defer, redrive (seeds 001, 004). */
export * as MergeGate from "./merge-gate.js";
/** Per-MR ordering of code-owner rule syncs and approval resets, one at a time through a per-MR queue (seed 000). */
export * as SyncCoordinator from "./sync-coordinator.js";
/** Job queue with declared task dependencies, concurrency slots, deferral and cycle detection (seed 001). */
export * as TaskDeps from "./task-deps.js";
