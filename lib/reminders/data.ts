// Reads for people: what happened to an appointment's reminder call. Outcomes only (confirmed, cancelled,
// transferred, no answer, no response, failed) — never the key pressed. For the calls UI and the
// appointment page (wired by whoever owns them).
import "server-only";
import type { PrismaClient, ReminderOutcome, ReminderStatus } from "@/lib/generated/prisma/client";

export interface ReminderView {
  id: string;
  appointmentId: string;
  appointmentVersion: number;
  /** false when the appointment moved after this reminder was planned */
  current: boolean;
  status: ReminderStatus;
  outcome: ReminderOutcome | null;
  attempts: number;
  dueAt: Date;
  finishedAt: Date | null;
  /** short reason (busy, declined, appointment moved, …), no patient data */
  detail: string | null;
  callId: string | null;
}

const select = {
  id: true,
  appointmentId: true,
  appointmentVersion: true,
  status: true,
  outcome: true,
  attempts: true,
  dueAt: true,
  finishedAt: true,
  detail: true,
  callId: true,
  appointment: { select: { version: true } },
} as const;

// a reminder as selected: the view without `current`, which the appointment's version decides
type Row = Omit<ReminderView, "current"> & { appointment: { version: number } };

const view = ({ appointment, ...r }: Row): ReminderView => ({
  ...r,
  current: r.appointmentVersion === appointment.version,
});

/** The reminder of the appointment's current version (or the latest one), null if none was planned. */
export async function reminderForAppointment(db: PrismaClient, appointmentId: string): Promise<ReminderView | null> {
  const row = await db.reminder.findFirst({
    where: { appointmentId },
    orderBy: { appointmentVersion: "desc" },
    select,
  });
  return row ? view(row) : null;
}
