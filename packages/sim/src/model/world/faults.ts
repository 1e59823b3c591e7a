/**
 * Faults: the plan a scenario declares (pauses and crashes of processes registered with `faults: true`), its
 * validation, swarm testing's per-run draw of a plan, and the per-step decision whether a fault strikes. Every
 * draw goes through the world's `decide`/`draw`, so faults are decisions like any other and replay exactly.
 */
import { assert } from "@interleave/core";
import type { DecisionRequest } from "../../strategy/chooser.js";
import type { Distribution } from "../distribution.js";

/**
 * Faults the chooser may inject into processes registered with `{ faults: true }`. At each step of such a
 * process, while the budget lasts, a decision `fault <node>` picks none / pause / crash with the given
 * per-step probabilities.
 * - pause: the process and everything it spawned stall for a drawn duration (a GC pause, a stalled VM);
 *   time keeps running for everyone else, so leases expire.
 * - crash: the process and its children are killed, local state is lost, and the process restarts from its
 *   entry after a drawn delay. The store survives.
 */
export interface FaultPlan {
  readonly pause?: {
    readonly probability: number;
    readonly durationMs: Distribution;
    readonly countMax: number;
  };
  readonly crash?: {
    readonly probability: number;
    readonly restartDelayMs: Distribution;
    readonly countMax: number;
  };
  /**
   * Async tasks only: at each command a faultable task sends on a connection, a decision `net <task>` picks none
   * or one of `kinds` (default all): `delay` (its reply arrives `delayMs` later), `delay-request` (the command
   * reaches the server `delayMs` later: a later `ctx.call` may overtake it), `stall` (the command is lost in a
   * half-open connection that passes nothing for `delayMs`, then resets: the client's `commandTimeout` fires,
   * then it reconnects), `drop` (the connection resets
   * before the command reaches the server: not applied), `lose-reply` (applied, then the connection resets
   * before the reply: a client that re-sends applies it twice). `probability` is the chance of any of them.
   */
  readonly network?: {
    readonly probability: number;
    readonly delayMs: Distribution;
    readonly countMax: number;
    readonly kinds?: readonly ("delay" | "delay-request" | "drop" | "lose-reply" | "stall")[];
  };
  /**
   * Async tasks only: at each command a server with a restart (the simulated Redis) may restart instead of
   * executing it (decision `restart <key>`): every connection to it resets, what it had not persisted is lost,
   * and it accepts connections again after `downMs`.
   */
  readonly restart?: {
    readonly probability: number;
    readonly downMs: Distribution;
    readonly countMax: number;
  };
  /**
   * Async tasks only: each faultable task's wall clock (`Date`) runs ahead of or behind the world's by a drawn
   * amount (decisions `skew <task> ms` and `skew <task>`), as a client whose clock is off. `performance.now()`
   * (monotonic) is not skewed.
   */
  readonly clockSkewMs?: Distribution;
}

/** The rate factors a swarm run draws from for each enabled fault kind. */
export const SWARM_RATES = [0.25, 1, 4] as const;

/** Check a fault plan: probabilities in [0, 1] summing to at most 1, integer budgets ≥ 0. Throws naming the field. */
export function validatePlan(plan: FaultPlan): void {
  let total = 0;
  for (const kind of ["network", "restart"] as const) {
    const f = plan[kind];
    if (f === undefined) continue;
    assert(
      Number.isFinite(f.probability) && f.probability >= 0 && f.probability <= 1,
      `fault plan: ${kind}.probability must be within [0, 1], got ${f.probability}`,
    );
    assert(
      Number.isInteger(f.countMax) && f.countMax >= 0,
      `fault plan: ${kind}.countMax must be a non-negative integer, got ${f.countMax}`,
    );
  }
  for (const [kind, f] of Object.entries({ pause: plan.pause, crash: plan.crash }) as [
    string,
    { probability: number; countMax: number } | undefined,
  ][]) {
    if (f === undefined) continue;
    assert(
      Number.isFinite(f.probability) && f.probability >= 0 && f.probability <= 1,
      `fault plan: ${kind}.probability must be within [0, 1], got ${f.probability}`,
    );
    assert(
      Number.isInteger(f.countMax) && f.countMax >= 0,
      `fault plan: ${kind}.countMax must be a non-negative integer, got ${f.countMax}`,
    );
    total += f.probability;
  }
  assert(total <= 1, `fault plan: pause.probability + crash.probability must be at most 1, got ${total}`);
}

