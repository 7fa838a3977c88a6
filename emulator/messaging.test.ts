import http from "node:http";
import type { AddressInfo } from "node:net";
import { SmsClient } from "@azure/communication-sms";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { appToken, request, startTestEmulator, userSignIn } from "./test/helpers";

// The clinic's mailbox (Graph sendMail) and ACS SMS, driven as the app drives them: raw Graph requests with an
// application token, and Microsoft's own SMS SDK signing with the resource's key.

interface Received {
  headers: http.IncomingHttpHeaders;
  events: { eventType: string; data: Record<string, unknown> }[];
}

let emu: RunningEmulator;
let token: string;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
const SECRET = "events-secret-for-the-test-0123456789";
const PATIENT = "+5511987650001";

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, events: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  emu = await startTestEmulator({
    smsEventsUrl: receiverUrl,
    smsEventsSecret: SECRET,
    limits: { smsDeliveryDelayMs: 10 },
  });
  token = await appToken(emu);
});
afterAll(async () => {
  await emu?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});
beforeEach(async () => {
  await request(emu, "POST", "/_emulator/reset");
  received.length = 0;
});

const mailbox = "recepcao@aurora.example";
const message = (overrides: Record<string, unknown> = {}) => ({
  subject: "Consulta agendada",
  body: { contentType: "HTML", content: "<p>Olá, Maria</p>" },
  toRecipients: [{ emailAddress: { address: "maria.silva@mail.example", name: "Maria" } }],
  attachments: [
    {
      "@odata.type": "#microsoft.graph.fileAttachment",
      name: "consulta.ics",
      contentType: "text/calendar; method=REQUEST",
      contentBytes: Buffer.from("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").toString("base64"),
    },
  ],
  ...overrides,
});
const sendMail = (body: unknown, as = mailbox, bearer = token) =>
  request(emu, "POST", `/v1.0/users/${encodeURIComponent(as)}/sendMail`, { body, token: bearer });

