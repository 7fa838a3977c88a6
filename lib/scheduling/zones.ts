// Zone helpers for the UI. A local day is [first instant of its 00:00, first instant of the next
// day's 00:00): 23 h or 25 h around DST changes, and it still exists when midnight itself is skipped.
import { z } from "zod";
import type { Instant, LocalDate } from "./types";
import {
  DAY_MS,
  MINUTE_MS,
  dayOfWall,
  firstInstantAtOrAfterWall,
  formatLocalDate,
  isValidTimeZoneName,
  isoWeekdayOfDay,
  offsetAt,
  parseLocalDate,
  toMs,
  zoneOrThrow,
} from "./time";

/** True for IANA zone names the runtime knows ("Europe/Lisbon"); false for offsets like "+01:00". */
export function isValidTimeZone(name: unknown): name is string {
  return isValidTimeZoneName(name);
}

// IANA's geographic areas. Zones outside them are not places: "Etc/GMT+5" (a fixed offset, with the
// sign reversed), "UTC", and the old aliases ("US/Eastern", "Brazil/East", "EST5EDT").
// Every part of a name starts with a capital ("America/Argentina/Buenos_Aires", "America/Port-au-Prince").
const REGION_ZONE =
  /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)(\/[A-Z][A-Za-z0-9_+-]*){1,2}$/;

/**
 * True for a zone of a place, spelt as IANA spells it ("America/Sao_Paulo", not "america/sao_paulo" or
 * "Brazil/East"): what a clinic or clinician may choose, since their hours follow a place's clock changes.
 */
export function isRegionTimeZone(name: unknown): name is string {
  return typeof name === "string" && REGION_ZONE.test(name) && isValidTimeZoneName(name);
}

/** For forms and settings: a zone name clinicians and patients may store. */
export const timeZoneSchema = z.string().refine(isValidTimeZoneName, { message: "Unknown time zone" });

/**
 * The years a date typed by a person may fall in. Earlier or later is a slip of the keyboard (1900,
 * 9999), not a plan; stored, it would sit in every list and report.
 */
const FIRST_YEAR = 2000;
const LAST_YEAR = 2100;

/** Is `date` a real 'YYYY-MM-DD' calendar date within FIRST_YEAR…LAST_YEAR? */
export function isDateWithinYears(date: LocalDate): boolean {
  const year = Number(date.slice(0, 4));
  return isValidLocalDate(date) && year >= FIRST_YEAR && year <= LAST_YEAR;
}

/** Is `date` a real 'YYYY-MM-DD' calendar date? */
export function isValidLocalDate(date: unknown): date is LocalDate {
  if (typeof date !== "string") return false;
  try {
    parseLocalDate(date);
    return true;
  } catch {
    return false;
  }
}

export interface LocalDateTime {
  date: LocalDate;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday */
  weekday: number;
  /** minutes after local midnight, the unit of WeeklyHours */
  minuteOfDay: number;
  /** UTC offset in minutes at this instant (Kathmandu: 345, St. John's in winter: −210) */
  offsetMinutes: number;
}

/** The wall clock in `zone` at `instant`. */
export function localDateTime(instant: Instant, zone: string): LocalDateTime {
  const t = toMs(instant, "instant");
  const offset = offsetAt(zoneOrThrow(zone), t);
  const wall = new Date(t + offset);
  const day = dayOfWall(t + offset);
  const hour = wall.getUTCHours();
  const minute = wall.getUTCMinutes();
  return {
    date: formatLocalDate(day),
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour,
    minute,
    second: wall.getUTCSeconds(),
    weekday: isoWeekdayOfDay(day),
    minuteOfDay: hour * 60 + minute,
    offsetMinutes: offset / MINUTE_MS,
  };
}

/** The local calendar date in `zone` at `instant`. */
export function localDateOf(instant: Instant, zone: string): LocalDate {
  return localDateTime(instant, zone).date;
}

/**
 * The instant the clock in `zone` shows `minuteOfDay` on `date`. In a fall-back overlap that is the
 * first occurrence; inside a spring-forward gap the time does not exist and the end of the gap is
 * returned (e.g. Lisbon 2026-03-29 01:30 → 02:00 WEST).
 */
export function localToUtc(date: LocalDate, minuteOfDay: number, zone: string): Date {
  if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay > 1440) {
    throw new RangeError("minuteOfDay must be an integer in 0…1440");
  }
  const wall = parseLocalDate(date) * DAY_MS + minuteOfDay * MINUTE_MS;
  return new Date(firstInstantAtOrAfterWall(zoneOrThrow(zone), wall));
}

/** Does `minuteOfDay` on `date` exist on the clock in `zone` (not skipped by a spring-forward)? */
export function localTimeExists(date: LocalDate, minuteOfDay: number, zone: string): boolean {
  const t = localToUtc(date, minuteOfDay, zone).getTime();
  const dt = localDateTime(t, zone);
  return dt.date === date && dt.minuteOfDay === minuteOfDay;
}

export interface LocalDayBounds {
  date: LocalDate;
  /** first instant of the local day */
  start: Date;
  /** first instant of the next local day (exclusive end) */
  end: Date;
}

/** UTC bounds of a local calendar day in `zone`. */
export function localDayBounds(date: LocalDate, zone: string): LocalDayBounds {
  const z = zoneOrThrow(zone);
  const day = parseLocalDate(date);
  return {
    date,
    start: new Date(firstInstantAtOrAfterWall(z, day * DAY_MS)),
    end: new Date(firstInstantAtOrAfterWall(z, (day + 1) * DAY_MS)),
  };
}

export interface LocalWeekBounds {
  start: Date;
  end: Date;
  /** Monday … Sunday */
  days: LocalDayBounds[];
}

/** The local week (Monday–Sunday) containing `date`, with each day's bounds. */
export function localWeekBounds(date: LocalDate, zone: string): LocalWeekBounds {
  const z = zoneOrThrow(zone);
  const monday = parseLocalDate(date) - (isoWeekdayOfDay(parseLocalDate(date)) - 1);
  const edges: number[] = [];
  for (let d = 0; d <= 7; d++) edges.push(firstInstantAtOrAfterWall(z, (monday + d) * DAY_MS));
  const days: LocalDayBounds[] = [];
  for (let d = 0; d < 7; d++) {
    days.push({ date: formatLocalDate(monday + d), start: new Date(edges[d]!), end: new Date(edges[d + 1]!) });
  }
  return { start: new Date(edges[0]!), end: new Date(edges[7]!), days };
}

/** `date` plus `days` calendar days (no zone involved: calendar arithmetic only). */
export function addLocalDays(date: LocalDate, days: number): LocalDate {
  if (!Number.isInteger(days)) throw new RangeError("days must be an integer");
  return formatLocalDate(parseLocalDate(date) + days);
}

/** ISO weekday of a calendar date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  return isoWeekdayOfDay(parseLocalDate(date));
}

/**
 * A Postgres `date` column read by Prisma arrives as a Date at UTC midnight; read it with UTC getters
 * (local getters would shift it by a day in zones west of UTC).
 */
export function localDateFromDbDate(value: Date): LocalDate {
  const ms = toMs(value, "date");
  return formatLocalDate(Math.floor(ms / DAY_MS));
}

/** The reverse of localDateFromDbDate, for writing an AvailabilityException.date. */
export function dbDateFromLocalDate(date: LocalDate): Date {
  return new Date(parseLocalDate(date) * DAY_MS);
}
