/** heartbeat-vs-ack-real: seed 002 with the runtime's real Worker (./worker-real.ts), under every strategy. */
import { describeRealCode } from "../real-code-testing.js";
import scenario from "./worker-real.js";

describeRealCode(scenario, { runs: 100, exhaustiveSchedules: 500 });
