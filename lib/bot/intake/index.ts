// The bot's webhook: verify, parse, record, acknowledge, then work (docs/ARCHITECTURE.md, "Calling bot").
// Every notification gets an InboundNotification row keyed by its dedupe key (ON CONFLICT DO NOTHING)
// holding its parsed payload; that table is the call runtime's queue, and the same statement NOTIFYs the
// runtime's workers of each call with new rows (lib/bot/runtime/worker-loop.ts), so a redelivery is recorded once
// and applied once. The answer is 202 as soon as that statement commits; the workers apply the rows in
// arrival order per call.
//
// Tones: a key press's value is handed to `onTone` in memory and is never stored — not in the row, not
// in the job, not in the dedupe key, not in a log line (emulator/CONTRACT.md#media-persistence).
import "server-only";
import crypto from "node:crypto";
import { errorStatus, publicErrorBody } from "@/lib/errors";
import { readTextWithin } from "@/lib/http/route";
import { logger } from "@/lib/logger";
import { dedupeKey, nextRosterKey, parseRosterKey } from "../dedupe";
import {
  NotificationParseError,
  parseNotificationBatch,
  parseNotifications,
  type RecordingEvent,
  type ToneEvent,
} from "../schema";
import { CALLS_CHANNEL, type CallSql, type Sql } from "../runtime/sql";
import { NotificationAuthError, type NotificationVerifier } from "./verify";

const MAX_NOTIFICATION_BYTES = 256 * 1024;

export interface IntakeDeps {
  /** the call runtime's connections (lib/bot/runtime/sql.ts) */
  sql: CallSql;
  verify: NotificationVerifier;
  /** In-memory hand-off of key presses to the call flows. */
  onTone?(graphCallId: string, tone: ToneEvent): void;
  /** In-memory hand-off of a finished recordResponse (location + token) to the clinic line; never stored. */
  onRecording?(graphCallId: string, recording: RecordingEvent): void;
  /**
   * False while nothing in this process takes key presses and recordings yet (it is starting): a delivery
   * carrying one is answered 503 before anything is recorded, so the platform delivers it again once
   * something does — acknowledged, it would be lost, since it is never stored.
   */
  mediaListening?(): boolean;
  maxBodyBytes?: number;
}

export interface IntakeResult {
  received: number;
  recorded: number;
}

const problem = (status: number, code: keyof typeof errorStatus, message: string) =>
  Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });

/** Route handler body for POST /api/calls/notifications. */
export async function handleNotificationRequest(request: Request, deps: IntakeDeps): Promise<Response> {
  const limit = deps.maxBodyBytes ?? MAX_NOTIFICATION_BYTES;
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit)
    return problem(413, "PAYLOAD_TOO_LARGE", "The notification body is too large.");

  // 1. verify — nothing of the body is read before the token passes
  try {
    await deps.verify(request.headers.get("authorization"));
  } catch (error) {
    const reason = error instanceof NotificationAuthError ? error.reason : "verifier failed";
    logger.warn({ reason }, "bot notification refused");
    return problem(401, "UNAUTHENTICATED", "The notification is not authenticated.");
  }

  // 2. parse
  // a body cut off on the way (the sender gave up) is as unreadable as one that is not JSON
  const text = await readTextWithin(request, limit).catch(() => "");
  if (text === null) return problem(413, "PAYLOAD_TOO_LARGE", "The notification body is too large.");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return problem(400, "BAD_REQUEST", "The body is not JSON.");
  }
  let items;
  try {
    const batch = parseNotificationBatch(body);
    items = batch.items;
    // one item the bot cannot read (a resource it does not know) is skipped, not the whole delivery
    if (batch.skipped.length) logger.warn({ skipped: batch.skipped }, "bot notification items skipped");
  } catch (error) {
    if (error instanceof NotificationParseError) return problem(400, "BAD_REQUEST", error.message);
    throw error;
  }

  // 3. record (a failure here answers 5xx so the platform delivers again)
  if (deps.mediaListening && !deps.mediaListening() && items.some((item) => item.tone || item.recording)) {
    logger.warn({ count: items.length }, "key press or recording before the flows listen; delivery refused");
    return new Response(null, { status: 503, headers: { "retry-after": "1" } });
  }
  try {
    const result = await recordNotifications(deps, items);
    // debug: one line per POST is most of a busy webhook's cost, and the job logs what it applies
    logger.debug(result, "bot notifications recorded");
  } catch (error) {
    logger.error({ err: error }, "bot notifications could not be recorded");
    return Response.json(publicErrorBody(error), { status: 500 });
  }
  // 4. acknowledge
  return new Response(null, { status: 202 });
}

type Parsed = ReturnType<typeof parseNotifications>;

