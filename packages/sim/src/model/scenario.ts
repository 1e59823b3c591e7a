/**
 * The scenario contract: a named race modelled from a public incident, its parameters, its processes and
 * properties (built afresh for each run), and named variants — the code before the fix (`expect:
 * "violation"`) and after it (`expect: "pass"`). The verdict always comes from exploration; `expect` is only
 * what the verdict is compared against.
 */
import { assert } from "@interleave/core";
import type { Build, WorldBuilder } from "./world/types.js";

export type Expectation = "violation" | "pass";

/** A variant: what it models (`why`, one line), the verdict it must get, and options its `build` reads. */
export interface VariantDefinition<O> {
  readonly expect: Expectation;
  readonly why: string;
  readonly options: O;
}

/**
 * Everything a scenario declares. `build(world, params, options)` is called once per run and declares the
 * store, processes, fault plan and properties; closures it creates are per run.
 * `runs` is the default number of schedules per variant (the explorer stops a variant at its first violation).
 */
export interface ScenarioDefinition<P, O> {
  /** kebab-case id used on the command line, e.g. `heartbeat-vs-ack`. */
  readonly name: string;
  /** The incident modelled, e.g. `shared/seeds/002_402edf55850632f4.txt`. */
  readonly source: string;
  readonly description: string;
  readonly params: P;
  readonly variants: Readonly<Record<string, VariantDefinition<O>>>;
  readonly runs?: number;
  /**
   * The strategy `explore` uses when none is asked for (default `random`): the one that finds this
   * scenario's races fastest in the benchmarks (docs/benchmarks.md).
   */
  readonly strategy?: Strategy;
  /** Bounds of the exhaustive strategy for this scenario (default: deviations ≤ 2, nothing else bounded). */
  readonly exhaustive?: ScenarioExhaustiveBounds;
  /** Swarm testing by default: every run draws its own fault plan (see `RunOptions.swarm`). Default false. */
  readonly swarm?: boolean;
  readonly build: (world: WorldBuilder, params: P, options: O) => void;
}

/** The strategies a scenario can name as its default. */
export type Strategy = "random" | "pct" | "exhaustive" | "feedback";

/** Exhaustive-search bounds a scenario declares (see `ExhaustiveBounds`); `Infinity` = not bounded. */
export interface ScenarioExhaustiveBounds {
  readonly depth?: number;
  readonly deviations?: number;
  readonly preemptions?: number;
}

/** A scenario with its types erased, as the explorer and CLI handle it. */
export interface Scenario {
  readonly name: string;
  readonly source: string;
  readonly description: string;
  readonly runs: number;
  readonly params: unknown;
  readonly variants: readonly ScenarioVariant[];
  /** Default strategy of `explore` for this scenario. */
  readonly strategy: Strategy;
  readonly exhaustive: ScenarioExhaustiveBounds;
  readonly swarm: boolean;
}

export interface ScenarioVariant {
  readonly name: string;
  readonly expect: Expectation;
  readonly why: string;
  /** The variant's world with the scenario's declared `params`. */
  readonly build: Build;
  /**
   * The variant's world with other parameters (same shape as the scenario's `params`; e.g. drawn by a
   * fast-check arbitrary). Traces of such runs carry the `params` so that replay rebuilds the same world.
   */
  readonly buildWith: (params: unknown) => Build;
}

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const RUNS_DEFAULT = 10_000;

/**
 * Validate and register a scenario definition. Throws (via `assert`) on a malformed definition: a name or
 * variant id that is not kebab-case, no variants, an `expect` other than "violation" | "pass", or runs < 1.
 *
 * @example
 * export default defineScenario({
 *   name: "lost-update", source: "my incident", description: "two read-modify-writes race",
 *   params: { writers: 2 },
 *   variants: {
 *     "read-then-write": { expect: "violation", why: "read and write are two steps", options: { atomic: false } },
 *     "atomic-increment": { expect: "pass", why: "one transition", options: { atomic: true } },
 *   },
 *   build(world, params, { atomic }) { ... },
 * });
 */
export function defineScenario<P, O>(definition: ScenarioDefinition<P, O>): Scenario {
  const { name, variants } = definition;
  assert(KEBAB.test(name), `scenario name "${name}" must be kebab-case`);
  const entries = Object.entries(variants);
  assert(entries.length > 0, `scenario "${name}" declares no variants`);
  const runs = definition.runs ?? RUNS_DEFAULT;
  assert(Number.isInteger(runs) && runs >= 1, `scenario "${name}": runs must be a positive integer`);
  const strategy = definition.strategy ?? "random";
  assert(
    strategy === "random" || strategy === "pct" || strategy === "exhaustive" || strategy === "feedback",
    `scenario "${name}": strategy must be "random", "pct", "exhaustive" or "feedback", got ${JSON.stringify(strategy)}`,
  );
  const exhaustive = definition.exhaustive ?? {};
  for (const [bound, v] of Object.entries(exhaustive)) {
    assert(
      v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && v >= 0),
      `scenario "${name}": exhaustive.${bound} must be a non-negative integer or Infinity, got ${v}`,
    );
  }
  return {
    name,
    source: definition.source,
    description: definition.description,
    runs,
    strategy,
    exhaustive,
    swarm: definition.swarm ?? false,
    params: definition.params,
    variants: entries.map(([id, v]) => {
      assert(KEBAB.test(id), `scenario "${name}": variant id "${id}" must be kebab-case`);
      assert(
        v.expect === "violation" || v.expect === "pass",
        `variant "${id}": expect must be "violation" or "pass"`,
      );
      return {
        name: id,
        expect: v.expect,
        why: v.why,
        build: (world: WorldBuilder) => definition.build(world, definition.params, v.options),
        buildWith: (params: unknown) => (world: WorldBuilder) =>
          definition.build(world, params as P, v.options),
      };
    }),
  };
}

/** Error for user input the CLI cannot act on (unknown scenario, malformed seed, bad trace file): exit 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Find a scenario and variant by id, or throw {@link InputError} listing what exists. */
export function findVariant(
  scenarios: readonly Scenario[],
  scenarioName: string,
  variantName: string,
): { scenario: Scenario; variant: ScenarioVariant } {
  const scenario = findScenario(scenarios, scenarioName);
  const variant = scenario.variants.find((v) => v.name === variantName);
  if (variant === undefined) {
    throw new InputError(
      `unknown variant "${variantName}" of scenario "${scenarioName}" (variants: ${scenario.variants.map((v) => v.name).join(", ")})`,
    );
  }
  return { scenario, variant };
}

export function findScenario(scenarios: readonly Scenario[], scenarioName: string): Scenario {
  const scenario = scenarios.find((s) => s.name === scenarioName);
  if (scenario === undefined) {
    throw new InputError(
      `unknown scenario "${scenarioName}" (scenarios: ${scenarios.map((s) => s.name).join(", ") || "none"})`,
    );
  }
  return scenario;
}
