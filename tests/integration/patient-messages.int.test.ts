import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAcsSmsSender } from "@/lib/acs/sms";
import { hashJoinToken } from "@/lib/appointments/join-token";
import { bookAppointment, rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { cancelAppointment } from "@/lib/appointments/mutations";
import { createAppGraph } from "@/lib/graph/gateway";
import { handleEventsRequest } from "@/lib/patient-messages/intake";
import {
  closeInterrupted,
  dueMessages,
  queueDueReminders,
  resendMessages,
  updateContactSettings,
} from "@/lib/patient-messages/mutations";
import { deliverMessage, MAX_ATTEMPTS, type MessageTransports } from "@/lib/patient-messages/service";
import { request } from "@/emulator/test/helpers";
import { databasePerFile, perFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";
import { addFault, clearFaults, startGraphTestEnv } from "./graph-helpers";

// Messages to patients end to end against the emulator: Graph sendMail from the clinic's mailbox, ACS SMS
// through Microsoft's SDK, delivery reports and STOP replies back through the app's webhook.

const SECRET = "integration-events-secret-0123456789abcdef";
const MAILBOX = "recepcao@aurora.example";
const CLINIC = { name: "Clínica Aurora", phone: "+551130000000", email: MAILBOX };

const database = databasePerFile();
const graph = perFile(() => startGraphTestEnv({}, { smsDeliveryDelayMs: 20, notificationRetryBaseMs: 20 }));
let transports: MessageTransports;
let webhook: http.Server;

beforeAll(async () => {
  // the app's webhook, as Next would serve it, for the emulator's Event Grid deliveries
  webhook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      void handleEventsRequest(
        new Request("http://app.test/api/messages/events", { method: "POST", headers, body: Buffer.concat(chunks) }),
        { db: database.db, secret: SECRET },
      ).then(async (answer) => {
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(await answer.text());
      });
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/api/messages/events`;
  await request(graph.emu, "PUT", "/_emulator/sms/events", {
    body: { url, headers: { Authorization: `Bearer ${SECRET}` } },
  });
  const app = createAppGraph({ ...graph.config, retry: { maxAttempts: 1 } });
  transports = {
    mail: { sender: app.mail, mailbox: MAILBOX },
    sms: createAcsSmsSender({
      connectionString: `endpoint=${graph.emu.url}/;accesskey=${graph.emu.messaging.acs.accessKey}`,
      from: graph.emu.messaging.acs.phoneNumbers[0]!,
      ca: graph.emu.ca,
    }),
    clinic: CLINIC,
    publicBaseUrl: "https://consulta.example",
  };
});
afterAll(async () => {
  await new Promise((resolve) => webhook?.close(resolve));
});

const now = new Date("2030-06-01T12:00:00Z");
const later = (ms: number) => new Date(now.getTime() + ms);

let setup: Promise<{ typeId: string; clinicianId: string; staffId: string }> | undefined;
function clinic() {
  setup ??= (async () => {
    const { db } = database;
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id);
    const staff = await createUser(db, { role: "STAFF" });
    return { typeId: type.id, clinicianId: clinician.id, staffId: staff.id };
  })();
  return setup;
}

let phoneCounter = 0;
/** A patient who agreed to messages on both channels, with an address and a number of their own. */
async function consentingPatient(overrides: { locale?: string; timeZone?: string } = {}) {
  const { db } = database;
  const phone = `+55119876${String(54000 + phoneCounter++).padStart(5, "0")}`;
  const patient = await createPatient(db, { phone });
  return db.patient.update({
    where: { id: patient.id },
    data: { messageConsentAt: now, contactPreference: "BOTH", ...overrides },
  });
}

async function book(patientId: string, startIso: string) {
  const { typeId, clinicianId, staffId } = await clinic();
  const actor = { id: staffId, label: "staff" };
  const booked = await bookAppointment(
    database.db,
    actor,
    {
      clinicianId,
      appointmentTypeId: typeId,
      patientId,
      startsAt: new Date(startIso),
      idempotencyKey: `k-${crypto.randomUUID()}`,
    },
    now,
  );
  return { ...booked, actor };
}

const rows = (appointmentId: string) =>
  database.db.patientMessage.findMany({
    where: { appointmentId },
    orderBy: [{ appointmentVersion: "asc" }, { channel: "asc" }],
  });
const mailTo = (address: string) => graph.emu.messaging.outbox.mailTo(address);
const smsTo = (phone: string) => graph.emu.messaging.outbox.smsWith(phone).filter((s) => s.direction === "outgoing");
const icsOf = (mail: { attachments: { content: Buffer }[] }) =>
  mail.attachments[0]!.content.toString("utf8").replace(/\r?\n[ \t]/g, "");

async function deliverAll(appointmentId: string, at = now) {
  const queued = (await rows(appointmentId)).filter((r) => r.state === "QUEUED");
  return Promise.all(queued.map((r) => deliverMessage(database.db, transports, r.id, at)));
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("messages on every change", () => {
  it("tells the patient about a booking by e-mail and SMS, in their language, with the link and a calendar invitation", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-03T13:00:00Z");
    const outcomes = await deliverAll(booked.appointmentId);
    expect(outcomes.map((o) => o.result)).toEqual(["sent", "sent"]);

    const link = `https://consulta.example/j/${booked.joinToken}`;
    const [mail] = mailTo(patient.email!);
    expect(mail).toMatchObject({ from: MAILBOX, bodyType: "html" });
    // 13:00Z is 10:00 in São Paulo, the patient's zone (the tests run in Kathmandu)
    expect(mail!.subject.replace(/\s/g, " ")).toBe(
      "Consulta agendada: segunda-feira, 3 de junho de 2030 10:00 – 10:30",
    );
    expect(mail!.body).toContain(link);
    expect(mail!.body).toContain("Clínica Aurora");
    const ics = icsOf(mail!);
    expect(ics).toContain("METHOD:REQUEST");
    expect(ics).toContain(`UID:${booked.appointmentId}@consulta`);
    expect(ics).toContain("SEQUENCE:0");
    expect(ics).toContain("DTSTART:20300603T130000Z");
    expect(ics).toContain("BEGIN:VALARM");

    const [sms] = smsTo(patient.phone!);
    expect(sms!.text).toContain(link);
    expect(sms!.text).toContain("10:00");
    expect(sms!.encoding).toBe("GSM-7");
    // the record keeps template, channel, state and times, never the text or where it went
    const stored = await rows(booked.appointmentId);
    expect(stored.map((r) => [r.template, r.channel])).toEqual([
      ["BOOKED", "EMAIL"],
      ["BOOKED", "SMS"],
    ]);
    expect(stored[0]!.state).toBe("SENT");
    // the SMS may be delivered already: the report comes back fast
    expect(["SENT", "DELIVERED"]).toContain(stored[1]!.state);
    expect(JSON.stringify(stored)).not.toContain(patient.email!);
    expect(JSON.stringify(stored)).not.toContain(booked.joinToken!);

    // the carrier's report comes back through the webhook: the SMS is delivered
    const smsRow = await eventually(
      () =>
        database.db.patientMessage.findFirstOrThrow({ where: { appointmentId: booked.appointmentId, channel: "SMS" } }),
      (row) => row.state === "DELIVERED",
      "the delivery report",
    );
    expect(smsRow.deliveredAt).not.toBeNull();
    // a message sent for a patient is in the trail, without its content
    const audit = await database.db.auditLog.findMany({
      where: { entityId: booked.appointmentId, action: "message.send" },
    });
    expect(audit.map((a) => (a.details as { outcome: string }).outcome).sort()).toEqual(["sent", "sent"]);
  });

  it("sends each message once per version and channel, however many times its job runs", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-03T14:00:00Z");
    const ids = (await rows(booked.appointmentId)).map((r) => r.id);
    // the same jobs run three times at once, then once more
    const outcomes = await Promise.all(
      ids.flatMap((id) => [1, 2, 3].map(() => deliverMessage(database.db, transports, id, now))),
    );
    expect(outcomes.filter((o) => o.result === "sent")).toHaveLength(2);
    expect(outcomes.filter((o) => o.result === "notClaimed")).toHaveLength(4);
    for (const id of ids)
      expect((await deliverMessage(database.db, transports, id, later(60_000))).result).toBe("notClaimed");
    expect(mailTo(patient.email!)).toHaveLength(1);
    expect(smsTo(patient.phone!)).toHaveLength(1);
  });

  it("tells about a new time with the same link and a raised SEQUENCE, and drops the older version's unsent messages", async () => {
    const patient = await consentingPatient({ locale: "en", timeZone: "America/New_York" });
    const booked = await book(patient.id, "2030-06-04T13:00:00Z");
    // moved before the booking's messages went out: those would give the old time
    await rescheduleAppointment(
      database.db,
      booked.actor,
      {
        appointmentId: booked.appointmentId,
        startsAt: new Date("2030-06-04T15:00:00Z"),
        idempotencyKey: `m-${crypto.randomUUID()}`,
      },
      now,
    );
    await deliverAll(booked.appointmentId);
    const stored = await rows(booked.appointmentId);
    expect(
      stored.map((r) =>
        `${r.appointmentVersion} ${r.template} ${r.channel} ${r.state.replace("DELIVERED", "SENT")} ${r.detail ?? ""}`.trim(),
      ),
    ).toEqual([
      "1 BOOKED EMAIL SKIPPED superseded",
      "1 BOOKED SMS SKIPPED superseded",
      "2 RESCHEDULED EMAIL SENT",
      "2 RESCHEDULED SMS SENT",
    ]);
    const [mail] = mailTo(patient.email!);
    // English, New York time (15:00Z = 11:00 EDT)
    expect(mail!.subject.replace(/\s/g, " ")).toBe("Appointment moved to Tuesday, June 4, 2030, 11:00 – 11:30 AM");
    expect(mail!.body).toContain(`https://consulta.example/j/${booked.joinToken}`);
    const ics = icsOf(mail!);
    expect(ics).toContain("SEQUENCE:1");
    expect(ics).toContain(`UID:${booked.appointmentId}@consulta`);
    expect(smsTo(patient.phone!)[0]!.text).toContain("has moved to Tue, Jun 4, 11:00 AM");
    // the link the patient already has still works
    const linked = await database.db.appointment.findUnique({
      where: { joinTokenHash: hashJoinToken(booked.joinToken!) },
    });
    expect(linked?.id).toBe(booked.appointmentId);
  });

  it("tells about a cancellation with METHOD:CANCEL and the clinic's phone", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-05T13:00:00Z");
    await deliverAll(booked.appointmentId);
    await cancelAppointment(database.db, booked.actor, booked.appointmentId, now, { enforceCutoff: false });
    await deliverAll(booked.appointmentId, later(1000));
    const mails = mailTo(patient.email!);
    expect(mails).toHaveLength(2);
    const cancelled = mails[1]!;
    expect(cancelled.subject).toMatch(/^Consulta cancelada:/);
    expect(cancelled.body).toContain("ligue para Clínica Aurora: +55 11 3000 0000");
    const ics = icsOf(cancelled);
    expect(ics).toContain("METHOD:CANCEL");
    expect(ics).toContain("STATUS:CANCELLED");
    expect(ics).toContain("SEQUENCE:1");
    expect(smsTo(patient.phone!)[1]!.text).toContain("foi cancelada. Para remarcar ligue +551130000000.");
  });
});

