// Who may act on an appointment: a clinician only on their own, staff and admins on any. One check for every
// form that changes an appointment (booking.ts, actions.ts, the messages panel).
import "server-only";
import { mayManageAppointment } from "@/lib/auth/roles";
import type { Viewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

/** Throws NOT_FOUND (never a hint that it exists) when the viewer may not act on the appointment. */
export async function assertMayManage(viewer: Viewer, appointmentId: string): Promise<void> {
  const appointment = await getDb().appointment.findUnique({
    where: { id: appointmentId },
    select: { clinicianId: true },
  });
  if (!appointment || !mayManageAppointment(viewer, appointment)) {
    throw new AppError("NOT_FOUND", "Appointment not found.");
  }
}
