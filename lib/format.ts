// The one place that turns instants into text for people: always with an explicit zone and locale,
// never the server's.
export function formatDateTime(instant: Date, zone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "full",
    timeStyle: "short",
    timeZone: zone,
  }).format(instant);
}

export function formatDate(instant: Date, zone: string, locale: string, style: "full" | "medium" | "short" = "medium") {
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: zone }).format(instant);
}

export function formatTime(instant: Date, zone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: zone }).format(instant);
}

export function formatWeekday(instant: Date, zone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", timeZone: zone }).format(
    instant,
  );
}

/** "GMT-03:00"-style label so a reader knows which zone a time is in. */
export function zoneLabel(instant: Date, zone: string, locale: string): string {
  const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "shortOffset" })
    .formatToParts(instant)
    .find((p) => p.type === "timeZoneName");
  return `${zone.replace(/_/g, " ")} (${part?.value ?? ""})`;
}

/** Phone numbers on screens show only the last digits. */
export function maskPhone(e164: string | null | undefined): string {
  if (!e164) return "";
  return `${"•".repeat(Math.max(0, e164.length - 4))}${e164.slice(-4)}`;
}
