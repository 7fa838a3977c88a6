// Reads of patient messages and contact settings, by explicit id (no session): the views and actions decide
// who may see them.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/** An appointment's messages, newest first: what each is, where it stands, never what it said. */
export function messagesForAppointment(db: PrismaClient, appointmentId: string) {
  return db.patientMessage.findMany({
    where: { appointmentId },
    orderBy: [{ queuedAt: "desc" }, { channel: "asc" }],
    select: {
      id: true,
      appointmentVersion: true,
      template: true,
      channel: true,
      copy: true,
      state: true,
      detail: true,
      nextAttemptAt: true,
      queuedAt: true,
      sentAt: true,
      deliveredAt: true,
      updatedAt: true,
    },
  });
}

export type MessageRow = Awaited<ReturnType<typeof messagesForAppointment>>[number];

/** What the patient agreed to and asked for: their channels, consent and SMS opt-out. */
export function contactSettings(db: PrismaClient, patientId: string) {
  return db.patient.findUnique({
    where: { id: patientId },
    select: {
      id: true,
      contactPreference: true,
      messageConsentAt: true,
      smsOptedOutAt: true,
      callsDeclinedAt: true,
      email: true,
      phone: true,
      updatedAt: true,
    },
  });
}
