import { DateTime } from "luxon";
import { badRequest } from "../http/context";

// Dates and time zones as Outlook reads and writes them: a dateTimeTimeZone names its zone in Windows or
// IANA form, and the Prefer: outlook.timezone header chooses the zone an answer is written in.

/** Windows zone names the emulator reads besides UTC and IANA names (Outlook writes these). */
const WINDOWS_ZONES: Record<string, string> = {
  "E. South America Standard Time": "America/Sao_Paulo",
  "Eastern Standard Time": "America/New_York",
  "GMT Standard Time": "Europe/London",
  "W. Europe Standard Time": "Europe/Berlin",
  "Pacific Standard Time": "America/Los_Angeles",
};

function zoneOf(name: string | null | undefined): string {
  if (!name || name === "UTC" || name === "tzone://Microsoft/Utc") return "UTC";
  const mapped = WINDOWS_ZONES[name] ?? name;
  if (!DateTime.now().setZone(mapped).isValid)
    throw badRequest(`The time zone '${name}' is not supported.`, "ErrorTimeZoneNotSupported");
  return mapped;
}

/** A dateTimeTimeZone to epoch ms; a trailing offset in dateTime is ignored as Graph does (the zone decides). */
export function instantOf(value: { dateTime: string; timeZone?: string | null }, field: string): number {
  const zone = zoneOf(value.timeZone);
  const local = value.dateTime.replace(/(Z|[+-]\d{2}:?\d{2})$/i, "");
  const parsed = DateTime.fromISO(local, { zone });
  if (!parsed.isValid)
    throw badRequest(`${field}.dateTime '${value.dateTime}' is not a valid date and time.`, "ErrorInvalidRequest");
  return parsed.toMillis();
}

/** Graph writes local date-times with seven fractional digits and no offset. */
export function graphDateTime(ms: number, zone: string): { dateTime: string; timeZone: string } {
  const dt = DateTime.fromMillis(ms, { zone: zoneOf(zone) });
  return { dateTime: `${dt.toFormat("yyyy-LL-dd'T'HH:mm:ss.SSS")}0000`, timeZone: zone === "UTC" ? "UTC" : zone };
}

/** `Prefer: outlook.timezone="…"` (several Prefer values may be comma-separated or repeated). */
export function preferredZone(prefer: string | string[] | undefined): string {
  const all = ([] as string[]).concat(prefer ?? []).join(",");
  const m = /outlook\.timezone\s*=\s*"?([^",]+)"?/i.exec(all);
  if (!m?.[1]) return "UTC";
  try {
    zoneOf(m[1].trim());
    return m[1].trim();
  } catch {
    return "UTC";
  }
}
