// The waiting room read from the bot's roster (CallParticipant rows): who waits in each visit's lobby and
// who has joined, the bot and those who left left out, the newest of the bot's calls in a meeting telling,
// one clinician's visits or everyone's, and nothing for a visit that is over or cancelled.
import { describe, expect, it } from "vitest";
import { waitingAlertFor } from "@/lib/waiting-room/alert";
import { visitsWithPresence } from "@/lib/waiting-room/data";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

const now = new Date("2030-06-03T12:58:00Z");

async function visit(clinicianId: string, startsAt: string, status: "BOOKED" | "CANCELLED" = "BOOKED") {
  const type = await createAppointmentType(db);
  const patient = await createPatient(db, { firstName: "Adriana" });
  const start = new Date(startsAt);
  const end = new Date(start.getTime() + 30 * 60_000);
  const appointment = await db.appointment.create({
    data: {
      clinicianId,
      patientId: patient.id,
      appointmentTypeId: type.id,
      startsAt: start,
      endsAt: end,
      blockedFrom: start,
      blockedUntil: end,
      status,
    },
  });
  await db.onlineMeeting.create({
    data: {
      appointmentId: appointment.id,
      externalId: appointment.id,
      organizerId: clinicianId,
      tokenKind: "APPLICATION",
      state: "READY",
      joinWebUrl: `https://teams.example/${appointment.id}`,
      subject: "Consulta",
      startsAt: start,
      endsAt: end,
    },
  });
  return { appointment, patient };
}

async function botCall(appointmentId: string, createdAt: string, state = "established") {
  return db.call.create({
    data: {
      graphCallId: crypto.randomUUID().replaceAll("-", ""),
      direction: "OUTGOING",
      purpose: "MEETING_JOIN",
      state,
      appointmentId,
      createdAt: new Date(createdAt),
    },
  });
}

async function present(
  callId: string,
  people: { name: string; kind?: string; lobby?: boolean; at: string; left?: boolean }[],
) {
  for (const p of people)
    await db.callParticipant.create({
      data: {
        callId,
        graphParticipantId: crypto.randomUUID(),
        displayName: p.name,
        identityKind: p.kind ?? "guest",
        isInLobby: p.lobby ?? false,
        joinedAt: new Date(p.at),
        leftAt: p.left ? new Date(p.at) : null,
      },
    });
}

describe("visitsWithPresence", () => {
  it("lists who waits and who joined, without the bot or those who left, from the newest call", async () => {
    const ana = await createUser(db, { role: "CLINICIAN" });
    const { appointment } = await visit(ana.id, "2030-06-03T13:00:00Z");
    const old = await botCall(appointment.id, "2030-06-03T12:40:00Z");
    await present(old.id, [{ name: "Someone from before", lobby: true, at: "2030-06-03T12:41:00Z" }]);
    const call = await botCall(appointment.id, "2030-06-03T12:55:00Z");
    await present(call.id, [
      { name: "Robô", kind: "application", at: "2030-06-03T12:55:00Z" },
      { name: "Adriana Rodrigues", lobby: true, at: "2030-06-03T12:56:30Z" },
      { name: "•••• 0001", kind: "phone", at: "2030-06-03T12:57:00Z" },
      { name: "Gone", lobby: true, at: "2030-06-03T12:56:00Z", left: true },
    ]);

    const visits = await visitsWithPresence(db, { clinicianId: ana.id, now });
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({
      appointmentId: appointment.id,
      clinicianId: ana.id,
      patientName: "Adriana Teste",
      joinWebUrl: `https://teams.example/${appointment.id}`,
      lobby: [{ name: "Adriana Rodrigues", kind: "guest", since: "2030-06-03T12:56:30.000Z" }],
      joined: [{ name: "•••• 0001", kind: "phone" }],
    });
    expect(waitingAlertFor(visits, ana.id)).toMatchObject({
      appointmentId: appointment.id,
      waiting: ["Adriana Rodrigues"],
      waitingSince: "2030-06-03T12:56:30.000Z",
    });
  });

  it("keeps to one clinician's visits when asked, and leaves out visits over, cancelled or without the bot", async () => {
    const ana = await createUser(db, { role: "CLINICIAN" });
    const emily = await createUser(db, { role: "CLINICIAN" });
    const own = await visit(ana.id, "2030-06-03T13:30:00Z");
    const theirs = await visit(emily.id, "2030-06-03T13:30:00Z");
    const over = await visit(ana.id, "2030-06-03T11:00:00Z");
    const cancelled = await visit(ana.id, "2030-06-03T14:00:00Z", "CANCELLED");
    const noBot = await visit(ana.id, "2030-06-03T15:00:00Z");
    for (const v of [own, theirs, over, cancelled]) {
      const call = await botCall(v.appointment.id, "2030-06-03T12:50:00Z");
      await present(call.id, [{ name: "Waiting", lobby: true, at: "2030-06-03T12:51:00Z" }]);
    }
    // the bot has hung up in this one: nobody is shown
    const ended = await botCall(noBot.appointment.id, "2030-06-03T12:50:00Z", "terminated");
    await present(ended.id, [{ name: "Waiting", lobby: true, at: "2030-06-03T12:51:00Z" }]);

    const anaVisits = (await visitsWithPresence(db, { clinicianId: ana.id, now })).map((v) => v.appointmentId);
    expect(anaVisits).toContain(own.appointment.id);
    for (const hidden of [theirs, over, cancelled, noBot]) expect(anaVisits).not.toContain(hidden.appointment.id);
    const everyone = (await visitsWithPresence(db, { clinicianId: null, now })).map((v) => v.appointmentId);
    expect(everyone).toEqual(expect.arrayContaining([own.appointment.id, theirs.appointment.id]));
    expect(waitingAlertFor(await visitsWithPresence(db, { clinicianId: null, now }), emily.id)?.appointmentId).toBe(
      theirs.appointment.id,
    );
  });
});
