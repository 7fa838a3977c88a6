// Sending one patient message: claim its row, decide whether it goes at all, render it in the patient's
// language and zone, hand it to Graph (e-mail) or ACS (SMS), record the outcome. Logs carry ids and codes
// only — never an address, a number or the text.
//
// Exactly once per row: the claim is a conditional update (QUEUED → SENDING), so two jobs for one row (a
// duplicate, a rerun) send it once. A refusal worth another try (429, 5xx, no answer) puts the row back to
// QUEUED with the next attempt after Retry-After, or after a growing backoff; the job queue runs it then.
// A process that dies between handing a message over and recording it leaves the row SENDING: the sweep marks
// it FAILED ("interrupted") after a while instead of sending it again — staff see it and can send it again.
import "server-only";
import type { SmsSender } from "@/lib/acs/sms";
import { SmsSendError } from "@/lib/acs/sms";
import { openJoinToken, patientLinkUrl } from "@/lib/appointments/join-token";
import { localizedTypeName } from "@/lib/appointment-types/schema";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import type { ClinicContact } from "@/lib/clinic-contact";
import type { MessageChannel, MessageTemplate, PrismaClient } from "@/lib/generated/prisma/client";
import { isGraphError, isTransientGraphFailure, type OutgoingMail } from "@/lib/graph";
import { logger } from "@/lib/logger";
import { appointmentIcs } from "./ics";
import { calendarEntryFor, renderEmail, renderSms, type MessageContext } from "./templates";

interface MailSender {
  send(mailbox: string, mail: OutgoingMail): Promise<void>;
}

/** What sending needs from outside; a channel that is not configured is null (its messages are skipped). */
export interface MessageTransports {
  mail: { sender: MailSender; mailbox: string } | null;
  sms: SmsSender | null;
  clinic: ClinicContact;
  /** the app's public address, for the patient's link */
  publicBaseUrl: string;
}

/** Attempts in all before a message that keeps being refused is given up as FAILED. */
export const MAX_ATTEMPTS = 6;
/** The first retry without a Retry-After waits this long, doubling each time. */
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 30 * 60_000;
/** A row claimed this long ago and still SENDING was interrupted (its process died). */
export const INTERRUPTED_AFTER_MS = 5 * 60_000;

const audit = systemActor("patient-messages");

/** Why a message was skipped or failed: codes the appointment page puts into words. */
export type SkipReason =
  "superseded" | "appointmentOver" | "noConsent" | "notWanted" | "noAddress" | "optedOut" | "notConfigured";

export type DeliveryOutcome =
  | { result: "sent" }
  | { result: "skipped"; reason: SkipReason }
  | { result: "failed"; detail: string }
  | { result: "retry"; at: Date; detail: string }
  | { result: "notClaimed" };

function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

interface Claimed {
  id: string;
  appointmentId: string;
  appointmentVersion: number;
  template: MessageTemplate;
  channel: MessageChannel;
  attempts: number;
}

async function claim(db: PrismaClient, messageId: string, now: Date): Promise<Claimed | null> {
  const [row] = await db.$queryRaw<Claimed[]>`
    UPDATE "PatientMessage"
    SET state = 'SENDING', attempts = attempts + 1, "claimedAt" = ${now}, "updatedAt" = ${now}
    WHERE id = ${messageId}::uuid AND state = 'QUEUED' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${now})
    RETURNING id, "appointmentId", "appointmentVersion", template, channel, attempts`;
  return row ?? null;
}

function loadAppointment(db: PrismaClient, appointmentId: string) {
  return db.appointment.findUnique({
    where: { id: appointmentId },
    select: {
      id: true,
      status: true,
      version: true,
      startsAt: true,
      endsAt: true,
      previousStartsAt: true,
      joinTokenSealed: true,
      clinician: { select: { name: true } },
      appointmentType: { select: { name: true, nameEn: true } },
      patient: {
        select: {
          firstName: true,
          email: true,
          phone: true,
          locale: true,
          timeZone: true,
          contactPreference: true,
          messageConsentAt: true,
          smsOptedOutAt: true,
        },
      },
    },
  });
}
type Appointment = NonNullable<Awaited<ReturnType<typeof loadAppointment>>>;

const live = (status: string) => status === "BOOKED" || status === "CONFIRMED";

/** Whether this message still has something to say, to someone who wants it on this channel. */
export function skipReason(
  message: Pick<Claimed, "template" | "channel" | "appointmentVersion">,
  appointment: Pick<Appointment, "status" | "version" | "startsAt" | "endsAt" | "patient">,
  transports: Pick<MessageTransports, "mail" | "sms">,
  now: Date,
): SkipReason | null {
  const { patient } = appointment;
  if (message.template === "CANCELLED") {
    if (appointment.status !== "CANCELLED") return "superseded";
  } else {
    // a newer change has its own message: this one would give an old time
    if (appointment.version !== message.appointmentVersion || !live(appointment.status)) return "superseded";
    if (appointment.endsAt <= now || (message.template === "REMINDER" && appointment.startsAt <= now))
      return "appointmentOver";
  }
  if (!patient.messageConsentAt) return "noConsent";
  const wanted = patient.contactPreference === "BOTH" || patient.contactPreference === message.channel;
  if (!wanted) return "notWanted";
  if (message.channel === "EMAIL") {
    if (!patient.email) return "noAddress";
    if (!transports.mail) return "notConfigured";
  } else {
    if (!patient.phone) return "noAddress";
    if (patient.smsOptedOutAt) return "optedOut";
    if (!transports.sms) return "notConfigured";
  }
  return null;
}

