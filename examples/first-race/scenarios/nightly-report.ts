/** A lease holder stalls past its lease and writes late; docs/authoring.md walks through it. */
import { FencedResource, Lease } from "@interleave/core";
import { defineScenario, type ProcessContext, sleep, tx, txAt, uniform, type View } from "@interleave/sim";

type Rendered = { readonly by: string; readonly token: number };
/** The fix: storage that refuses a write whose fencing token is older than the highest it has seen. */
const fenced = { transition: FencedResource.transition<Rendered> };
/** The bug: storage that takes every write, whatever its token (it only records the highest token seen). */
const unfenced: typeof fenced = {
  transition: (s, e) => ({
    state: { ...s, highestToken: Math.max(s.highestToken, e.token), value: "value" in e ? e.value : s.value },
    result: { _tag: "Accepted", token: e.token },
    effects: [],
  }),
};

export default defineScenario({
  name: "nightly-report",
  source: "docs/authoring.md",
  description: "Two workers take a 10 s lease to render one report; a worker may stall for 5 to 30 s.",
  params: { leaseTtlMs: 10_000 },
  variants: {
    "unfenced-write": { expect: "violation", why: "the storage ignores fencing tokens", options: unfenced },
    "fenced-write": { expect: "pass", why: "the storage refuses older fencing tokens", options: fenced },
  },
  build(world, { leaseTtlMs }, storage) {
    const lease = world.store("lease", Lease, Lease.initial({ leaseTtlMs }));
    const report = world.store("report", storage, FencedResource.initial<Rendered>());
    const acquire = (holder: string) => txAt(lease)((atMs) => ({ _tag: "Acquire", holder, atMs }));
    const worker = function* ({ name }: ProcessContext) {
      let got = yield* acquire(name);
      for (; got._tag !== "Granted"; got = yield* acquire(name)) yield* sleep(1_000, "retry");
      yield* sleep(uniform(1_000, 5_000, 1_000), "render");
      yield* tx(report, { _tag: "Write", token: got.token, value: { by: name, token: got.token } });
      yield* txAt(lease)((atMs) => ({ _tag: "Release", holder: name, token: got.token, atMs }));
    };
    for (const name of ["worker-1", "worker-2"]) world.process(name, worker, { faults: true });
    world.faults({ pause: { probability: 0.2, durationMs: uniform(5_000, 30_000, 5_000), countMax: 1 } });
    world.always("an older lease holder never overwrites a newer holder's report", (v) => {
      const { value, highestToken } = v.get(report);
      return value === null || value.token === highestToken;
    });
    const done = (v: View) => v.finished("worker-1") && v.finished("worker-2");
    world.eventually("both workers are done within 60 s", done, { withinMs: 60_000 });
    world.finishWhen(done);
  },
});
