import { z } from "zod";
import { isValidLocalDate } from "@/lib/scheduling";

const id = z.uuid({ message: "Unknown reference." });
const instant = z.iso.datetime({ offset: true, message: "Choose a time from the list." }).transform((v) => new Date(v));
// a client-made key so that a resent form or a network retry books once
export const idempotencyKey = z.string().min(8, "Missing request key; reload the page.").max(100);

export const NOTE_MAX = 500;
// Control characters other than line breaks and tabs have no place in a note (and PostgreSQL cannot hold NUL).
const NOTE_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/u;

/**
 * The reason for the visit, or a note for the clinician (the booking's review step): optional, for the
 * clinic's eyes only. Messages are keys under `appointments.errors.note`.
 */
const noteField = z
  .string()
  .optional()
  .transform((value) => value?.replace(/\r\n?/g, "\n").trim() ?? "")
  .pipe(
    z
      .string()
      .max(NOTE_MAX, { message: "noteTooLong" })
      .refine((value) => !NOTE_CONTROL.test(value), { message: "noteControl" }),
  )
  .transform((value) => value || null);

export const bookInput = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  patientId: id,
  startsAt: instant,
  idempotencyKey,
  note: noteField,
});
/** A booking as the mutation takes it: callers other than the forms (jobs, tests) may leave the note out. */
export type BookInput = Omit<z.infer<typeof bookInput>, "note"> & { note?: string | null };

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

/**
 * IdempotencyRecord.responseBody of a booking or a reschedule: the appointment a resent request is answered
 * with (lib/appointments/booking-mutations.ts writes it, and parses it when it reads it back).
 */
export const appointmentReplySchema = z.object({ appointmentId: z.uuid() });
export type AppointmentReply = z.infer<typeof appointmentReplySchema>;

/** POST /api/appointments: the idempotency key travels in the Idempotency-Key header. */
export const bookApiInput = z.object({
  clinicianId: id,
  appointmentTypeId: id,
  patientId: id,
  startsAt: instant,
  note: noteField,
});
