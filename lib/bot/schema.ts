// The commsNotifications envelope (emulator/CONTRACT.md#notifications-envelope), parsed at the boundary into a
// small typed list. Tolerant of unknown keys, `resource` instead of `resourceUrl`, object or array
// resourceData. Media never leaves this parser in a storable shape: a tone's value is split off into `tone`
// (handed to the flows in memory, never stored), recording locations and tokens are not read at all, and phone
// numbers are masked here so no full number travels further than this function.
import "server-only";
import { z } from "zod";
import { maskPhone } from "@/lib/constants";
import { BrandedError } from "@/lib/errors";
import { normaliseGraphId } from "@/lib/graph/ids";

/** A keypad key from Graph's tone name (tone1 → "1", star, pound); null for the rest (A–D, flash). */
export function keyOfTone(tone: string): string | null {
  const m = /^tone([0-9])$/.exec(tone);
  if (m) return m[1]!;
  return tone === "star" || tone === "pound" ? tone : null;
}

export { normaliseGraphId };

export type ChangeType = "created" | "updated" | "deleted" | "unknownFutureValue";

export interface ResultCode {
  code: number | null;
  subcode: number | null;
}

// Every Graph id (call, operation, participant) leaves this parser normalised (lib/graph/ids.ts): lowercase,
// no dashes, as Graph spells the same id both ways.
interface Base {
  /** Graph call id, normalised */
  graphCallId: string;
  /** canonical resource path, e.g. /communications/calls/{id}/operations/{opId} */
  resourceUrl: string;
  changeType: ChangeType;
}

export interface CallNotification extends Base {
  kind: "call";
  state: string | null;
  resultInfo: ResultCode | null;
  /** sequence number of a key press (the key itself is in ParsedItem.tone, never here) */
  toneSequenceId: number | null;
  mediaAudio: string | null;
}

type IdentityKind = "user" | "phone" | "guest" | "application";

export interface RosterEntry {
  graphParticipantId: string;
  identityKind: IdentityKind;
  /** Entra object id / application id; null for phones (never stored in full) and anonymous guests */
  identityId: string | null;
  displayName: string | null;
  isMuted: boolean;
  isInLobby: boolean;
  rosterSequenceNumber: number | null;
}

/**
 * A roster update: not always everyone. v1.0 sends updates that list only who changed (the mute example
 * lists the muted person alone; deltaParticipants), so an update is merged by participant id, and someone
 * has left only when the update says so (a participant with a `removedState`, or a `deleted` change).
 * Entries without an id (an invitee whose phone still rings) name nobody yet and are skipped.
 */
export interface RosterNotification extends Base {
  kind: "roster";
  /** joined or changed */
  participants: RosterEntry[];
  /** participant ids (normalised) that left */
  removed: string[];
}

export interface OperationNotification extends Base {
  kind: "operation";
  operationId: string;
  /** e.g. invite, mute, playPrompt — from the @odata.type */
  operationKind: string;
  status: "notStarted" | "running" | "completed" | "failed" | null;
  clientContext: string | null;
  resultInfo: ResultCode | null;
}

/** Anything else under a call (content sharing sessions, a single participant): recorded, not acted on. */
interface OtherNotification extends Base {
  kind: "other";
}

export type BotNotification = CallNotification | RosterNotification | OperationNotification | OtherNotification;

/** A key press, held in memory only (emulator/CONTRACT.md#media-persistence: tone data may not be persisted). */
export interface ToneEvent {
  sequenceId: number | null;
  tone: string;
}

/**
 * A finished recordResponse operation, held in memory only: the location and its access token are handed to the
 * clinic line's flow and discarded (emulator/CONTRACT.md#media-persistence); they are never stored, queued or
 * logged.
 */
export interface RecordingEvent {
  operationId: string;
  ok: boolean;
  location: string | null;
  accessToken: string | null;
}

export interface ParsedItem {
  notification: BotNotification;
  tone: ToneEvent | null;
  /** only for a finished recordResponse operation */
  recording?: RecordingEvent;
}

export class NotificationParseError extends BrandedError {
  static override readonly brand: string = "consulta.NotificationParseError";
  constructor(message: string) {
    super(message);
    this.name = "NotificationParseError";
  }
}

const record = z.record(z.string(), z.unknown());

const itemSchema = z
  .looseObject({
    changeType: z.string().min(1, "changeType is required"),
    resourceUrl: z.string().min(1).optional(),
    resource: z.string().min(1).optional(),
    resourceData: z.union([record, z.array(record)]).nullish(),
  })
  .refine((item) => item.resourceUrl ?? item.resource, { message: "resourceUrl (or resource) is required" });

