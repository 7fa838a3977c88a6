// Request-facing side of the call actions: resolves the signed-in person and checks they may act on the
// call or appointment, then hands explicit ids to the core (lib/bot/meeting-calls/).
import "server-only";
import { z } from "zod";
import { auditActorOf, type AuditActor } from "@/lib/audit/mutations";
import { ALL_ROLES, requireViewer, STAFF_ROLES } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { serverEnv } from "@/lib/env";
import { authorizeAppointmentCall, authorizeCall } from "./access";
import { E164 } from "@/lib/constants";

export const joinBodySchema = z.object({ appointmentId: z.uuid("appointmentId must be an id") });
export const groupBodySchema = z.object({
  userIds: z.array(z.uuid("userIds must be ids")).min(1, "at least one person").max(5, "at most five people"),
});
export const inviteBodySchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("user"),
    userId: z.string().trim().min(1).max(100),
    displayName: z.string().trim().min(1).max(100).optional(),
  }),
  z.object({
    kind: z.literal("phone"),
    e164: z.string().regex(E164, "e164 must be a phone number like +5511987654321"),
  }),
]);
export const participantBodySchema = z.object({ participantId: z.string().trim().min(1).max(100) });

export function appOrigins(): string[] {
  return [serverEnv().PUBLIC_BASE_URL];
}

function checkId(id: string): string {
  if (!z.uuid().safeParse(id).success) throw new AppError("NOT_FOUND", "This call was not found.");
  return id;
}

/** Staff, or the clinician of the call's appointment (invite, mute, remove). */
export async function requireCallControl(callId: string): Promise<AuditActor> {
  const viewer = await requireViewer(ALL_ROLES);
  await authorizeCall(getDb(), viewer, checkId(callId), "control");
  return auditActorOf(viewer);
}

/** Staff, or the clinician of the call's appointment (leave, roster). */
export async function requireCallAttendance(callId: string): Promise<AuditActor> {
  const viewer = await requireViewer(ALL_ROLES);
  await authorizeCall(getDb(), viewer, checkId(callId), "attend");
  return auditActorOf(viewer);
}

/** Staff, or the appointment's clinician (join). */
export async function requireAppointmentAttendance(appointmentId: string): Promise<AuditActor> {
  const viewer = await requireViewer(ALL_ROLES);
  await authorizeAppointmentCall(getDb(), viewer, appointmentId);
  return auditActorOf(viewer);
}

export async function requireStaff(): Promise<AuditActor> {
  return auditActorOf(await requireViewer(STAFF_ROLES));
}
