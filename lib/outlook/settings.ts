// The clinicians' Outlook, as configured (.env.example): on or off, which Outlook states block slots,
// whether the event's subject names the patient, how far ahead busy times are kept and how often the
// safety-net delta runs. Read from the environment with messages that name the variable; the slot search
// and the booking statement read only OUTLOOK_BLOCKING_SHOW_AS, so they need no other configuration.
import { z } from "zod";

export const BLOCKABLE_SHOW_AS = ["busy", "oof", "tentative", "workingElsewhere"] as const;
export type BlockingShowAs = (typeof BLOCKABLE_SHOW_AS)[number];

const showAsList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items)
      if (!(BLOCKABLE_SHOW_AS as readonly string[]).includes(item)) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not one of ${BLOCKABLE_SHOW_AS.join(", ")}` });
        return z.NEVER;
      }
    return [...new Set(items)] as BlockingShowAs[];
  });

/** An empty variable (a copied .env.example) means "not set". */
const unset = <T extends z.ZodType>(inner: T) => z.preprocess((v) => (v === "" ? undefined : v), inner);

const schema = z.object({
  // off: no events written, no busy times read (the slot search then ignores Outlook entirely)
  OUTLOOK_CALENDAR: unset(z.enum(["on", "off"]).default("on")),
  // Outlook's showAs values that block a slot; tentative and workingElsewhere are the clinic's choice
  OUTLOOK_BLOCKING_SHOW_AS: unset(showAsList.default(["busy", "oof"])),
  // the visit's event subject: the appointment type only, or with the patient's name too
  OUTLOOK_EVENT_SUBJECT: unset(z.enum(["type", "patient"]).default("type")),
  // busy times are kept for this many days ahead (at least the longest booking horizon)
  OUTLOOK_SYNC_DAYS: unset(z.coerce.number().int().min(7).max(400).default(120)),
  // the safety net: every clinician's delta runs at least this often, whatever notifications said
  OUTLOOK_DELTA_MINUTES: unset(z.coerce.number().int().min(1).max(1440).default(15)),
});

export type OutlookSettings = z.infer<typeof schema>;

/** Parsed afresh each time (cheap), so tests and the booking statement see the environment as it is. */
export function outlookSettings(env: Record<string, string | undefined> = process.env): OutlookSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid Outlook configuration:\n${problems}\nSee .env.example.`);
  }
  return parsed.data;
}

/** The showAs values that block slots; none when the feature is off. */
export function blockingShowAs(env: Record<string, string | undefined> = process.env): BlockingShowAs[] {
  const settings = outlookSettings(env);
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