/** Dedupe keys in delivery order; roster keys are chained on the latest roster recorded for the call. */
async function keyItems(sql: Sql, items: Parsed) {
  const latestRoster = new Map<string, string | null>();
  const keyed: (Parsed[number] & { key: string })[] = [];
  for (const item of items) {
    const n = item.notification;
    let key = dedupeKey(n);
    if (n.kind === "roster") {
      if (!latestRoster.has(n.graphCallId)) {
        const recent = await sql.query<{ dedupeKey: string }>(
          `SELECT "dedupeKey" FROM "InboundNotification"
           WHERE "graphCallId" = $1 AND "dedupeKey" LIKE $2 ORDER BY "receivedAt" DESC LIMIT 20`,
          [n.graphCallId, `roster:${n.graphCallId}:%`],
        );
        const newest = recent
          .map((r) => r.dedupeKey)
          .sort((a, b) => (parseRosterKey(b)?.index ?? 0) - (parseRosterKey(a)?.index ?? 0))[0];
        latestRoster.set(n.graphCallId, newest ?? null);
      }
      key = nextRosterKey(n.graphCallId, key, latestRoster.get(n.graphCallId) ?? null);
      latestRoster.set(n.graphCallId, key);
    }
    keyed.push({ ...item, key });
  }
  return keyed;
}

/**
 * One statement records a delivery: rows already there (a redelivery) are skipped and only the new ones
 * come back; the runtime is woken for each call with new rows (delivered at commit); and an incoming call
 * (`created` on the call itself) gets its Call row, so that the runtime can hold it like any other — the
 * clinic line then decides what happens to it. Raw SQL because this runs on every POST to the webhook
 * (bench/notifications.ts; docs/PERFORMANCE.md).
 */
async function insertNew(sql: CallSql, items: { key: string; notification: Parsed[number]["notification"] }[]) {
  const ids = items.map(() => crypto.randomUUID());
  // WITH ORDINALITY + ORDER BY: the sequence numbers follow the order of the delivery
  return sql.prepared<{ id: string; dedupeKey: string }>(
    "record-notifications",
    `WITH inserted AS (
       INSERT INTO "InboundNotification" (id, "dedupeKey", "graphCallId", "resourceUrl", "changeType", payload)
       SELECT id, key, call, resource, change, payload FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],
         $5::text[], $6::jsonb[]) WITH ORDINALITY AS delivery(id, key, call, resource, change, payload, position)
       ORDER BY position
       ON CONFLICT ("dedupeKey") DO NOTHING
       RETURNING id, "dedupeKey", "graphCallId", "resourceUrl", "changeType"),
     incoming AS (
       INSERT INTO "Call" (id, "graphCallId", direction, purpose, state, "peerToPeer", "createdAt", "updatedAt")
       SELECT DISTINCT ON ("graphCallId") gen_random_uuid(), "graphCallId", 'INCOMING'::"CallDirection", 'CLINIC_LINE'::"CallPurpose", 'incoming',
         true, now(), now()
       FROM inserted WHERE "changeType" = 'created' AND "resourceUrl" = '/communications/calls/' || "graphCallId"
       ON CONFLICT ("graphCallId") DO NOTHING),
     woken AS (
       SELECT count(pg_notify($7, call)) AS n FROM (SELECT DISTINCT "graphCallId" AS call FROM inserted) AS calls)
     SELECT inserted.id::text AS id, inserted."dedupeKey" FROM inserted, woken`,
    [
      ids,
      items.map((k) => k.key),
      items.map((k) => k.notification.graphCallId),
      items.map((k) => k.notification.resourceUrl),
      items.map((k) => k.notification.changeType),
      items.map((k) => JSON.stringify(k.notification)),
      CALLS_CHANNEL,
    ],
  );
}

export async function recordNotifications(
  deps: Pick<IntakeDeps, "sql" | "onTone" | "onRecording">,
  items: Parsed,
): Promise<IntakeResult> {
  if (items.length === 0) return { received: 0, recorded: 0 };
  const keyed = await keyItems(deps.sql, items);
  // the same event twice in one POST is still one event
  const unique = [...new Map(keyed.map((k) => [k.key, k])).values()];
  const inserted = await insertNew(deps.sql, unique);
  if (inserted.length === 0) return { received: items.length, recorded: 0 };
  const fresh = new Set(inserted.map((row) => row.dedupeKey));
  const recorded = unique.filter((k) => fresh.has(k.key));
  // hand key presses and recordings to the flows only once, for notifications seen for the first time
  for (const k of recorded) {
    if (!k.tone || !deps.onTone) continue;
    try {
      deps.onTone(k.notification.graphCallId, k.tone);
    } catch (error) {
      logger.error({ err: error, graphCallId: k.notification.graphCallId }, "tone hook failed");
    }
  }
  for (const k of recorded) {
    if (!k.recording || !deps.onRecording) continue;
    try {
      deps.onRecording(k.notification.graphCallId, k.recording);
    } catch (error) {
      logger.error({ err: error, graphCallId: k.notification.graphCallId }, "recording hook failed");
    }
  }
  return { received: items.length, recorded: recorded.length };
}
