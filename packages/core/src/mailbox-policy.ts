// Mailbox policies: the supersession matrix as data (what an incoming order does to the in-flight order of
// its key and to itself), its builder from a hand-written spec with shorthands, and the validation that
// enforces seed 003's rules (../shared/seeds/003_feaed94036040d1c.txt): a neverCancel kind in flight is never
// cancelled, and cancellation only fires with a successor queued. Reached as `Mailbox.policy`,
// `Mailbox.checkPolicy`, `Mailbox.fifoPolicy` and `Mailbox.Policy` through mailbox.ts.

import { assert, InvalidConfigError } from "./assert.js";
import { describeValue } from "./internal/checks.js";
import { getOwn } from "./internal/record.js";

/**
 * One cell of the supersession matrix, normalised: what an incoming order does to the in-flight order of
 * its key and to itself.
 *
 * - `inFlight`: `"keep"` lets the in-flight order run on; `"cancel"` cancels it (a `Cancel` effect), which
 *   only ever happens together with queueing the incoming order as its successor.
 * - `incoming`: `"queue"` appends it to the key's pending FIFO; `"coalesce"` appends it and removes the
 *   pending orders of the SAME kind (a newer snapshot replaces older ones); `"drop"` discards it as a
 *   duplicate of the in-flight order, but only when the key has nothing pending (otherwise it is queued like
 *   `"queue"`: dropping it past a pending order would lose that order's successor).
 */
export interface Cell {
  readonly inFlight: "keep" | "cancel";
  readonly incoming: "queue" | "coalesce" | "drop";
}

/**
 * A matrix cell as written in a {@link PolicySpec}: a `Cell`, or a shorthand for one.
 * `"queue"` = keep/queue, `"cancel"` = cancel/queue, `"cancel+coalesce"` = cancel/coalesce,
 * `"coalesce"` = keep/coalesce, `"drop"` = keep/drop.
 */
export type Action = "queue" | "cancel" | "cancel+coalesce" | "coalesce" | "drop" | Cell;

/**
 * A supersession policy as written by hand; {@link policy} validates and normalises it.
 *
 * - `name`: names the policy in error messages (e.g. `"teardown"`).
 * - `kinds`: the kinds the mailbox serialises per key; orders of any other kind bypass it.
 * - `neverCancel`: kinds whose in-flight orders always run to completion (teardowns; seed 003's
 *   DeletedStack). Shutdown still cancels them.
 * - `matrix[inFlightKind][incomingKind]`: what an incoming order does when an order of `inFlightKind` is in
 *   flight for its key; exactly one cell per pair of `kinds`.
 */
export interface PolicySpec {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly neverCancel: readonly string[];
  readonly matrix: Readonly<Record<string, Readonly<Record<string, Action>>>>;
}

/** A validated policy with every cell normalised to a {@link Cell}: what the mailbox state holds. */
export interface Policy {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly neverCancel: readonly string[];
  readonly matrix: Readonly<Record<string, Readonly<Record<string, Cell>>>>;
}

const MACHINE = "Mailbox";

const SHORTHANDS: Readonly<Record<string, Cell>> = {
  queue: { inFlight: "keep", incoming: "queue" },
  cancel: { inFlight: "cancel", incoming: "queue" },
  "cancel+coalesce": { inFlight: "cancel", incoming: "coalesce" },
  coalesce: { inFlight: "keep", incoming: "coalesce" },
  drop: { inFlight: "keep", incoming: "drop" },
};

const IN_FLIGHT_ACTIONS: readonly unknown[] = ["keep", "cancel"];
const INCOMING_ACTIONS: readonly unknown[] = ["queue", "coalesce", "drop"];

function isCell(value: unknown): value is Cell {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { inFlight, incoming } = value as { readonly inFlight?: unknown; readonly incoming?: unknown };
  return IN_FLIGHT_ACTIONS.includes(inFlight) && INCOMING_ACTIONS.includes(incoming);
}

/** A cell as written in messages: its shorthand when it has one (`"cancel"`), else JSON. */
function describeCell(cell: Cell): string {
  const shorthand = Object.keys(SHORTHANDS).find((name) => {
    const candidate = SHORTHANDS[name]!;
    return candidate.inFlight === cell.inFlight && candidate.incoming === cell.incoming;
  });
  return describeValue(shorthand ?? { inFlight: cell.inFlight, incoming: cell.incoming });
}

/** Reads one cell of a matrix in the making: a shorthand or a `Cell` (spec), or only a `Cell` (normalised). */
type CellReader = (value: unknown) => Cell | undefined;

const readAction: CellReader = (value) => {
  if (typeof value === "string") {
    return getOwn(SHORTHANDS, value);
  }
  return isCell(value) ? { inFlight: value.inFlight, incoming: value.incoming } : undefined;
};

