// Bookable slots for one clinician, and the earliest slot across many.
import type { IANAZone } from "luxon";
import { workingPieces } from "./availability";
import { checkBookable } from "./booking-rules";
import type {
  AppointmentStatus,
  AppointmentTypeRules,
  ClinicianSchedule,
  FindSlotsInput,
  Instant,
  LocalDate,
  SearchWindow,
  Slot,
} from "./types";
import { LIVE_STATUSES } from "./types";
import {
  DAY_MS,
  MINUTE_MS,
  dayOfWall,
  firstInstantAtOrAfterWall,
  formatLocalDate,
  offsetAt,
  offsetRuns,
  parseLocalDate,
  toMs,
  zoneOrThrow,
  type OffsetRun,
} from "./time";

const DEFAULT_GRID_MINUTES = 15;

function checkNonNegativeInt(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value as number;
}

/** Throws RangeError on rules that no AppointmentType row should hold. */
function assertValidRules(rules: AppointmentTypeRules): void {
  if (checkNonNegativeInt(rules.durationMinutes, "durationMinutes") === 0) {
    throw new RangeError("durationMinutes must be positive");
  }
  checkNonNegativeInt(rules.bufferBeforeMinutes, "bufferBeforeMinutes");
  checkNonNegativeInt(rules.bufferAfterMinutes, "bufferAfterMinutes");
  checkNonNegativeInt(rules.minimumNoticeMinutes, "minimumNoticeMinutes");
  checkNonNegativeInt(rules.bookingHorizonDays, "bookingHorizonDays");
  checkNonNegativeInt(rules.cancellationCutoffMinutes, "cancellationCutoffMinutes");
  if (rules.maxPerDay !== null) checkNonNegativeInt(rules.maxPerDay, "maxPerDay");
}

/** Sorted, merged busy spans. Touching spans merge too: for half-open overlap tests that is exact. */
function mergeBusy(busy: ClinicianSchedule["busy"]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const b of busy) {
    const start = toMs(b.start, "busy.start");
    const end = toMs(b.end, "busy.end");
    if (end > start) spans.push({ start, end }); // an empty range overlaps nothing
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push(s);
  }
  return merged;
}

/** First wall time ≥ `wall` that lies `grid` multiples after its local midnight. */
function alignWallUp(wall: number, gridMs: number): number {
  const dayStart = dayOfWall(wall) * DAY_MS;
  const aligned = dayStart + Math.ceil((wall - dayStart) / gridMs) * gridMs;
  // A grid that does not divide 24 h restarts at each midnight.
  return aligned >= dayStart + DAY_MS ? dayStart + DAY_MS : aligned;
}

interface Prepared {
  zone: IANAZone;
  schedule: ClinicianSchedule;
  from: number;
  to: number;
  now: number;
  gridMs: number;
}

function prepare(schedule: ClinicianSchedule, window: SearchWindow): Prepared {
  const zone = zoneOrThrow(schedule.clinicianZone);
  assertValidRules(schedule.rules);
  const grid = window.gridMinutes ?? DEFAULT_GRID_MINUTES;
  if (!Number.isInteger(grid) || grid < 1 || grid > 1440)
    throw new RangeError("gridMinutes must be an integer in 1…1440");
  return {
    zone,
    schedule,
    from: toMs(window.from, "from"),
    to: toMs(window.to, "to"),
    now: toMs(window.now, "now"),
    gridMs: grid * MINUTE_MS,
  };
}

