// Who may do what with a call. Staff and admins act on every call; a clinician may join, leave and see
// the roster of their own appointments' calls. For anyone else the call does not exist (404, no hint).
import { AppError } from "@/lib/errors";
import type { PrismaClient, Role } from "@/lib/generated/prisma/client";

export interface CallViewer {
  id: string;
  role: Role;
}

const isStaff = (role: Role) => role === "STAFF" || role === "ADMIN";

export async function authorizeAppointmentCall(db: PrismaClient, viewer: CallViewer, appointmentId: string) {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: { clinicianId: true },
  });
  if (!appointment || (!isStaff(viewer.role) && appointment.clinicianId !== viewer.id))
    throw new AppError("NOT_FOUND", "This appointment was not found.");
}

/** "attend": join/leave/roster (staff, or the appointment's clinician); "control": staff only. */
export async function authorizeCall(
  db: PrismaClient,
  viewer: CallViewer,
  callId: string,
  need: "attend" | "control",
): Promise<void> {
  const call = await db.call.findUnique({
    where: { id: callId },
    select: { appointment: { select: { clinicianId: true } } },
  });
  const allowed = call && (isStaff(viewer.role) || (need === "attend" && call.appointment?.clinicianId === viewer.id));
  if (!allowed) throw new AppError("NOT_FOUND", "This call was not found.");
}
