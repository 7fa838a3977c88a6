// The one place that turns instants into text for people: always with an explicit zone and locale,
// never the server's.

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

export function formatTime(instant: Date, zone: string, locale: string): string {
  return formatter("time", locale, zone, { hour: "2-digit", minute: "2-digit" }).format(instant);
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

/** Phone numbers on screens show only the last digits. */
export function maskPhone(e164: string | null | undefined): string {
  if (!e164) return "";
  return `${"•".repeat(Math.max(0, e164.length - 4))}${e164.slice(-4)}`;
}
