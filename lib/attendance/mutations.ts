// A person corrects how a visit ended (issue 21 item 3): COMPLETED ↔ NO_SHOW, or closes one the reports left
// open (the clinician never joined, or the reports could not be read). Audited in the same transaction.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";

export type ClosedStatus = "COMPLETED" | "NO_SHOW";

/**
 * `from` is the status the person saw: if it changed meanwhile (the sweep closed it, someone else corrected
 * it) the correction is refused rather than silently overwriting. A visit that has not ended cannot be closed.
 */
export async function correctAttendance(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  input: { appointmentId: string; from: string; to: ClosedStatus },
  now: Date,
): Promise<void> {
  await db.$transaction(async (tx) => {
    const appointment = await tx.appointment.findUnique({
      where: { id: input.appointmentId },
      select: { status: true, endsAt: true },
    });
    if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
    if (appointment.status === "CANCELLED")
      throw new AppError("UNPROCESSABLE", "A cancelled appointment has no attendance to correct.", {
        reason: "cancelled",
      });
    if (appointment.endsAt > now)
      throw new AppError("UNPROCESSABLE", "The visit has not ended yet.", { reason: "notEnded" });
    if (appointment.status !== input.from)
      throw new AppError("CONFLICT", "Someone changed this appointment meanwhile; look again.", {
        reason: "changed",
      });
    if (appointment.status === input.to) return;
    const { count } = await tx.appointment.updateMany({
      where: { id: input.appointmentId, status: appointment.status },
      data: { status: input.to },
    });
    if (count === 0)
      throw new AppError("CONFLICT", "Someone changed this appointment meanwhile; look again.", {
        reason: "changed",
      });
    await tx.appointmentAttendance.upsert({
      where: { appointmentId: input.appointmentId },
      create: { appointmentId: input.appointmentId, correctedById: actor.id, correctedAt: now, nextCheckAt: null },
      // a person decided: the sweep no longer looks
      update: { correctedById: actor.id, correctedAt: now, nextCheckAt: null },
    });
    await recordAudit(
      tx,
      actor,
      "appointment.attendance-corrected",
      { type: "Appointment", id: input.appointmentId },
      { from: appointment.status, to: input.to },
    );
  });
}
