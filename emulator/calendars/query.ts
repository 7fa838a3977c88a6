import { HttpError, type RequestContext } from "../http/context";
import type { DeltaWindow } from "./delta";
import type { StoredEvent } from "./store";

// Reading a calendar request's query: parameters named in any case, the time window of calendarView and
// its delta, and the page size (Prefer: odata.maxpagesize).

/** Outlook's list and calendarView pages hold 10 events unless $top or Prefer: odata.maxpagesize says otherwise. */
export const DEFAULT_PAGE = 10;

export const invalidQuery = (message: string) => new HttpError(400, "ErrorInvalidRequest", message);

/** A query parameter read case-insensitively ($deltaToken / $deltatoken, startDateTime / startdatetime). */
export function param(ctx: RequestContext, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of ctx.url.searchParams) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** ISO 8601; a value without an offset is UTC (the calendarView docs' examples have none). */
export function windowBound(raw: string | undefined, name: string): number {
  if (!raw)
    throw new HttpError(
      400,
      "ErrorInvalidParameter",
      "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) throw new HttpError(400, "ErrorInvalidParameter", `The value of ${name} is not a valid date.`);
  return ms;
}

export function overlaps(event: StoredEvent, window: DeltaWindow): boolean {
  if (event.start === event.end) return event.start >= window.start && event.start < window.end;
  return event.start < window.end && event.end > window.start;
}

/** `Prefer: odata.maxpagesize=n`. */
export function preferredPageSize(prefer: string | string[] | undefined, fallback: number): number {
  const all = ([] as string[]).concat(prefer ?? []).join(",");
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(all);
  const n = m?.[1] ? Number(m[1]) : fallback;
  return Math.max(1, Math.min(n, 1000));
}
