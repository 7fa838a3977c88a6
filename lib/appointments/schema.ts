import { z } from "zod";
import { isValidLocalDate } from "@/lib/scheduling";

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

// The planning range: the dates a calendar, booking or reschedule page may be opened at.
export const FIRST_PLANNING_DATE = "2000-01-01";
export const LAST_PLANNING_DATE = "2100-12-31";

/**
 * `?date=` of the calendar, booking and reschedule pages: a real calendar day ('YYYY-MM-DD') in the
 * planning range, else no date (the page opens at today). A link anyone can edit used to pass a regex,
 * then throw (2026-02-30, 2026-13-01, 0001-01-01) and answer 500.
 */
export const calendarDateParam = z
  .string()
  .refine((date) => isValidLocalDate(date) && date >= FIRST_PLANNING_DATE && date <= LAST_PLANNING_DATE)
  .optional()
  .catch(undefined);

export const calendarQuery = z.object({
  view: z.enum(["day", "week"]).catch("week"),
  date: calendarDateParam,
  clinician: z.uuid().optional().catch(undefined),
});

/** POST /api/appointments: the idempotency key travels in the Idempotency-Key header. */
export const bookApiInput = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  patientId: id,
  startsAt: instant,
});
