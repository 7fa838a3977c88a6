// Outlook calendars (emulator/CONTRACT.md#calendars): the visit's event in a clinician's calendar, the
// calendarView delta that keeps their busy times, and change-notification subscriptions on their events.
// Application permission Calendars.ReadWrite, limited to the clinicians' mailboxes by an Exchange
// application access policy (docs/ENTRA-SETUP.md).
import "server-only";
import type { Event, Subscription } from "@microsoft/microsoft-graph-types";
import { DateTime } from "luxon";
import { z } from "zod";
import type { GraphClient } from "./client";
import { GraphError, isNotFound } from "./errors";

/**
 * Our mark on the events we make: a single-value extended property holding the appointment id (how a
 * retried job finds the event it may already have made) and a transactionId with this prefix (Graph's
 * own guard against a repeated create, and how a delta round tells our events from the clinician's).
 */
export const APPOINTMENT_PROPERTY_ID = "String {5d4b0c37-9e1a-4f6b-8c2d-7a3e9b1f0c64} Name ConsultaAppointmentId";
export const TRANSACTION_PREFIX = "consulta-";

export interface VisitEventInput {
  appointmentId: string;
  subject: string;
  /** HTML: the Teams join link and the appointment page's link */
  bodyHtml: string;
  start: Date;
  end: Date;
}

export interface CalendarEvent {
  id: string;
  start: Date;
  end: Date;
}

type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";

/** One entry of a delta page: an event as it is now, or one that left the view (deleted, moved out). */
export type DeltaItem =
  | { kind: "removed"; id: string }
  | {
      kind: "event";
      id: string;
      start: Date;
      end: Date;
      showAs: ShowAs;
      isCancelled: boolean;
      /** private and confidential events keep their subject to themselves */
      isPrivate: boolean;
      subject: string | null;
      /** ours when it starts with TRANSACTION_PREFIX */
      transactionId: string | null;
    };

export interface DeltaPage {
  items: DeltaItem[];
  nextLink?: string;
  deltaLink?: string;
}

const utc = (date: Date) => ({ dateTime: date.toISOString().replace(/Z$/, ""), timeZone: "UTC" });

