// The audit search's input: the admin page's query string. Every issue message is a key under
// `audit.errors` in messages/*.json, so a bad link reads as a sentence in the viewer's language.
import "server-only";
import { z } from "zod";
import { isValidLocalDate } from "@/lib/scheduling";
import { AUDIT_ACTIONS } from "./sentences";

export const AUDIT_PAGE_SIZE = 50;

/**
 * The page's suggestions: every action the app writes, each family ("graph.call.*") just before its
 * first member. Derived from AUDIT_ACTIONS so a new action is suggested without a second list.
 */
export const knownAuditActions: readonly string[] = withFamilies(AUDIT_ACTIONS);

function withFamilies(actions: readonly string[]): string[] {
  const suggestions: string[] = [];
  const families = new Set<string>();
  for (const action of actions) {
    const parts = action.split(".");
    for (let length = 1; length < parts.length; length++) {
      const family = `${parts.slice(0, length).join(".")}.*`;
      if (families.has(family)) continue;
      families.add(family);
      suggestions.push(family);
    }
    suggestions.push(action);
  }
  return suggestions;
}

/** The system's own work (jobs, the bot): rows without a person. */
export const SYSTEM_ACTOR = "system";

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,19})$/;

export interface AuditCursor {
  at: Date;
  id: bigint;
}

export function encodeCursor(cursor: AuditCursor): string {
  return `${cursor.at.toISOString()}_${cursor.id.toString()}`;
}

export function decodeCursor(value: string): AuditCursor | null {
  const match = CURSOR.exec(value);
  if (!match) return null;
  const at = new Date(match[1]!);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== match[1]) return null;
  const id = BigInt(match[2]!);
  // ids are BIGSERIAL: anything past the signed 64-bit range is not one
  if (id > 9223372036854775807n) return null;
  return { at, id };
}

// A query string may repeat a key (?actor=a&actor=b); one value per filter, or the link is wrong.
// An absent or empty filter is no filter.
const optionalText = <T extends z.ZodType<string, string>>(schema: T) =>
  z
    .preprocess((value) => value ?? "", z.string({ error: "repeated" }))
    .pipe(z.union([z.literal(""), schema]))
    .transform((value) => (value === "" ? undefined : value));

const localDate = z.string().refine(isValidLocalDate, { error: "dateInvalid" });

export const auditSearchSchema = z
  .object({
    actor: optionalText(z.union([z.literal(SYSTEM_ACTOR), z.uuid({ error: "actorInvalid" })])),
    action: optionalText(
      z
        .string()
        .trim()
        .max(80, { error: "actionInvalid" })
        .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.\*)?$/, { error: "actionInvalid" }),
    ),
    subject: optionalText(
      z
        .string()
        .trim()
        .max(200, { error: "subjectInvalid" })
        .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]*$/, { error: "subjectInvalid" }),
    ),
    from: optionalText(localDate),
    to: optionalText(localDate),
    cursor: optionalText(z.string().refine((v) => decodeCursor(v) !== null, { error: "cursorInvalid" })),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { error: "rangeReversed", path: ["to"] });

export type AuditSearch = z.infer<typeof auditSearchSchema>;

const auditErrorKeys = [
  "repeated",
  "actorInvalid",
  "actionInvalid",
  "subjectInvalid",
  "dateInvalid",
  "rangeReversed",
  "cursorInvalid",
] as const;
export type AuditErrorKey = (typeof auditErrorKeys)[number];

/** Field → message key for the first issue of each field; anything unexpected reads as "invalid". */
export function auditFieldErrors(error: z.ZodError): Partial<Record<keyof AuditSearch | "form", AuditErrorKey>> {
  const out: Partial<Record<keyof AuditSearch | "form", AuditErrorKey>> = {};
  for (const issue of error.issues) {
    const field = (typeof issue.path[0] === "string" ? issue.path[0] : "form") as keyof AuditSearch | "form";
    if (out[field]) continue;
    const key = (auditErrorKeys as readonly string[]).includes(issue.message) ? (issue.message as AuditErrorKey) : null;
    out[field] = key ?? fallbackKey(field);
  }
  return out;
}

function fallbackKey(field: keyof AuditSearch | "form"): AuditErrorKey {
  switch (field) {
    case "actor":
      return "actorInvalid";
    case "action":
      return "actionInvalid";
    case "subject":
      return "subjectInvalid";
    case "from":
    case "to":
      return "dateInvalid";
    case "cursor":
      return "cursorInvalid";
    default:
      return "repeated";
  }
}
