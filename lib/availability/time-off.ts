// Time off over booked visits (issue 19): the instants an exception takes away, and whether a visit falls in them.
import "server-only";
import { localDayBounds, localToUtc, type LocalDate } from "@/lib/scheduling";
import type { ExceptionKind } from "./schema";

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
