// Input rules for a clinician's availability, shared by the forms, the server actions and the
// mutations, plus the pure helpers the editor needs (times as text, who may edit, the 7-day preview).
// Every issue message is a stable key under `availability.errors` in messages/*.json.
//
// Times are minutes after local midnight in the clinician's zone, half-open [start, end), so "24:00"
// (1440) is a valid end and 12:00–13:00 touches 08:00–12:00 without overlapping it.
import { z } from "zod";
import type { WeeklyFormValues } from "./types";
import {
  addLocalDays,
  expandAvailability,
  isDateWithinYears,
  isRegionTimeZone,
  isValidLocalDate,
  isValidTimeZone,
  localDateTime,
  localDayBounds,
  localToUtc,
  type AvailabilityException,
  type LocalDate,
  type WeeklyHours,
} from "@/lib/scheduling";

const MINUTES_PER_DAY = 1440;
/** More ranges than this on one weekday is a mistake, not a schedule. */
const MAX_RANGES_PER_DAY = 12;
const NOTE_MAX = 200;
export const PREVIEW_DAYS = 7;
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const EXCEPTION_KINDS = ["TIME_OFF", "EXTRA_HOURS"] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export const availabilityErrorKeys = [
  "invalid",
  "required",
  "tooLong",
  "tooMany",
  "timeInvalid",
  "rangeOrder",
  "overlap",
  "weekdayInvalid",
  "dateInvalid",
  "kindInvalid",
  "timesRequired",
  "timesIncomplete",
  "timeZoneInvalid",
  "typeInvalid",
  "idInvalid",
  "dateOutOfRange",
  "timeZoneNotRegion",
] as const;
export type AvailabilityErrorKey = (typeof availabilityErrorKeys)[number];

// --- times of day ----------------------------------------------------------------------------------

const TIME_TEXT = /^(\d{1,2}):(\d{2})$/;

/** "08:00" → 480, "8:30" → 510, "24:00" → 1440; anything else (incl. "24:01", "7h") → null. */
export function parseTimeOfDay(text: string): number | null {
  const match = TIME_TEXT.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24) return null;
  const total = hours * 60 + minutes;
  return total > MINUTES_PER_DAY ? null : total;
}

/** 480 → "08:00", 1440 → "24:00". */
export function formatTimeOfDay(minute: number): string {
  if (!Number.isInteger(minute) || minute < 0 || minute > MINUTES_PER_DAY) {
    throw new RangeError(`minute must be an integer in 0…1440, got ${minute}`);
  }
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

// A time arrives from a form as "HH:MM" or from code as minutes; both come out as minutes.
const timeOfDay = z.unknown().transform((value, ctx) => {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MINUTES_PER_DAY) return value;
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    ctx.addIssue({ code: "custom", message: "required" });
    return z.NEVER;
  }
  const minute = typeof value === "string" ? parseTimeOfDay(value) : null;
  if (minute === null) {
    ctx.addIssue({ code: "custom", message: "timeInvalid" });
    return z.NEVER;
  }
  return minute;
});

const emptyToNull = (value: unknown) =>
  value === undefined || (typeof value === "string" && value.trim() === "") ? null : value;

const optionalTimeOfDay = z.preprocess(emptyToNull, timeOfDay.nullable());

export const clinicianIdSchema = z.uuid({ error: "idInvalid" });

// --- weekly hours ----------------------------------------------------------------------------------

const weeklyRangeSchema = z
  .object({
    weekday: z.coerce.number({ error: "weekdayInvalid" }).int({ error: "weekdayInvalid" }).min(1).max(7, {
      error: "weekdayInvalid",
    }),
    start: timeOfDay,
    end: timeOfDay,
  })
  .check((ctx) => {
    if (ctx.value.start >= ctx.value.end) {
      ctx.issues.push({ code: "custom", message: "rangeOrder", path: ["end"], input: ctx.value });
    }
  })
  .transform(({ weekday, start, end }): WeeklyHours => ({ weekday, startMinute: start, endMinute: end }));

