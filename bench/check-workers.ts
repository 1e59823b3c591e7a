/**
 * `check --workers K` against one thread (`pnpm bench --only check-workers`): registered models checked by
 * `checkStateSpace` on the main thread, then by `checkWithWorkers` on 1 and 2 threads (parallel BFS,
 * io/check-workers.ts: level-synchronous over one shared visited set), each loading the registry itself. Columns: distinct states (equal in every column by
 * construction; asserted), seconds checking (after the threads loaded the model), the threads' start-up, and the
 * speed-up of 2 threads over one, without and with start-up. Run beside the machine's two-thread ceiling
 * (bench/run.ts `twoThreadCeiling`), in the same run.
 */
import { fileURLToPath } from "node:url";
import { checkWithWorkers } from "@interleave/sim/cli";
import models from "../scenarios/models.js";

const REGISTRY = fileURLToPath(new URL("../scenarios/models.ts", import.meta.url));

export async function benchCheckWorkers({ quick }: { quick: boolean }) {
  const names = quick ? ["lease"] : ["lease-processes", "fenced-resource", "merge-gate"];
  const rows: Record<string, string | number>[] = [];
  for (const name of names) {
    const model = models.find((m) => m.name === name)!;
    model.check(); // warm-up
    const one = model.check().result;
    const w1 = await checkWithWorkers(REGISTRY, model, {}, 1);
    const w2 = await checkWithWorkers(REGISTRY, model, {}, 2);
    for (const r of [w1.result, w2.result]) {
      if (r.states !== one.states || r._tag !== one._tag)
        throw new Error(`${name}: workers disagree with one thread`);
    }
    const s = (ms: number) => Math.round(ms) / 1000;
    rows.push({
      model: name,
      states: one.states,
      "1 thread s": s(one.elapsedMs),
      "--workers 1 s": s(w1.result.elapsedMs),
      "--workers 2 s": s(w2.result.elapsedMs),
      "start-up 2 threads s": s(w2.startupMs),
      "speed-up (2 vs 1 thread)": Math.round((one.elapsedMs / w2.result.elapsedMs) * 100) / 100,
      "incl. start-up": Math.round((one.elapsedMs / (w2.result.elapsedMs + w2.startupMs)) * 100) / 100,
      "B/state 2 threads": w2.result.bytesPerState,
    });
  }
  return rows;
}
