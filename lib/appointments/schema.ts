import { z } from "zod";

const id = z.uuid({ message: "Unknown reference." });
const instant = z.iso.datetime({ offset: true, message: "Choose a time from the list." }).transform((v) => new Date(v));
// a client-made key so that a resent form or a network retry books once
const idempotencyKey = z.string().min(8, "Missing request key; reload the page.").max(100);

export const bookInput = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  patientId: id,
  startsAt: instant,
  idempotencyKey,
});
export type BookInput = z.infer<typeof bookInput>;

export const rescheduleInput = z.object({
  appointmentId: id,
  startsAt: instant,
  idempotencyKey,
});
export type RescheduleInput = z.infer<typeof rescheduleInput>;

export const cancelInput = z.object({
  appointmentId: id,
  confirm: z.literal("yes", { message: "Tick the box to confirm the cancellation." }),
});

export const slotQuery = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  from: instant,
  to: instant,
});

export const calendarQuery = z.object({
  view: z.enum(["day", "week"]).catch("week"),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  clinician: z.uuid().optional().catch(undefined),
});

/** POST /api/appointments: the idempotency key travels in the Idempotency-Key header. */
export const bookApiInput = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  patientId: id,
  startsAt: instant,
});