describe("who gets what", () => {
  it("sends nothing without consent, and only the chosen channel", async () => {
    const { db } = database;
    const unconsented = await createPatient(db, { phone: "+5511987659901" });
    const a = await book(unconsented.id, "2030-06-06T13:00:00Z");
    expect((await deliverAll(a.appointmentId)).map((o) => o.result)).toEqual(["skipped", "skipped"]);
    expect((await rows(a.appointmentId)).map((r) => r.detail)).toEqual(["noConsent", "noConsent"]);

    const emailOnly = await consentingPatient();
    await db.patient.update({ where: { id: emailOnly.id }, data: { contactPreference: "EMAIL" } });
    const b = await book(emailOnly.id, "2030-06-06T14:00:00Z");
    await deliverAll(b.appointmentId);
    expect(
      (await rows(b.appointmentId)).map((r) =>
        `${r.channel} ${r.state.replace("DELIVERED", "SENT")} ${r.detail ?? ""}`.trim(),
      ),
    ).toEqual(["EMAIL SENT", "SMS SKIPPED notWanted"]);
    expect(smsTo(emailOnly.phone!)).toHaveLength(0);
  });

  it("sends no SMS to a patient who texted STOP, and says so; e-mail still goes", async () => {
    const patient = await consentingPatient();
    // the patient answers an earlier text with STOP: Event Grid brings it to the webhook
    const reply = await request(graph.emu, "POST", "/_emulator/sms/replies", {
      body: { from: patient.phone, text: "stop" },
    });
    expect(reply.status).toBe(201);
    await eventually(
      () => database.db.patient.findUniqueOrThrow({ where: { id: patient.id } }),
      (p) => p.smsOptedOutAt !== null,
      "the opt-out",
    );
    const booked = await book(patient.id, "2030-06-06T15:00:00Z");
    await deliverAll(booked.appointmentId);
    expect(
      (await rows(booked.appointmentId)).map((r) =>
        `${r.channel} ${r.state.replace("DELIVERED", "SENT")} ${r.detail ?? ""}`.trim(),
      ),
    ).toEqual(["EMAIL SENT", "SMS SKIPPED optedOut"]);
    expect(smsTo(patient.phone!)).toHaveLength(0);
    expect(await database.db.auditLog.count({ where: { entityId: patient.id, action: "patient.sms.optout" } })).toBe(1);

    // START opts back in
    await request(graph.emu, "POST", "/_emulator/sms/replies", { body: { from: patient.phone, text: "START" } });
    await eventually(
      () => database.db.patient.findUniqueOrThrow({ where: { id: patient.id } }),
      (p) => p.smsOptedOutAt === null,
      "the opt-in",
    );
  });

  it("records a delivery the carrier reports failed, with its reason", async () => {
    const patient = await consentingPatient();
    await request(graph.emu, "PUT", `/_emulator/sms/phones/${encodeURIComponent(patient.phone!)}`, {
      body: { delivery: "failed" },
    });
    const booked = await book(patient.id, "2030-06-06T16:00:00Z");
    await deliverAll(booked.appointmentId);
    const sms = await eventually(
      () =>
        database.db.patientMessage.findFirstOrThrow({ where: { appointmentId: booked.appointmentId, channel: "SMS" } }),
      (row) => row.state === "FAILED",
      "the failed report",
    );
    expect(sms.detail).toMatch(/^carrier:Failed: /);
  });
});

