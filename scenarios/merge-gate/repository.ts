/**
 * A model of one git repository and its forge (seeds 004 and 001): `main` as a list of merged branches, task
 * branches with the main version they are based on and the files they touch, and the merge of a PR. One
 * event is one git / forge operation, applied atomically.
 *
 * - Textual conflicts: a rebase conflicts when the branch touches a file that a branch merged into main since
 *   its base also touched.
 * - Semantic conflicts: some pairs of branches are green alone and red together; a CI run's verdict is a
 *   function of the combined tree (main at the branch's base, plus the branch). A developer retry after a red
 *   re-test revises the branch so that it works with everything already on main.
 * - Fencing (optional): `main` is a fenced resource (Kleppmann): a merge-lease holder presents its fencing
 *   token on every operation that reads main for a decision (`Rebase`) and on the merge; an operation with a
 *   token older than the highest seen is refused. Without fencing, tokens are ignored — the seeds' file lease.
 */

import { FencedResource } from "@interleave/core";

/** A task branch. */
export interface BranchState {
  /** The main version (length of main's history) this branch is based on. */
  readonly base: number;
  /** Files the branch changes. */
  readonly files: readonly string[];
  /** Branches this one was revised to work with (developer retries after a red re-test). */
  readonly fixedWith: readonly string[];
}

export interface RepoState {
  /** Branches merged into main, in merge order; main's version is its length. */
  readonly main: readonly string[];
  readonly branches: Readonly<Record<string, BranchState>>;
  /** How many times each branch's PR was merged. */
  readonly merges: Readonly<Record<string, number>>;
  /**
   * Main's fence (fenced repositories only): a core `FencedResource` whose value is main's history. Reads
   * that decide the gate `Fence` it with the caller's token; the merge is a `Write` with that token.
   */
  readonly fence: FencedResource.State<readonly string[]>;
  readonly fenced: boolean;
  /** Pairs of branches that are green alone and red together. */
  readonly semanticConflicts: readonly (readonly [string, string])[];
}

/** `token`: the caller's merge-lease fencing token, or null when it holds none (no gate). */
export type RepoEvent =
  | { readonly _tag: "ReadState"; readonly branch: string; readonly token: number | null }
  | { readonly _tag: "Rebase"; readonly branch: string; readonly token: number | null }
  | { readonly _tag: "Revise"; readonly branch: string }
  | { readonly _tag: "Merge"; readonly branch: string; readonly token: number | null };

export type RepoResult =
  | { readonly _tag: "State"; readonly behind: boolean; readonly prMerged: boolean; readonly base: number }
  | { readonly _tag: "Rebased"; readonly base: number }
  | { readonly _tag: "UpToDate"; readonly base: number }
  | { readonly _tag: "Conflict"; readonly files: readonly string[] }
  | { readonly _tag: "Revised"; readonly base: number }
  | { readonly _tag: "Merged"; readonly version: number }
  | { readonly _tag: "StaleToken"; readonly token: number; readonly fence: number };

export function initialRepo(
  branches: Readonly<Record<string, readonly string[]>>,
  semanticConflicts: readonly (readonly [string, string])[],
  fenced: boolean,
): RepoState {
  return {
    main: [],
    branches: Object.fromEntries(
      Object.entries(branches).map(([name, files]) => [name, { base: 0, files, fixedWith: [] }]),
    ),
    merges: {},
    fence: FencedResource.initial<readonly string[]>(),
    fenced,
    semanticConflicts,
  };
}

function branchOf(state: RepoState, name: string): BranchState {
  const b = Object.hasOwn(state.branches, name) ? state.branches[name] : undefined;
  if (b === undefined) throw new Error(`repository: unknown branch ${name}`);
  return b;
}

/** Whether the tree `branches` (a set of merged-together branches) passes CI. */
export function treeGreen(state: RepoState, tree: readonly string[]): boolean {
  return state.semanticConflicts.every(([a, b]) => {
    if (!tree.includes(a) || !tree.includes(b)) return true;
    const fixed = (x: string, y: string) =>
      Object.hasOwn(state.branches, x) && (state.branches[x]?.fixedWith.includes(y) ?? false);
    return fixed(a, b) || fixed(b, a);
  });
}

