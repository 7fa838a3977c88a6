// Reads about the clinic line's caller: the patient their number names, the visit they may join now and their
// next live appointment, each appointment with what the prompts say about it. Explicit database client, no session.
import "server-only";
import type { JoinableVisit } from "@/lib/bot/flows/clinic-line-state";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { SpokenAppointment } from "@/lib/prompts/texts";

/** a visit starting within this long (or under way) can be joined from the clinic line */
const JOIN_WINDOW_MS = 15 * 60_000;

// what a prompt names about an appointment: its day and time in the patient's zone, the clinician
const spokenSelect = {
  id: true,
  startsAt: true,
  clinician: { select: { name: true } },
  patient: { select: { timeZone: true } },
} as const;

function spokenAbout(appointment: {
  startsAt: Date;
  clinician: { name: string };
  patient: { timeZone: string };
}): SpokenAppointment {
  return {
    startsAt: appointment.startsAt.toISOString(),
    zone: appointment.patient.timeZone,
    clinicianName: appointment.clinician.name,
  };
}

/** The one patient whose phone is the caller's number; two patients on one number: we cannot tell, reception can. */
export async function patientCalling(db: PrismaClient, caller: string | null) {
  if (!caller) return null;
  const matches = await db.patient.findMany({
    where: { phone: caller },
    select: { id: true, locale: true },
    take: 2,
  });
  return matches.length === 1 ? matches[0]! : null;
}

/**
 * The caller's visit starting within 15 minutes, or under way, whose meeting the bot is in (it is the bot's
 * meeting call that takes the caller in): what "press 2 to join your visit now" offers.
 */
export async function joinableVisit(db: PrismaClient, patientId: string, at: Date): Promise<JoinableVisit | null> {
  const visit = await db.appointment.findFirst({
    where: {
      patientId,
      status: { in: LIVE_APPOINTMENT_STATUSES },
      startsAt: { lte: new Date(at.getTime() + JOIN_WINDOW_MS) },
      endsAt: { gt: at },
      calls: { some: { purpose: "MEETING_JOIN", state: "established" } },
    },
    orderBy: { startsAt: "asc" },
    select: spokenSelect,
  });
  return visit ? { appointmentId: visit.id, about: spokenAbout(visit) } : null;
}

/** The caller's next live appointment after `at`: the one 1 confirms and 2 cancels. */
export async function nextLiveAppointment(
  db: PrismaClient,
  patientId: string | null,
  at: Date,
): Promise<{ id: string; about: SpokenAppointment } | null> {
  if (!patientId) return null;
  const appointment = await db.appointment.findFirst({
    where: { patientId, status: { in: LIVE_APPOINTMENT_STATUSES }, startsAt: { gt: at } },
    orderBy: { startsAt: "asc" },
    select: spokenSelect,
  });
  return appointment ? { id: appointment.id, about: spokenAbout(appointment) } : null;
}
