// Writes on patient messages other than sending them (service.ts): reminders coming due, the sweep's
// catch-up, staff's "send again", delivery reports and opt-outs from SMS replies. Each takes an explicit
// actor or none (the system), never the session.
import "server-only";
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { MessageChannel, PrismaClient } from "@/lib/generated/prisma/client";
import { changeTemplateFor } from "./outbox";
import { INTERRUPTED_AFTER_MS } from "./service";

/**
 * Writes the reminder rows that came due: one per channel for each live appointment whose reminder time — the
 * day before, at `localTime` on the patient's own clock — has passed and whose start has not. A change told
 * the patient after that time already (a booking made the evening before) stands in for the reminder. The
 * unique key makes a second sweep a no-op. Returns the new rows' ids.
 */
export async function queueDueReminders(db: PrismaClient, localTime: string, now: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT a.id, a.version,
        ((date_trunc('day', a."startsAt" AT TIME ZONE p."timeZone") - interval '1 day' + ${localTime}::time)
          AT TIME ZONE p."timeZone") AS "dueAt"
      FROM "Appointment" a JOIN "Patient" p ON p.id = a."patientId"
      WHERE a.status IN ('BOOKED', 'CONFIRMED') AND a."startsAt" > ${now} AND a."startsAt" < ${now}::timestamptz + interval '2 days'
    )
    INSERT INTO "PatientMessage" ("id", "appointmentId", "appointmentVersion", "template", "channel", "updatedAt")
    SELECT gen_random_uuid(), due.id, due.version, 'REMINDER', channel, ${now}
    FROM due, unnest(ARRAY['EMAIL', 'SMS']::"MessageChannel"[]) AS channel
    WHERE due."dueAt" <= ${now}
      AND NOT EXISTS (
        SELECT 1 FROM "PatientMessage" m
        WHERE m."appointmentId" = due.id AND m."appointmentVersion" = due.version
          AND m.template IN ('BOOKED', 'RESCHEDULED') AND m."queuedAt" >= due."dueAt")
    ON CONFLICT DO NOTHING
    RETURNING id`;
  return rows.map((r) => r.id);
}

/** Rows waiting for a job now: new ones (whose first job may have been lost) and retries whose time came. */
export async function dueMessages(db: PrismaClient, now: Date, limit = 500) {
  return db.patientMessage.findMany({
    where: { state: "QUEUED", OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
    orderBy: { queuedAt: "asc" },
    take: limit,
    select: { id: true, attempts: true },
  });
}

/**
 * Rows a job claimed and never finished (its process died mid-send): FAILED, not sent again, since the
 * message may have gone. Staff see "interrupted" and can send it again.
 */
export async function closeInterrupted(db: PrismaClient, now: Date): Promise<number> {
  const stale = await db.patientMessage.findMany({
    where: { state: "SENDING", claimedAt: { lt: new Date(now.getTime() - INTERRUPTED_AFTER_MS) } },
    select: { id: true, appointmentId: true, channel: true, template: true },
  });
  for (const row of stale) {
    await db.$transaction(async (tx) => {
      const updated = await tx.patientMessage.updateMany({
        where: { id: row.id, state: "SENDING" },
        data: { state: "FAILED", detail: "interrupted" },
      });
      if (updated.count === 1)
        await recordAudit(
          tx,
          systemActor("patient-messages"),
          "message.send",
          { type: "Appointment", id: row.appointmentId },
          { messageId: row.id, channel: row.channel, template: row.template, outcome: "failed", detail: "interrupted" },
        );
    });
  }
  return stale.length;
}

/**
 * Staff's "send again": a new copy of the message for the appointment's current state, on the chosen channels.
 * Returns the new rows' ids (a channel whose copy raced another click is left out).
 */
export async function resendMessages(
  db: PrismaClient,
  actor: AuditActor & { id: string },
  appointmentId: string,
  channels: MessageChannel[],
): Promise<string[]> {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: { id: true, status: true, version: true },
  });
  if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
  if (appointment.status === "COMPLETED" || appointment.status === "NO_SHOW")
    throw new AppError("UNPROCESSABLE", "This appointment has taken place: there is nothing to tell the patient.");
  const template = changeTemplateFor(appointment);
  const ids: string[] = [];
  await db.$transaction(async (tx) => {
    for (const channel of channels) {
      const [row] = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO "PatientMessage" ("id", "appointmentId", "appointmentVersion", "template", "channel", "copy",
          "requestedById", "updatedAt")
        SELECT gen_random_uuid(), ${appointment.id}::uuid, ${appointment.version}, ${template}::"MessageTemplate",
          ${channel}::"MessageChannel", COALESCE(MAX(m.copy), 0) + 1, ${actor.id}::uuid, now()
        FROM "PatientMessage" m
        WHERE m."appointmentId" = ${appointment.id}::uuid AND m."appointmentVersion" = ${appointment.version}
          AND m.template = ${template}::"MessageTemplate" AND m.channel = ${channel}::"MessageChannel"
        ON CONFLICT DO NOTHING
        RETURNING id`;
      if (row) ids.push(row.id);
    }
    await recordAudit(
      tx,
      actor,
      "message.resend",
      { type: "Appointment", id: appointment.id },
      {
        channels,
        template,
      },
    );
  });
  return ids;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SMS delivery report (Event Grid): the carrier's verdict on a message ACS took. Found by ACS's message id, or
 * by the tag we sent (the row's id). "early": the report overtook our own record of the send (the row is still
 * SENDING), so the webhook asks Event Grid to deliver it again later.
 */