const readCell: CellReader = (value) => (isCell(value) ? value : undefined);

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/**
 * Validates a policy (a spec, or an already-normalised policy) and returns it normalised. Errors are
 * `InvalidConfigError`s whose `field` is `fieldPrefix` + the policy field (`name`, `kinds`, `neverCancel`,
 * `matrix.<row>`, `matrix.<inFlight>.<incoming>`) and whose message names the policy and the cell.
 */
function validatePolicy(spec: unknown, fieldPrefix: string, read: CellReader, expects: string): Policy {
  const fail = (field: string, message: string): never => {
    throw new InvalidConfigError(`${fieldPrefix}${field}`, message);
  };
  const fields: Readonly<Record<string, unknown>> = isRecord(spec) ? spec : {};
  const { name, kinds, neverCancel, matrix } = fields;
  if (typeof name !== "string" || name.length === 0) {
    return fail("name", `${MACHINE} policy: name (${describeValue(name)}) must be a non-empty string`);
  }
  const label = `${MACHINE} policy ${describeValue(name)}`;
  if (!isStringArray(kinds) || kinds.length === 0 || kinds.some((kind) => kind.length === 0)) {
    return fail(
      "kinds",
      `${label}: kinds (${describeValue(kinds)}) must be a non-empty array of non-empty strings`,
    );
  }
  const repeated = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
  if (repeated !== undefined) {
    return fail("kinds", `${label}: kinds lists ${describeValue(repeated)} more than once`);
  }
  if (!isStringArray(neverCancel)) {
    return fail(
      "neverCancel",
      `${label}: neverCancel (${describeValue(neverCancel)}) must be an array of strings`,
    );
  }
  const stranger = neverCancel.find((kind) => !kinds.includes(kind));
  if (stranger !== undefined) {
    return fail(
      "neverCancel",
      `${label}: neverCancel lists ${describeValue(stranger)}, which is not one of kinds`,
    );
  }
  const rows = checkMatrixShape(matrix, kinds, label, fail);
  const cells = kinds.map((row) =>
    kinds.map((col): readonly [string, Cell] => {
      const value = getOwn(getOwn(rows, row) ?? {}, col);
      const cell = read(value);
      if (cell === undefined) {
        return fail(
          `matrix.${row}.${col}`,
          `${label}: cell ${row} × ${col} is ${describeValue(value)}, ${expects}`,
        );
      }
      return [col, cell];
    }),
  );
  const normalised: Policy = {
    name,
    kinds: [...kinds],
    neverCancel: [...neverCancel],
    // Object.fromEntries defines data properties, so a "__proto__" kind stays an ordinary entry.
    matrix: Object.fromEntries(kinds.map((row, index) => [row, Object.fromEntries(cells[index]!)])),
  };
  checkCells(normalised, label, fail);
  return normalised;
}

/** Checks the matrix is an object of objects with exactly the rows and columns `kinds × kinds`. */
function checkMatrixShape(
  matrix: unknown,
  kinds: readonly string[],
  label: string,
  fail: (field: string, message: string) => never,
): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  if (!isRecord(matrix)) {
    return fail("matrix", `${label}: matrix (${describeValue(matrix)}) must be an object of rows`);
  }
  for (const row of kinds) {
    const cells = getOwn(matrix, row);
    if (cells === undefined) {
      return fail(`matrix.${row}`, `${label}: matrix has no row for in-flight kind ${row}`);
    }
    if (!isRecord(cells)) {
      return fail(`matrix.${row}`, `${label}: matrix row ${row} (${describeValue(cells)}) must be an object`);
    }
    for (const col of kinds) {
      if (!Object.hasOwn(cells, col)) {
        return fail(`matrix.${row}.${col}`, `${label}: cell ${row} × ${col} is missing`);
      }
    }
    const unknownCol = Object.keys(cells).find((col) => !kinds.includes(col));
    if (unknownCol !== undefined) {
      return fail(
        `matrix.${row}.${unknownCol}`,
        `${label}: cell ${row} × ${unknownCol} names incoming kind ${unknownCol}, which is not one of kinds`,
      );
    }
  }
  const unknownRow = Object.keys(matrix).find((row) => !kinds.includes(row));
  if (unknownRow !== undefined) {
    return fail(
      `matrix.${unknownRow}`,
      `${label}: matrix row ${unknownRow} names in-flight kind ${unknownRow}, which is not one of kinds`,
    );
  }
  return matrix as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The seed's rules on normalised cells: Delete is never cancelled, cancel only with a queued successor. */
function checkCells(p: Policy, label: string, fail: (field: string, message: string) => never): void {
  const each = (check: (row: string, col: string, cell: Cell) => string | undefined) => {
    for (const row of p.kinds) {
      for (const col of p.kinds) {
        const message = check(row, col, policyCell(p, row, col));
        if (message !== undefined) {
          fail(`matrix.${row}.${col}`, `${label}: cell ${row} × ${col} ${message}`);
        }
      }
    }
  };
  each((row, _col, cell) =>
    p.neverCancel.includes(row) && cell.inFlight === "cancel"
      ? `is ${describeCell(cell)}, but an in-flight ${row} is never cancelled`
      : undefined,
  );
  each((_row, _col, cell) =>
    cell.inFlight === "cancel" && cell.incoming === "drop"
      ? `cancels the in-flight order without queueing a successor (incoming: "drop")`
      : undefined,
  );
  each((row, col, cell) =>
    cell.incoming === "drop" && row !== col
      ? `is ${describeCell(cell)}, but only an order of the in-flight kind (${row}) can be dropped as its duplicate`
      : undefined,
  );
}

