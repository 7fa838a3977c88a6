import type { RuleField } from "./schema";

/** What the rule form shows: the strings as typed (weekdays: checked values). */
export interface RuleFormValues {
  label: string;
  kind: string;
  caller: string;
  weekdays: string[];
  start: string;
  end: string;
  targetKind: string;
  targetUser: string;
  targetPhone: string;
  priority: string;
  active: boolean;
}

export type RuleFormState =
  | { status: "idle" }
  | { status: "ok"; message: string; values: RuleFormValues; updatedAt: string }
  | {
      status: "error";
      message: string;
      fieldErrors: Partial<Record<RuleField, string>>;
      values: RuleFormValues;
    };

export type RuleRowState = { status: "idle" } | { status: "ok" | "error"; message: string };
