// Attendance closes the visit: after an appointment's end, Teams' attendance reports for its meeting are read
// through the Graph gateway and the appointment becomes COMPLETED (patient and clinician both attended) or
// NO_SHOW (the patient never joined, by link or by phone). The `attendance-sweep` job runs `checkDueAttendance`
// every minute; each check is idempotent (a conditional update closes the appointment once).
import "server-only";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import type { AttendanceReport } from "@/lib/graph/attendance";
import {
  attendanceVerdict,
  decideAttendance,
  summarizeAttendance,
  type AttendanceDecisionValue,
  type AttendanceSummary,
} from "./classify";
import { LIVE_APPOINTMENT_STATUSES, isLiveAppointment } from "@/lib/constants";

/** First look this long after the appointment's end (Teams makes a report once the session ended). */
const CHECK_AFTER_END_MS = 10 * 60_000;
/** Until this long after the end an absence may still be a session running late; then it is final. */
export const FINAL_AFTER_END_MS = 60 * 60_000;
/** Between looks while undecided. */
const RECHECK_EVERY_MS = 10 * 60_000;
/** Appointments that ended longer ago are not looked at any more (the sweep's window). */
const GIVE_UP_AFTER_END_MS = 2 * 24 * 3600_000;
/** At most this many appointments per sweep run, oldest first (each is a few Graph requests). */
const BATCH = 20;

export interface AttendanceDeps {
  /** the meeting's reports with their records, read with the application's permission for the organizer */
  reports(organizerObjectId: string, graphMeetingId: string): Promise<AttendanceReport[]>;
}

export type CheckOutcome =
  | { kind: "not-due" | "not-live" | "no-meeting" }
  | { kind: "waiting"; decision: AttendanceDecisionValue; reportCount: number }
  | { kind: "closed"; status: "COMPLETED" | "NO_SHOW"; summary: AttendanceSummary }
  | { kind: "left-for-staff"; summary: AttendanceSummary }
  | { kind: "error"; code: string };

/** Appointments whose attendance is due a look, oldest end first. */
async function appointmentsDueAttendanceCheck(db: PrismaClient, now: Date): Promise<string[]> {
  const rows = await db.appointment.findMany({
    where: {
      status: { in: LIVE_APPOINTMENT_STATUSES },
      endsAt: {
        lte: new Date(now.getTime() - CHECK_AFTER_END_MS),
        gt: new Date(now.getTime() - GIVE_UP_AFTER_END_MS),
      },
      meeting: { state: "READY", graphMeetingId: { not: null } },
      OR: [{ attendance: null }, { attendance: { nextCheckAt: { lte: now } } }],
    },
    select: { id: true },
    orderBy: { endsAt: "asc" },
    take: BATCH,
  });
  return rows.map((r) => r.id);
}