/**
 * The cell `matrix[inFlightKind][incomingKind]` of a validated policy (for the machine in mailbox.ts).
 *
 * @throws `AssertionError` when the policy has no such cell (it was not validated).
 */
export function policyCell(p: Policy, inFlightKind: string, incomingKind: string): Cell {
  const row = getOwn(p.matrix, inFlightKind);
  const cell = row === undefined ? undefined : getOwn(row, incomingKind);
  assert(
    cell !== undefined,
    () => `policy ${describeValue(p.name)} has no cell ${inFlightKind} × ${incomingKind}`,
  );
  return cell;
}

/**
 * Validates a hand-written policy and normalises every shorthand to a {@link Cell}. Returns a new plain
 * object (not frozen; never mutated by the mailbox), rows and columns in `kinds` order.
 *
 * Rules, checked in this order: `name` is a non-empty string; `kinds` is a non-empty array of unique
 * non-empty strings; `neverCancel` is a subset of `kinds`; the matrix has exactly the rows and columns
 * `kinds × kinds`; every cell is a shorthand or a well-formed `Cell`; no cell of a `neverCancel` row cancels
 * (seed 003: an in-flight Delete is never cancelled); no cell cancels while dropping the incoming order
 * (seed 003: cancellation only fires when a successor is queued); `incoming: "drop"` only on the diagonal.
 *
 * @throws `InvalidConfigError` whose `field` is `name`, `kinds`, `neverCancel`, `matrix`, `matrix.<row>` or
 *   `matrix.<inFlight>.<incoming>`, and whose message names the policy and the cell, e.g.
 *   `Mailbox policy "teardown": cell Delete × Sync is "cancel", but an in-flight Delete is never cancelled`.
 * @example
 * const teardown = Mailbox.policy({
 *   name: "teardown", kinds: ["Sync", "Delete"], neverCancel: ["Delete"],
 *   matrix: { Sync: { Sync: "cancel+coalesce", Delete: "cancel" }, Delete: { Sync: "queue", Delete: "drop" } },
 * });
 */
export function policy(spec: PolicySpec): Policy {
  return validatePolicy(
    spec,
    "",
    readAction,
    `which is not an action (one of "queue", "cancel", "cancel+coalesce", "coalesce", "drop", or a Cell ` +
      `{ inFlight: "keep" | "cancel", incoming: "queue" | "coalesce" | "drop" })`,
  );
}

const NORMALISED_CELL =
  `which is not a Cell { inFlight: "keep" | "cancel", incoming: "queue" | "coalesce" | "drop" } ` +
  `(build policies with Mailbox.policy)`;

/**
 * Runs the checks of {@link policy} on an already-normalised policy (every cell a `Cell`, no shorthands),
 * e.g. one read back from JSON. `Mailbox.initial` calls it on `config.policy`.
 *
 * @throws `InvalidConfigError` as {@link policy} does (same fields and messages).
 */
export function checkPolicy(p: Policy): void {
  validatePolicy(p, "", readCell, NORMALISED_CELL);
}

/**
 * A policy that serialises `kinds` per key without superseding anything: every cell is `"queue"`.
 * Named `"fifo"`.
 *
 * @throws `InvalidConfigError` as {@link policy} does, e.g. for an empty `kinds` or a `neverCancel` kind
 *   outside `kinds`.
 */
export function fifoPolicy(kinds: readonly string[], neverCancel: readonly string[] = []): Policy {
  const row = (): Record<string, Action> => Object.fromEntries(kinds.map((kind) => [kind, "queue"]));
  return policy({
    name: "fifo",
    kinds,
    neverCancel,
    matrix: Object.fromEntries(kinds.map((kind) => [kind, row()])),
  });
}

/**
 * Checks `config.policy` for `Mailbox.initial`: an object that passes {@link checkPolicy}. Errors are
 * those of {@link checkPolicy} with `field` prefixed by `policy.` (e.g. `policy.matrix.DeletedStack.ExistingStack`),
 * or field `policy` when the value is not an object at all. Not re-exported as part of `Mailbox`.
 */
export function checkConfigPolicy(value: unknown): void {
  if (!isRecord(value)) {
    throw new InvalidConfigError(
      "policy",
      `${MACHINE} config: policy (${describeValue(value)}) must be a policy object (see Mailbox.policy)`,
    );
  }
  validatePolicy(value, "policy.", readCell, NORMALISED_CELL);
}
