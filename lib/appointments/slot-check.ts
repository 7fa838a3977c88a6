// Is the wanted start a free slot, and if not, what the refusal says: a taken slot (409) and a time never on
// offer (422, with the reason) are told apart, and both offer the nearest free times. Pure: the schedule and
// `now` come in (booking-mutations.ts reads them); the exclusion constraint still has the last word.
import "server-only";
import { AppError } from "@/lib/errors";
import {
  checkSlotStart,
  findSlots,
  nearestFreeSlots,
  type ClinicianSchedule,
  type Slot,
  type SlotRefusalReason,
} from "@/lib/scheduling";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where to look for alternatives when the wanted time is gone: the next two days around it. */
export function alternativesWindow(startsAt: Date, now: Date) {
  return {
    from: new Date(Math.max(now.getTime(), startsAt.getTime() - DAY_MS)),
    to: new Date(startsAt.getTime() + 2 * DAY_MS),
  };
}

export function nearestFrom(schedule: ClinicianSchedule, startsAt: Date, now: Date): string[] {
  const window = alternativesWindow(startsAt, now);
  return nearestFreeSlots(findSlots({ ...schedule, ...window, now }), startsAt, 5).map((s) => s.start.toISOString());
}

export function slotTaken(suggestions: string[]): AppError {
  return new AppError(
    "SLOT_TAKEN",
    "That time was just taken by another booking. Pick one of the nearest free times.",
    {
      suggestions,
    },
  );
}

/** What a refusal says, in the API's language; the UI translates by `details.reason`. */
const refusalMessages: Record<Exclude<SlotRefusalReason, "taken">, string> = {
  inPast: "That time has already passed.",
  tooSoon: "That time is too soon: this appointment type needs more notice.",
  beyondHorizon: "That time is too far ahead to book yet.",
  offGrid: "That time is not one of the offered start times.",
  closedDay: "The clinician does not work on that day.",
  outsideHours: "That time is outside the clinician's working hours.",
  dayFull: "The clinician's day is fully booked for this appointment type.",
};

/**
 * Is the wanted start a free slot in this schedule? Returns the slot, or the refusal to throw. The
 * exclusion constraint still has the last word. A taken slot (409) and a time never on offer (422, with
 * the reason) are told apart; both offer the nearest free times from the same schedule, so a refusal
 * costs no second read.
 */
export function checkSlot(schedule: ClinicianSchedule | null, startsAt: Date, now: Date): Slot | AppError {
  if (!schedule) return new AppError("UNPROCESSABLE", "This clinician does not offer that appointment type.");
  const check = checkSlotStart(schedule, startsAt, now);
  if (check.ok) return check.slot;
  if (check.reason === "taken") return slotTaken(nearestFrom(schedule, startsAt, now));
  return new AppError("UNPROCESSABLE", refusalMessages[check.reason], {
    reason: check.reason,
    suggestions: nearestFrom(schedule, startsAt, now),
  });
}

/** One read for the check and for the alternatives a refusal offers. */
export function checkWindow(startsAt: Date, now: Date) {
  const window = alternativesWindow(startsAt, now);
  return { from: new Date(Math.min(window.from.getTime(), startsAt.getTime() - DAY_MS)), to: window.to };
}
