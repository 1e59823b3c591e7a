/** The scenario registry: every scenario family, each modelled on an incident in shared/seeds/ (or, for nightly-interest, on a user-style service). */
import type { Scenario } from "@interleave/sim";
import heartbeatVsAck from "./heartbeat-vs-ack/heartbeat-vs-ack.js";
import heartbeatVsAckReal from "./heartbeat-vs-ack/worker-real.js";
import membershipOrdersReal from "./membership-orders/dispatcher-real.js";
import membershipOrders from "./membership-orders/membership-orders.js";
import mergeGate from "./merge-gate/merge-gate.js";
import nightlyInterest from "./nightly-interest/nightly-interest.js";
import syncVsReset from "./sync-vs-reset/sync-vs-reset.js";

const scenarios: readonly Scenario[] = [
  heartbeatVsAck,
  membershipOrders,
  syncVsReset,
  mergeGate,
  // Real code (async tasks on the simulated Redis: docs/real-code.md).
  heartbeatVsAckReal,
  membershipOrdersReal,
  nightlyInterest,
];
export default scenarios;
