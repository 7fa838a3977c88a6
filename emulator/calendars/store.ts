import crypto from "node:crypto";
import { z } from "zod";
import type { DirectoryUser } from "../directory";
import { badRequest } from "../http/context";
import { graphDateTime, instantOf } from "./time-zones";

// Mailbox calendars (emulator/CONTRACT.md#calendars): each directory user's primary calendar holds single
// events. Every change gets the next number of one global sequence, which is what delta rounds are cut on;
// a deleted event leaves a tombstone so that a later round can report it as removed.

export const GRAPH_V1 = "https://graph.microsoft.com/v1.0";

const SHOW_AS = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"] as const;
const SENSITIVITY = ["normal", "personal", "private", "confidential"] as const;

const dateTimeTimeZone = z.looseObject({
  dateTime: z.string().min(1, "dateTime is required"),
  timeZone: z.string().nullish(),
});
const extendedProperty = z.looseObject({ id: z.string().min(1), value: z.string().nullable() });

export const eventInputSchema = z.looseObject({
  subject: z.string().max(255).nullish(),
  body: z.looseObject({ contentType: z.enum(["text", "html"]).optional(), content: z.string().nullish() }).nullish(),
  start: dateTimeTimeZone.optional(),
  end: dateTimeTimeZone.optional(),
  isAllDay: z.boolean().optional(),
  showAs: z.enum(SHOW_AS).optional(),
  sensitivity: z.enum(SENSITIVITY).optional(),
  importance: z.enum(["low", "normal", "high"]).optional(),
  isReminderOn: z.boolean().optional(),
  reminderMinutesBeforeStart: z.number().int().optional(),
  categories: z.array(z.string()).optional(),
  location: z.looseObject({ displayName: z.string().nullish() }).nullish(),
  allowNewTimeProposals: z.boolean().optional(),
  responseRequested: z.boolean().optional(),
  isOnlineMeeting: z.boolean().optional(),
  transactionId: z.string().max(255).nullish(),
  singleValueExtendedProperties: z.array(extendedProperty).optional(),
  recurrence: z.unknown().optional(),
});
export type EventInput = z.infer<typeof eventInputSchema>;

export interface StoredEvent {
  id: string;
  mailboxId: string;
  start: number;
  end: number;
  /** the sequence number of the last change */
  seq: number;
  changeKey: string;
  createdAt: string;
  modifiedAt: string;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  isAllDay: boolean;
  showAs: (typeof SHOW_AS)[number];
  sensitivity: (typeof SENSITIVITY)[number];
  importance: "low" | "normal" | "high";
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  categories: string[];
  location: string;
  allowNewTimeProposals: boolean;
  responseRequested: boolean;
  isOnlineMeeting: boolean;
  isCancelled: boolean;
  transactionId: string | null;
  /** single-value extended properties by id (the id's property name is case-sensitive) */
  extended: Map<string, string | null>;
  iCalUId: string;
  /** which of the start/end zones the event was written in, reported back as originalStartTimeZone */
  originalStartTimeZone: string;
  originalEndTimeZone: string;
}

interface Tombstone {
  id: string;
  seq: number;
}

interface Mailbox {
  user: DirectoryUser;
  events: Map<string, StoredEvent>;
  tombstones: Map<string, Tombstone>;
}

export type ChangeType = "created" | "updated" | "deleted";
export type ChangeListener = (mailboxId: string, eventId: string, change: ChangeType) => void;

