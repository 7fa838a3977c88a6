// The patient's own clock: a visit booked for a patient in another zone may fall in their night. The desk
// is asked to confirm such a time (issue 19); nothing here refuses it.
import type { Instant } from "./types";
import { DAY_MS, MINUTE_MS, toMs } from "./time";
import { localDateTime } from "./zones";

export interface WakingWindow {
  /** minutes after local midnight, inclusive: the earliest a visit may start */
  startMinute: number;
  /** minutes after local midnight, inclusive: the latest a visit may end */
  endMinute: number;
}

/** 07:00–22:00: before or after it, a visit asks to be confirmed. */
const PATIENT_WAKING_HOURS: WakingWindow = { startMinute: 7 * 60, endMinute: 22 * 60 };

/**
 * Does the visit [start, end) lie inside the waking window on the patient's clock? Both ends are read on
 * the clock of `zone` at their own instant (a clock change in between is honoured), and a visit that ends
 * on a later local day than it starts is outside, whatever the times.
 */
export function withinWakingHours(
  start: Instant,
  end: Instant,
  zone: string,
  window: WakingWindow = PATIENT_WAKING_HOURS,
): boolean {
  const s = toMs(start, "start");
  const e = toMs(end, "end");
  if (e < s) throw new RangeError("end must not be before start");
  if (e - s >= DAY_MS) return false;
  const from = localDateTime(s, zone);
  // the last minute the visit occupies decides its end: a visit ending at 22:00 ends at 22:00, not 22:01
  const to = localDateTime(Math.max(s, e - MINUTE_MS), zone);
  const endMinute = e > s ? to.minuteOfDay + 1 : from.minuteOfDay;
  return from.date === to.date && from.minuteOfDay >= window.startMinute && endMinute <= window.endMinute;
}

/** Do two zones show different clock times at `instant` (worth showing the second one)? */
export function clocksDiffer(instant: Instant, zoneA: string, zoneB: string): boolean {
  if (zoneA === zoneB) return false;
  return localDateTime(instant, zoneA).offsetMinutes !== localDateTime(instant, zoneB).offsetMinutes;
}