function invalid(what: string, issues: z.core.$ZodIssue[]): GraphError {
  return new GraphError({
    status: 200,
    code: "invalidResponse",
    message: `Graph returned an unexpected ${what}: ${issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
  });
}

const dateTimeTimeZone = z.looseObject({ dateTime: z.string(), timeZone: z.string().nullish() });

/** Graph's local date-time in its zone (UTC: we ask for it with Prefer: outlook.timezone). */
export function instantOf(value: { dateTime: string; timeZone?: string | null }): Date {
  const zone = !value.timeZone || value.timeZone === "UTC" ? "UTC" : value.timeZone;
  // seven fractional digits; an offset, if any, is ignored as Graph reads it with the zone
  const local = value.dateTime.replace(/(Z|[+-]\d{2}:?\d{2})$/i, "");
  const parsed = DateTime.fromISO(local, { zone });
  if (!parsed.isValid) throw new RangeError(`unreadable Graph date-time ${value.dateTime} ${value.timeZone ?? ""}`);
  return parsed.toJSDate();
}

const eventSchema = z.looseObject({
  id: z.string().min(1),
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
});

function toEvent(body: unknown): CalendarEvent {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) throw invalid("event", parsed.error.issues);
  return { id: parsed.data.id, start: instantOf(parsed.data.start), end: instantOf(parsed.data.end) };
}

const UTC_PREFERENCE = { Prefer: 'outlook.timezone="UTC"' };

function eventsPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}/events`;
}

/** The OData literal: a quote inside is doubled. */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export async function findVisitEvent(
  client: GraphClient,
  userId: string,
  appointmentId: string,
): Promise<CalendarEvent | null> {
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq ${literal(APPOINTMENT_PROPERTY_ID)} and ep/value eq ${literal(appointmentId)})`;
  const response = await client.request(
    "GET",
    `${eventsPath(userId)}?$filter=${encodeURIComponent(filter)}`,
    undefined,
    {
      headers: UTC_PREFERENCE,
    },
  );
  const list = z.looseObject({ value: z.array(z.unknown()) }).safeParse(response.body);
  if (!list.success) throw invalid("event list", list.error.issues);
  const [first] = list.data.value;
  return first === undefined ? null : toEvent(first);
}

/** What the visit's event says and when: set when it is created and again whenever it moves. */
function visitEventContent(input: Pick<VisitEventInput, "subject" | "bodyHtml" | "start" | "end">): Event {
  return {
    subject: input.subject,
    body: { contentType: "html", content: input.bodyHtml },
    start: utc(input.start),
    end: utc(input.end),
  };
}

/**
 * Creates the visit's event: private, busy, with our extended property and transactionId. Callers look it
 * up first (findVisitEvent); the transactionId covers a create whose answer was lost.
 */
export async function createVisitEvent(
  client: GraphClient,
  userId: string,
  input: VisitEventInput,
): Promise<CalendarEvent> {
  const body: Event = {
    ...visitEventContent(input),
    sensitivity: "private",
    showAs: "busy",
    isReminderOn: true,
    reminderMinutesBeforeStart: 10,
    allowNewTimeProposals: false,
    responseRequested: false,
    location: { displayName: "Microsoft Teams" },
    transactionId: `${TRANSACTION_PREFIX}${input.appointmentId}`,
    singleValueExtendedProperties: [{ id: APPOINTMENT_PROPERTY_ID, value: input.appointmentId }],
  };
  const response = await client.request("POST", eventsPath(userId), body, { headers: UTC_PREFERENCE });
  return toEvent(response.body);
}

/** Moves the event and refreshes its subject and body (the join link may have changed). */
export async function updateVisitEvent(
  client: GraphClient,
  userId: string,
  eventId: string,
  input: Pick<VisitEventInput, "subject" | "bodyHtml" | "start" | "end">,
): Promise<CalendarEvent> {
  const body: Event = visitEventContent(input);
  const response = await client.request("PATCH", `${eventsPath(userId)}/${encodeURIComponent(eventId)}`, body, {
    headers: UTC_PREFERENCE,
  });
  return toEvent(response.body);
}

/** Deleting an event that is already gone (404) is success: the outcome the caller wanted holds. */
export async function deleteEvent(client: GraphClient, userId: string, eventId: string): Promise<{ deleted: boolean }> {
  try {
    await client.request("DELETE", `${eventsPath(userId)}/${encodeURIComponent(eventId)}`);
    return { deleted: true };
  } catch (error) {
    if (isNotFound(error)) return { deleted: false };
    throw error;
  }
}

const deltaEventSchema = z.looseObject({
  id: z.string().min(1),
  "@removed": z.looseObject({ reason: z.string().nullish() }).nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
  showAs: z.string().nullish(),
  sensitivity: z.string().nullish(),
  isCancelled: z.boolean().nullish(),
  subject: z.string().nullish(),
  transactionId: z.string().nullish(),
});
const deltaPageSchema = z.looseObject({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().nullish(),
  "@odata.deltaLink": z.string().nullish(),
});
const SHOW_AS = new Set<string>(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"]);

function toDeltaItem(raw: unknown): DeltaItem {
  const parsed = deltaEventSchema.safeParse(raw);
  if (!parsed.success) throw invalid("delta item", parsed.error.issues);
  const e = parsed.data;
  if (e["@removed"]) return { kind: "removed", id: e.id };
  // an update may carry only what changed (the delta overview); calendarView delta sends whole events,
  // and one without its times cannot be placed, so it counts as gone until a round reports it whole
  if (!e.start || !e.end) return { kind: "removed", id: e.id };
  return {
    kind: "event",
    id: e.id,
    start: instantOf(e.start),
    end: instantOf(e.end),
    showAs: (SHOW_AS.has(e.showAs ?? "") ? e.showAs : "unknown") as ShowAs,
    isCancelled: e.isCancelled ?? false,
    isPrivate: e.sensitivity === "private" || e.sensitivity === "confidential",
    subject: e.subject ?? null,
    transactionId: e.transactionId ?? null,
  };
}

/**
 * One page of a calendarView delta round: the first request of a round (a window), or a nextLink or
 * deltaLink Graph handed out. Links are followed only on the Graph host we were configured with, so our
 * token never goes elsewhere.
 */
export async function calendarDelta(
  client: GraphClient,
  from: { userId: string; start: Date; end: Date } | { link: string },
  options: { graphBaseUrl: string; pageSize: number },
): Promise<DeltaPage> {
  let path: string;
  if ("link" in from) {
    if (new URL(from.link).origin !== new URL(options.graphBaseUrl).origin)
      throw new GraphError({ status: 0, code: "invalidResponse", message: "a delta link points outside Graph" });
    path = from.link;
  } else {
    const start = from.start.toISOString();
    const end = from.end.toISOString();
    path = `/users/${encodeURIComponent(from.userId)}/calendarView/delta?startDateTime=${start}&endDateTime=${end}`;
  }
  const response = await client.request("GET", path, undefined, {
    headers: { Prefer: `odata.maxpagesize=${options.pageSize}, outlook.timezone="UTC"` },
  });
  const page = deltaPageSchema.safeParse(response.body);
  if (!page.success) throw invalid("delta page", page.error.issues);
  return {
    items: page.data.value.map(toDeltaItem),
    nextLink: page.data["@odata.nextLink"] ?? undefined,
    deltaLink: page.data["@odata.deltaLink"] ?? undefined,
  };
}

/** A delta round's tokens are gone: start again with a full sync (410, or an expired-token code). */
export function isResyncRequired(error: unknown): boolean {
  if (!(error instanceof GraphError)) return false;
  return (
    error.status === 410 ||
    ["syncStateNotFound", "syncStateInvalid", "resyncRequired"].some(
      (code) => code.toLowerCase() === error.code.toLowerCase(),
    )
  );
}

export interface SubscriptionInput {
  userId: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expiration: Date;
}

const subscriptionSchema = z.looseObject({ id: z.string().min(1), expirationDateTime: z.string() });

function toSubscription(body: unknown): { id: string; expiration: Date } {
  const parsed = subscriptionSchema.safeParse(body);
  if (!parsed.success) throw invalid("subscription", parsed.error.issues);
  return { id: parsed.data.id, expiration: new Date(parsed.data.expirationDateTime) };
}

/** Graph answers only after our endpoint echoed its validation token. */
export async function createEventSubscription(
  client: GraphClient,
  input: SubscriptionInput,
): Promise<{ id: string; expiration: Date }> {
  const body: Subscription = {
    changeType: "created,updated,deleted",
    notificationUrl: input.notificationUrl,
    lifecycleNotificationUrl: input.lifecycleNotificationUrl,
    resource: `/users/${input.userId}/events`,
    expirationDateTime: input.expiration.toISOString(),
    clientState: input.clientState,
  };
  return toSubscription((await client.request("POST", "/subscriptions", body)).body);
}

/** Renewing also reauthorizes the subscription. */
export async function renewSubscription(
  client: GraphClient,
  subscriptionId: string,
  expiration: Date,
): Promise<{ id: string; expiration: Date }> {
  const body: Subscription = { expirationDateTime: expiration.toISOString() };
  return toSubscription(
    (await client.request("PATCH", `/subscriptions/${encodeURIComponent(subscriptionId)}`, body)).body,
  );
}

export async function deleteSubscription(client: GraphClient, subscriptionId: string): Promise<void> {
  try {
    await client.request("DELETE", `/subscriptions/${encodeURIComponent(subscriptionId)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
