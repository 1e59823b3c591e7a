/** The scenario registry: every scenario family, each modelled on an incident in shared/seeds/. */
import type { Scenario } from "@interleave/sim";
import heartbeatVsAck from "./heartbeat-vs-ack/heartbeat-vs-ack.js";
import membershipOrders from "./membership-orders/membership-orders.js";
import mergeGate from "./merge-gate/merge-gate.js";
import syncVsReset from "./sync-vs-reset/sync-vs-reset.js";

const scenarios: readonly Scenario[] = [heartbeatVsAck, membershipOrders, syncVsReset, mergeGate];
export default scenarios;