describe("sendMail", () => {
  it("answers 202 with no body and puts the message, attachment included, in the recipient's outbox", async () => {
    const res = await sendMail({ message: message(), saveToSentItems: "false" });
    expect(res.status).toBe(202);
    expect(res.text).toBe("");
    const outbox = await request(emu, "GET", "/_emulator/outbox/mail?to=maria.silva@mail.example");
    expect(outbox.json.value).toHaveLength(1);
    const [mail] = outbox.json.value;
    expect(mail).toMatchObject({
      from: mailbox,
      subject: "Consulta agendada",
      bodyType: "html",
      saveToSentItems: false,
    });
    expect(mail.attachments[0]).toMatchObject({ name: "consulta.ics", text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" });
    const file = await request(emu, "GET", `/_emulator/outbox/mail/${mail.id}/attachments/0`);
    expect(file.text).toContain("BEGIN:VCALENDAR");
  });

  it.each([
    ["no message", {}, "ErrorInvalidRequest"],
    ["a parameter sendMail does not declare", { message: message(), importance: "high" }, "BadRequest"],
    ["no recipient", { message: message({ toRecipients: [] }) }, "ErrorInvalidRecipients"],
    [
      "a recipient that is not an address",
      { message: message({ toRecipients: [{ emailAddress: { address: "maria" } }] }) },
      "ErrorInvalidRecipients",
    ],
    [
      "an unknown body type",
      { message: message({ body: { contentType: "markdown", content: "x" } }) },
      "RequestBodyRead",
    ],
    [
      "an attachment that is not base64",
      {
        message: message({
          attachments: [{ "@odata.type": "#microsoft.graph.fileAttachment", name: "a.ics", contentBytes: "%%%" }],
        }),
      },
      "RequestBodyRead",
    ],
    [
      "a recipients list that is not a list",
      { message: message({ toRecipients: "maria@mail.example" }) },
      "RequestBodyRead",
    ],
  ])("refuses a malformed message (%s) with 400 %s and sends nothing", async (_what, body, code) => {
    const res = await sendMail(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.innerError["request-id"]).toBeTruthy();
    expect((await request(emu, "GET", "/_emulator/outbox/mail")).json.value).toEqual([]);
  });

  it("refuses a body that is not JSON with 400", async () => {
    const res = await request(emu, "POST", `/v1.0/users/${mailbox}/sendMail`, {
      rawBody: "{not json",
      token,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
  });

  it("keeps the app to the mailboxes its access policy names (403), knows no unknown mailbox (404)", async () => {
    const other = await sendMail({ message: message() }, "ana.ribeiro@aurora.example");
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe("ErrorAccessDenied");
    const unknown = await sendMail({ message: message() }, "nobody@aurora.example");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("ErrorInvalidUser");
    await request(emu, "PUT", "/_emulator/mail-access-policy", { body: { allowAll: true } });
    expect((await sendMail({ message: message() }, "ana.ribeiro@aurora.example")).status).toBe(202);
  });

  it("needs an application token with Mail.Send: a user's token is refused", async () => {
    const user = await userSignIn(emu, "carla.mendes@aurora.example");
    const res = await sendMail({ message: message() }, mailbox, user.access_token as string);
    expect(res.status).toBe(403);
    expect((await sendMail({ message: message() }, mailbox, "not-a-token")).status).toBe(401);
  });
});

describe("ACS SMS through Microsoft's SDK", () => {
  const client = (key = emu.messaging.acs.accessKey) =>
    new SmsClient(`endpoint=${emu.url}/;accesskey=${key}`, {
      tlsOptions: { ca: emu.ca },
      retryOptions: { maxRetries: 0 },
    });
  const from = () => emu.messaging.acs.phoneNumbers[0]!;
  const waitFor = async <T>(read: () => T | undefined, what: string): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const value = read();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it("takes a signed text (202), keeps it in the outbox and reports its delivery to the app's webhook", async () => {
    const [result] = await client().send(
      { from: from(), to: [PATIENT], message: "Clinica Aurora: Maria, sua consulta com Dra. Ana..." },
      { enableDeliveryReport: true, tag: "message-1" },
    );
    expect(result).toMatchObject({ to: PATIENT, httpStatusCode: 202, successful: true });
    expect(result!.messageId).toMatch(/^Outgoing_/);
    const sms = (await request(emu, "GET", `/_emulator/outbox/sms?with=${encodeURIComponent(PATIENT)}`)).json.value;
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({
      direction: "outgoing",
      to: PATIENT,
      encoding: "GSM-7",
      segments: 1,
      tag: "message-1",
    });

    const report = await waitFor(
      () => received.find((r) => r.events[0]?.eventType.endsWith("SMSDeliveryReportReceived")),
      "a delivery report",
    );
    expect(report.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(report.headers["aeg-event-type"]).toBe("Notification");
    expect(report.events[0]!.data).toMatchObject({
      messageId: result!.messageId,
      from: from(),
      to: PATIENT,
      deliveryStatus: "Delivered",
      tag: "message-1",
    });
  });

  it("reports a failed delivery when the phone does not take it", async () => {
    await request(emu, "PUT", `/_emulator/sms/phones/${encodeURIComponent(PATIENT)}`, { body: { delivery: "failed" } });
    await client().send({ from: from(), to: [PATIENT], message: "x" }, { enableDeliveryReport: true });
    const report = await waitFor(
      () => received.find((r) => r.events[0]?.eventType.endsWith("SMSDeliveryReportReceived")),
      "a report",
    );
    expect(report.events[0]!.data.deliveryStatus).toBe("Failed");
  });

  it("refuses a request signed with another key (401) and sends nothing", async () => {
    const wrong = Buffer.alloc(64, 7).toString("base64");
    await expect(client(wrong).send({ from: from(), to: [PATIENT], message: "x" })).rejects.toMatchObject({
      statusCode: 401,
    });
    expect((await request(emu, "GET", "/_emulator/outbox/sms")).json.value).toEqual([]);
  });

  it("refuses an unsigned or tampered request (401)", async () => {
    const res = await request(emu, "POST", "/sms?api-version=2021-03-07", {
      body: { from: from(), smsRecipients: [{ to: PATIENT }], message: "x" },
    });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("Denied");
  });

  it("opts a phone out when it texts STOP: the webhook hears it, and the next text to it fails", async () => {
    const reply = await request(emu, "POST", "/_emulator/sms/replies", { body: { from: PATIENT, text: "STOP" } });
    expect(reply.status).toBe(201);
    const event = await waitFor(
      () => received.find((r) => r.events[0]?.eventType.endsWith("SMSReceived")),
      "the reply",
    );
    expect(event.events[0]!.data).toMatchObject({ from: PATIENT, to: from(), message: "STOP" });
    const [result] = await client().send({ from: from(), to: [PATIENT], message: "x" });
    expect(result).toMatchObject({ successful: false, httpStatusCode: 400 });
    await request(emu, "POST", "/_emulator/sms/replies", { body: { from: PATIENT, text: "START" } });
    const [again] = await client().send({ from: from(), to: [PATIENT], message: "x" });
    expect(again).toMatchObject({ successful: true });
  });

  it("counts parts as a carrier would: a Portuguese text with accents is UCS-2", async () => {
    await client().send({ from: from(), to: [PATIENT], message: "Olá, sua consulta está confirmada ".repeat(3) });
    const [sms] = (await request(emu, "GET", "/_emulator/outbox/sms")).json.value;
    expect(sms).toMatchObject({ encoding: "UCS-2", segments: 2 });
  });
});

describe("the outbox page", () => {
  it("is served for people to read", async () => {
    const res = await request(emu, "GET", "/_emulator/outbox");
    expect(res.status).toBe(200);
    expect(res.text).toContain("<h1>Outbox</h1>");
  });
});
