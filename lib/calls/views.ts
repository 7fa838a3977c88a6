import "server-only";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments, mayManageAppointment } from "@/lib/auth/roles";
import { getDb } from "@/lib/db";
import { LIVE_CALL_STATES, isLiveCallState } from "@/lib/constants";

// Request-facing reads for the calls UI. Each resolves what the viewer may see:
// - the call log (/calls) and group calls are for staff and admins; anyone else gets null → 404
//   (a clinician sees the live meeting of their own appointments on the appointment page instead);
// - the live call of an appointment: staff, or the appointment's clinician (as lib/bot/access.ts).
// Parties are names or masked numbers only: Call.counterpart and CallParticipant.displayName never
// hold more (lib/bot/schema.ts masks phone numbers before they are stored).

/** Graph call states in which the bot is still on the call (lib/bot/meeting-calls/). */

const LOG_LIMIT = 200;

export interface CallLogEntry {
  id: string;
  direction: "INCOMING" | "OUTGOING";
  purpose: "MEETING_JOIN" | "REMINDER" | "CLINIC_LINE" | "GROUP_CALL" | "RESCUE";
  state: string;
  live: boolean;
  outcome: string | null;
  createdAt: Date;
  establishedAt: Date | null;
  endedAt: Date | null;
  appointmentId: string | null;
  initiatedBy: string | null;
  /** who was on the other end: names or masked numbers, the bot left out */
  parties: string[];
}

/**
 * A reminder's business outcome as a call-log outcome (calls.log.outcome.* in messages/*.json). Only the
 * reminder's latest call carries it (Reminder.callId); earlier, unanswered tries keep their own end.
 */
function reminderLogOutcome(outcome: string | null | undefined): string | null {
  switch (outcome) {
    case "CONFIRMED":
      return "patientConfirmed";
    case "CANCELLED":
      return "patientCancelled";
    case "TRANSFERRED":
      return "transferred";
    case "NO_ANSWER":
      return "no-answer";
    case "NO_RESPONSE":
      return "noChoice";
    case "FAILED":
      return "failed";
    default:
      return null;
  }
}

/** Every call, newest first (staff and admins); null for anyone else. */
export async function callLogForViewer(viewer: Viewer): Promise<CallLogEntry[] | null> {
  if (!canSeeAllAppointments(viewer.role)) return null;
  const db = getDb();
  const calls = await db.call.findMany({
    orderBy: { createdAt: "desc" },
    take: LOG_LIMIT,
    include: {
      participants: {
        where: { identityKind: { not: "application" } },
        orderBy: { joinedAt: "asc" },
        select: { displayName: true },
      },
      // invited numbers that never answered still belong in the log (masked: `phone:•••• 4321`)
      operations: { where: { kind: "invite" }, orderBy: { createdAt: "asc" }, select: { clientContext: true } },
    },
  });
  // a reminder call's log line tells what the patient chose, not the line's technical end ("completed")
  const reminderCallIds = calls.filter((c) => c.purpose === "REMINDER").map((c) => c.id);
  const reminders = reminderCallIds.length
    ? await db.reminder.findMany({
        where: { callId: { in: reminderCallIds }, outcome: { not: null } },
        select: { callId: true, outcome: true },
      })
    : [];
  const reminderOutcomeOf = new Map(reminders.map((r) => [r.callId, r.outcome]));
  const initiatorIds = [...new Set(calls.map((c) => c.initiatedById).filter((id): id is string => !!id))];
  const initiators = initiatorIds.length
    ? await db.user.findMany({ where: { id: { in: initiatorIds } }, select: { id: true, name: true } })
    : [];
  const nameOf = new Map(initiators.map((u) => [u.id, u.name]));
  return calls.map((c) => {
    const names = c.participants.map((p) => p.displayName).filter((n): n is string => !!n);
    const invitedPhones = c.operations
      .map((op) => op.clientContext)
      .filter((label): label is string => !!label?.startsWith("phone:"))
      .map((label) => label.slice("phone:".length));
    // meetings and group calls store a generic English counterpart ("Teams meeting", "3 people"): the
    // purpose column says that already, so only the people are listed
    const generic = c.purpose === "MEETING_JOIN" || c.purpose === "GROUP_CALL";
    const parties = [...new Set([...(c.counterpart && !generic ? [c.counterpart] : []), ...names, ...invitedPhones])];
    return {
      id: c.id,
      direction: c.direction,
      purpose: c.purpose,
      state: c.state,
      live: isLiveCallState(c.state),
      outcome: reminderLogOutcome(reminderOutcomeOf.get(c.id)) ?? c.outcome,
      createdAt: c.createdAt,
      establishedAt: c.establishedAt,
      endedAt: c.endedAt,
      appointmentId: c.appointmentId,
      initiatedBy: c.initiatedById ? (nameOf.get(c.initiatedById) ?? null) : null,
      parties,
    };
  });
}

/**
 * The bot's live call in an appointment's meeting, if any: staff, or the appointment's clinician.
 * null when there is none or the viewer may not see it.
 */
export async function liveMeetingCallForViewer(viewer: Viewer, appointmentId: string): Promise<string | null> {
  const db = getDb();
  const appointment = await db.appointment.findUnique({ where: { id: appointmentId }, select: { clinicianId: true } });
  if (!appointment || !mayManageAppointment(viewer, appointment)) return null;
  const call = await db.call.findFirst({
    where: { appointmentId, purpose: "MEETING_JOIN", state: { in: LIVE_CALL_STATES } },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  return call?.id ?? null;
}

/** A group call staff may look at again (e.g. after a reload of /calls/group?call=…); null otherwise. */
export async function groupCallForViewer(viewer: Viewer, callId: string): Promise<string | null> {
  if (!canSeeAllAppointments(viewer.role)) return null;
  const call = await getDb().call.findFirst({
    where: { id: callId, purpose: "GROUP_CALL" },
    select: { id: true },
  });
  return call?.id ?? null;
}

export interface DirectoryPerson {
  /** Consulta user id (what the invite and group-call routes take) */
  id: string;
  /** Entra object id: invitations are labelled with it (`user:<oid>`) */
  entraObjectId: string;
  name: string;
  role: "CLINICIAN" | "STAFF" | "ADMIN";
}

/**
 * People who can be invited into a call or a group call: active Consulta users with a Teams identity. Staff
 * invite them into any call, a clinician into the visits they hold (issue 19), so every role gets the list.
 * People outside Consulta (an interpreter, a relative) are invited by phone number: the directory
 * of Microsoft Entra is not read, so nobody's contact details are copied into Consulta.
 */
export async function invitablePeopleForViewer(_viewer: Viewer): Promise<DirectoryPerson[]> {
  const users = await getDb().user.findMany({
    where: { active: true, entraObjectId: { not: null } },
    orderBy: { name: "asc" },
    select: { id: true, entraObjectId: true, name: true, role: true },
  });
  return users.map((u) => ({ id: u.id, entraObjectId: u.entraObjectId!.toLowerCase(), name: u.name, role: u.role }));
}
