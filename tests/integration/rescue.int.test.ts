// No-show rescue end to end against the emulator: a real meeting the bot has joined, the clinician in it by
// the emulator's control API, the rescue sweep deciding over the roster the bot recorded, the patient's phone
// answering and pressing keys, and the call runtime running the rescue's flow and the bot's meeting call.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { request } from "@/emulator/test/helpers";
import { listAppointments } from "@/lib/appointments/data";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { attendanceFlow } from "@/lib/bot/flows/attendance-flow";
import { callControl, type CallControl } from "@/lib/bot/meeting-calls";
import { createCallSql, type CallSql } from "@/lib/bot/runtime/sql";
import { maskPhone } from "@/lib/constants";
import { createAppGraph } from "@/lib/graph/gateway";
import { graphIdForRequest } from "@/lib/graph/ids";
import { syncAppointmentMeeting } from "@/lib/meetings/sync";
import { createPromptStore } from "@/lib/prompts/store";
import { clinicLineService } from "@/lib/clinic-line/service";
import { rescueForAppointment } from "@/lib/rescue/data";
import { parseClinicHours } from "@/lib/rescue/decision";
import { rescueService, type RescueService } from "@/lib/rescue/service";
import { databasePerFile, perFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";
import { CLINIC_LINE_INSTANCE, freshPhone, RECEPTION_OID, storedRows } from "../helpers/telephony";
import {
  logCapture,
  setEmulatorEndpoint,
  startBotTestServer,
  testProcess,
  testRunner,
  waitFor,
  type BotTestServer,
  type TestProcess,
} from "./bot-helpers";
import { startGraphTestEnv } from "./graph-helpers";

/** Dra. Ana Ribeiro of the emulator's demo directory: her meetings, and she joins them. */
const CLINICIAN_OID = "0a1c2e30-1111-4a00-8000-000000000001";
const BOOKED_AT = new Date("2030-06-01T12:00:00Z");

const database = databasePerFile();
const graph = perFile(() => startGraphTestEnv({ retry: { maxTotalMs: 10_000 } }));
let webSql: CallSql;
let server: BotTestServer;
let worker: TestProcess;
let bot: CallControl;
let service: RescueService;
let cacheDir: string;
let clock = new Date();
const { captureLogs } = logCapture();

beforeAll(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-rescue-prompts-"));
  const prompts = createPromptStore({ cacheDir, synth: async () => quietWav(300) });
  webSql = createCallSql(database.url, { max: 2 });
  server = await startBotTestServer({ sql: webSql, graph, prompts, media: () => worker.runtime });
  const app = createAppGraph(graph.config);
  const tenantId = graph.emu.registration.tenantId;
  service = rescueService({
    db: database.db,
    calls: app.calls,
    callbackUri: server.callbackUri,
    tenantId,
    clinicLineInstanceId: CLINIC_LINE_INSTANCE,
    // the clinic is open all week here; the hours have their unit tests
    settings: { afterMinutes: 5, hours: parseClinicHours("1-7 00:00-24:00"), zone: "America/Sao_Paulo" },
    now: () => clock,
  });
  const line = clinicLineService({
    db: database.db,
    calls: app.calls,
    callbackUri: server.callbackUri,
    tenantId,
    clinicZone: "America/Sao_Paulo",
    speech: null,
    announceChange: async () => undefined,
    now: () => clock,
  });
  worker = testProcess(database, testRunner(graph, server.base, prompts), {
    RESCUE: service.flow,
    MEETING_JOIN: attendanceFlow,
    CLINIC_LINE: line.flow,
  });
  await worker.runtime.start();
  bot = callControl({
    db: database.db,
    calls: app.calls,
    meetingsFor: (oid) => app.meetingsFor(oid),
    callbackUri: server.callbackUri,
    tenantId,
    clinicLineInstanceId: CLINIC_LINE_INSTANCE,
    signalLeave: (callId, reason) => worker.runtime.signal(callId, { type: "leave", reason }),
  });
});
beforeEach(() => captureLogs());
afterAll(async () => {
  await server?.close();
  await worker?.close();
  await webSql?.close();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
});

let clinic: Promise<{ typeId: string; clinicianId: string; staffId: string }> | undefined;
let day = 0;

/**
 * A visit booked by staff on a day of its own (13:00 UTC, 10:00 in São Paulo), its Teams meeting made in the
 * emulator, the bot in it and Dra. Ana joined: what the rescue needs, for a patient whose phone is `phone`.
 */