export class CalendarStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private seq = 0;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly origin: string) {}

  onChange(listener: ChangeListener): void {
    this.listeners.add(listener);
  }

  reset(): void {
    this.mailboxes.clear();
  }

  /** The latest change number: a delta round started now reports everything up to here. */
  currentSeq(): number {
    return this.seq;
  }

  mailbox(user: DirectoryUser): Mailbox {
    let box = this.mailboxes.get(user.id);
    if (!box) {
      box = { user, events: new Map(), tombstones: new Map() };
      this.mailboxes.set(user.id, box);
    }
    return box;
  }

  events(user: DirectoryUser): StoredEvent[] {
    return [...this.mailbox(user).events.values()].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  }

  find(user: DirectoryUser, eventId: string): StoredEvent | undefined {
    return this.mailbox(user).events.get(eventId);
  }

  eventById(mailboxId: string, eventId: string): StoredEvent | undefined {
    return this.mailboxes.get(mailboxId)?.events.get(eventId);
  }

  byTransactionId(user: DirectoryUser, transactionId: string): StoredEvent | undefined {
    return [...this.mailbox(user).events.values()].find((e) => e.transactionId === transactionId);
  }

  /** Changes after `since` in this mailbox: live events (latest state) and the ids deleted since. */
  changesSince(user: DirectoryUser, since: number): { live: StoredEvent[]; deleted: string[] } {
    const box = this.mailbox(user);
    return {
      live: [...box.events.values()].filter((e) => e.seq > since).sort((a, b) => a.seq - b.seq),
      deleted: [...box.tombstones.values()].filter((t) => t.seq > since).map((t) => t.id),
    };
  }

  create(user: DirectoryUser, input: EventInput): StoredEvent {
    if (!input.start || !input.end) throw badRequest("An event needs both start and end.", "ErrorInvalidRequest");
    if (input.recurrence) throw badRequest("Recurring events are not emulated.", "ErrorInvalidRequest");
    const start = instantOf(input.start, "start");
    const end = instantOf(input.end, "end");
    if (end < start) throw badRequest("The end of the event must not be before its start.", "ErrorInvalidRequest");
    const now = new Date().toISOString();
    const id = `AAMkA${crypto.randomBytes(30).toString("base64url")}`;
    const event: StoredEvent = {
      id,
      mailboxId: user.id,
      start,
      end,
      seq: ++this.seq,
      changeKey: crypto.randomBytes(12).toString("base64"),
      createdAt: now,
      modifiedAt: now,
      subject: input.subject ?? "",
      body: { contentType: input.body?.contentType ?? "text", content: input.body?.content ?? "" },
      isAllDay: input.isAllDay ?? false,
      showAs: input.showAs ?? "busy",
      sensitivity: input.sensitivity ?? "normal",
      importance: input.importance ?? "normal",
      isReminderOn: input.isReminderOn ?? true,
      reminderMinutesBeforeStart: input.reminderMinutesBeforeStart ?? 15,
      categories: input.categories ?? [],
      location: input.location?.displayName ?? "",
      allowNewTimeProposals: input.allowNewTimeProposals ?? true,
      responseRequested: input.responseRequested ?? true,
      isOnlineMeeting: input.isOnlineMeeting ?? false,
      isCancelled: false,
      transactionId: input.transactionId ?? null,
      extended: new Map((input.singleValueExtendedProperties ?? []).map((p) => [p.id, p.value])),
      iCalUId: `040000008200E00074C5B7101A82E008${crypto.randomBytes(24).toString("hex").toUpperCase()}`,
      originalStartTimeZone: input.start.timeZone ?? "UTC",
      originalEndTimeZone: input.end.timeZone ?? "UTC",
    };
    this.mailbox(user).events.set(id, event);
    this.emit(user.id, id, "created");
    return event;
  }

  update(user: DirectoryUser, event: StoredEvent, patch: EventInput): StoredEvent {
    if (patch.transactionId !== undefined && patch.transactionId !== event.transactionId)
      throw badRequest("transactionId cannot be changed after the event is created.", "ErrorInvalidRequest");
    if (patch.recurrence) throw badRequest("Recurring events are not emulated.", "ErrorInvalidRequest");
    const start = patch.start ? instantOf(patch.start, "start") : event.start;
    const end = patch.end ? instantOf(patch.end, "end") : event.end;
    if (end < start) throw badRequest("The end of the event must not be before its start.", "ErrorInvalidRequest");
    event.start = start;
    event.end = end;
    if (patch.start) event.originalStartTimeZone = patch.start.timeZone ?? "UTC";
    if (patch.end) event.originalEndTimeZone = patch.end.timeZone ?? "UTC";
    if (patch.subject !== undefined) event.subject = patch.subject ?? "";
    if (patch.body !== undefined)
      event.body = { contentType: patch.body?.contentType ?? "text", content: patch.body?.content ?? "" };
    if (patch.location !== undefined) event.location = patch.location?.displayName ?? "";
    for (const key of [
      "isAllDay",
      "showAs",
      "sensitivity",
      "importance",
      "isReminderOn",
      "reminderMinutesBeforeStart",
      "categories",
      "allowNewTimeProposals",
      "responseRequested",
      "isOnlineMeeting",
    ] as const) {
      if (patch[key] !== undefined) (event as unknown as Record<string, unknown>)[key] = patch[key];
    }
    for (const p of patch.singleValueExtendedProperties ?? []) event.extended.set(p.id, p.value);
    event.seq = ++this.seq;
    event.changeKey = crypto.randomBytes(12).toString("base64");
    event.modifiedAt = new Date().toISOString();
    this.emit(user.id, event.id, "updated");
    return event;
  }

  delete(user: DirectoryUser, event: StoredEvent): void {
    const box = this.mailbox(user);
    box.events.delete(event.id);
    box.tombstones.set(event.id, { id: event.id, seq: ++this.seq });
    this.emit(user.id, event.id, "deleted");
  }

  /** The event as Graph shows it, its times in `zone` (the Prefer: outlook.timezone header; UTC by default). */
  serialize(event: StoredEvent, zone = "UTC", user?: DirectoryUser): Record<string, unknown> {
    const owner = user ?? this.mailboxes.get(event.mailboxId)?.user;
    const preview = event.body.content
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 255);
    return {
      "@odata.etag": `W/"${event.changeKey}"`,
      id: event.id,
      createdDateTime: event.createdAt,
      lastModifiedDateTime: event.modifiedAt,
      changeKey: event.changeKey,
      categories: event.categories,
      // only returned when an app set it (the event resource's documentation)
      ...(event.transactionId !== null && { transactionId: event.transactionId }),
      originalStartTimeZone: event.originalStartTimeZone,
      originalEndTimeZone: event.originalEndTimeZone,
      iCalUId: event.iCalUId,
      uid: event.iCalUId,
      reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
      isReminderOn: event.isReminderOn,
      hasAttachments: false,
      subject: event.subject,
      bodyPreview: preview,
      importance: event.importance,
      sensitivity: event.sensitivity,
      isAllDay: event.isAllDay,
      isCancelled: event.isCancelled,
      isOrganizer: true,
      responseRequested: event.responseRequested,
      seriesMasterId: null,
      showAs: event.showAs,
      type: "singleInstance",
      webLink: `${this.origin}/_emulator/calendar?user=${encodeURIComponent(owner?.userPrincipalName ?? event.mailboxId)}#${encodeURIComponent(event.id)}`,
      onlineMeetingUrl: null,
      isOnlineMeeting: event.isOnlineMeeting,
      onlineMeetingProvider: event.isOnlineMeeting ? "teamsForBusiness" : "unknown",
      allowNewTimeProposals: event.allowNewTimeProposals,
      isDraft: false,
      hideAttendees: false,
      responseStatus: { response: "organizer", time: "0001-01-01T00:00:00Z" },
      body: event.body,
      start: graphDateTime(event.start, zone),
      end: graphDateTime(event.end, zone),
      location: {
        displayName: event.location,
        locationType: "default",
        uniqueIdType: "unknown",
        address: {},
        coordinates: {},
      },
      locations: event.location ? [{ displayName: event.location, locationType: "default" }] : [],
      recurrence: null,
      attendees: [],
      organizer: owner
        ? { emailAddress: { name: owner.displayName, address: owner.userPrincipalName } }
        : { emailAddress: { name: "", address: "" } },
      onlineMeeting: null,
    };
  }

  private emit(mailboxId: string, eventId: string, change: ChangeType): void {
    for (const listener of this.listeners) listener(mailboxId, eventId, change);
  }
}
