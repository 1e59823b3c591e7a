/**
 * The model registry of `interleave check`: the explicit-state models of every core machine, each beside the
 * scenario of its family, in the order `check` lists them. A fixed model must be verified (every state within
 * its stated bounds); a model of a seed's buggy behaviour must be found with a shortest counterexample.
 */
import type { CheckedModel } from "@interleave/sim";
import {
  claimQueueChecked,
  claimQueueRetryWithoutRecheckChecked,
  claimQueueUpdatedAtGuardChecked,
} from "./heartbeat-vs-ack/claim-queue.model.js";
import { mailboxModels } from "./membership-orders/mailbox.model.js";
import { fencedResourceModels } from "./merge-gate/fenced-resource.model.js";
import { leaseChecked, leaseUnguardedReleaseChecked } from "./merge-gate/lease.model.js";
import { leaseProcessesChecked, leaseProcessesUnguardedChecked } from "./merge-gate/lease-processes.model.js";
import { mergeGateModels } from "./merge-gate/merge-gate.model.js";
import { taskDepsModels } from "./merge-gate/task-deps.model.js";
import { syncCoordinatorModels } from "./sync-vs-reset/sync-coordinator.model.js";

const models: readonly CheckedModel[] = [
  leaseChecked,
  leaseUnguardedReleaseChecked,
  leaseProcessesChecked,
  leaseProcessesUnguardedChecked,
  ...fencedResourceModels,
  claimQueueChecked,
  claimQueueUpdatedAtGuardChecked,
  claimQueueRetryWithoutRecheckChecked,
  ...mailboxModels,
  ...syncCoordinatorModels,
  ...mergeGateModels,
  ...taskDepsModels,
];
export default models;
