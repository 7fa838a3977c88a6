// Who may do what with a call. Staff and admins act on every call; a clinician acts in the calls of the
// appointments they hold — join, leave and the roster, and (issue 19) invite an interpreter or a colleague,
// mute and remove — but in nobody else's, nor in group calls (no appointment). For anyone else the call
// does not exist (404, no hint).
import "server-only";
import { canSeeAllAppointments, mayManageAppointment } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import type { PrismaClient, Role } from "@/lib/generated/prisma/client";

export interface CallViewer {
  id: string;
  role: Role;
}

export async function authorizeAppointmentCall(db: PrismaClient, viewer: CallViewer, appointmentId: string) {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: { clinicianId: true },
  });
  if (!appointment || !mayManageAppointment(viewer, appointment))
    throw new AppError("NOT_FOUND", "This appointment was not found.");
}

/**
 * "attend" (join, leave, the roster) and "control" (invite, mute, remove) share one rule since issue 19:
 * staff on any call; the clinician of the call's appointment on that call only. Callers still say which
 * they need, so the two can part again without touching every route.
 */
export async function authorizeCall(
  db: PrismaClient,
  viewer: CallViewer,
  callId: string,
  _need: "attend" | "control",
): Promise<void> {
  const call = await db.call.findUnique({
    where: { id: callId },
    select: { appointment: { select: { clinicianId: true } } },
  });
  // a group call has no appointment: staff only
  const allowed = call?.appointment
    ? mayManageAppointment(viewer, call.appointment)
    : canSeeAllAppointments(viewer.role);
  if (!call || !allowed) throw new AppError("NOT_FOUND", "This call was not found.");
}