describe("refusals are retried after Retry-After", () => {
  let slot = 2;
  it.each([
    [
      "Graph sendMail",
      "EMAIL",
      "/v1.0/users/*/sendMail",
      { type: "throttle", retryAfterSeconds: 7 },
      7_000,
      "graph:429:TooManyRequests",
    ],
    [
      "Graph sendMail",
      "EMAIL",
      "/v1.0/users/*/sendMail",
      { type: "unavailable", retryAfterSeconds: 4 },
      4_000,
      "graph:503:serviceNotAvailable",
    ],
    ["ACS SMS", "SMS", "/sms", { type: "throttle", retryAfterSeconds: 9 }, 9_000, "acs:429"],
    ["ACS SMS", "SMS", "/sms", { type: "unavailable", retryAfterSeconds: 3 }, 3_000, "acs:503"],
  ] as const)(
    "%s answering %o is tried again once its wait is over",
    async (_service, channel, path, action, waitMs, detail) => {
      const patient = await consentingPatient();
      const booked = await book(patient.id, `2030-06-07T1${++slot}:00:00Z`);
      const row = (await rows(booked.appointmentId)).find((r) => r.channel === channel)!;
      await addFault(graph.emu, { path, action, count: 1 });
      try {
        const first = await deliverMessage(database.db, transports, row.id, now);
        expect(first).toMatchObject({ result: "retry", detail: expect.stringContaining(detail) });
        const waiting = await database.db.patientMessage.findUniqueOrThrow({ where: { id: row.id } });
        expect(waiting).toMatchObject({ state: "QUEUED", attempts: 1 });
        expect(waiting.nextAttemptAt?.getTime()).toBe(now.getTime() + waitMs);
        // not before its time: neither the job nor the sweep takes it
        expect((await deliverMessage(database.db, transports, row.id, later(waitMs - 1000))).result).toBe("notClaimed");
        expect((await dueMessages(database.db, later(waitMs - 1000))).map((m) => m.id)).not.toContain(row.id);
        expect((await dueMessages(database.db, later(waitMs))).map((m) => m.id)).toContain(row.id);
        expect((await deliverMessage(database.db, transports, row.id, later(waitMs))).result).toBe("sent");
      } finally {
        await clearFaults(graph.emu);
      }
      const sent = channel === "EMAIL" ? mailTo(patient.email!) : smsTo(patient.phone!);
      expect(sent).toHaveLength(1);
    },
  );

  it("backs off when there is no Retry-After, and gives up after the last attempt", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-07T18:00:00Z");
    const row = (await rows(booked.appointmentId)).find((r) => r.channel === "SMS")!;
    await addFault(graph.emu, { path: "/sms", action: { type: "unavailable" }, count: 0 });
    try {
      let at = now;
      const waits: number[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const outcome = await deliverMessage(database.db, transports, row.id, at);
        if (outcome.result !== "retry") {
          expect(attempt).toBe(MAX_ATTEMPTS);
          expect(outcome).toMatchObject({ result: "failed", detail: expect.stringMatching(/^acs:503/) });
          break;
        }
        waits.push(outcome.at.getTime() - at.getTime());
        at = outcome.at;
      }
      expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    } finally {
      await clearFaults(graph.emu);
    }
    expect((await database.db.patientMessage.findUniqueOrThrow({ where: { id: row.id } })).state).toBe("FAILED");
    expect(smsTo(patient.phone!)).toHaveLength(0);
  });

  it("fails at once on a refusal that will not change (a mailbox outside the access policy)", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-07T19:00:00Z");
    const row = (await rows(booked.appointmentId)).find((r) => r.channel === "EMAIL")!;
    await request(graph.emu, "PUT", "/_emulator/mail-access-policy", { body: { allowAll: false, mailboxes: [] } });
    try {
      expect(await deliverMessage(database.db, transports, row.id, now)).toEqual({
        result: "failed",
        detail: "graph:403:ErrorAccessDenied",
      });
    } finally {
      await request(graph.emu, "PUT", "/_emulator/mail-access-policy", { body: { mailboxes: [MAILBOX] } });
    }
  });
});

