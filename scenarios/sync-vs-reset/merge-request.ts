/**
 * A model of one merge request's approval state as a store machine (GitLab's `approval_merge_request_rules`
 * and `approvals` tables): the code-owner rules the CODEOWNERS file produces, and the approvals given so
 * far. One event is one SQL statement. The code-owner sync deletes the rules in one statement and recreates
 * them one by one; the reset-approvals service reads the rules in one statement and deletes the approvals
 * they cover in another — so a sync can run between the two, which is seed 000's race.
 */

/** The code-owner rules CODEOWNERS yields for this MR, in the order the sync recreates them. */
export const CODE_OWNER_RULES = ["backend-owners", "frontend-owners"] as const;

/** An approval: who gave it, on which rule, and after how many pushes (0 = before the first push). */
export interface Approval {
  readonly rule: string;
  readonly afterPush: number;
}

export interface MrState {
  /** The code-owner rules that currently exist. */
  readonly rules: readonly string[];
  /** Approvals by user. */
  readonly approvals: Readonly<Record<string, Approval>>;
}

export type MrEvent =
  | { readonly _tag: "DeleteRules"; readonly sync: string }
  | { readonly _tag: "CreateRule"; readonly rule: string; readonly sync: string }
  | { readonly _tag: "ReadRules"; readonly reset: string }
  /** A merge check reading the MR's rules and approvals (it also asks the flow whether the MR is temporarily unapproved). */
  | { readonly _tag: "MergeCheck" }
  | {
      readonly _tag: "DeleteApprovals";
      /** The rules the reset read: only approvals on these are deleted (`.delete_all` on the affected rules). */
      readonly rules: readonly string[];
      /** The push the reset is for: approvals given before it are stale. */
      readonly push: number;
      readonly reset: string;
    };

export type MrResult =
  | { readonly _tag: "RulesDeleted"; readonly count: number }
  | { readonly _tag: "RuleCreated"; readonly created: boolean }
  | { readonly _tag: "Rules"; readonly rules: readonly string[] }
  | {
      readonly _tag: "Observed";
      readonly rules: number;
      readonly approvals: number;
      readonly approved: boolean;
    }
  | { readonly _tag: "ApprovalsDeleted"; readonly users: readonly string[] };

/** The MR before the first push: both code-owner rules exist and each has its owner's approval. */
export const initialMr: MrState = {
  rules: [...CODE_OWNER_RULES],
  approvals: {
    alice: { rule: "backend-owners", afterPush: 0 },
    bob: { rule: "frontend-owners", afterPush: 0 },
  },
};

/** Whether a sync has deleted rules it has not recreated yet. */
export function halfBuilt(state: MrState): boolean {
  return state.rules.length < CODE_OWNER_RULES.length;
}

/** Whether every code-owner rule that exists has an approval (the approval part of the merge check). */
export function rulesApproved(state: MrState): boolean {
  const approved = new Set(Object.values(state.approvals).map((a) => a.rule));
  return state.rules.every((rule) => approved.has(rule));
}

/** The merge request's approval tables. */
export const mergeRequest = {
  transition(
    state: MrState,
    event: MrEvent,
  ): { state: MrState; effects: readonly never[]; result: MrResult } {
    switch (event._tag) {
      case "DeleteRules":
        return {
          state: state.rules.length === 0 ? state : { ...state, rules: [] },
          effects: [],
          result: { _tag: "RulesDeleted", count: state.rules.length },
        };
      case "CreateRule": {
        if (state.rules.includes(event.rule))
          return { state, effects: [], result: { _tag: "RuleCreated", created: false } };
        const rules = CODE_OWNER_RULES.filter((r) => r === event.rule || state.rules.includes(r));
        return { state: { ...state, rules }, effects: [], result: { _tag: "RuleCreated", created: true } };
      }
      case "ReadRules":
        return { state, effects: [], result: { _tag: "Rules", rules: state.rules } };
      case "MergeCheck":
        return {
          state,
          effects: [],
          result: {
            _tag: "Observed",
            rules: state.rules.length,
            approvals: Object.keys(state.approvals).length,
            approved: rulesApproved(state),
          },
        };
      case "DeleteApprovals": {
        const stale = Object.entries(state.approvals).filter(
          ([, a]) => event.rules.includes(a.rule) && a.afterPush < event.push,
        );
        if (stale.length === 0)
          return { state, effects: [], result: { _tag: "ApprovalsDeleted", users: [] } };
        const users = stale.map(([user]) => user);
        const approvals = Object.fromEntries(
          Object.entries(state.approvals).filter(([user]) => !users.includes(user)),
        );
        return { state: { ...state, approvals }, effects: [], result: { _tag: "ApprovalsDeleted", users } };
      }
    }
  },
};
