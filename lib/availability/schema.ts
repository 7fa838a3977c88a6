// Input rules for a clinician's availability, shared by the forms, the server actions and the
// mutations. Every issue message is a stable key under `availability.errors` in messages/*.json.
// The pure helpers around them live beside: times.ts (times as text), weekly-form.ts (the weekly form's
// rows), preview.ts (the 7-day preview), time-off.ts (time off over booked visits), access.ts (who may edit).
//
// Times are minutes after local midnight in the clinician's zone, half-open [start, end), so "24:00"
// (1440) is a valid end and 12:00–13:00 touches 08:00–12:00 without overlapping it.
import { z } from "zod";
import {
  isDateWithinYears,
  isRegionTimeZone,
  isValidLocalDate,
  isValidTimeZone,
  type WeeklyHours,
} from "@/lib/scheduling";
import { MINUTES_PER_DAY, parseTimeOfDay } from "./times";

/** More ranges than this on one weekday is a mistake, not a schedule. */
const MAX_RANGES_PER_DAY = 12;
const NOTE_MAX = 200;
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