describe("the sweep", () => {
  it("queues the reminder the day before at the set time of the patient's day, once per version", async () => {
    const { db } = database;
    const patient = await consentingPatient({ timeZone: "America/Sao_Paulo" });
    // booked on 1 June for 3 June 10:00 São Paulo; the reminder is due 2 June at 10:00 there (13:00Z)
    const booked = await book(patient.id, "2030-06-03T16:00:00Z");
    expect(await queueDueReminders(db, "10:00", new Date("2030-06-02T12:59:00Z"))).not.toContainEqual(
      expect.anything(),
    );
    const due = await queueDueReminders(db, "10:00", new Date("2030-06-02T13:00:00Z"));
    const reminders = await db.patientMessage.findMany({
      where: { appointmentId: booked.appointmentId, template: "REMINDER" },
    });
    expect(reminders.map((r) => r.channel).sort()).toEqual(["EMAIL", "SMS"]);
    expect(due).toEqual(expect.arrayContaining(reminders.map((r) => r.id)));
    expect(await queueDueReminders(db, "10:00", new Date("2030-06-02T14:00:00Z"))).not.toEqual(
      expect.arrayContaining(reminders.map((r) => r.id)),
    );
    const outcome = await deliverMessage(
      db,
      transports,
      reminders.find((r) => r.channel === "SMS")!.id,
      new Date("2030-06-02T13:00:00Z"),
    );
    expect(outcome.result).toBe("sent");
    expect(smsTo(patient.phone!).at(-1)!.text).toContain("lembrete da sua consulta");
  });

  it("lets a booking made after the reminder time stand in for the reminder", async () => {
    const { db } = database;
    const patient = await consentingPatient();
    // booked 1 June 12:00Z for 2 June: its reminder time (1 June 13:00Z… here 10:00 on 1 June = 13:00Z) is later
    const booked = await book(patient.id, "2030-06-02T17:00:00Z");
    await db.patientMessage.updateMany({
      where: { appointmentId: booked.appointmentId },
      data: { queuedAt: new Date("2030-06-01T13:30:00Z") },
    });
    await queueDueReminders(db, "10:00", new Date("2030-06-01T14:00:00Z"));
    expect(
      await db.patientMessage.count({ where: { appointmentId: booked.appointmentId, template: "REMINDER" } }),
    ).toBe(0);
  });

  it("closes a send that was interrupted instead of sending it again", async () => {
    const { db } = database;
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-08T13:00:00Z");
    const row = (await rows(booked.appointmentId))[0]!;
    await db.patientMessage.update({ where: { id: row.id }, data: { state: "SENDING", claimedAt: now, attempts: 1 } });
    expect(await closeInterrupted(db, later(60_000))).toBe(0);
    expect(await closeInterrupted(db, later(6 * 60_000))).toBe(1);
    expect(await db.patientMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      state: "FAILED",
      detail: "interrupted",
    });
  });
});

