// The clinicians' Outlook, as configured (.env.example): on or off, which Outlook states block slots,
// whether the event's subject names the patient, how far ahead busy times are kept and how often the
// safety-net delta runs. Declared and checked in lib/env.ts, read here on their own: the slot search and the
// booking statement read only OUTLOOK_BLOCKING_SHOW_AS, so they need no other configuration.
import "server-only";
import { envVariables, type BlockingShowAs, type ServerEnv } from "@/lib/env";

/** The variables (declared, with their defaults and checks, in lib/env.ts). */
const OUTLOOK_VARIABLES = [
  "OUTLOOK_CALENDAR",
  "OUTLOOK_BLOCKING_SHOW_AS",
  "OUTLOOK_EVENT_SUBJECT",
  "OUTLOOK_SYNC_DAYS",
  "OUTLOOK_DELTA_MINUTES",
] as const;

export type OutlookSettings = Pick<ServerEnv, (typeof OUTLOOK_VARIABLES)[number]>;

/** Read afresh each time (cheap), so tests and the booking statement see the environment as it is. */
export function outlookSettings(source?: Record<string, string | undefined>): OutlookSettings {
  return envVariables(OUTLOOK_VARIABLES, source);
}

/** The showAs values that block slots; none when the feature is off. */
export function blockingShowAs(source?: Record<string, string | undefined>): BlockingShowAs[] {
  const settings = outlookSettings(source);
  return settings.OUTLOOK_CALENDAR === "off" ? [] : settings.OUTLOOK_BLOCKING_SHOW_AS;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/**
 * The calendarView a clinician's delta covers. Its tokens carry the window, so the window moves in
 * steps: it starts at the week (in UTC, counted from the epoch) holding yesterday and reaches OUTLOOK_SYNC_DAYS
 * plus two weeks ahead, and a new step means a full sync once a week.
 */
export function syncWindow(now: Date, days: number): { start: Date; end: Date } {
  const start = Math.floor((now.getTime() - DAY_MS) / WEEK_MS) * WEEK_MS;
  return { start: new Date(start), end: new Date(start + (days + 14) * DAY_MS) };
}

/** Where Graph posts change and lifecycle notifications (PUBLIC_BASE_URL: https and public in production). */
export function notificationUrls(publicBaseUrl: string): { notificationUrl: string; lifecycleNotificationUrl: string } {
  const base = publicBaseUrl.replace(/\/$/, "");
  return {
    notificationUrl: `${base}/api/outlook/notifications`,
    lifecycleNotificationUrl: `${base}/api/outlook/notifications?lifecycle=1`,
  };
}
