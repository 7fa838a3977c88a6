import { z } from "zod";
import { HttpError, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import { acsMessageId, checkAcsSignature, type AcsResource } from "./acs";
import { smsEvent, type EventPublisher } from "./events";
import type { Outbox, StoredSms } from "./outbox";

// ACS SMS (emulator/CONTRACT.md#acs-sms): POST /sms?api-version=2021-03-07, signed with the resource's access key.
// 202 with one result per recipient; a recipient that cannot get the text (not a phone number, opted out) is a
// failed result inside the 202, as in ACS. With enableDeliveryReport the carrier's verdict follows as an Event
// Grid event; a simulated phone decides it (PUT /_emulator/sms/phones/{number}). A text back from a phone
// (POST /_emulator/sms/replies) arrives as an SMSReceived event; STOP opts the number out of the resource's
// texts and START opts it back in, as ACS does for its numbers.

const SMS_API_VERSIONS = new Set(["2021-03-07", "2024-12-10-preview", "2025-05-29-preview"]);

const E164 = /^\+[1-9]\d{6,14}$/;

const sendSchema = z.object({
  from: z.string().min(1),
  smsRecipients: z
    .array(
      z.looseObject({
        to: z.string(),
        repeatabilityRequestId: z.string().nullish(),
        repeatabilityFirstSent: z.string().nullish(),
      }),
    )
    .min(1)
    .max(100),
  message: z.string().min(1).max(2048),
  smsSendOptions: z
    .looseObject({ enableDeliveryReport: z.boolean().nullish(), tag: z.string().max(1000).nullish() })
    .nullish(),
});

interface PhoneBehaviour {
  /** what the carrier reports back: delivered (default), failed, or nothing at all */
  delivery: "delivered" | "failed" | "none";
}

export interface SmsState {
  resource: AcsResource;
  /** "resource number → phone" pairs that answered STOP */
  optedOut: Set<string>;
  phones: Map<string, PhoneBehaviour>;
  /** repeatabilityRequestId → the message id ACS gave, so a retried request is answered without sending twice */
  repeatability: Map<string, string>;
  deliveryDelayMs: () => number;
}

const acsError = (status: number, code: string, message: string) => new HttpError(status, code, message);

const STOP_KEYWORDS = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "PARAR", "PARE", "SAIR"]);
const START_KEYWORDS = new Set(["START", "UNSTOP"]);

function optOutKey(resourceNumber: string, phone: string): string {
  return `${resourceNumber}→${phone}`;
}

export function registerSmsRoutes(
  router: Router,
  deps: { outbox: Outbox; state: SmsState; events: EventPublisher },
): void {
  const { outbox, state, events } = deps;

  function report(sms: StoredSms): void {
    const behaviour = state.phones.get(sms.to)?.delivery ?? "delivered";
    if (behaviour === "none") return;
    const delivered = behaviour === "delivered";
    sms.delivery = delivered ? "delivered" : "failed";
    sms.deliveryDetail = delivered ? "No error." : "Unreachable destination: the handset did not accept the message.";
    const now = new Date().toISOString();
    events.publish(
      smsEvent("SMSDeliveryReportReceived", `/phonenumber/${sms.to}`, {
        messageId: sms.messageId,
        from: sms.from,
        to: sms.to,
        deliveryStatus: delivered ? "Delivered" : "Failed",
        deliveryStatusDetails: sms.deliveryDetail,
        deliveryAttempts: [
          {
            timestamp: now,
            segmentsSucceeded: delivered ? sms.segments : 0,
            segmentsFailed: delivered ? 0 : sms.segments,
          },
        ],
        receivedTimestamp: now,
        ...(sms.tag ? { tag: sms.tag } : {}),
      }),
      state.deliveryDelayMs(),
    );
  }

  router.on("POST", "/sms", async (ctx: RequestContext) => {
    const raw = await ctx.rawBody();
    const signature = checkAcsSignature(ctx, raw, state.resource.accessKey);
    if (!signature.ok) throw acsError(401, "Denied", `Denied by the resource provider. ${signature.reason}.`);
    const version = ctx.url.searchParams.get("api-version");
    if (!version || !SMS_API_VERSIONS.has(version))
      throw acsError(400, "InvalidApiVersion", `The api-version '${version ?? ""}' is not supported.`);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      throw acsError(400, "BadRequest", "The request body is not valid JSON.");
    }
    const parsed = sendSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw acsError(
        400,
        "BadRequest",
        `Invalid request: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const body = parsed.data;
    if (!state.resource.phoneNumbers.includes(body.from))
      throw acsError(400, "BadRequest", `The from number '${body.from}' is not owned by this resource.`);
    const wantsReport = body.smsSendOptions?.enableDeliveryReport === true;
    const value = body.smsRecipients.map((recipient) => {
      const repeated = recipient.repeatabilityRequestId
        ? state.repeatability.get(recipient.repeatabilityRequestId)
        : undefined;
      if (repeated)
        return {
          to: recipient.to,
          messageId: repeated,
          httpStatusCode: 202,
          repeatabilityResult: "accepted",
          successful: true,
        };
      if (!E164.test(recipient.to))
        return {
          to: recipient.to,
          httpStatusCode: 400,
          errorMessage: "Invalid To phone number format.",
          successful: false,
        };
      if (state.optedOut.has(optOutKey(body.from, recipient.to)))
        return {
          to: recipient.to,
          httpStatusCode: 400,
          errorMessage: "The recipient has opted out of messages from this number.",
          successful: false,
        };
      const messageId = acsMessageId("Outgoing");
      if (recipient.repeatabilityRequestId) state.repeatability.set(recipient.repeatabilityRequestId, messageId);
      const sms = outbox.addSms({
        direction: "outgoing",
        messageId,
        from: body.from,
        to: recipient.to,
        text: body.message,
        tag: body.smsSendOptions?.tag ?? null,
        delivery: wantsReport ? "pending" : "notRequested",
        deliveryDetail: null,
      });
      if (wantsReport) report(sms);
      return { to: recipient.to, messageId, httpStatusCode: 202, repeatabilityResult: "accepted", successful: true };
    });
    sendJson(ctx, 202, { value });
  });
}

/** A text from a phone to one of the resource's numbers: kept, published, and STOP/START applied. */
export function receiveSms(
  deps: { outbox: Outbox; state: SmsState; events: EventPublisher },
  reply: { from: string; to: string; text: string },
): StoredSms {
  const keyword = reply.text.trim().toUpperCase();
  if (STOP_KEYWORDS.has(keyword)) deps.state.optedOut.add(optOutKey(reply.to, reply.from));
  if (START_KEYWORDS.has(keyword)) deps.state.optedOut.delete(optOutKey(reply.to, reply.from));
  const sms = deps.outbox.addSms({
    direction: "incoming",
    messageId: acsMessageId("Incoming"),
    from: reply.from,
    to: reply.to,
    text: reply.text,
    tag: null,
    delivery: "notRequested",
    deliveryDetail: null,
  });
  deps.events.publish(
    smsEvent("SMSReceived", `/phonenumber/${reply.to}`, {
      messageId: sms.messageId,
      from: reply.from,
      to: reply.to,
      message: reply.text,
      receivedTimestamp: sms.receivedAt,
    }),
  );
  return sms;
}