async function finish(
  db: PrismaClient,
  message: Claimed,
  now: Date,
  data: { state: "SENT" | "SKIPPED" | "FAILED"; detail: string | null; providerMessageId?: string },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.patientMessage.updateMany({
      where: { id: message.id, state: "SENDING" },
      data: {
        state: data.state,
        detail: data.detail,
        nextAttemptAt: null,
        ...(data.state === "SENT" ? { sentAt: now, providerMessageId: data.providerMessageId ?? null } : {}),
      },
    });
    // a message is an action on the patient's behalf through Microsoft's services: it is in the trail
    await recordAudit(
      tx,
      audit,
      "message.send",
      { type: "Appointment", id: message.appointmentId },
      {
        messageId: message.id,
        channel: message.channel,
        template: message.template,
        outcome: data.state.toLowerCase(),
        ...(data.detail ? { detail: data.detail } : {}),
      },
    );
  });
}

function mailFor(
  message: Claimed,
  appointment: Appointment,
  ctx: MessageContext,
  transports: MessageTransports,
): OutgoingMail {
  const rendered = renderEmail(message.template, ctx);
  const cancelled = message.template === "CANCELLED";
  const entry = calendarEntryFor(ctx, { id: appointment.id, version: appointment.version, cancelled });
  const ics = appointmentIcs(
    {
      ...entry,
      organizer: { name: transports.clinic.name, email: transports.mail!.mailbox },
      attendee: { name: appointment.patient.firstName, email: appointment.patient.email! },
    },
    cancelled ? "CANCEL" : "REQUEST",
  );
  return {
    subject: rendered.subject,
    html: rendered.html,
    to: { address: appointment.patient.email!, name: appointment.patient.firstName },
    attachments: [
      {
        name: "consulta.ics",
        contentType: `text/calendar; method=${cancelled ? "CANCEL" : "REQUEST"}; charset=utf-8`,
        content: Buffer.from(ics, "utf8"),
      },
    ],
  };
}

/** A refusal as transient (with its wait) or permanent, with a code for the record. */
function classify(error: unknown): { transient: boolean; detail: string; retryAfterSeconds?: number } | null {
  if (error instanceof SmsSendError)
    return { transient: error.kind === "transient", detail: error.code, retryAfterSeconds: error.retryAfterSeconds };
  if (isGraphError(error)) {
    return {
      transient: isTransientGraphFailure(error),
      detail: `graph:${error.status || "network"}:${error.code}`,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  return null;
}

export async function deliverMessage(
  db: PrismaClient,
  transports: MessageTransports,
  messageId: string,
  now: Date,
): Promise<DeliveryOutcome> {
  const message = await claim(db, messageId, now);
  if (!message) return { result: "notClaimed" };
  const appointment = await loadAppointment(db, message.appointmentId);
  if (!appointment) {
    await finish(db, message, now, { state: "SKIPPED", detail: "superseded" });
    return { result: "skipped", reason: "superseded" };
  }
  const reason = skipReason(message, appointment, transports, now);
  if (reason) {
    await finish(db, message, now, { state: "SKIPPED", detail: reason });
    return { result: "skipped", reason };
  }
  const token = openJoinToken(appointment.joinTokenSealed);
  if (!token) {
    // made before links were kept, or AUTH_SECRET changed: staff issue a new link, then send again
    await finish(db, message, now, { state: "FAILED", detail: "noLink" });
    return { result: "failed", detail: "noLink" };
  }
  const { patient } = appointment;
  const ctx: MessageContext = {
    locale: patient.locale,
    firstName: patient.firstName,
    clinicianName: appointment.clinician.name,
    typeName: localizedTypeName(appointment.appointmentType, patient.locale),
    startsAt: appointment.startsAt,
    endsAt: appointment.endsAt,
    zone: patient.timeZone,
    movedFrom: appointment.previousStartsAt,
    clinic: transports.clinic,
    link: patientLinkUrl(token, transports.publicBaseUrl),
  };
  try {
    let providerMessageId: string | undefined;
    if (message.channel === "EMAIL") {
      await transports.mail!.sender.send(transports.mail!.mailbox, mailFor(message, appointment, ctx, transports));
    } else {
      const sms = renderSms(message.template, ctx);
      ({ messageId: providerMessageId } = await transports.sms!.send({
        to: patient.phone!,
        text: sms.text,
        tag: message.id,
      }));
    }
    await finish(db, message, now, { state: "SENT", detail: null, providerMessageId });
    logger.info(
      { messageId: message.id, channel: message.channel, template: message.template },
      "patient message sent",
    );
    return { result: "sent" };
  } catch (error) {
    const refusal = classify(error);
    if (!refusal) {
      // not the service's answer (a bug, the database): the job queue retries the job, the sweep ends the row
      throw error;
    }
    if (refusal.transient && message.attempts < MAX_ATTEMPTS) {
      const waitMs =
        refusal.retryAfterSeconds !== undefined ? refusal.retryAfterSeconds * 1000 : backoffMs(message.attempts);
      const at = new Date(now.getTime() + waitMs);
      await db.patientMessage.updateMany({
        where: { id: message.id, state: "SENDING" },
        data: { state: "QUEUED", nextAttemptAt: at, detail: refusal.detail },
      });
      logger.warn(
        { messageId: message.id, detail: refusal.detail, retryAt: at },
        "patient message refused; retrying later",
      );
      return { result: "retry", at, detail: refusal.detail };
    }
    await finish(db, message, now, { state: "FAILED", detail: refusal.detail });
    logger.warn({ messageId: message.id, detail: refusal.detail }, "patient message failed");
    return { result: "failed", detail: refusal.detail };
  }
}
