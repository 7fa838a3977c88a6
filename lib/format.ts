// The one place that turns instants into text for people: always with an explicit zone and locale,
// never the server's. The locale is the viewer's UI language (next-intl's getLocale()/useLocale()), not
// the language stored on their profile: a person who switches the page to English reads English dates.
// Times and ranges share one style (timeStyle "short"), and a range is one formatRange call, so its two
// ends never differ in form ("7:30 – 8:00 PM", not "7:30 PM–08:00 PM").

// Building an Intl.DateTimeFormat costs far more than formatting with one (the patient page spent
// about 5 % of its server time building its four); a formatter is immutable, so each (style, locale,
// zone) is built once. Locales and zones come from settings, a small set; the cap only guards memory.
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1000;

function formatter(style: string, locale: string, zone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${style}|${locale}|${zone}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, format);
  }
  return format;
}

export function formatDateTime(instant: Date, zone: string, locale: string): string {
  return formatter("dateTime", locale, zone, { dateStyle: "full", timeStyle: "short" }).format(instant);
}

export function formatDate(instant: Date, zone: string, locale: string, style: "full" | "medium" | "short" = "medium") {
  return formatter(`date-${style}`, locale, zone, { dateStyle: style }).format(instant);
}

/**
 * A calendar date that belongs to no zone ('YYYY-MM-DD': a birth date), e.g. "15 Jun 2026" / "15 de jun. de
 * 2026". Read and written in UTC, so the day never shifts with anyone's zone.
 */
export function formatCalendarDate(date: string, locale: string): string {
  return formatter("calendarDate", locale, "UTC", { dateStyle: "medium" }).format(new Date(`${date}T00:00:00Z`));
}

export function formatTime(instant: Date, zone: string, locale: string): string {
  return formatter("time", locale, zone, { timeStyle: "short" }).format(instant);
}

/** "Monday, June 15, 2026, 7:30 – 8:00 PM"; the date is repeated only when the range crosses midnight. */
export function formatDateTimeRange(start: Date, end: Date, zone: string, locale: string): string {
  return formatter("dateTime", locale, zone, { dateStyle: "full", timeStyle: "short" }).formatRange(start, end);
}

/** "7:30 – 8:00 PM" / "19:30 – 20:00", for lists whose day is already shown. */
export function formatTimeRange(start: Date, end: Date, zone: string, locale: string): string {
  return formatter("time", locale, zone, { timeStyle: "short" }).formatRange(start, end);
}

export function formatWeekday(instant: Date, zone: string, locale: string): string {
  return formatter("weekday", locale, zone, { weekday: "short", day: "numeric", month: "short" }).format(instant);
}

/** "GMT-03:00"-style label so a reader knows which zone a time is in. */
export function zoneLabel(instant: Date, zone: string, locale: string): string {
  const part = formatter("zoneLabel", locale, zone, { timeZoneName: "shortOffset" })
    .formatToParts(instant)
    .find((p) => p.type === "timeZoneName");
  return `${zone.replace(/_/g, " ")} (${part?.value ?? ""})`;
}
