import "server-only";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueMeetingSync } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { sendChangeMessagesSoon } from "@/lib/patient-messages/jobs";
import { bookAppointment } from "./mutations";
import type { z } from "zod";
import type { bookApiInput } from "./schema";

/** The booking route's work: who is asking, their rules, the booking, then the meeting job. */
export async function bookAppointmentForViewer(input: z.infer<typeof bookApiInput>, idempotencyKey: string | null) {
  const viewer = await requireViewer(ALL_ROLES);
  if (!idempotencyKey || idempotencyKey.length < 8 || idempotencyKey.length > 100) {
    throw new AppError("BAD_REQUEST", "Send an Idempotency-Key header (8–100 characters) with every booking.");
  }
  if (!canSeeAllAppointments(viewer.role) && input.clinicianId !== viewer.id) {
    throw new AppError("FORBIDDEN", "Clinicians book appointments in their own calendar.");
  }
  const result = await bookAppointment(
    getDb(),
    { id: viewer.id, label: `${viewer.name} (${viewer.role.toLowerCase()})`, ip: viewer.ip },
    { ...input, idempotencyKey },
    new Date(),
  );
  if (!result.replayed) {
    await enqueueMeetingSync(result.appointmentId).catch((error: unknown) =>
      logger.warn({ err: error, appointmentId: result.appointmentId }, "could not queue meeting sync"),
    );
    await sendChangeMessagesSoon(result.appointmentId);
  }
  const joinUrl = result.joinToken
    ? new URL(`/j/${result.joinToken}`, process.env.PUBLIC_BASE_URL ?? "http://localhost:3000").toString()
    : null;
  return { appointmentId: result.appointmentId, joinUrl, replayed: result.replayed };
}