export async function applyDeliveryReport(
  db: PrismaClient,
  report: { messageId: string; tag: string | null; delivered: boolean; detail: string | null; at: Date },
): Promise<"applied" | "early" | "unknown"> {
  const byTag = report.tag && UUID.test(report.tag) ? [{ id: report.tag }] : [];
  const which = { OR: [{ providerMessageId: report.messageId }, ...byTag] };
  // only forward: a report never takes a message back to "sent", and a repeated report changes nothing
  const apply = () =>
    db.patientMessage.updateMany({
      where: { ...which, state: "SENT" },
      data: report.delivered
        ? { state: "DELIVERED", deliveredAt: report.at, detail: null }
        : { state: "FAILED", detail: report.detail ? `carrier:${report.detail}`.slice(0, 200) : "carrier:failed" },
    });
  if ((await apply()).count > 0) return "applied";
  const row = await db.patientMessage.findFirst({ where: which, select: { state: true } });
  if (row?.state === "SENDING") return "early";
  // our record of the send committed between the two reads: apply it now
  if (row?.state === "SENT" && (await apply()).count > 0) return "applied";
  return "unknown";
}

/** Keywords a patient texts back to stop, or to start again (Portuguese and English). */
const STOP_WORDS = new Set(["STOP", "PARE", "PARAR", "SAIR", "STOPALL", "UNSUBSCRIBE", "CANCELAR SMS", "END", "QUIT"]);
const START_WORDS = new Set(["START", "UNSTOP", "VOLTAR"]);

function replyKeyword(text: string): "stop" | "start" | null {
  const word = text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .trim()
    .toUpperCase()
    .replace(/[.!]+$/, "");
  if (STOP_WORDS.has(word)) return "stop";
  if (START_WORDS.has(word)) return "start";
  return null;
}

/**
 * A text from a patient's number: STOP (or PARAR, SAIR…) opts every patient with that number out of SMS;
 * START opts them back in. Anything else is not for us to read. Returns how many records changed.
 */
export async function applySmsReply(
  db: PrismaClient,
  reply: { from: string; text: string; at: Date },
): Promise<number> {
  const keyword = replyKeyword(reply.text);
  if (!keyword) return 0;
  const patients = await db.patient.findMany({
    where: { phone: reply.from, smsOptedOutAt: keyword === "stop" ? null : { not: null } },
    select: { id: true },
  });
  for (const patient of patients) {
    await db.$transaction(async (tx) => {
      await tx.patient.update({
        where: { id: patient.id },
        data: { smsOptedOutAt: keyword === "stop" ? reply.at : null },
      });
      await recordAudit(tx, systemActor("sms-reply"), keyword === "stop" ? "patient.sms.optout" : "patient.sms.optin", {
        type: "Patient",
        id: patient.id,
      });
    });
  }
  return patients.length;
}

/**
 * Staff record the patient's channels and consent (as the patient told them). Consent keeps its first date
 * while it stands; withdrawing clears it. The SMS opt-out is the patient's own (STOP/START) and is not set here.
 */
export async function updateContactSettings(
  db: PrismaClient,
  actor: AuditActor,
  input: {
    patientId: string;
    contactPreference: "BOTH" | "EMAIL" | "SMS" | "NONE";
    consent: boolean;
    /** no rescue calls (lib/rescue); left out = unchanged */
    callsDeclined?: boolean;
  },
  now: Date,
): Promise<void> {
  await db.$transaction(async (tx) => {
    const current = await tx.patient.findUnique({
      where: { id: input.patientId },
      select: { contactPreference: true, messageConsentAt: true, callsDeclinedAt: true },
    });
    if (!current) throw new AppError("NOT_FOUND", "This patient does not exist.");
    const changed = [
      ...(current.contactPreference !== input.contactPreference ? ["contactPreference"] : []),
      ...(Boolean(current.messageConsentAt) !== input.consent ? ["messageConsent"] : []),
      ...(input.callsDeclined !== undefined && Boolean(current.callsDeclinedAt) !== input.callsDeclined
        ? ["callsDeclined"]
        : []),
    ];
    if (changed.length === 0) return;
    await tx.patient.update({
      where: { id: input.patientId },
      data: {
        contactPreference: input.contactPreference,
        messageConsentAt: input.consent ? (current.messageConsentAt ?? now) : null,
        ...(input.callsDeclined !== undefined && {
          callsDeclinedAt: input.callsDeclined ? (current.callsDeclinedAt ?? now) : null,
        }),
      },
    });
    await recordAudit(tx, actor, "patient.update", { type: "Patient", id: input.patientId }, { changed });
  });
}