/**
 * Swarm testing: the plan this run uses, drawn from the scenario's `plan` (see `RunOptions.swarm`) — each
 * fault kind on or off, its rate scaled by one of {@link SWARM_RATES}, the rates capped to sum to at most 1.
 */
export function drawSwarmPlan(plan: FaultPlan, decide: (request: DecisionRequest) => number): FaultPlan {
  const drawn: {
    pause?: FaultPlan["pause"];
    crash?: FaultPlan["crash"];
    network?: FaultPlan["network"];
    restart?: FaultPlan["restart"];
  } = {};
  for (const kind of ["pause", "crash", "network", "restart"] as const) {
    const f = plan[kind];
    if (f === undefined || f.countMax === 0 || f.probability === 0) continue;
    const on = decide({ label: `swarm ${kind}`, count: 2, options: ["off", "on"] }) === 1;
    if (!on) continue;
    const factor =
      SWARM_RATES[
        decide({
          label: `swarm ${kind} rate`,
          count: SWARM_RATES.length,
          options: SWARM_RATES.map((r) => `×${r}`),
        })
      ]!;
    const probability = f.probability * factor;
    drawn[kind] = {
      ...f,
      probability: kind === "network" || kind === "restart" ? Math.min(1, probability) : probability,
    } as never;
  }
  const total = (drawn.pause?.probability ?? 0) + (drawn.crash?.probability ?? 0);
  if (total > 1) {
    for (const kind of ["pause", "crash"] as const) {
      const f = drawn[kind];
      if (f !== undefined) drawn[kind] = { ...f, probability: f.probability / total } as never;
    }
  }
  return {
    ...(drawn.pause === undefined ? {} : { pause: drawn.pause }),
    ...(drawn.crash === undefined ? {} : { crash: drawn.crash }),
    ...(drawn.network === undefined ? {} : { network: drawn.network }),
    ...(drawn.restart === undefined ? {} : { restart: drawn.restart }),
    ...(plan.clockSkewMs === undefined ? {} : { clockSkewMs: plan.clockSkewMs }),
  };
}

/** A fault that strikes a process instead of its step: a pause of `ms`, or a crash restarting in `ms`. */
export type Fault =
  | { readonly kind: "pause"; readonly ms: number }
  | { readonly kind: "crash"; readonly ms: number };

/** What a faultable node has suffered so far, against the plan's budgets. */
export interface FaultCounts {
  readonly name: string;
  readonly pauseCount: number;
  readonly crashCount: number;
}

/**
 * Decide whether a fault strikes `node` at this step (decision `fault <node>`: none / pause / crash, weighted
 * by the plan's probabilities while each budget lasts) and draw its duration. Null: no fault (or no budget).
 */
export function chooseFault(
  node: FaultCounts,
  plan: FaultPlan,
  decide: (request: DecisionRequest) => number,
  draw: (delay: Distribution, label: string) => number,
): Fault | null {
  const pause = plan.pause !== undefined && node.pauseCount < plan.pause.countMax ? plan.pause : null;
  const crash = plan.crash !== undefined && node.crashCount < plan.crash.countMax ? plan.crash : null;
  if (pause === null && crash === null) return null;
  const kinds: ("none" | "pause" | "crash")[] = ["none"];
  const weights: number[] = [1 - (pause?.probability ?? 0) - (crash?.probability ?? 0)];
  if (pause !== null) {
    kinds.push("pause");
    weights.push(pause.probability);
  }
  if (crash !== null) {
    kinds.push("crash");
    weights.push(crash.probability);
  }
  const kind = kinds[decide({ label: `fault ${node.name}`, count: kinds.length, weights, options: kinds })];
  if (kind === "pause" && pause !== null)
    return { kind, ms: draw(pause.durationMs, `pause ${node.name} ms`) };
  if (kind === "crash" && crash !== null)
    return { kind, ms: draw(crash.restartDelayMs, `restart ${node.name} ms`) };
  return null;
}
