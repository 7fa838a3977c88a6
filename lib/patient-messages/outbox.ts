// The rows an appointment change leaves for the message jobs, written in the change's own transaction (a
// transactional outbox): a change that committed always has its messages waiting, whatever happens to the
// process afterwards, and the unique key (appointment, version, template, channel, copy) makes each exist
// once. Whether a row is actually sent (consent, preference, address, opt-out) is decided when it is sent.
import "server-only";
import type { MessageChannel, MessageTemplate, Prisma } from "@/lib/generated/prisma/client";

const CHANNELS: readonly MessageChannel[] = ["EMAIL", "SMS"];

/** The message that tells the patient about an appointment's current version. */
export function changeTemplateFor(appointment: { status: string; version: number }): MessageTemplate {
  if (appointment.status === "CANCELLED") return "CANCELLED";
  return appointment.version <= 1 ? "BOOKED" : "RESCHEDULED";
}

/** One row per channel for this version's change; a second call for the same version adds nothing. */
export async function queueChangeMessages(
  tx: Prisma.TransactionClient,
  change: { appointmentId: string; version: number; template: MessageTemplate },
): Promise<void> {
  await tx.patientMessage.createMany({
    data: CHANNELS.map((channel) => ({
      appointmentId: change.appointmentId,
      appointmentVersion: change.version,
      template: change.template,
      channel,
    })),
    skipDuplicates: true,
  });
}
