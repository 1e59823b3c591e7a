/**
 * Recording of a run: every decision (always, so a run can be re-run from them), and with `record` on the
 * event log, the names of the processes in order of appearance, and with `snapshots` the store's states.
 * Exploration runs record decisions only and re-run a failing schedule to record the rest.
 */
import type { Decision, DecisionRequest } from "../../strategy/chooser.js";
import type { RunOptions, StoreSnapshots, TraceEvent } from "./types.js";

export class Recorder {
  readonly decisions: Decision[] = [];
  /** The event log; null when the run does not record it. */
  readonly events: TraceEvent[] | null;
  readonly processNames: string[] = [];
  private readonly snapshots: { initial: Record<string, unknown>; after: unknown[] } | null;

  constructor(options: RunOptions) {
    this.events = options.record === true ? [] : null;
    this.snapshots =
      options.record === true && options.snapshots === true ? { initial: {}, after: [] } : null;
  }

  decision(request: DecisionRequest, choice: number): void {
    this.decisions.push(
      request.options === undefined
        ? { label: request.label, count: request.count, choice }
        : { label: request.label, count: request.count, choice, options: request.options },
    );
  }

  /** A process appeared under `name` (a name reused by a later process is listed once). */
  process(name: string): void {
    if (!this.processNames.includes(name)) this.processNames.push(name);
  }

  /** Append an event at `step`, time `t` (no-op without `record`). */
  event(step: number, t: number, e: Omit<TraceEvent, "step" | "t">): void {
    this.events?.push({ step, t, ...e });
  }

  /** With snapshots on: the state of each key before the first step. */
  initial(keys: readonly string[], states: readonly unknown[]): void {
    if (this.snapshots === null) return;
    keys.forEach((key, i) => {
      this.snapshots!.initial[key] = states[i];
    });
  }

  /** With snapshots on: the whole new state of the key the last recorded `tx` changed. */
  after(state: unknown): void {
    if (this.snapshots !== null && this.events !== null) this.snapshots.after[this.events.length - 1] = state;
  }

  store(keys: readonly string[]): StoreSnapshots | null {
    return this.snapshots === null
      ? null
      : { keys, initial: this.snapshots.initial, after: this.snapshots.after };
  }
}
