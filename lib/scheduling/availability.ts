// Weekly hours + exceptions (local wall clock) → UTC working intervals.
//
// Model: availability is a set of local wall-clock minutes per local date. Each wall time maps to
// the instant it is first shown on the clock: times skipped by a spring-forward map to nothing, and
// the hour repeated by a fall-back counts once (its first pass) — so a clinician working 00:00–04:00
// on a fall-back night is offered 4 hours, and every local time appears at most once.
import type { IANAZone } from "luxon";
import type { AvailabilityException, Instant, TimeInterval, WeeklyHours } from "./types";
import {
  DAY_MS,
  MINUTE_MS,
  dayOfWall,
  isoWeekdayOfDay,
  offsetRuns,
  type OffsetRun,
  parseLocalDate,
  toMs,
  wallSegments,
  zoneOrThrow,
} from "./time";

/** Minutes after local midnight, half-open. */
interface MinuteSpan {
  start: number;
  end: number;
}

/** A working stretch of real time with a constant offset; `offset` lets callers read the wall clock. */
export interface WorkPiece {
  start: number;
  end: number;
  offset: number;
}

function checkSpan(start: unknown, end: unknown, what: string): MinuteSpan {
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    (start as number) < 0 ||
    (end as number) > 1440 ||
    (start as number) >= (end as number)
  ) {
    throw new RangeError(
      `${what}: minutes must be integers with 0 ≤ start < end ≤ 1440 (got ${String(start)}–${String(end)})`,
    );
  }
  return { start: start as number, end: end as number };
}

function unionSpans(spans: MinuteSpan[]): MinuteSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: MinuteSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** base − cut, both sorted and disjoint. */
function subtractSpans(base: MinuteSpan[], cut: MinuteSpan[]): MinuteSpan[] {
  if (cut.length === 0) return base;
  const out: MinuteSpan[] = [];
  for (const b of base) {
    let start = b.start;
    for (const c of cut) {
      if (c.end <= start) continue;
      if (c.start >= b.end) break;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
      if (start >= b.end) break;
    }
    if (start < b.end) out.push({ start, end: b.end });
  }
  return out;
}

interface DayExceptions {
  extra: MinuteSpan[];
  off: MinuteSpan[];
  wholeDayOff: boolean;
}

function indexExceptions(exceptions: readonly AvailabilityException[]): Map<number, DayExceptions> {
  const byDay = new Map<number, DayExceptions>();
  for (const ex of exceptions) {
    const day = parseLocalDate(ex.date);
    let entry = byDay.get(day);
    if (!entry) byDay.set(day, (entry = { extra: [], off: [], wholeDayOff: false }));
    const hasStart = ex.startMinute !== null && ex.startMinute !== undefined;
    const hasEnd = ex.endMinute !== null && ex.endMinute !== undefined;
    if (ex.kind === "TIME_OFF") {
      if (!hasStart && !hasEnd) entry.wholeDayOff = true;
      else entry.off.push(checkSpan(ex.startMinute, ex.endMinute, `TIME_OFF on ${ex.date}`));
    } else if (ex.kind === "EXTRA_HOURS") {
      entry.extra.push(checkSpan(ex.startMinute, ex.endMinute, `EXTRA_HOURS on ${ex.date}`));
    } else {
      throw new RangeError(`Unknown exception kind: ${String((ex as { kind: unknown }).kind)}`);
    }
  }
  return byDay;
}

function indexWeekly(weekly: readonly WeeklyHours[]): MinuteSpan[][] {
  const byWeekday: MinuteSpan[][] = [[], [], [], [], [], [], [], []];
  for (const w of weekly) {
    if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7) {
      throw new RangeError(`weekday must be 1 (Monday) … 7 (Sunday), got ${String(w.weekday)}`);
    }
    byWeekday[w.weekday]?.push(checkSpan(w.startMinute, w.endMinute, `weekday ${w.weekday}`));
  }
  return byWeekday;
}

/** The working wall-time spans of local days [firstDay, lastDay], merged across midnight. */
function wallSpans(
  weeklyByDay: MinuteSpan[][],
  exceptionsByDay: Map<number, DayExceptions>,
  firstDay: number,
  lastDay: number,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const ex = exceptionsByDay.get(day);
    if (ex?.wholeDayOff) continue;
    const weekly = weeklyByDay[isoWeekdayOfDay(day)] ?? [];
    let spans = ex ? unionSpans([...weekly, ...ex.extra]) : unionSpans(weekly);
    if (ex) spans = subtractSpans(spans, unionSpans(ex.off));
    for (const s of spans) {
      const start = day * DAY_MS + s.start * MINUTE_MS;
      const end = day * DAY_MS + s.end * MINUTE_MS;
      const last = out[out.length - 1];
      // 24:00 of one day and 00:00 of the next are the same wall instant: keep shifts contiguous.
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else out.push({ start, end });
    }
  }
  return out;
}

/**
 * Working time within real [from, to) as constant-offset pieces, ascending and disjoint. Two pieces
 * that touch (a.end === b.start) belong to one uninterrupted working interval, e.g. across a
 * spring-forward inside working hours.
 */
export function workingPieces(
  zone: IANAZone,
  weekly: readonly WeeklyHours[],
  exceptions: readonly AvailabilityException[],
  from: number,
  to: number,
  /** Precomputed offset runs of `zone` covering at least [from − 1 day, to + 1 day). */
  runs?: readonly OffsetRun[],
): WorkPiece[] {
  if (!(to > from)) return [];
  const weeklyByDay = indexWeekly(weekly);
  const exceptionsByDay = indexExceptions(exceptions);
  // A day of margin on each side: wall times of [from, to) lie within ±14 h of it, and the left
  // margin reveals whether a wall time near `from` already occurred before a fall-back.
  const segments = wallSegments(runs ?? offsetRuns(zone, from - DAY_MS, to + DAY_MS));
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!first || !last) return [];
  const spans = wallSpans(weeklyByDay, exceptionsByDay, dayOfWall(first.wallStart), dayOfWall(last.wallEnd - 1));

  const pieces: WorkPiece[] = [];
  let si = 0;
  for (const seg of segments) {
    // Spans and segments are both ascending in wall time: a two-pointer intersection.
    while (si < spans.length && (spans[si]?.end ?? 0) <= seg.wallStart) si++;
    for (let k = si; k < spans.length; k++) {
      const span = spans[k];
      if (!span || span.start >= seg.wallEnd) break;
      const start = Math.max(Math.max(span.start, seg.wallStart) - seg.offset, from);
      const end = Math.min(Math.min(span.end, seg.wallEnd) - seg.offset, to);
      if (end > start) pieces.push({ start, end, offset: seg.offset });
    }
  }
  return pieces;
}

export interface ExpandAvailabilityInput {
  clinicianZone: string;
  weekly: readonly WeeklyHours[];
  exceptions: readonly AvailabilityException[];
  from: Instant;
  to: Instant;
}

/** Merged, ascending UTC working intervals within [from, to) (clipped to it). */
export function expandAvailability(input: ExpandAvailabilityInput): TimeInterval[] {
  const zone = zoneOrThrow(input.clinicianZone);
  const pieces = workingPieces(zone, input.weekly, input.exceptions, toMs(input.from, "from"), toMs(input.to, "to"));
  const merged: { start: number; end: number }[] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    if (last && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else merged.push({ start: p.start, end: p.end });
  }
  return merged.map((m) => ({ start: new Date(m.start), end: new Date(m.end) }));
}
