// The lease mode of a chaos worker process (bench/chaos/child.ts with `machine: "lease"`): M loops, each over the
// run's lease names (`lease-0` … `lease-<leases - 1>`, contended by every loop of every process) with the
// runtime's `LeaseManager`: Acquire a name; when Granted, write the fenced resource `lease:<name>` (the runtime's
// `RedisFencedResource`) with the grant's token, hold the lease for 20–400 ms (one hold in five: 0.6–2 s, past the
// TTL, kept by Renew heartbeats every `heartbeatIntervalMs`), write again, and Release (one hold in eight is not
// released: it expires and is reclaimed). A Busy name is left for another after 10–60 ms. Every `apply` and
// `fencedWrite` is recorded (support/calls.ts) as the loop's holder `<process>-w<k>`. A loop whose Renew is not
// `Renewed` stops writing (it lost the lease), as a careful holder does; a stale holder's late writes (a stopped
// process) are what the fencing token rejects.

import { LeaseManager, RedisFencedResource } from "@interleave/runtime-redis";
import type { Redis } from "ioredis";
import {
  type CallRecord,
  recordCalls,
  recordReconnects,
} from "../../packages/runtime-redis/test/support/calls.js";
import { prng } from "./schedule.js";
import type { ChildSpec } from "./spec.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `spec.workers` lease loops on `redis`; returns how to stop them (each releases what it holds). */
export function startLeaseWorkers(
  spec: ChildSpec,
  redis: Redis,
  record: (r: CallRecord) => void,
): () => Promise<unknown> {
  let closing = false;
  const loops: Promise<void>[] = [];
  for (let w = 0; w < spec.workers; w++) {
    const holder = `${spec.name}-w${w}`;
    recordReconnects(redis, holder, record);
    const leases = recordCalls(
      new LeaseManager(redis, {
        leaseTtlMs: spec.lease.leaseTtlMs,
        heartbeatIntervalMs: spec.lease.heartbeatIntervalMs,
      }),
      ["apply"],
      holder,
      record,
    );
    const fenced = recordCalls(new RedisFencedResource(redis), ["fencedWrite"], holder, record);
    const random = prng(
      [...holder].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16_777_619), 2_166_136_261),
    );
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const loop = async () => {
      let hold = 0;
      while (!closing) {
        const name = `lease-${between(0, spec.leases - 1)}`;
        try {
          const { result } = await leases.apply(name, { _tag: "Acquire", holder });
          if (result._tag !== "Granted") {
            await sleep(between(10, 60));
            continue;
          }
          const token = result.token;
          const value = `${holder}:${token}:${hold++}`;
          await fenced.fencedWrite(`lease:${name}`, token, value);
          const holdMs = random() < 0.2 ? between(600, 2_000) : between(20, 400);
          const untilMs = performance.now() + holdMs;
          let held = true;
          while (held && performance.now() < untilMs && !closing) {
            await sleep(Math.min(spec.lease.heartbeatIntervalMs, untilMs - performance.now()));
            if (performance.now() >= untilMs) break;
            const renewed = await leases.apply(name, { _tag: "Renew", holder, token });
            held = renewed.result._tag === "Renewed";
          }
          if (!held) continue;
          await fenced.fencedWrite(`lease:${name}`, token, value);
          if (random() < 0.125 && !closing) continue; // left to expire
          await leases.apply(name, { _tag: "Release", holder, token });
        } catch {
          await sleep(100); // Redis unreachable (a restart, a dropped connection): recorded as `threw`
        }
      }
    };
    loops.push(loop());
  }
  return () => {
    closing = true;
    return Promise.all(loops);
  };
}
