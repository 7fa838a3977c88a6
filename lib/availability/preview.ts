// The editor's preview: the working intervals of the next days, as lib/scheduling expands them.
import "server-only";
import {
  addLocalDays,
  expandAvailability,
  localDateTime,
  localDayBounds,
  type AvailabilityException,
  type LocalDate,
  type WeeklyHours,
} from "@/lib/scheduling";
import { formatTimeOfDay } from "./times";

export const PREVIEW_DAYS = 7;

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
