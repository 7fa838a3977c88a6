// The webhook Event Grid calls with ACS SMS events (POST /api/messages/events): delivery reports and texts
// patients send back. Verify, parse, apply: each event's effect is one idempotent update (a report moves a
// message forward only; an opt-out is set once), so a redelivered event changes nothing and needs no ledger.
//
// Authentication: the event subscription sends a secret as a custom delivery property (Authorization: Bearer
// <ACS_EVENTS_SECRET>, marked secret in Event Grid), compared in constant time. The subscription's validation
// handshake is answered without it: echoing the code Event Grid sent proves only that this endpoint exists,
// and every event after it needs the secret. Nothing of a text's content is logged or stored — only STOP/START
// matter, and only as the opt-out they make.
import "server-only";
import crypto from "node:crypto";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/logger";
import { applyDeliveryReport, applySmsReply } from "./mutations";

const MAX_EVENTS_BODY_BYTES = 256 * 1024;

export interface EventsDeps {
  db: PrismaClient;
  /** ACS_EVENTS_SECRET; null = not configured, every event refused */
  secret: string | null;
  now?: () => Date;
}

/** The app's own: its database and configured secret. */
export function eventsDeps(): EventsDeps {
  return { db: getDb(), secret: serverEnv().ACS_EVENTS_SECRET ?? null };
}

const eventSchema = z.looseObject({
  id: z.string(),
  eventType: z.string(),
  eventTime: z.string().optional(),
  data: z.looseObject({}).nullish(),
});
const bodySchema = z.array(eventSchema).max(100);

const deliverySchema = z.looseObject({
  messageId: z.string().min(1),
  tag: z.string().nullish(),
  deliveryStatus: z.string().nullish(),
  deliveryStatusDetails: z.string().nullish(),
  receivedTimestamp: z.string().nullish(),
});
const receivedSchema = z.looseObject({
  from: z.string().min(1),
  message: z.string(),
  receivedTimestamp: z.string().nullish(),
});
const validationSchema = z.looseObject({ validationCode: z.string().min(1).max(200) });

const answer = (status: number, body?: unknown) =>
  body === undefined
    ? new Response(null, { status, headers: { "cache-control": "no-store" } })
    : Response.json(body, { status, headers: { "cache-control": "no-store" } });

function authorized(header: string | null, secret: string | null): boolean {
  if (!secret || !header) return false;
  const match = /^Bearer (.+)$/.exec(header);
  if (!match) return false;
  // equal-length digests: timingSafeEqual needs them, and the comparison reveals nothing about the length
  const given = crypto.createHash("sha256").update(match[1]!).digest();
  const expected = crypto.createHash("sha256").update(secret).digest();
  return crypto.timingSafeEqual(given, expected);
}

/** Delivered, or failed with ACS's words for why (no patient data in them: a status text). */
const delivered = (status: string | null | undefined) => (status ?? "").toLowerCase() === "delivered";

function at(value: string | null | undefined, fallback: Date): Date {
  const parsed = value ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : fallback;
}

export async function handleEventsRequest(request: Request, deps: EventsDeps): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_EVENTS_BODY_BYTES) return answer(413);
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_EVENTS_BODY_BYTES) return answer(413);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return answer(400, { error: { code: "BAD_REQUEST", message: "The body is not JSON." } });
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) return answer(400, { error: { code: "BAD_REQUEST", message: "Expected an array of events." } });
  const events = parsed.data;

  const validation = events.find((e) => e.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent");
  if (validation && request.headers.get("aeg-event-type") === "SubscriptionValidation") {
    const data = validationSchema.safeParse(validation.data);
    if (!data.success) return answer(400, { error: { code: "BAD_REQUEST", message: "No validation code." } });
    return answer(200, { validationResponse: data.data.validationCode });
  }

  if (!authorized(request.headers.get("authorization"), deps.secret)) {
    logger.warn({ events: events.length }, "SMS events refused: not authenticated");
    return answer(401, { error: { code: "UNAUTHENTICATED", message: "The events are not authenticated." } });
  }

  const now = deps.now?.() ?? new Date();
  let reports = 0;
  let replies = 0;
  let early = 0;
  for (const event of events) {
    if (event.eventType === "Microsoft.Communication.SMSDeliveryReportReceived") {
      const data = deliverySchema.safeParse(event.data);
      if (!data.success) continue;
      const outcome = await applyDeliveryReport(deps.db, {
        messageId: data.data.messageId,
        tag: data.data.tag ?? null,
        delivered: delivered(data.data.deliveryStatus),
        detail: delivered(data.data.deliveryStatus)
          ? null
          : [data.data.deliveryStatus, data.data.deliveryStatusDetails].filter(Boolean).join(": ") || null,
        at: at(data.data.receivedTimestamp, now),
      });
      if (outcome === "applied") reports++;
      if (outcome === "early") early++;
    } else if (event.eventType === "Microsoft.Communication.SMSReceived") {
      const data = receivedSchema.safeParse(event.data);
      if (!data.success) continue;
      replies += await applySmsReply(deps.db, {
        from: data.data.from,
        text: data.data.message,
        at: at(data.data.receivedTimestamp, now),
      });
    }
    // other event types (a subscription may carry more) are acknowledged and ignored
  }
  if (reports || replies) logger.info({ reports, optChanges: replies }, "SMS events applied");
  // a report that overtook our record of the send: Event Grid delivers the batch again (the rest is idempotent)
  if (early) return answer(503, { error: { code: "SERVICE_UNAVAILABLE", message: "Not ready for this report yet." } });
  return answer(200);
}
