import "server-only";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { getDb } from "@/lib/db";
import { localDateOf, localDayBounds, localWeekBounds, type LocalDayBounds } from "@/lib/scheduling";
import { appointmentHistory, getAppointment, listAppointments, listClinicians } from "./data";

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
  if (!canSeeAllAppointments(viewer.role) && appointment.clinicianId !== viewer.id) return null;
  return { appointment, history: await appointmentHistory(db, appointment.id) };
}