async function visitWithClinicianWaiting(phone: string) {
  const { db } = database;
  clinic ??= (async () => {
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id, "America/Sao_Paulo", CLINICIAN_OID);
    const staff = await createUser(db, { role: "STAFF" });
    return { typeId: type.id, clinicianId: clinician.id, staffId: staff.id };
  })();
  const { typeId, clinicianId, staffId } = await clinic;
  const patient = await createPatient(db, { phone });
  const actor = { id: staffId, label: "staff" };
  const startsAt = new Date(Date.UTC(2030, 5, 3 + day++, 13));
  const { appointmentId } = await bookAppointment(
    db,
    actor,
    { clinicianId, appointmentTypeId: typeId, patientId: patient.id, startsAt, idempotencyKey: crypto.randomUUID() },
    BOOKED_AT,
  );
  const app = createAppGraph(graph.config);
  await syncAppointmentMeeting(
    db,
    {
      application: (oid) => app.meetingsFor(oid),
      delegated: () => {
        throw new Error("staff books with the application token");
      },
    },
    appointmentId,
  );
  const meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
  const meetingCall = await bot.joinAppointmentMeeting(appointmentId, actor);
  await waitFor("bot in the meeting", async () => {
    const row = await db.call.findUniqueOrThrow({ where: { id: meetingCall.id } });
    return row.state === "established" && row;
  });
  const joined = await request(
    graph.emu,
    "POST",
    `/_emulator/meetings/${encodeURIComponent(meeting.graphMeetingId!)}/participants`,
    { body: { endpoint: `user:${CLINICIAN_OID}` } },
  );
  expect(joined.status, joined.text).toBe(201);
  await waitFor("the clinician in the roster", () =>
    db.callParticipant.findFirst({
      where: { callId: meetingCall.id, identityKind: "user", identityId: CLINICIAN_OID, leftAt: null },
    }),
  );
  return { appointmentId, meeting, meetingCall, actor, startsAt };
}