/**
 * A whole week, replacing what was there. Ranges may come in any order; no two on the same weekday
 * may overlap. The overlap is reported on the later-starting range's `start`.
 */
export const weeklyHoursSchema = z
  .object({
    clinicianId: clinicianIdSchema,
    ranges: z.array(weeklyRangeSchema).max(7 * MAX_RANGES_PER_DAY, { error: "tooMany" }),
  })
  .check((ctx) => {
    const byDay = new Map<number, { index: number; range: WeeklyHours }[]>();
    ctx.value.ranges.forEach((range, index) => {
      const list = byDay.get(range.weekday) ?? [];
      list.push({ index, range });
      byDay.set(range.weekday, list);
    });
    for (const list of byDay.values()) {
      if (list.length > MAX_RANGES_PER_DAY) {
        const last = list[list.length - 1]!;
        ctx.issues.push({ code: "custom", message: "tooMany", path: ["ranges", last.index, "start"], input: list });
      }
      const sorted = [...list].sort((a, b) => a.range.startMinute - b.range.startMinute);
      let furthestEnd = -1;
      for (const { index, range } of sorted) {
        if (range.startMinute < furthestEnd) {
          ctx.issues.push({ code: "custom", message: "overlap", path: ["ranges", index, "start"], input: range });
        }
        furthestEnd = Math.max(furthestEnd, range.endMinute);
      }
    }
  })
  .transform(({ clinicianId, ranges }) => ({
    clinicianId,
    ranges: [...ranges].sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute),
  }));

/** Rows per weekday the form may post; more is not a schedule but a broken or hostile client. */
const MAX_FORM_ROWS = 50;

const WEEKLY_FIELD = /^w([1-7])\.(\d{1,2})\.(start|end)$/;

/** The weekly form's inputs are named `w<weekday>.<row>.start|end`; rows come back in order, per weekday. */
export function weeklyFormValues(formData: FormData): WeeklyFormValues {
  const rows = new Map<string, Map<number, { start: string; end: string }>>();
  for (const [name, value] of formData.entries()) {
    const match = WEEKLY_FIELD.exec(name);
    if (!match || typeof value !== "string") continue;
    const [, weekday = "", rowText = "", part] = match;
    const row = Number(rowText);
    if (row >= MAX_FORM_ROWS) continue;
    const day = rows.get(weekday) ?? new Map<number, { start: string; end: string }>();
    const entry = day.get(row) ?? { start: "", end: "" };
    entry[part as "start" | "end"] = value;
    day.set(row, entry);
    rows.set(weekday, day);
  }
  return Object.fromEntries(
    WEEKDAYS.map((weekday) => {
      const day = rows.get(String(weekday)) ?? new Map();
      return [String(weekday), [...day.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry)];
    }),
  );
}

export function weeklyValuesOf(ranges: readonly WeeklyHours[]): WeeklyFormValues {
  return Object.fromEntries(
    WEEKDAYS.map((weekday) => [
      String(weekday),
      ranges
        .filter((range) => range.weekday === weekday)
        .map((range) => ({ start: formatTimeOfDay(range.startMinute), end: formatTimeOfDay(range.endMinute) })),
    ]),
  );
}

/**
 * The ranges to save from the form's rows (a row with both times blank is not a range), with the
 * input name prefix ("w1.0") of each, so that errors can be put back next to the right inputs.
 */
export function weeklyRangesFromForm(values: WeeklyFormValues): { ranges: WeeklyRangeInput[]; inputNames: string[] } {
  const ranges: WeeklyRangeInput[] = [];
  const inputNames: string[] = [];
  for (const weekday of WEEKDAYS) {
    values[String(weekday)]?.forEach((row, index) => {
      if (row.start.trim() === "" && row.end.trim() === "") return;
      ranges.push({ weekday, start: row.start, end: row.end });
      inputNames.push(`w${weekday}.${index}`);
    });
  }
  return { ranges, inputNames };
}

