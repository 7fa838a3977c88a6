// Internal time arithmetic shared by the scheduling modules. Not re-exported from index.ts.
//
// Vocabulary: a "real" time is epoch ms (UTC). A "wall" time is the local clock reading of a zone,
// encoded as epoch ms as if that reading were UTC (so wall = real + offset). Local dates are whole
// days of wall time: day number = floor(wall / DAY_MS). Nothing here reads the process zone.
import { IANAZone } from "luxon";
import type { Instant, LocalDate } from "./types";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export function toMs(value: Instant, name: string): number {
  const ms = typeof value === "number" ? value : value.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid instant`);
  return ms;
}

// "+05:30"-style names are accepted by some Intl builds, but a fixed offset has no DST rules and is
// not a place: clinicians must pick a real IANA zone.
const OFFSET_LIKE = /^[+-]|^(GMT|UTC)[+-]/i;

export function isValidTimeZoneName(name: unknown): name is string {
  if (typeof name !== "string" || name.length === 0 || OFFSET_LIKE.test(name)) return false;
  return IANAZone.isValidZone(name);
}

// Zones already checked, by name. isValidZone builds a new Intl.DateTimeFormat on every call (about 5 %
// of a booking request's server CPU, twice per request); valid names are a closed set (tzdb's, a few
// hundred), so the map stays small, and a name that fails the check is never kept.
const checkedZones = new Map<string, IANAZone>();

export function zoneOrThrow(name: string): IANAZone {
  const known = checkedZones.get(name);
  if (known) return known;
  if (!isValidTimeZoneName(name)) throw new RangeError(`Unknown IANA time zone: ${String(name)}`);
  const zone = IANAZone.create(name);
  checkedZones.set(name, zone);
  return zone;
}

/** UTC offset in ms at a real instant. */
export function offsetAt(zone: IANAZone, real: number): number {
  return Math.round(zone.offset(real) * MINUTE_MS);
}

/** A stretch of real time [start, end) during which the zone's offset is constant. */
export interface OffsetRun {
  start: number;
  end: number;
  offset: number;
}

// tzdb has no zone with two transitions less than this far apart in the modern era, so sampling at
// this step cannot miss a change; each detected change is then pinned down by bisection.
const SAMPLE_MS = 6 * HOUR_MS;

/** Constant-offset runs covering [from, to), found by sampling every 6 h and bisecting each change. */
function sampledOffsetRuns(zone: IANAZone, from: number, to: number): OffsetRun[] {
  const runs: OffsetRun[] = [];
  let runStart = from;
  let current = offsetAt(zone, from);
  let t = from;
  while (t < to) {
    const next = Math.min(t + SAMPLE_MS, to);
    if (offsetAt(zone, next) === current) {
      t = next;
      continue;
    }
    // Smallest instant in (t, next] whose offset differs from `current`.
    let lo = t;
    let hi = next;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (offsetAt(zone, mid) === current) lo = mid;
      else hi = mid;
    }
    if (hi > runStart) runs.push({ start: runStart, end: Math.min(hi, to), offset: current });
    runStart = hi;
    current = offsetAt(zone, hi);
    t = hi;
  }
  if (to > runStart) runs.push({ start: runStart, end: to, offset: current });
  return runs;
}

// A zone's runs by UTC calendar year, found once per process: each offset lookup formats a date through
// Intl (tens of microseconds), and a slot search over 50 clinicians asked for the same zone's fortnight
// thousands of times per request. tzdb does not change while the process runs; the map holds a few runs
// per zone and year searched.
const runsByZoneYear = new Map<string, readonly OffsetRun[]>();

function yearRuns(zone: IANAZone, year: number): readonly OffsetRun[] {
  const key = `${zone.name}|${year}`;
  let runs = runsByZoneYear.get(key);
  if (!runs) {
    runs = sampledOffsetRuns(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    runsByZoneYear.set(key, runs);
  }
  return runs;
}

/** Constant-offset runs covering [from, to), each as long as the offset holds within the range. */
export function offsetRuns(zone: IANAZone, from: number, to: number): OffsetRun[] {
  const runs: OffsetRun[] = [];
  const lastYear = new Date(Math.max(from, to - 1)).getUTCFullYear();
  for (let year = new Date(from).getUTCFullYear(); year <= lastYear; year++) {
    for (const run of yearRuns(zone, year)) {
      const start = Math.max(run.start, from);
      const end = Math.min(run.end, to);
      if (end <= start) continue;
      const previous = runs.at(-1);
      // a run that goes on across New Year is one run
      if (previous && previous.end === start && previous.offset === run.offset) previous.end = end;
      else runs.push({ start, end, offset: run.offset });
    }
  }
  return runs;
}

/**
 * The wall-clock image of some runs: [wallStart, wallEnd) read on the clock while `offset` applied.
 * Segments are disjoint and ascending in both wall and real time. When clocks go back, the repeated
 * wall times are kept only for their first occurrence, so every wall time maps to at most one
 * instant (a wall time inside a spring-forward gap maps to none).
 */
export interface WallSegment {
  wallStart: number;
  wallEnd: number;
  offset: number;
}

export function wallSegments(runs: readonly OffsetRun[]): WallSegment[] {
  const segments: WallSegment[] = [];
  let maxWall = -Infinity;
  for (const run of runs) {
    const wallStart = Math.max(run.start + run.offset, maxWall);
    const wallEnd = run.end + run.offset;
    if (wallEnd > wallStart) segments.push({ wallStart, wallEnd, offset: run.offset });
    maxWall = Math.max(maxWall, wallEnd);
  }
  return segments;
}

/**
 * The first instant whose wall time is ≥ `wall`: the wall time itself when it exists (its first
 * occurrence when clocks went back), or the end of the gap when it was skipped by a spring-forward.
 */
export function firstInstantAtOrAfterWall(zone: IANAZone, wall: number): number {
  // Offsets lie within ±14 h, so the instant is within a day of `wall`; 2 days of margin on the left
  // also sees any earlier occurrence of a repeated hour.
  const segments = wallSegments(offsetRuns(zone, wall - 2 * DAY_MS, wall + 2 * DAY_MS));
  for (const seg of segments) {
    if (seg.wallEnd > wall) return Math.max(seg.wallStart, wall) - seg.offset;
  }
  /* c8 ignore next */
  throw new RangeError("wall time outside the searched range");
}

// --- local calendar dates ----------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' → day number (days since 1970-01-01). Throws on malformed or impossible dates. */
export function parseLocalDate(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`Not a 'YYYY-MM-DD' date: ${String(date)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC maps years 0–99 to 1900–1999 and rolls 02-30 over to March; reject both.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`Not a real calendar date: ${date}`);
  }
  return ms / DAY_MS;
}

export function formatLocalDate(dayNumber: number): LocalDate {
  const d = new Date(dayNumber * DAY_MS);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  const da = d.getUTCDate();
  return `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(da).padStart(2, "0")}`;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function isoWeekdayOfDay(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

export function dayOfWall(wall: number): number {
  return Math.floor(wall / DAY_MS);
}
