// When a reminder call may ring: `reminderLeadMinutes` before the start, but only within the patient's
// waking hours in their own zone. Pure: `now` and zones are parameters.
import "server-only";
import { DateTime } from "luxon";

export interface WakingHours {
  /** minutes after local midnight, inclusive */
  startMinute: number;
  /** minutes after local midnight, exclusive */
  endMinute: number;
}

export const DEFAULT_WAKING_HOURS: WakingHours = { startMinute: 8 * 60, endMinute: 20 * 60 };

/** Calls are placed at least this long before the window closes, so a call does not run past it. */
const CLOSING_MARGIN_MINUTES = 15;

function withinWindow(at: DateTime, window: WakingHours): boolean {
  const minute = at.hour * 60 + at.minute;
  return minute >= window.startMinute && minute < window.endMinute - CLOSING_MARGIN_MINUTES;
}

/** The latest moment ≤ `at` that is inside the waking window (same day or earlier days). */
function latestWakingAtOrBefore(at: DateTime, window: WakingHours): DateTime {
  if (withinWindow(at, window)) return at;
  const minute = at.hour * 60 + at.minute;
  const lastSlot = window.endMinute - CLOSING_MARGIN_MINUTES - 1;
  const day = minute < window.startMinute ? at.minus({ days: 1 }) : at;
  return day.startOf("day").plus({ minutes: lastSlot });
}

/** The earliest moment ≥ `at` inside the waking window. */
function earliestWakingAtOrAfter(at: DateTime, window: WakingHours): DateTime {
  if (withinWindow(at, window)) return at;
  const minute = at.hour * 60 + at.minute;
  const day = minute < window.startMinute ? at : at.plus({ days: 1 });
  return day.startOf("day").plus({ minutes: window.startMinute });
}

export type DuePlan = { dueAt: Date } | { skip: "no-lead" | "too-late" };

/**
 * When to call: startsAt − lead, moved earlier into the waking window if it falls at night. If that is
 * already past, as soon as the window allows — provided it is still before the appointment.
 */
export function planReminder(input: {
  startsAt: Date;
  leadMinutes: number | null;
  timeZone: string;
  now: Date;
  window?: WakingHours;
}): DuePlan {
  if (input.leadMinutes === null || input.leadMinutes <= 0) return { skip: "no-lead" };
  const window = input.window ?? DEFAULT_WAKING_HOURS;
  const zone = DateTime.local().setZone(input.timeZone).isValid ? input.timeZone : "UTC";
  const ideal = DateTime.fromJSDate(input.startsAt, { zone }).minus({ minutes: input.leadMinutes });
  let due = latestWakingAtOrBefore(ideal, window);
  const now = DateTime.fromJSDate(input.now, { zone });
  if (due < now) due = earliestWakingAtOrAfter(now, window);
  if (due.toMillis() >= input.startsAt.getTime()) return { skip: "too-late" };
  return { dueAt: due.toJSDate() };
}

/** A retry at `at`, only if it is inside the waking window and before the appointment. */
export function retryAllowed(at: Date, startsAt: Date, timeZone: string, window = DEFAULT_WAKING_HOURS): boolean {
  if (at.getTime() >= startsAt.getTime()) return false;
  return withinWindow(DateTime.fromJSDate(at, { zone: timeZone }), window);
}