/** A prompt's audio as Teams plays it (RIFF 16 kHz 16-bit mono PCM): here `ms` of quiet, enough to time the flow. */
function quietWav(ms: number): Buffer {
  const data = Buffer.alloc(Math.round((16_000 * ms) / 1000) * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const at = (startsAt: Date, minutes: number) => new Date(startsAt.getTime() + minutes * 60_000);

async function finishedRescue(appointmentId: string) {
  return waitFor(
    "rescue finished",
    () => database.db.rescue.findFirst({ where: { appointmentId, status: "DONE" } }),
    20_000,
  );
}

async function emulatorCallsTo(phone: string) {
  const res = await request(graph.emu, "GET", "/_emulator/calls");
  return (res.json.value as { id: string; state: string; legs: { endpoint: string }[] }[]).filter((c) =>
    c.legs.some((l) => l.endpoint === `phone:${phone}`),
  );
}

describe("no-show rescue against the emulator", () => {
  it("patient absent at +5: exactly one rescue call; 1 moves their phone into the meeting's roster and the peer-to-peer call ends", async () => {
    const phone = freshPhone();
    await setEmulatorEndpoint(graph, phone, {
      mode: "answer",
      script: [{ type: "press", keys: "1", afterPrompts: 1 }],
    });
    const { appointmentId, meetingCall, startsAt } = await visitWithClinicianWaiting(phone);

    clock = at(startsAt, 4);
    expect(await service.sweep()).toMatchObject({ called: 0 });
    clock = at(startsAt, 5);
    expect((await service.sweep()).called).toBe(1);
    // the next sweeps find the rescue: never a second call
    expect((await service.sweep()).called).toBe(0);

    const done = await finishedRescue(appointmentId);
    expect(done).toMatchObject({ trigger: "AUTOMATIC", outcome: "JOINED", detail: "moved-into-meeting" });
    const { db } = database;
    expect(await db.rescue.count({ where: { appointmentId } })).toBe(1);
    expect(await emulatorCallsTo(phone)).toHaveLength(2); // the rescue call, and the meeting it moved into

    // their phone is in the meeting's roster as a phone participant
    const inMeeting = await waitFor("the phone in the meeting", () =>
      db.callParticipant.findFirst({
        where: { callId: meetingCall.id, identityKind: "phone", leftAt: null, isInLobby: false },
      }),
    );
    expect(inMeeting.displayName).toBe(maskPhone(phone));
    const invite = await db.callOperation.findFirstOrThrow({ where: { callId: meetingCall.id, kind: "invite" } });
    await waitFor("the invitation completed", async () => {
      const op = await db.callOperation.findUniqueOrThrow({ where: { id: invite.id } });
      return op.status === "COMPLETED" && op;
    });

    // the peer-to-peer call is over, for Graph and for us
    const rescueCall = await db.call.findUniqueOrThrow({ where: { id: done.callId! } });
    expect(rescueCall).toMatchObject({ purpose: "RESCUE", state: "terminated", outcome: "joinedVisit" });
    const emulated = await request(graph.emu, "GET", `/_emulator/calls/${graphIdForRequest(rescueCall.graphCallId)}`);
    expect(emulated.json.state).toBe("terminated");
    const leg = await request(graph.emu, "GET", `/_emulator/endpoints/${encodeURIComponent(phone)}`);
    expect(leg.json.leg).toMatchObject({ state: "connected", callId: expect.any(String) });
    expect(leg.json.leg.callId.replaceAll("-", "")).toBe(meetingCall.graphCallId);

    const audit = await db.auditLog.findMany({ where: { entityId: appointmentId, action: { startsWith: "rescue." } } });
    expect(audit.map((a) => a.action).sort()).toEqual(["rescue.outcome", "rescue.start"]);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain(phone);
    // the number is stored nowhere but on the patient: not in the calls' flows, the rescue or the operations
    const stored = await storedRows({
      calls: db.call.findMany(),
      rescues: db.rescue.findMany(),
      operations: db.callOperation.findMany(),
      audit: db.auditLog.findMany(),
    });
    expect(stored).not.toContain(phone.slice(1));
    expect((await rescueForAppointment(db, appointmentId)).latest).toMatchObject({
      outcome: "JOINED",
      progress: "ended",
    });
  });

  it("a patient who joins at +4 gets no call", async () => {
    const phone = freshPhone();
    await setEmulatorEndpoint(graph, phone, { mode: "answer" });
    const { appointmentId, meeting, meetingCall, startsAt } = await visitWithClinicianWaiting(phone);
    clock = at(startsAt, 4);
    await request(graph.emu, "POST", `/_emulator/meetings/${encodeURIComponent(meeting.graphMeetingId!)}/guests`, {
      body: { name: "Paciente" },
    });
    await waitFor("the patient in the lobby", () =>
      database.db.callParticipant.findFirst({ where: { callId: meetingCall.id, identityKind: "guest", leftAt: null } }),
    );
    clock = at(startsAt, 5);
    expect((await service.sweep()).called).toBe(0);
    clock = at(startsAt, 12);
    expect((await service.sweep()).called).toBe(0);
    expect(await database.db.rescue.count({ where: { appointmentId } })).toBe(0);
    expect(await emulatorCallsTo(phone)).toHaveLength(0);
  });

  it("3: the visit is flagged for rescheduling and staff are told; a busy line is recorded; staff may call again by hand", async () => {
    const phone = freshPhone();
    await setEmulatorEndpoint(graph, phone, {
      mode: "answer",
      script: [{ type: "press", keys: "3", afterPrompts: 1 }],
    });
    const { appointmentId, actor, startsAt } = await visitWithClinicianWaiting(phone);
    clock = at(startsAt, 6);
    expect((await service.sweep()).called).toBe(1);
    const done = await finishedRescue(appointmentId);
    expect(done).toMatchObject({ outcome: "RESCHEDULE" });
    expect(done.rescheduleRequestedAt).not.toBeNull();
    expect((await rescueForAppointment(database.db, appointmentId)).rescheduleRequested).toBe(true);
    // the calendar's read carries the flag for the visit's current version
    const [listed] = await listAppointments(database.db, { from: startsAt, to: at(startsAt, 1) });
    expect(listed).toMatchObject({ id: appointmentId, rescues: [{ appointmentVersion: listed!.version }] });
    const audit = await database.db.auditLog.findMany({
      where: { entityId: appointmentId, action: "rescue.reschedule-requested" },
    });
    expect(audit).toHaveLength(1);

    // staff try again by hand: while it rings nobody can start another; the line turns out busy, and that is
    // what the rescue says
    await setEmulatorEndpoint(graph, phone, { mode: "manual" });
    const again = await service.startByHand(appointmentId, actor);
    expect(again).toMatchObject({ trigger: "MANUAL", requestedById: actor.id });
    await expect(service.startByHand(appointmentId, actor)).rejects.toMatchObject({ code: "CONFLICT" });
    await waitFor("the phone rings", async () => {
      const res = await request(graph.emu, "GET", `/_emulator/endpoints/${encodeURIComponent(phone)}`);
      return res.json.leg?.state === "ringing";
    });
    const busyNow = await request(graph.emu, "POST", `/_emulator/endpoints/${encodeURIComponent(phone)}/actions`, {
      body: { action: "busy" },
    });
    expect(busyNow.status, busyNow.text).toBe(200);
    const busy = await waitFor(
      "the second rescue finished",
      () => database.db.rescue.findFirst({ where: { id: again.id, status: "DONE" } }),
      20_000,
    );
    expect(busy).toMatchObject({ outcome: "BUSY", detail: "busy" });
    const started = await database.db.auditLog.findMany({ where: { entityId: appointmentId, action: "rescue.start" } });
    expect(started.map((a) => a.actorId)).toEqual(expect.arrayContaining([null, actor.id]));
  });

  it("2: the patient is transferred to reception", async () => {
    const phone = freshPhone();
    await setEmulatorEndpoint(graph, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEmulatorEndpoint(graph, phone, {
      mode: "answer",
      script: [{ type: "press", keys: "2", afterPrompts: 1 }],
    });
    const { appointmentId, startsAt } = await visitWithClinicianWaiting(phone);
    clock = at(startsAt, 5);
    expect((await service.sweep()).called).toBe(1);
    expect(await finishedRescue(appointmentId)).toMatchObject({ outcome: "RECEPTION", detail: "transferred" });
  });

  it("a rescue cut off while its call was being placed ends as failed, so staff can call again", async () => {
    const phone = freshPhone();
    const { appointmentId, startsAt } = await visitWithClinicianWaiting(phone);
    const cut = await database.db.rescue.create({
      data: { appointmentId, appointmentVersion: 1, trigger: "AUTOMATIC", createdAt: at(startsAt, 5) },
    });
    clock = at(startsAt, 9);
    expect((await service.sweep()).interrupted).toBe(0);
    clock = at(startsAt, 11);
    expect((await service.sweep()).interrupted).toBe(1);
    expect(await database.db.rescue.findUniqueOrThrow({ where: { id: cut.id } })).toMatchObject({
      status: "DONE",
      outcome: "FAILED",
      detail: "interrupted while placing the call",
    });
    // the one automatic rescue was spent: the sweep does not call again
    expect((await service.sweep()).called).toBe(0);
  });

  it("the patient who declined calls is never called, even by hand", async () => {
    const phone = freshPhone();
    await setEmulatorEndpoint(graph, phone, { mode: "answer" });
    const { appointmentId, actor, startsAt } = await visitWithClinicianWaiting(phone);
    const { patientId } = await database.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
    await database.db.patient.update({ where: { id: patientId }, data: { callsDeclinedAt: new Date() } });
    clock = at(startsAt, 5);
    expect((await service.sweep()).called).toBe(0);
    await expect(service.startByHand(appointmentId, actor)).rejects.toMatchObject({ code: "UNPROCESSABLE" });
    expect(await emulatorCallsTo(phone)).toHaveLength(0);
  });

  it("a caller to the clinic line whose visit is starting presses 2 and is moved into its meeting", async () => {
    const phone = freshPhone();
    const { appointmentId, meetingCall, startsAt } = await visitWithClinicianWaiting(phone);
    // ten minutes before the start: the visit can be joined from the line
    clock = at(startsAt, -10);
    await setEmulatorEndpoint(graph, phone, { script: [{ type: "press", keys: "2", afterPrompts: 1 }] });
    const incoming = await request(graph.emu, "POST", "/_emulator/incoming-calls", { body: { from: phone } });
    expect(incoming.status, incoming.text).toBe(201);
    const { db } = database;
    const lineCall = await waitFor(
      "the clinic line call joined the visit",
      () => db.call.findFirst({ where: { purpose: "CLINIC_LINE", appointmentId, outcome: "joined" } }),
      20_000,
    );
    expect(lineCall.state).toBe("terminated");
    const inMeeting = await waitFor("the caller in the meeting", () =>
      db.callParticipant.findFirst({ where: { callId: meetingCall.id, identityKind: "phone", leftAt: null } }),
    );
    expect(inMeeting.displayName).toBe(maskPhone(phone));
    // the offer named the visit before the menu
    const prompts = await db.callOperation.findMany({
      where: { callId: lineCall.id, kind: "playPrompt" },
      orderBy: { createdAt: "asc" },
    });
    expect(prompts[0]?.clientContext).toBe("line:lineJoinVisit");
    const leg = await request(graph.emu, "GET", `/_emulator/endpoints/${encodeURIComponent(phone)}`);
    expect(leg.json.leg.callId.replaceAll("-", "")).toBe(meetingCall.graphCallId);
    expect(await db.rescue.count({ where: { appointmentId } })).toBe(0);
  });
});