describe("staff send again", () => {
  it("adds a copy of the current message and sends it", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-08T14:00:00Z");
    await deliverAll(booked.appointmentId);
    const [copy] = await resendMessages(database.db, booked.actor, booked.appointmentId, ["EMAIL"]);
    expect((await deliverMessage(database.db, transports, copy!, later(1000))).result).toBe("sent");
    expect(mailTo(patient.email!)).toHaveLength(2);
    const again = await database.db.patientMessage.findUniqueOrThrow({ where: { id: copy! } });
    expect(again).toMatchObject({ template: "BOOKED", channel: "EMAIL", copy: 1, requestedById: booked.actor.id });
  });
});

describe("contact settings", () => {
  it("records consent once with its date, keeps it through a change of channels, and clears it when withdrawn", async () => {
    const { db } = database;
    const patient = await createPatient(db);
    const actor = { id: null, label: "Carla Mendes (staff)" };
    await updateContactSettings(db, actor, { patientId: patient.id, contactPreference: "BOTH", consent: true }, now);
    await updateContactSettings(
      db,
      actor,
      { patientId: patient.id, contactPreference: "SMS", consent: true },
      later(60_000),
    );
    let saved = await db.patient.findUniqueOrThrow({ where: { id: patient.id } });
    expect(saved).toMatchObject({ contactPreference: "SMS", messageConsentAt: now });
    await updateContactSettings(
      db,
      actor,
      { patientId: patient.id, contactPreference: "SMS", consent: false },
      later(120_000),
    );
    saved = await db.patient.findUniqueOrThrow({ where: { id: patient.id } });
    expect(saved.messageConsentAt).toBeNull();
    const audit = await db.auditLog.findMany({
      where: { entityId: patient.id, action: "patient.update" },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => (a.details as { changed: string[] }).changed)).toEqual([
      ["messageConsent"],
      ["contactPreference"],
      ["messageConsent"],
    ]);
  });
});