function collectSlots(p: Prepared, limit: number, runs?: readonly OffsetRun[]): Slot[] {
  const { rules } = p.schedule;
  const durationMs = rules.durationMinutes * MINUTE_MS;
  const beforeMs = rules.bufferBeforeMinutes * MINUTE_MS;
  const afterMs = rules.bufferAfterMinutes * MINUTE_MS;
  // Bookable starts are [lo, hi): inside the window, after the notice, before the horizon.
  const lo = Math.max(p.from, p.now + rules.minimumNoticeMinutes * MINUTE_MS);
  const hi = Math.min(p.to, p.now + rules.bookingHorizonDays * DAY_MS);
  const slots: Slot[] = [];
  if (!(hi > lo) || limit <= 0) return slots;

  const maxPerDay = rules.maxPerDay;
  const perDay = new Map<number, number>();
  if (maxPerDay !== null) {
    for (const [date, count] of Object.entries(p.schedule.appointmentsPerLocalDay ?? {})) {
      perDay.set(parseLocalDate(date), count);
    }
  }

  const busy = mergeBusy(p.schedule.busy);
  let bi = 0;
  // Working time only needs to reach the end of the last possible appointment.
  const pieces = workingPieces(p.zone, p.schedule.weekly, p.schedule.exceptions, lo, hi + durationMs, runs);

  let minStart = lo;
  for (let i = 0; i < pieces.length;) {
    // A group is a run of touching pieces: one uninterrupted working interval.
    let j = i;
    while (j + 1 < pieces.length && pieces[j + 1]!.start === pieces[j]!.end) j++;
    const groupEnd = pieces[j]!.end;
    for (let k = i; k <= j; k++) {
      const piece = pieces[k]!;
      const o = piece.offset;
      let start = alignWallUp(Math.max(piece.start, minStart) + o, p.gridMs) - o;
      while (start < piece.end && start < hi) {
        const end = start + durationMs;
        if (end > groupEnd) break; // later starts in this group end even later
        const blockedFrom = start - beforeMs;
        const blockedUntil = end + afterMs;
        // Candidates ascend, so busy spans wholly before this one never matter again.
        while (bi < busy.length && busy[bi]!.end <= blockedFrom) bi++;
        const clash = busy[bi];
        if (clash && clash.start < blockedUntil) {
          // Nothing can start until its blocked span clears this busy span.
          minStart = Math.max(minStart, clash.end + beforeMs);
          start = alignWallUp(Math.max(minStart, start + 1) + o, p.gridMs) - o;
          continue;
        }
        const full = maxPerDay !== null && (perDay.get(dayOfWall(start + o)) ?? 0) >= maxPerDay;
        if (!full) {
          slots.push({
            start: new Date(start),
            end: new Date(end),
            blockedFrom: new Date(blockedFrom),
            blockedUntil: new Date(blockedUntil),
          });
          if (slots.length >= limit) return slots;
        }
        start = alignWallUp(start + 1 + o, p.gridMs) - o;
      }
    }
    i = j + 1;
  }
  return slots;
}

/**
 * Every bookable slot whose start lies in [from, to), ascending. A slot's start is on the grid of the
 * clinician's local clock, the visit lies inside one working interval, its blocked span overlaps no
 * busy span (half-open, as the DB exclusion constraint), start ∈ [now + notice, now + horizon days),
 * and its local day is below maxPerDay. Each local clock time is offered at most once.
 */
export function findSlots(input: FindSlotsInput): Slot[] {
  return collectSlots(prepare(input, input), Number.POSITIVE_INFINITY);
}

/**
 * Why a wanted start is not a slot, most basic reason first (the booking rules' reasons included:
 * checkSlotStart returns them, so the compiler keeps this list complete). Only `taken` is the answer
 * to a race ("just taken: pick another"); every other reason says the time was not on offer at all.
 */
export const SLOT_REFUSAL_REASONS = [
  "inPast",
  "tooSoon",
  "beyondHorizon",
  "offGrid", // not a whole multiple of the grid after local midnight (11:07)
  "closedDay", // no working hours at all on that local date (a Sunday)
  "outsideHours", // the visit does not fit inside one working interval (03:00)
  "dayFull", // the type's daily limit is reached
  "taken", // another appointment's blocked span overlaps this one's
] as const;
export type SlotRefusalReason = (typeof SLOT_REFUSAL_REASONS)[number];

export type SlotCheck = { ok: true; slot: Slot } | { ok: false; reason: SlotRefusalReason };

/**
 * Is `start` a bookable slot of this schedule at `now`? Returns the slot, or why not. The same rules as
 * findSlots (which it calls for the one start); the reasons are found by relaxing them one at a time.
 */
