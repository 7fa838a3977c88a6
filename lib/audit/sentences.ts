// Audit rows as sentences for people: which message (one per action, under `audit.sentences` in
// messages/*.json), who did it (a person, or one of the system's own workers), and the values the
// sentence needs from the row's details. Pure: the caller translates and formats the instants in the
// viewer's zone and language (lib/format.ts). An action without a sentence of its own falls back to a
// generic one that names the code, so a new action never shows up blank.
import "server-only";

/** Every action the app writes (lib/**: recordAudit, recordRead), each with a sentence. */
export const AUDIT_ACTIONS = [
  "appointment.book",
  "appointment.reschedule",
  "appointment.cancel",
  "appointment.confirm",
  "appointment.read",
  "appointment.link.read",
  "appointment.link.rotate",
  "appointment.attendance-closed",
  "appointment.attendance-corrected",
  "patient.create",
  "patient.read",
  "patient.update",
  "patient.merge",
  "availability.weekly.update",
  "availability.exception.create",
  "availability.exception.delete",
  "availability.types.update",
  "clinician.timezone.update",
  "graph.meeting.create",
  "graph.meeting.read",
  "graph.meeting.update",
  "graph.meeting.delete",
  "graph.meeting.retry",
  "graph.meeting.lookup",
  "graph.calendar.create",
  "graph.calendar.update",
  "graph.calendar.delete",
  "graph.call.join",
  "graph.call.leave",
  "graph.call.invite",
  "graph.call.mute",
  "graph.call.remove",
  "graph.call.group",
  "reminder.call",
  "reminder.remind-now",
  "reminder.outcome",
  "rescue.start",
  "rescue.reschedule-requested",
  "rescue.outcome",
  "clinic-line.reject",
  "clinic-line.redirect",
  "clinic-line.answer",
  "clinic-line.outcome",
  "clinic-line.rule.create",
  "clinic-line.rule.update",
  "clinic-line.rule.delete",
  "clinic-line.rule.move",
  "clinic-line.rule.enable",
  "clinic-line.rule.disable",
  "prompt.update",
  "prompt.reset",
  "message.send",
  "message.resend",
  "patient.sms.optout",
  "patient.sms.optin",
  "appointment-type.create",
  "appointment-type.update",
  "appointment-type.retire",
  "appointment-type.reinstate",
  "appointment-type.delete",
] as const;

/** The system's own workers, by the label they write (systemActor(...) in lib/**). */
const SYSTEM_ACTOR_LABELS = {
  "reminder-call": "reminderCall",
  "meeting sync": "meetingSync",
  "bot-auto": "bot",
  "clinic-line": "clinicLine",
  "patient-messages": "patientMessages",
  "sms-reply": "smsReply",
  outlook: "outlook",
  attendance: "attendance",
  "rescue-call": "rescueCall",
} as const;

export const SYSTEM_ACTOR_KEYS = [
  "reminderCall",
  "meetingSync",
  "bot",
  "clinicLine",
  "patientLink",
  "patientMessages",
  "smsReply",
  "outlook",
  "attendance",
  "rescueCall",
  "system",
] as const;
type SystemActorKey = (typeof SYSTEM_ACTOR_KEYS)[number];

const ROLES = ["CLINICIAN", "STAFF", "ADMIN"] as const;
type Role = (typeof ROLES)[number];

export type AuditSentenceActor =
  | { kind: "person"; name: string; role: Role | null }
  /** only a role is known (some actions label their rows "staff") */
  | { kind: "role"; role: Role }
  | { kind: "system"; key: SystemActorKey };

export interface AuditSentence {
  /** the message under `audit.sentences`: the action with "." and "-" as "_", or "unknown" */
  key: string;
  actor: AuditSentenceActor;
  /** plain values of the message (ICU select keys such as an outcome code, a count, the raw action) */
  values: Record<string, string>;
  /** instants the message shows, for the caller to format in the viewer's zone and language */
  instants: Record<string, Date>;
}

export interface AuditSentenceInput {
  action: string;
  actorLabel: string;
  /** the person's current name and role, when the row's actor still has an account */
  actor?: { name: string; role: string } | null;
  details?: unknown;
}

const known = new Set<string>(AUDIT_ACTIONS);

export const sentenceKey = (action: string): string => (known.has(action) ? action.replace(/[.-]/g, "_") : "unknown");

const asRole = (value: string): Role | null => {
  const upper = value.toUpperCase();
  return (ROLES as readonly string[]).includes(upper) ? (upper as Role) : null;
};

/** Who wrote the row: the account's current name if known, else what its label says. */
export function auditActor(input: Pick<AuditSentenceInput, "actorLabel" | "actor">): AuditSentenceActor {
  if (input.actor) return { kind: "person", name: input.actor.name, role: asRole(input.actor.role) };
  const label = input.actorLabel.trim();
  const system = SYSTEM_ACTOR_LABELS[label as keyof typeof SYSTEM_ACTOR_LABELS];
  if (system) return { kind: "system", key: system };
  if (/^patient link\b/.test(label)) return { kind: "system", key: "patientLink" };
  const bareRole = asRole(label);
  if (bareRole) return { kind: "role", role: bareRole };
  const withRole = /^(.+?) \((clinician|staff|admin)\)$/i.exec(label);
  if (withRole) return { kind: "person", name: withRole[1]!, role: asRole(withRole[2]!) };
  return label ? { kind: "person", name: label, role: null } : { kind: "system", key: "system" };
}

const record = (details: unknown): Record<string, unknown> =>
  details && typeof details === "object" && !Array.isArray(details) ? (details as Record<string, unknown>) : {};

const text = (value: unknown, fallback: string) =>
  typeof value === "string" && value.trim() !== "" ? value : typeof value === "number" ? String(value) : fallback;

function instant(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The sentence for one audit row. */
export function auditSentence(input: AuditSentenceInput): AuditSentence {
  const details = record(input.details);
  const key = sentenceKey(input.action);
  // ICU select values: a failed Graph action says so; outcomes are codes the message words
  const values: Record<string, string> = {
    action: input.action,
    failed: details.outcome === "failed" ? "yes" : "no",
    outcome: text(details.outcome, "none"),
    attempt: text(details.attempt, "1"),
    zone: text(details.to, "—"),
    // a patient message: which channel and which template
    channel: text(details.channel, "none"),
    template: text(details.template, "none"),
    // how a visit ended (attendance closed it, or a person corrected it)
    status: text(details.status ?? details.to, "none"),
  };
  const instants: Record<string, Date> = {};
  const to = input.action === "appointment.reschedule" ? instant(details.to) : null;
  if (to) instants.to = to;
  else if (input.action === "appointment.reschedule") values.to = "—";
  return { key, actor: auditActor(input), values, instants };
}
