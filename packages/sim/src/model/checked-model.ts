/**
 * Model definitions for `interleave check`: an explicit-state model of a core machine (a
 * {@link StateSpaceModel} that drives the machine's own `transition`), with the machine it checks, the bounds
 * it is checked at in words, the source it models and the verdict it must get. Models are registered the way
 * scenarios are: a module whose default export is an array of them (`scenarios/models.ts` by default), so a
 * race's models live beside its scenario and a user's models beside theirs.
 */
import { assert } from "@interleave/core";
import { checkStateSpace, describeState, formatCounterexample } from "../statespace/checker.js";
import type { CheckOptions, CheckResult, StateSpaceModel } from "../statespace/model.js";
import type { Expectation } from "./scenario.js";

/**
 * Everything a checked model declares.
 *
 * - `name`: kebab-case id used on the command line, unique in its registry (e.g. `merge-gate`,
 *   `merge-gate-failed-redrive`).
 * - `machine`: the core machine (or machines) the model drives, e.g. `MergeGate` or `Lease + FencedResource`.
 * - `description`: what the environment may do and the finite parameters, in words (e.g. "2 branches, 1 s
 *   ticks to 8 s, lease TTL 3 s, 1 crash"): a `verified` verdict holds within exactly these.
 * - `source`: the incident or paper modelled (a seed file under `shared/seeds/`, an article).
 * - `expect`: `pass` (the fixed machine: the checker must verify every invariant in every state) or
 *   `violation` (a seed's buggy behaviour: the checker must find a counterexample).
 * - `why`: one line — the promise a `pass` model checks, or the bug a `violation` model reproduces.
 * - `build`: a fresh model (its caches are per check).
 */
export interface ModelDefinition<S, I> {
  readonly name: string;
  readonly machine: string;
  readonly description: string;
  readonly source: string;
  readonly expect: Expectation;
  readonly why: string;
  readonly build: () => StateSpaceModel<S, I>;
}

/** One step of a checked model's counterexample, rendered: the input and a one-line state summary. */
export interface RenderedStep {
  readonly input: string;
  readonly state: string;
}

/**
 * What {@link CheckedModel.check} returns: the checker's result, and for a `Violation` its counterexample
 * rendered — `path` with the initial state first (input `initial`), `counterexample` the same as text (see
 * `formatCounterexample`); both `null` otherwise.
 */
export interface ModelCheck {
  readonly result: CheckResult<unknown>;
  readonly path: readonly RenderedStep[] | null;
  readonly counterexample: string | null;
}

/** A model as `interleave check` and the benchmark handle it: its definition without the types, and `check`. */
export interface CheckedModel {
  readonly _tag: "CheckedModel";
  readonly name: string;
  readonly machine: string;
  readonly description: string;
  readonly source: string;
  readonly expect: Expectation;
  readonly why: string;
  /** Builds the model afresh and checks it breadth-first (`checkStateSpace`) within `options`. */
  check(options?: CheckOptions): ModelCheck;
  /** A fresh model (for checkers other than `check`'s: `check --workers` builds one per thread). */
  build(): StateSpaceModel<unknown, unknown>;
  /** `result` (of a check of a model from {@link build}) with its counterexample rendered, as `check` gives. */
  render(result: CheckResult<unknown>): ModelCheck;
}

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Validate a model definition and make it checkable. Throws (via `assert`) on a malformed definition: a name
 * that is not kebab-case, an empty `machine`, `description`, `source` or `why`, an `expect` other than
 * `"violation" | "pass"`, or a `build` that is not a function.
 *
 * @example
 * export const leaseChecked = defineModel({
 *   name: "lease", machine: "Lease", source: "Kleppmann 2016 (fencing tokens)",
 *   description: "3 holders; 1 s ticks to 12 s; TTL 3 s; 6 grants", expect: "pass",
 *   why: "at most one live holder; fencing tokens strictly increase",
 *   build: () => leaseModel(),
 * });
 */
export function defineModel<S, I>(definition: ModelDefinition<S, I>): CheckedModel {
  const { name, machine, description, source, expect, why, build } = definition;
  assert(typeof name === "string" && KEBAB.test(name), `model name "${String(name)}" must be kebab-case`);
  for (const [field, value] of Object.entries({ machine, description, source, why })) {
    assert(
      typeof value === "string" && value.trim() !== "",
      `model "${name}": ${field} must be a non-empty string`,
    );
  }
  assert(
    expect === "violation" || expect === "pass",
    `model "${name}": expect must be "violation" or "pass", got ${JSON.stringify(expect)}`,
  );
  assert(typeof build === "function", `model "${name}": build must be a function returning the model`);
  return {
    _tag: "CheckedModel",
    name,
    machine,
    description,
    source,
    expect,
    why,
    check(options) {
      const model = build();
      return rendered(model, checkStateSpace(model, options));
    },
    build: build as () => StateSpaceModel<unknown, unknown>,
    render: (result) => rendered(build() as StateSpaceModel<unknown, unknown>, result),
  };
}

function rendered<S, I>(model: StateSpaceModel<S, I>, result: CheckResult<S>): ModelCheck {
  if (result._tag !== "Violation") return { result, path: null, counterexample: null };
  const path = [
    { input: "initial", state: describeState(model, result.initial) },
    ...result.path.map((step) => ({ input: step.input, state: describeState(model, step.state) })),
  ];
  return { result, path, counterexample: formatCounterexample(model, result) };
}

/** Whether `value` is a {@link CheckedModel} (made by {@link defineModel}). */
export function isCheckedModel(value: unknown): value is CheckedModel {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { _tag?: unknown })._tag === "CheckedModel" &&
    typeof (value as { check?: unknown }).check === "function"
  );
}