describe("the events webhook", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    handleEventsRequest(
      new Request("http://app.test/api/messages/events", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
      { db: database.db, secret: SECRET },
    );

  it("refuses events without the subscription's secret", async () => {
    const stop = [
      { id: "1", eventType: "Microsoft.Communication.SMSReceived", data: { from: "+5511987659999", message: "STOP" } },
    ];
    expect((await post(stop)).status).toBe(401);
    expect((await post(stop, { authorization: "Bearer wrong-secret" })).status).toBe(401);
    expect((await post(stop, { authorization: `Bearer ${SECRET}` })).status).toBe(200);
  });

  it("answers Event Grid's validation handshake with its code", async () => {
    const res = await post(
      [
        {
          id: "v",
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
        },
      ],
      { "aeg-event-type": "SubscriptionValidation" },
    );
    expect(await res.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
  });

  it("asks for a report again when it overtook our record of the send, and applies it once", async () => {
    const patient = await consentingPatient();
    const booked = await book(patient.id, "2030-06-08T15:00:00Z");
    const row = (await rows(booked.appointmentId)).find((r) => r.channel === "SMS")!;
    await database.db.patientMessage.update({ where: { id: row.id }, data: { state: "SENDING", claimedAt: now } });
    const report = [
      {
        id: crypto.randomUUID(),
        eventType: "Microsoft.Communication.SMSDeliveryReportReceived",
        data: { messageId: "Outgoing_test_noam", tag: row.id, deliveryStatus: "Delivered" },
      },
    ];
    const auth = { authorization: `Bearer ${SECRET}` };
    expect((await post(report, auth)).status).toBe(503);
    await database.db.patientMessage.update({
      where: { id: row.id },
      data: { state: "SENT", providerMessageId: "Outgoing_test_noam" },
    });
    expect((await post(report, auth)).status).toBe(200);
    expect((await post(report, auth)).status).toBe(200);
    expect(await database.db.patientMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      state: "DELIVERED",
    });
  });

  it("refuses a body that is not an array of events", async () => {
    expect((await post({ not: "events" }, { authorization: `Bearer ${SECRET}` })).status).toBe(400);
  });
});
