/** The scenario registry: every scenario family, each modelled on an incident in shared/seeds/ (or, for nightly-interest, on a user-style service). */
import type { Scenario } from "@interleave/sim";
import heartbeatVsAck from "./heartbeat-vs-ack/heartbeat-vs-ack.js";
import heartbeatVsAckReal from "./heartbeat-vs-ack/worker-real.js";
import membershipOrdersReal from "./membership-orders/dispatcher-real.js";
import membershipOrders from "./membership-orders/membership-orders.js";
import mergeGate from "./merge-gate/merge-gate.js";
import nightlyInterest from "./nightly-interest/nightly-interest.js";
import syncVsReset from "./sync-vs-reset/sync-vs-reset.js";

/** The scenarios whose processes are models (generator processes over machines). */
export const modelScenarios: readonly Scenario[] = [heartbeatVsAck, membershipOrders, syncVsReset, mergeGate];

/**
 * The scenarios that run real code (async tasks on the simulated Redis: docs/real-code.md). They need the
 * `…Async` entry points; their tests (real-code-testing.ts) give each strategy a schedule budget.
 */
export const realCodeScenarios: readonly Scenario[] = [
  heartbeatVsAckReal,
  membershipOrdersReal,
  nightlyInterest,
];

const scenarios: readonly Scenario[] = [...modelScenarios, ...realCodeScenarios];
export default scenarios;
