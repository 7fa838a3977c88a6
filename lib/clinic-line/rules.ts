// What to do with an incoming call before anyone speaks: reject it (blocklist / spam), redirect it (after
// hours → the on-call clinician, a known caller → a person) or answer it into the IVR. Pure: the rules, the
// caller's number, `now` and the clinic's zone are parameters. The first active rule that matches, by
// priority (lowest first, then id for a stable order), decides; nothing matches → answer.
import "server-only";
import { DateTime } from "luxon";
import { E164 } from "@/lib/constants";

type RuleKind = "BLOCK" | "REDIRECT";

export interface ClinicLineRuleInput {
  id: string;
  kind: RuleKind;
  /** "*" any caller (also anonymous), "+5511987654321" exactly, "+5511*" a prefix */
  callerPattern: string;
  /** ISO weekdays 1 (Mon) … 7 (Sun); empty = every day */
  weekdays: number[];
  /** minutes after local midnight; both null = all day; start > end spans midnight */
  startMinute: number | null;
  endMinute: number | null;
  /** REDIRECT: Entra object id of a Teams user, or an E.164 number */
  redirectTarget: string | null;
  priority: number;
  active: boolean;
}

export type RedirectTarget = { kind: "user"; userId: string } | { kind: "phone"; phone: string };

export type LineDecision =
  | { action: "reject"; ruleId: string }
  | { action: "redirect"; ruleId: string; target: RedirectTarget }
  | { action: "answer"; ruleId: null };

const PREFIX = /^\+\d{0,14}\*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "+55 (11) 98765-4321" → "+5511987654321"; null when it is not a plausible E.164 number. */
export function normaliseCaller(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const compact = raw.trim().replace(/[\s().-]/g, "");
  const withPlus = compact.startsWith("+") ? compact : /^\d+$/.test(compact) ? `+${compact}` : compact;
  return E164.test(withPlus) ? withPlus : null;
}

export function isValidCallerPattern(pattern: string): boolean {
  return pattern === "*" || E164.test(pattern) || PREFIX.test(pattern);
}

export function parseRedirectTarget(value: string | null): RedirectTarget | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (E164.test(trimmed)) return { kind: "phone", phone: trimmed };
  if (GUID.test(trimmed)) return { kind: "user", userId: trimmed.toLowerCase() };
  return null;
}

export function callerMatches(pattern: string, caller: string | null): boolean {
  if (pattern === "*") return true;
  if (!caller) return false; // anonymous callers only match "*"
  if (pattern.endsWith("*")) return caller.startsWith(pattern.slice(0, -1));
  return caller === pattern;
}

function inWindow(rule: Pick<ClinicLineRuleInput, "weekdays" | "startMinute" | "endMinute">, local: DateTime) {
  const { startMinute: start, endMinute: end } = rule;
  const minute = local.hour * 60 + local.minute;
  if (start === null || end === null) return rule.weekdays.length === 0 || rule.weekdays.includes(local.weekday);
  if (start === end) return false;
  if (start < end) {
    return (rule.weekdays.length === 0 || rule.weekdays.includes(local.weekday)) && minute >= start && minute < end;
  }
  // spans midnight: the evening part belongs to the listed day, the early-morning part to the day before
  if (minute >= start) return rule.weekdays.length === 0 || rule.weekdays.includes(local.weekday);
  if (minute < end) {
    const previous = local.minus({ days: 1 }).weekday;
    return rule.weekdays.length === 0 || rule.weekdays.includes(previous);
  }
  return false;
}

export function decide(
  rules: readonly ClinicLineRuleInput[],
  callerRaw: string | null,
  now: Date,
  clinicZone: string,
): LineDecision {
  const caller = normaliseCaller(callerRaw);
  const local = DateTime.fromJSDate(now, { zone: clinicZone });
  const zoned = local.isValid ? local : DateTime.fromJSDate(now, { zone: "UTC" });
  const ordered = [...rules]
    .filter((r) => r.active && isValidCallerPattern(r.callerPattern))
    .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const rule of ordered) {
    if (!callerMatches(rule.callerPattern, caller) || !inWindow(rule, zoned)) continue;
    if (rule.kind === "BLOCK") return { action: "reject", ruleId: rule.id };
    const target = parseRedirectTarget(rule.redirectTarget);
    if (target) return { action: "redirect", ruleId: rule.id, target };
    // a redirect rule without a usable target is skipped, never fatal: the call is still served
  }
  return { action: "answer", ruleId: null };
}
