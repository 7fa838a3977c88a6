// Time rules for booking, cancelling and rescheduling one appointment. Expected refusals are typed
// results (the route maps them to messages); only malformed input throws.
import type { AppointmentStatus, AppointmentTypeRules, Instant, Slot } from "./types";
import { LIVE_STATUSES } from "./types";
import { DAY_MS, MINUTE_MS, toMs } from "./time";

/**
 * `limit` is the boundary that was crossed: inPast → now; tooSoon → the earliest allowed start;
 * beyondHorizon → the end (exclusive) of the bookable window; pastCutoff → the last moment to act.
 */
type BookRefusal = { ok: false; reason: "inPast" | "tooSoon" | "beyondHorizon"; limit: Date };
type CancelRefusal =
  | { ok: false; reason: "inPast" | "pastCutoff"; limit: Date }
  | { ok: false; reason: "notActive"; status: AppointmentStatus };
export type BookCheck = { ok: true } | BookRefusal;
export type CancelCheck = { ok: true } | CancelRefusal;
export type RescheduleCheck =
  | { ok: true }
  | (CancelRefusal & { subject: "current" })
  | (BookRefusal & { subject: "new" })
  | { ok: false; reason: "unchanged"; subject: "new" };

const OK = { ok: true } as const;

/** May a slot starting at `slotStart` be booked at `now`? Boundaries are inclusive of the notice. */
export function checkBookable(slotStart: Instant, rules: AppointmentTypeRules, now: Instant): BookCheck {
  const start = toMs(slotStart, "slotStart");
  const n = toMs(now, "now");
  if (start < n) return { ok: false, reason: "inPast", limit: new Date(n) };
  const earliest = n + rules.minimumNoticeMinutes * MINUTE_MS;
  if (start < earliest) return { ok: false, reason: "tooSoon", limit: new Date(earliest) };
  const horizonEnd = n + rules.bookingHorizonDays * DAY_MS;
  if (start >= horizonEnd) return { ok: false, reason: "beyondHorizon", limit: new Date(horizonEnd) };
  return OK;
}

/**
 * May an appointment starting at `appointmentStart` be cancelled at `now`? Allowed up to and
 * including exactly `cancellationCutoffMinutes` before the start; never once it has begun.
 * Pass `status` to also refuse appointments that are no longer live.
 */
export function checkCancellable(
  appointmentStart: Instant,
  rules: AppointmentTypeRules,
  now: Instant,
  status?: AppointmentStatus,
): CancelCheck {
  if (status !== undefined && !LIVE_STATUSES.includes(status)) return { ok: false, reason: "notActive", status };
  const start = toMs(appointmentStart, "appointmentStart");
  const n = toMs(now, "now");
  if (start <= n) return { ok: false, reason: "inPast", limit: new Date(start) };
  const cutoff = start - rules.cancellationCutoffMinutes * MINUTE_MS;
  if (n > cutoff) return { ok: false, reason: "pastCutoff", limit: new Date(cutoff) };
  return OK;
}

export interface RescheduleInput {
  currentStart: Instant;
  newStart: Instant;
  rules: AppointmentTypeRules;
  now: Instant;
  status?: AppointmentStatus;
}

/**
 * Moving an appointment = giving up the old time (cancellation rules) and taking a new one (booking
 * rules). Whether the new time is free is a separate question: compute slots with this appointment's
 * own busy span left out, or it will block itself.
 */
export function checkReschedulable(input: RescheduleInput): RescheduleCheck {
  const current = checkCancellable(input.currentStart, input.rules, input.now, input.status);
  if (!current.ok) return { ...current, subject: "current" };
  if (toMs(input.newStart, "newStart") === toMs(input.currentStart, "currentStart")) {
    return { ok: false, reason: "unchanged", subject: "new" };
  }
  const next = checkBookable(input.newStart, input.rules, input.now);
  if (!next.ok) return { ...next, subject: "new" };
  return OK;
}

/** The visit and the span it reserves for an appointment of these rules starting at `start`. */
export function blockedSpan(start: Instant, rules: AppointmentTypeRules): Slot {
  const s = toMs(start, "start");
  const end = s + rules.durationMinutes * MINUTE_MS;
  return {
    start: new Date(s),
    end: new Date(end),
    blockedFrom: new Date(s - rules.bufferBeforeMinutes * MINUTE_MS),
    blockedUntil: new Date(end + rules.bufferAfterMinutes * MINUTE_MS),
  };
}

/**
 * The `n` slots whose starts are nearest to `wanted` (for a 409 "just taken" answer), returned in
 * chronological order. At equal distance the earlier slot is preferred.
 */
export function nearestFreeSlots<T extends Pick<Slot, "start">>(slots: readonly T[], wanted: Instant, n: number): T[] {
  const target = toMs(wanted, "wanted");
  if (!(n > 0) || slots.length === 0) return [];
  let sorted = slots;
  for (let i = 1; i < slots.length; i++) {
    if (slots[i - 1]!.start.getTime() > slots[i]!.start.getTime()) {
      sorted = [...slots].sort((a, b) => a.start.getTime() - b.start.getTime());
      break;
    }
  }
  // First index whose start is ≥ target; then widen outwards from there.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.start.getTime() < target) lo = mid + 1;
    else hi = mid;
  }
  let left = lo - 1;
  let right = lo;
  const take = Math.min(Math.floor(n), sorted.length);
  while (right - left - 1 < take) {
    const l = sorted[left];
    const r = sorted[right];
    if (!r || (l && target - l.start.getTime() <= r.start.getTime() - target)) left--;
    else right++;
  }
  return sorted.slice(left + 1, right);
}
