/**
 * membership-orders-real: seed 003 with the runtime's real KeyedMailbox dispatcher (./dispatcher-real.ts), under
 * every strategy.
 */
import { describeRealCode } from "../real-code-testing.js";
import scenario from "./dispatcher-real.js";

describeRealCode(scenario, { runs: 100, exhaustiveSchedules: 250 });