/** Reads the reports and closes the appointment when they say enough. Safe to run twice at once. */
export async function checkAttendance(
  db: PrismaClient,
  deps: AttendanceDeps,
  appointmentId: string,
  now: Date,
): Promise<CheckOutcome> {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: {
      id: true,
      status: true,
      endsAt: true,
      patient: { select: { phone: true } },
      clinician: { select: { entraObjectId: true } },
      meeting: { select: { graphMeetingId: true, state: true, organizer: { select: { entraObjectId: true } } } },
    },
  });
  if (!appointment || !isLiveAppointment(appointment.status)) return { kind: "not-live" };
  if (now.getTime() < appointment.endsAt.getTime() + CHECK_AFTER_END_MS) return { kind: "not-due" };
  const organizer = appointment.meeting?.organizer.entraObjectId;
  const meetingId = appointment.meeting?.graphMeetingId;
  const clinicianObjectId = appointment.clinician.entraObjectId;
  if (!organizer || !meetingId || !clinicianObjectId) {
    // nothing to read (a person without an Entra id): said on the page, and the sweep does not come back
    await saveAttendance(db, appointmentId, now, { lastError: "no-teams-meeting", nextCheckAt: null });
    return { kind: "no-meeting" };
  }

  let reports: AttendanceReport[];
  try {
    reports = await deps.reports(organizer, meetingId);
  } catch (error) {
    const status = (error as { status?: number }).status;
    const code = (error as { code?: string }).code ?? "unknown";
    // a refusal (no permission, no access policy) is kept for the appointment page and tried again later;
    // anything else (throttling, outages) too: the sweep is the retry
    await saveAttendance(db, appointmentId, now, {
      lastError: `graph:${status ?? "network"}:${code}`.slice(0, 200),
      nextCheckAt: new Date(now.getTime() + RECHECK_EVERY_MS),
    });
    return { kind: "error", code };
  }

  // the meeting is the appointment's alone (createOrGet keyed by its id): every session of it was this visit
  const staff = await db.user.findMany({ select: { entraObjectId: true, email: true } });
  const summary = summarizeAttendance(
    reports.flatMap((r) => r.records),
    {
      clinicianObjectId,
      staffObjectIds: new Set(staff.flatMap((u) => (u.entraObjectId ? [u.entraObjectId.toLowerCase()] : []))),
      staffEmails: new Set(staff.map((u) => u.email.toLowerCase())),
      patientPhone: appointment.patient.phone,
    },
  );
  const decision = decideAttendance(summary);
  const verdict = attendanceVerdict(decision, now, new Date(appointment.endsAt.getTime() + FINAL_AFTER_END_MS));
  const evidence = {
    decision: verdict.final ? decision : null,
    patientSeconds: summary.patientSeconds,
    clinicianSeconds: summary.clinicianSeconds,
    patientByPhone: summary.patientByPhone,
    reportCount: reports.length,
    lastError: null,
    nextCheckAt: verdict.final ? null : new Date(now.getTime() + RECHECK_EVERY_MS),
  };
  if (!verdict.close) {
    await saveAttendance(db, appointmentId, now, evidence);
    return verdict.final
      ? { kind: "left-for-staff", summary }
      : { kind: "waiting", decision, reportCount: reports.length };
  }
  const status = verdict.close;
  const closed = await db.$transaction(async (tx) => {
    // only a live appointment is closed: a cancellation or a person's decision meanwhile wins
    const { count } = await tx.appointment.updateMany({
      where: { id: appointmentId, status: { in: LIVE_APPOINTMENT_STATUSES } },
      data: { status },
    });
    if (count === 0) return false;
    await saveAttendance(tx, appointmentId, now, evidence);
    await recordAudit(
      tx,
      systemActor("attendance"),
      "appointment.attendance-closed",
      { type: "Appointment", id: appointmentId },
      {
        status,
        patientMinutes: Math.round(summary.patientSeconds / 60),
        clinicianMinutes: Math.round(summary.clinicianSeconds / 60),
        byPhone: summary.patientByPhone,
      },
    );
    return true;
  });
  return closed ? { kind: "closed", status, summary } : { kind: "not-live" };
}

type AttendanceFields = Partial<{
  decision: AttendanceDecisionValue | null;
  patientSeconds: number;
  clinicianSeconds: number;
  patientByPhone: boolean;
  reportCount: number;
  lastError: string | null;
  nextCheckAt: Date | null;
}>;

async function saveAttendance(
  db: Pick<PrismaClient, "appointmentAttendance"> | Prisma.TransactionClient,
  appointmentId: string,
  now: Date,
  fields: AttendanceFields,
) {
  await db.appointmentAttendance.upsert({
    where: { appointmentId },
    create: { appointmentId, ...fields, checks: 1, checkedAt: now },
    update: { ...fields, checks: { increment: 1 }, checkedAt: now },
  });
}

/** One sweep: every due appointment checked in turn; returns what became of each. */
export async function checkDueAttendance(
  db: PrismaClient,
  deps: AttendanceDeps,
  now: Date,
): Promise<Array<{ appointmentId: string; outcome: CheckOutcome }>> {
  const results = [];
  for (const appointmentId of await appointmentsDueAttendanceCheck(db, now))
    results.push({ appointmentId, outcome: await checkAttendance(db, deps, appointmentId, now) });
  return results;
}
