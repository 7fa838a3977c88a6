// Input rules for the clinic line's rules as an admin writes them (/admin/clinic-line). Form fields arrive as
// strings; the output is what a ClinicLineRule row holds and what rules.ts decides with. Every issue message
// is a key under `lineAdmin.errors` in messages/*.json. Phone numbers are read like patients' (libphonenumber,
// Brazil by default) and stored in E.164.
import "server-only";
import { z } from "zod";
import { normalisePhone } from "@/lib/patients/schema";
import { isValidCallerPattern } from "./rules";
import { firstErrorPerField } from "@/lib/form-errors";

const LABEL_MAX = 80;
const PRIORITY_MAX = 100_000;

export const ruleErrorKeys = [
  "invalid",
  "tooLong",
  "kindInvalid",
  "callerInvalid",
  "prefixInvalid",
  "weekdayInvalid",
  "timeInvalid",
  "timeBoth",
  "timeEmpty",
  "targetRequired",
  "targetUserInvalid",
  "phoneInvalid",
  "phoneTooShort",
  "phoneTooLong",
  "phoneInvalidCountry",
  "priorityInvalid",
  "versionInvalid",
  "conditionRequired",
  "confirmRejectAll",
] as const;
export type RuleErrorKey = (typeof ruleErrorKeys)[number];

const ruleFields = [
  "label",
  "kind",
  "caller",
  "weekdays",
  "start",
  "end",
  "targetKind",
  "targetUser",
  "targetPhone",
  "priority",
  "active",
  "confirmRejectAll",
] as const;
export type RuleField = (typeof ruleFields)[number];
export type RuleFieldErrors = Partial<Record<RuleField, RuleErrorKey>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "" or "*" = anyone (also anonymous callers); "+5511*" = a prefix; anything else a number. */
export function parseCallerPattern(raw: string): { ok: true; pattern: string } | { ok: false; error: RuleErrorKey } {
  const text = raw.trim();
  if (text === "" || text === "*") return { ok: true, pattern: "*" };
  if (text.endsWith("*")) {
    const prefix = `${text.slice(0, -1).replace(/[\s().-]/g, "")}*`;
    return /^\+\d{1,14}\*$/.test(prefix) && isValidCallerPattern(prefix)
      ? { ok: true, pattern: prefix }
      : { ok: false, error: "prefixInvalid" };
  }
  const phone = normalisePhone(text);
  if (!phone.ok) return { ok: false, error: "callerInvalid" };
  return { ok: true, pattern: phone.e164 };
}

export const minutesToTime = (minute: number | null) =>
  minute === null ? "" : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

const timeToMinutes = (value: string) => {
  const match = HHMM.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
};

const str = z.string({ error: "invalid" });

/** The form as strings (weekdays: the checked boxes' values). */
export const ruleFormSchema = z
  .object({
    label: str.trim().max(LABEL_MAX, { error: "tooLong" }),
    kind: z.enum(["BLOCK", "REDIRECT"], { error: "kindInvalid" }),
    caller: str.max(40, { error: "callerInvalid" }),
    weekdays: z.array(z.enum(["1", "2", "3", "4", "5", "6", "7"], { error: "weekdayInvalid" }), {
      error: "weekdayInvalid",
    }),
    start: str.trim().max(5, { error: "timeInvalid" }),
    end: str.trim().max(5, { error: "timeInvalid" }),
    targetKind: z.enum(["user", "phone", ""], { error: "targetRequired" }),
    targetUser: str.trim().max(36, { error: "targetUserInvalid" }),
    targetPhone: str.max(40, { error: "phoneInvalid" }),
    priority: str.trim().max(20, { error: "priorityInvalid" }),
    active: z.boolean({ error: "invalid" }),
    confirmRejectAll: z.boolean({ error: "invalid" }).default(false),
  })
  .transform((form, ctx) => {
    const issue = (path: RuleField, message: RuleErrorKey) => ctx.addIssue({ code: "custom", path: [path], message });
    const caller = parseCallerPattern(form.caller);
    if (!caller.ok) issue("caller", caller.error);

    // A rule says which calls it is about: a caller, days or hours. Without any it would take every call
    // (a blank form once saved "any caller, all day, reject" and the line refused everyone). A rule that
    // rejects whoever calls, even within days or hours, is kept only when the admin ticks that they mean it.
    const anyCaller = caller.ok && caller.pattern === "*";
    if (anyCaller && form.weekdays.length === 0 && form.start === "" && form.end === "")
      issue("caller", "conditionRequired");
    if (anyCaller && form.kind === "BLOCK" && !form.confirmRejectAll) issue("confirmRejectAll", "confirmRejectAll");

    const startMinute = form.start === "" ? null : timeToMinutes(form.start);
    const endMinute = form.end === "" ? null : timeToMinutes(form.end);
    if (form.start !== "" && startMinute === null) issue("start", "timeInvalid");
    if (form.end !== "" && endMinute === null) issue("end", "timeInvalid");
    if ((form.start === "") !== (form.end === "")) issue(form.start === "" ? "start" : "end", "timeBoth");
    if (startMinute !== null && startMinute === endMinute) issue("end", "timeEmpty");

    let redirectTarget: string | null = null;
    if (form.kind === "REDIRECT") {
      if (form.targetKind === "user") {
        if (GUID.test(form.targetUser)) redirectTarget = form.targetUser.toLowerCase();
        else issue("targetUser", form.targetUser === "" ? "targetRequired" : "targetUserInvalid");
      } else if (form.targetKind === "phone") {
        const phone = normalisePhone(form.targetPhone);
        if (phone.ok) redirectTarget = phone.e164;
        else
          issue(
            "targetPhone",
            form.targetPhone.trim() === ""
              ? "targetRequired"
              : (ruleErrorKeys as readonly string[]).includes(phone.error)
                ? (phone.error as RuleErrorKey)
                : "phoneInvalid",
          );
      } else issue("targetKind", "targetRequired");
    }

    // checked here rather than on the field, so one bad field does not hide the others' problems
    const priority = /^\d{1,6}$/.test(form.priority) ? Number(form.priority) : NaN;
    if (!(priority <= PRIORITY_MAX)) issue("priority", "priorityInvalid");
    if (!caller.ok) return z.NEVER;
    return {
      label: form.label === "" ? null : form.label,
      kind: form.kind,
      callerPattern: caller.pattern,
      weekdays: [...new Set(form.weekdays.map(Number))].sort((a, b) => a - b),
      startMinute: startMinute !== null && endMinute !== null ? startMinute : null,
      endMinute: startMinute !== null && endMinute !== null ? endMinute : null,
      redirectTarget,
      priority,
      active: form.active,
    };
  });

/** As the form sends it: strings (weekdays: the checked values), checked by the schema. */
export interface RuleFormInput {
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
  /** the admin confirms a rule that rejects every caller (in its days and hours) */
  confirmRejectAll?: boolean;
}
export type RuleData = z.output<typeof ruleFormSchema>;

export const ruleIdSchema = z.uuid({ error: "invalid" });
export const ruleVersionSchema = z.iso.datetime({ error: "versionInvalid" });

/** The first problem per field, as a message key (lib/form-errors.ts). */
export function ruleFieldErrors(error: z.ZodError): RuleFieldErrors {
  return firstErrorPerField(error, ruleFields, ruleErrorKeys);
}
