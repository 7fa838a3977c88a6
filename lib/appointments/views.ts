import "server-only";
import { auditActorOf, recordRead } from "@/lib/audit/mutations";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments, mayManageAppointment } from "@/lib/auth/roles";
import { getDb } from "@/lib/db";
import { reminderForAppointment } from "@/lib/reminders/data";
import { localDateOf, localDayBounds, localWeekBounds, type LocalDayBounds } from "@/lib/scheduling";
import {
  appointmentHistory,
  findFreeSlots,
  getAppointment,
  listAppointments,
  listClinicians,
  listPatientAppointments,
} from "./data";

// Request-facing reads: each resolves what the viewer may see. Clinicians see only their own
// appointments; staff and admins see the whole clinic. Anything else reads as "not found".

export async function calendarForViewer(
  viewer: Viewer,
  query: { view: "day" | "week"; date?: string; clinician?: string },
  now: Date,
) {
  const db = getDb();
  const date = query.date ?? localDateOf(now, viewer.timeZone);
  const days: LocalDayBounds[] =
    query.view === "day" ? [localDayBounds(date, viewer.timeZone)] : localWeekBounds(date, viewer.timeZone).days;
  const clinicianId = canSeeAllAppointments(viewer.role) ? query.clinician : viewer.id;
  const appointments = await listAppointments(db, {
    from: days[0]!.start,
    to: days[days.length - 1]!.end,
    clinicianId,
  });
  const clinicians = canSeeAllAppointments(viewer.role) ? await listClinicians(db) : [];
  return {
    date,
    // the viewer's today: the grid highlights it and "Today" goes to it
    today: localDateOf(now, viewer.timeZone),
    days: days.map((day) => ({
      ...day,
      appointments: appointments.filter((a) => a.startsAt >= day.start && a.startsAt < day.end),
    })),
    clinicians,
    clinicianId: clinicianId ?? null,
  };
}

export async function appointmentForViewer(viewer: Viewer, appointmentId: string) {
  const db = getDb();
  const appointment = await getAppointment(db, appointmentId);
  if (!appointment) return null;
  if (!mayManageAppointment(viewer, appointment)) return null;
  // the page shows the patient's name and the kind of visit: who looked is part of the trail
  await recordRead(
    db,
    auditActorOf(viewer),
    "appointment.read",
    { type: "Appointment", id: appointment.id },
    new Date(),
  );
  const [history, reminder] = await Promise.all([
    appointmentHistory(db, appointment.id),
    reminderForAppointment(db, appointment.id),
  ]);
  return { appointment, history, reminder };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What the booking page needs for the choices made so far: clinicians (a clinician books only in
 * their own calendar), their types, the chosen patient and, once all three are chosen, a week of
 * free slots starting at `date` in the viewer's zone.
 */
export async function bookingOptions(
  viewer: Viewer,
  query: { clinicianId?: string; appointmentTypeId?: string; patientId?: string; date?: string },
  now: Date,
) {
  const db = getDb();
  const clinicians = (await listClinicians(db)).filter((c) => canSeeAllAppointments(viewer.role) || c.id === viewer.id);
  const clinician =
    clinicians.find((c) => c.id === query.clinicianId) ?? (clinicians.length === 1 ? clinicians[0] : undefined);
  const type = clinician?.appointmentTypes.find((t) => t.id === query.appointmentTypeId);
  const patient = query.patientId
    ? await db.patient.findUnique({
        where: { id: query.patientId },
        select: { id: true, firstName: true, lastName: true, timeZone: true },
      })
    : null;
  let days: { date: string; slots: { start: Date; end: Date }[] }[] = [];
  const startDate = query.date ?? localDateOf(now, viewer.timeZone);
  if (clinician && type && patient) {
    const from = new Date(Math.max(localDayBounds(startDate, viewer.timeZone).start.getTime(), now.getTime()));
    const to = new Date(localDayBounds(startDate, viewer.timeZone).start.getTime() + 7 * DAY_MS);
    const slots = await findFreeSlots(db, { clinicianId: clinician.id, appointmentTypeId: type.id, from, to, now });
    const byDay = new Map<string, { start: Date; end: Date }[]>();
    for (const slot of slots) {
      const day = localDateOf(slot.start, viewer.timeZone);
      byDay.set(day, [...(byDay.get(day) ?? []), { start: slot.start, end: slot.end }]);
    }
    days = [...byDay.entries()].map(([date, daySlots]) => ({ date, slots: daySlots }));
  }
  return { clinicians, clinician: clinician ?? null, type: type ?? null, patient, days, startDate };
}

/** Free slots to move an appointment to, a week from `date`, leaving its own span out. */
export async function rescheduleOptions(viewer: Viewer, appointmentId: string, date: string | undefined, now: Date) {
  const found = await appointmentForViewer(viewer, appointmentId);
  if (!found) return null;
  const { appointment } = found;
  const startDate = date ?? localDateOf(now, viewer.timeZone);
  const from = new Date(Math.max(localDayBounds(startDate, viewer.timeZone).start.getTime(), now.getTime()));
  const to = new Date(localDayBounds(startDate, viewer.timeZone).start.getTime() + 7 * DAY_MS);
  const slots = await findFreeSlots(getDb(), {
    clinicianId: appointment.clinicianId,
    appointmentTypeId: appointment.appointmentTypeId,
    from,
    to,
    now,
    excludeAppointmentId: appointment.id,
  });
  return { appointment, slots, startDate };
}

/**
 * The patient record's appointments for the viewer: staff see every one, a clinician only their own (the
 * others would open as "not found" anyway). `ownOnly` says the list was narrowed.
 */
export async function patientAppointmentsForViewer(viewer: Viewer, patientId: string) {
  const ownOnly = !canSeeAllAppointments(viewer.role);
  const appointments = await listPatientAppointments(getDb(), {
    patientId,
    clinicianId: ownOnly ? viewer.id : null,
  });
  return { appointments, ownOnly };
}