/**
 * The envelope is checked whole (a body that is not a commsNotifications is refused); its items one by one,
 * so that one the bot cannot read (a resource it does not know, a future shape) is skipped, not the batch.
 */
const envelopeSchema = z.looseObject({
  "@odata.type": z
    .string()
    .regex(/^#?(microsoft\.graph\.)?commsNotifications$/i, "the body is not a commsNotifications")
    .optional(),
  value: z.array(z.unknown()).min(1, "value must hold at least one notification").max(500),
});

const RESOURCE =
  /^(?:https:\/\/[^/]+)?(?:\/(?:v1\.0|beta))?\/(?:communications|app)\/calls\/([^/?#]+)(?:\/(participants|operations|contentsharingsessions)(?:\/([^/?#]+))?)?\/?(?:[?#].*)?$/i;

const num = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const optionalNumber = (value: unknown): number | null => {
  const parsed = num.safeParse(value);
  return parsed.success && Number.isSafeInteger(parsed.data) ? parsed.data : null;
};
const optionalString = (value: unknown): string | null => (typeof value === "string" && value ? value : null);
const asRecord = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

function resultCode(value: unknown): ResultCode | null {
  const info = asRecord(value);
  if (!info) return null;
  // the transfer docs spell `subCode`; the property is `subcode`
  return { code: optionalNumber(info.code), subcode: optionalNumber(info.subcode ?? info.subCode) };
}

function rosterEntry(raw: Record<string, unknown>): RosterEntry | null {
  const id = optionalString(raw.id);
  if (!id) return null;
  const identity = asRecord(asRecord(raw.info)?.identity) ?? {};
  const pick = (key: string) => asRecord(identity[key]);
  let identityKind: IdentityKind = "guest";
  let identityId: string | null = null;
  let displayName: string | null = null;
  const user = pick("user");
  const app = pick("application") ?? pick("applicationInstance");
  const phone = pick("phone");
  const guest = pick("guest") ?? pick("encrypted");
  if (user) {
    identityKind = "user";
    identityId = optionalString(user.id);
    displayName = optionalString(user.displayName);
  } else if (app) {
    identityKind = "application";
    identityId = optionalString(app.id);
    displayName = optionalString(app.displayName);
  } else if (phone) {
    identityKind = "phone";
    const number = optionalString(phone.id);
    displayName = number ? maskPhone(number) : null;
  } else if (guest) {
    displayName = optionalString(guest.displayName);
  }
  return {
    graphParticipantId: normaliseGraphId(id),
    identityKind,
    identityId: identityId?.toLowerCase() ?? null,
    displayName: displayName?.slice(0, 200) ?? null,
    isMuted: raw.isMuted === true,
    isInLobby: raw.isInLobby === true,
    rosterSequenceNumber: optionalNumber(raw.rosterSequenceNumber),
  };
}

const OPERATION_STATUS = new Set(["notStarted", "running", "completed", "failed"]);

function operationKind(odataType: unknown): string {
  const match = /#microsoft\.graph\.(\w+?)(?:Participants)?Operation$/i.exec(optionalString(odataType) ?? "");
  if (!match) return "unknown";
  const name = match[1]!;
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function parseItem(item: z.infer<typeof itemSchema>, index: number): ParsedItem {
  const url = (item.resourceUrl ?? item.resource)!;
  const match = RESOURCE.exec(url);
  if (!match) throw new NotificationParseError(`value[${index}]: resourceUrl is not a call resource`);
  const graphCallId = normaliseGraphId(decodeURIComponent(match[1]!));
  if (!/^[0-9a-z]{1,64}$/.test(graphCallId))
    throw new NotificationParseError(`value[${index}]: the call id is malformed`);
  const sub = match[2]?.toLowerCase();
  const subId = match[3] ? normaliseGraphId(decodeURIComponent(match[3])) : undefined;
  const known = ["created", "updated", "deleted"];
  const changeType = (known.includes(item.changeType) ? item.changeType : "unknownFutureValue") as ChangeType;
  const data = item.resourceData;
  const single = asRecord(data) ?? {};
  const base = (resourceUrl: string) => ({ graphCallId, changeType, resourceUrl });
  const callPath = `/communications/calls/${graphCallId}`;

  if (!sub) {
    const toneInfo = asRecord(single.toneInfo);
    // only a keypad key is a tone the flows hear (and the runtime waits for: claim.ts, withPending)
    const toneValue = optionalString(toneInfo?.tone);
    const keyed = toneValue !== null && keyOfTone(toneValue) !== null;
    const toneSequenceId = toneInfo && keyed ? optionalNumber(toneInfo.sequenceId) : null;
    return {
      notification: {
        ...base(callPath),
        kind: "call",
        state: optionalString(single.state),
        resultInfo: resultCode(single.resultInfo),
        toneSequenceId,
        mediaAudio: optionalString(asRecord(single.mediaState)?.audio),
      },
      tone: toneValue && keyed ? { sequenceId: toneSequenceId, tone: toneValue } : null,
    };
  }
  if (sub === "participants") {
    // an array of participants, a deltaParticipants ({participants: [...]}), or one participant at its own URL
    const delta = asRecord(data) && Array.isArray(single.participants) ? (single.participants as unknown[]) : null;
    const raw: unknown[] = Array.isArray(data)
      ? data
      : (delta ?? (subId && asRecord(data) ? [{ id: subId, ...single }] : []));
    const participants: RosterEntry[] = [];
    const removed = new Set<string>(subId && item.changeType === "deleted" ? [subId] : []);
    for (const entry of raw) {
      const participant = asRecord(entry);
      const id = participant && optionalString(participant.id);
      if (!participant || !id) continue;
      if (item.changeType === "deleted" || asRecord(participant.removedState)) removed.add(normaliseGraphId(id));
      else {
        const parsed = rosterEntry(participant);
        if (parsed) participants.push(parsed);
      }
    }
    return {
      notification: {
        ...base(`${callPath}/participants${subId ? `/${subId}` : ""}`),
        kind: "roster",
        participants: participants.filter((p) => !removed.has(p.graphParticipantId)),
        removed: [...removed].sort(),
      },
      tone: null,
    };
  }
  if (sub === "operations" && subId) {
    const status = optionalString(single.status)?.replace(/^./, (c) => c.toLowerCase()) ?? null;
    const kind = operationKind(single["@odata.type"]);
    const recordFinished =
      kind === "record" && (status === "completed" || status === "failed" || item.changeType === "deleted");
    const recording: RecordingEvent | undefined = recordFinished
      ? {
          operationId: subId,
          ok: status !== "failed" && (resultCode(single.resultInfo)?.code ?? 200) < 400,
          location: optionalString(single.recordingLocation),
          accessToken: optionalString(single.recordingAccessToken),
        }
      : undefined;
    return {
      ...(recording ? { recording } : {}),
      notification: {
        ...base(`${callPath}/operations/${subId}`),
        kind: "operation",
        operationId: subId,
        operationKind: kind,
        status: status && OPERATION_STATUS.has(status) ? (status as OperationNotification["status"]) : null,
        clientContext: optionalString(single.clientContext)?.slice(0, 256) ?? null,
        resultInfo: resultCode(single.resultInfo),
      },
      tone: null,
    };
  }
  return {
    notification: { ...base(`${callPath}/${sub}${subId ? `/${subId}` : ""}`), kind: "other" },
    tone: null,
  };
}

export interface ParsedBatch {
  items: ParsedItem[];
  /** items that could not be read, by position, with why (no content of theirs) */
  skipped: { index: number; reason: string }[];
}

/**
 * Body (already JSON-decoded) → the notifications it carries, in delivery order, and the items skipped.
 * Throws NotificationParseError (→ 400) only when the body itself is not a commsNotifications.
 */
export function parseNotificationBatch(body: unknown): ParsedBatch {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join(".") : "body";
    throw new NotificationParseError(`${where}: ${issue.message}`);
  }
  const batch: ParsedBatch = { items: [], skipped: [] };
  parsed.data.value.forEach((raw, index) => {
    const item = itemSchema.safeParse(raw);
    if (!item.success) {
      const issue = item.error.issues[0]!;
      batch.skipped.push({ index, reason: `${issue.path.join(".") || "item"}: ${issue.message}` });
      return;
    }
    try {
      batch.items.push(parseItem(item.data, index));
    } catch (error) {
      if (!(error instanceof NotificationParseError)) throw error;
      batch.skipped.push({ index, reason: error.message });
    }
  });
  return batch;
}

/** The notifications of a body, in delivery order; items that cannot be read are left out. */
export function parseNotifications(body: unknown): ParsedItem[] {
  return parseNotificationBatch(body).items;
}
