import type { RuleField, RuleFormInput } from "./schema";

/** What the rule form shows: the strings as typed (weekdays: checked values) — what the schema reads. */
export type RuleFormValues = RuleFormInput;

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