/** "ranges.3.end" → "w2.1.end"; anything not about one range → "form". */
export function weeklyInputName(path: string, inputNames: readonly string[]): string {
  const match = /^ranges\.(\d+)\.(start|end|weekday)$/.exec(path);
  const name = match ? inputNames[Number(match[1])] : undefined;
  return name && match ? `${name}.${match[2] === "end" ? "end" : "start"}` : "form";
}

// --- exceptions ------------------------------------------------------------------------------------

/**
 * One date that differs from the week. TIME_OFF without times is the whole day off; with times, that
 * span. EXTRA_HOURS needs both times. The date is a calendar date in the clinician's zone.
 */
export const exceptionCreateSchema = z
  .object({
    clinicianId: clinicianIdSchema,
    date: z
      .string({ error: "required" })
      .trim()
      .min(1, { error: "required" })
      .refine(isValidLocalDate, { error: "dateInvalid" })
      // not aborting: the times are still checked, and an unreal date is reported once, as such
      .refine((date) => !isValidLocalDate(date) || isDateWithinYears(date), { error: "dateOutOfRange" }),
    kind: z.enum(EXCEPTION_KINDS, { error: "kindInvalid" }),
    start: optionalTimeOfDay,
    end: optionalTimeOfDay,
    note: z.preprocess(emptyToNull, z.string().trim().max(NOTE_MAX, { error: "tooLong" }).nullable().default(null)),
  })
  .check((ctx) => {
    const { kind, start, end } = ctx.value;
    if (start === null && end === null) {
      if (kind === "EXTRA_HOURS") {
        ctx.issues.push({ code: "custom", message: "timesRequired", path: ["start"], input: start });
      }
      return;
    }
    if (start === null || end === null) {
      ctx.issues.push({
        code: "custom",
        message: "timesIncomplete",
        path: [start === null ? "start" : "end"],
        input: ctx.value,
      });
      return;
    }
    if (start >= end) ctx.issues.push({ code: "custom", message: "rangeOrder", path: ["end"], input: ctx.value });
  })
  .transform(({ clinicianId, date, kind, start, end, note }) => ({
    clinicianId,
    date,
    kind,
    startMinute: start,
    endMinute: end,
    note,
  }));

export const exceptionDeleteSchema = z.object({
  clinicianId: clinicianIdSchema,
  exceptionId: z.uuid({ error: "idInvalid" }),
});

// --- appointment types and time zone ---------------------------------------------------------------

export const offeredTypesSchema = z.object({
  clinicianId: clinicianIdSchema,
  appointmentTypeIds: z
    .array(z.uuid({ error: "typeInvalid" }))
    .max(200, { error: "tooMany" })
    .transform((ids) => [...new Set(ids)].sort()),
});

export const clinicianTimeZoneSchema = z.object({
  clinicianId: clinicianIdSchema,
  timeZone: z
    .string({ error: "required" })
    .trim()
    .min(1, { error: "required" })
    .refine(isValidTimeZone, { error: "timeZoneInvalid" })
    // the clinician's hours follow a place's clock: a fixed offset ("Etc/GMT+5") or "UTC" never changes
    .refine((zone) => !isValidTimeZone(zone) || isRegionTimeZone(zone), { error: "timeZoneNotRegion" }),
});

/** Zone names for the select (places only, as the schema wants); the clinician's current zone is always among them. */
export function timeZoneChoices(current?: string): string[] {
  const zones = new Set(Intl.supportedValuesOf("timeZone").filter(isRegionTimeZone));
  if (current) zones.add(current);
  return [...zones].sort();
}

export type WeeklyHoursInput = z.input<typeof weeklyHoursSchema>;
export type WeeklyRangeInput = z.input<typeof weeklyRangeSchema>;
/** What callers pass; the schema checks every field, so a form's raw strings are fine. */
export interface ExceptionCreateInput {
  clinicianId: string;
  date: string;
  kind: string;
  /** "HH:MM" or minutes; empty or absent = none */
  start?: string | number | null;
  end?: string | number | null;
  note?: string | null;
}
export type ExceptionDeleteInput = z.input<typeof exceptionDeleteSchema>;
export type OfferedTypesInput = z.input<typeof offeredTypesSchema>;
export type ClinicianTimeZoneInput = z.input<typeof clinicianTimeZoneSchema>;