export function checkSlotStart(
  schedule: ClinicianSchedule,
  start: Instant,
  now: Instant,
  gridMinutes: number = DEFAULT_GRID_MINUTES,
): SlotCheck {
  const bookable = checkBookable(start, schedule.rules, now);
  if (!bookable.ok) return { ok: false, reason: bookable.reason };
  const t = toMs(start, "start");
  const window = { from: t, to: t + 1, now, gridMinutes };
  const slotIn = (s: ClinicianSchedule) =>
    collectSlots(prepare(s, window), 1).find((slot) => slot.start.getTime() === t) ?? null;
  const slot = slotIn(schedule);
  if (slot) return { ok: true, slot };

  const p = prepare(schedule, window);
  const wall = t + offsetAt(p.zone, t);
  const dayStart = dayOfWall(wall) * DAY_MS;
  if ((wall - dayStart) % p.gridMs !== 0) return { ok: false, reason: "offGrid" };
  const dayFrom = firstInstantAtOrAfterWall(p.zone, dayStart);
  const dayTo = firstInstantAtOrAfterWall(p.zone, dayStart + DAY_MS);
  if (workingPieces(p.zone, schedule.weekly, schedule.exceptions, dayFrom, dayTo).length === 0) {
    return { ok: false, reason: "closedDay" };
  }
  const unbooked = { ...schedule, busy: [] };
  if (!slotIn({ ...unbooked, rules: { ...schedule.rules, maxPerDay: null } }))
    return { ok: false, reason: "outsideHours" };
  if (!slotIn(unbooked)) return { ok: false, reason: "dayFull" };
  return { ok: false, reason: "taken" };
}

export interface FirstAvailableCandidate extends ClinicianSchedule {
  clinicianId: string;
}

export interface FirstAvailableResult {
  clinicianId: string;
  slot: Slot;
}

/**
 * The earliest slot across clinicians in the window; equal starts go to the smallest clinicianId
 * (plain code-unit order, so the answer does not depend on the server locale). null if none.
 */
export function firstAvailable(
  candidates: readonly FirstAvailableCandidate[],
  window: SearchWindow,
): FirstAvailableResult | null {
  const ordered = [...candidates].sort((a, b) =>
    a.clinicianId < b.clinicianId ? -1 : a.clinicianId > b.clinicianId ? 1 : 0,
  );
  let best: FirstAvailableResult | null = null;
  // Zone offsets are the costly part and clinicians share zones: look each zone up once, over a
  // range wide enough for every candidate (window ± the margin workingPieces needs + longest visit).
  const runsByZone = new Map<string, OffsetRun[]>();
  const longest = Math.max(0, ...ordered.map((c) => c.rules.durationMinutes)) * MINUTE_MS;
  for (const candidate of ordered) {
    const prepared = prepare(candidate, window);
    // Later candidates only win by starting strictly earlier, so shrink their window to that.
    if (best) prepared.to = Math.min(prepared.to, best.slot.start.getTime());
    let runs = runsByZone.get(candidate.clinicianZone);
    if (!runs) {
      runs = offsetRuns(prepared.zone, prepared.from - 2 * DAY_MS, prepared.to + longest + 2 * DAY_MS);
      runsByZone.set(candidate.clinicianZone, runs);
    }
    const [slot] = collectSlots(prepared, 1, runs);
    if (slot) best = { clinicianId: candidate.clinicianId, slot };
  }
  return best;
}

// --- adapters from appointment rows -----------------------------------------------------------

export interface AppointmentSpan {
  startsAt: Instant;
  blockedFrom: Instant;
  blockedUntil: Instant;
  status: AppointmentStatus;
}

/** Busy spans of the live appointments (cancelled/completed/no-show ones hold no place). */
export function busyFromAppointments(appointments: readonly AppointmentSpan[]): { start: Date; end: Date }[] {
  return appointments
    .filter((a) => LIVE_STATUSES.includes(a.status))
    .map((a) => ({
      start: new Date(toMs(a.blockedFrom, "blockedFrom")),
      end: new Date(toMs(a.blockedUntil, "blockedUntil")),
    }));
}

/** Live appointments per local date in `zone`, for maxPerDay. */
export function countPerLocalDay(appointments: readonly AppointmentSpan[], zone: string): Record<LocalDate, number> {
  const z = zoneOrThrow(zone);
  const counts: Record<LocalDate, number> = {};
  for (const a of appointments) {
    if (!LIVE_STATUSES.includes(a.status)) continue;
    const start = toMs(a.startsAt, "startsAt");
    const date = formatLocalDate(dayOfWall(start + offsetAt(z, start)));
    counts[date] = (counts[date] ?? 0) + 1;
  }
  return counts;
}