/** The tree a CI run of `branch` tests: main at the branch's base, plus the branch. */
export function branchTree(state: RepoState, branch: string): readonly string[] {
  return [...state.main.slice(0, branchOf(state, branch).base), branch];
}

/**
 * The fence of `event`: with a fenced main and a token, `FencedResource` decides (`Fence` for a read, `Write`
 * of the new history for a merge); `StaleToken` refuses the operation. Otherwise it goes through.
 */
function fenceCheck(
  state: RepoState,
  token: number | null,
  write?: readonly string[],
): { ok: true; state: RepoState } | { ok: false; result: RepoResult } {
  if (!state.fenced || token === null) return { ok: true, state };
  const step =
    write === undefined
      ? FencedResource.transition(state.fence, { _tag: "Fence", token })
      : FencedResource.transition(state.fence, { _tag: "Write", token, value: write });
  if (step.result._tag === "StaleToken")
    return { ok: false, result: { _tag: "StaleToken", token, fence: step.result.highestToken } };
  return { ok: true, state: step.state === state.fence ? state : { ...state, fence: step.state } };
}

function withBranch(state: RepoState, name: string, branch: BranchState): RepoState {
  return { ...state, branches: { ...state.branches, [name]: branch } };
}

/** The repository and its forge. */
export const repository = {
  transition(
    state: RepoState,
    event: RepoEvent,
  ): { state: RepoState; effects: readonly never[]; result: RepoResult } {
    const same = (result: RepoResult) => ({ state, effects: [], result });
    switch (event._tag) {
      case "ReadState": {
        // Under the lease, the read that decides the gate is fenced too: a stale holder cannot merge after it.
        const fenced = fenceCheck(state, event.token);
        if (!fenced.ok) return same(fenced.result);
        const b = branchOf(fenced.state, event.branch);
        return {
          state: fenced.state,
          effects: [],
          result: {
            _tag: "State",
            behind: b.base < fenced.state.main.length,
            prMerged: (fenced.state.merges[event.branch] ?? 0) > 0,
            base: b.base,
          },
        };
      }
      case "Rebase": {
        const fenced = fenceCheck(state, event.token);
        if (!fenced.ok) return same(fenced.result);
        const s = fenced.state;
        const b = branchOf(s, event.branch);
        if (b.base === s.main.length)
          return { state: s, effects: [], result: { _tag: "UpToDate", base: b.base } };
        const touched = new Set(s.main.slice(b.base).flatMap((m) => branchOf(s, m).files));
        const clashing = b.files.filter((f) => touched.has(f));
        if (clashing.length > 0)
          return { state: s, effects: [], result: { _tag: "Conflict", files: clashing } };
        // git rebase origin/main + push --force-with-lease of the task branch only (never main).
        return {
          state: withBranch(s, event.branch, { ...b, base: s.main.length }),
          effects: [],
          result: { _tag: "Rebased", base: s.main.length },
        };
      }
      case "Revise": {
        // The developer retry: rebase by hand onto current main, resolve conflicts, make it work with main.
        const b = branchOf(state, event.branch);
        const revised: BranchState = {
          base: state.main.length,
          files: b.files,
          fixedWith: [...new Set([...b.fixedWith, ...state.main])],
        };
        return {
          state: withBranch(state, event.branch, revised),
          effects: [],
          result: { _tag: "Revised", base: revised.base },
        };
      }
      case "Merge": {
        const fenced = fenceCheck(state, event.token, [...state.main, event.branch]);
        if (!fenced.ok) return same(fenced.result);
        const s = fenced.state;
        branchOf(s, event.branch);
        return {
          state: {
            ...s,
            main: [...s.main, event.branch],
            merges: { ...s.merges, [event.branch]: (s.merges[event.branch] ?? 0) + 1 },
          },
          effects: [],
          result: { _tag: "Merged", version: s.main.length + 1 },
        };
      }
    }
  },
};