const errorKeys = new Set<string>(availabilityErrorKeys);

/**
 * The first problem per field as a message key, keyed by the dotted path ("date", "ranges.3.start").
 * The clinician id is left out: a bad id means "not found", not a field to fix.
 */
export function availabilityFieldErrors(error: z.ZodError): Record<string, AvailabilityErrorKey> {
  const result: Record<string, AvailabilityErrorKey> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".") || "form";
    if (path === "clinicianId" || result[path]) continue;
    result[path] = errorKeys.has(issue.message) ? (issue.message as AvailabilityErrorKey) : "invalid";
  }
  return result;
}

// --- who may edit ----------------------------------------------------------------------------------

/**
 * Clinicians edit their own availability, admins anyone's. Staff book against availability but do
 * not set it (and, like the nav, the editor does not show it to them).
 */
export function canEditAvailability(viewer: { id: string; role: string }, clinicianId: string): boolean {
  if (viewer.role === "ADMIN") return true;
  return viewer.role === "CLINICIAN" && viewer.id === clinicianId;
}

// --- preview ---------------------------------------------------------------------------------------

interface PreviewInterval {
  start: Date;
  end: Date;
  /** wall clock in the clinician's zone, "HH:MM"; an interval running to the end of the day ends "24:00" */
  startLabel: string;
  endLabel: string;
}

export interface PreviewDay {
  date: LocalDate;
  /** first instant of the local day, for formatting its name */
  start: Date;
  intervals: PreviewInterval[];
}

/**
 * The working intervals of the `PREVIEW_DAYS` local days starting with `today`, from
 * lib/scheduling's expandAvailability (so clock changes are handled there), cut at local midnights.
 */
export function previewDays(input: {
  zone: string;
  today: LocalDate;
  weekly: readonly WeeklyHours[];
  exceptions: readonly AvailabilityException[];
  days?: number;
}): PreviewDay[] {
  const count = input.days ?? PREVIEW_DAYS;
  const bounds = Array.from({ length: count }, (_, i) => localDayBounds(addLocalDays(input.today, i), input.zone));
  const intervals = expandAvailability({
    clinicianZone: input.zone,
    weekly: input.weekly,
    exceptions: input.exceptions,
    from: bounds[0]!.start,
    to: bounds[bounds.length - 1]!.end,
  });
  const label = (instant: Date) => formatTimeOfDay(localDateTime(instant, input.zone).minuteOfDay);
  return bounds.map((day) => ({
    date: day.date,
    start: day.start,
    intervals: intervals
      .filter((i) => i.end > day.start && i.start < day.end)
      .map((i) => {
        const start = i.start < day.start ? day.start : i.start;
        const end = i.end > day.end ? day.end : i.end;
        return {
          start,
          end,
          startLabel: label(start),
          endLabel: end.getTime() === day.end.getTime() ? "24:00" : label(end),
        };
      }),
  }));
}

// --- time off over booked visits (issue 19) -----------------------------------------------------------

/**
 * The instants a time-off exception takes away: its local day in the clinician's zone, or its
 * [start, end) on that day's clock. Extra hours take nothing away: null.
 */
export function timeOffSpan(
  exception: { date: LocalDate; kind: ExceptionKind; startMinute: number | null; endMinute: number | null },
  zone: string,
): { start: Date; end: Date } | null {
  if (exception.kind !== "TIME_OFF") return null;
  if (exception.startMinute === null || exception.endMinute === null) {
    const { start, end } = localDayBounds(exception.date, zone);
    return { start, end };
  }
  return {
    start: localToUtc(exception.date, exception.startMinute, zone),
    end: localToUtc(exception.date, exception.endMinute, zone),
  };
}

/** Does a visit [start, end) fall (even partly) in the span? Half-open, like every span here. */
export function overlapsSpan(visit: { startsAt: Date; endsAt: Date }, span: { start: Date; end: Date }): boolean {
  return visit.startsAt < span.end && visit.endsAt > span.start;
}
