// Attendance closes the visit, against the emulator: people join an appointment's Teams meeting (by the link,
// by phone, the clinician from Teams), the meeting ends, and Teams' attendance reports make the appointment
// COMPLETED or NO_SHOW, with minutes attended; staff correct it, audited.
import { beforeAll, describe, expect, it } from "vitest";
import { request } from "@/emulator/test/helpers";
import { correctAttendance } from "@/lib/attendance/mutations";
import { checkAttendance, checkDueAttendance, FINAL_AFTER_END_MS, type AttendanceDeps } from "@/lib/attendance/service";
import { createAppGraph } from "@/lib/graph/gateway";
import { skipReason } from "@/lib/patient-messages/service";
import { startMeetingBotEnv } from "./bot-helpers";
import { perFile } from "../helpers/per-file";

const ANA = "0a1c2e30-1111-4a00-8000-000000000001";
const PATIENT_PHONE = "+5511987654321";

const env = perFile(startMeetingBotEnv);
let deps: AttendanceDeps;

beforeAll(() => {
  const app = createAppGraph(env.graph.config);
  deps = { reports: (oid, meetingId) => app.meetingsFor(oid).attendance(meetingId) };
});

const emu = () => env.graph.emu;
const advance = (ms: number) => request(emu(), "POST", "/_emulator/clock/advance", { body: { ms } });
async function join(meetingId: string, endpoint: string): Promise<string> {
  const res = await request(emu(), "POST", `/_emulator/meetings/${encodeURIComponent(meetingId)}/participants`, {
    body: { endpoint, bypassLobby: true },
  });
  expect(res.status).toBe(201);
  return res.json.participantId as string;
}
async function guest(meetingId: string, name: string): Promise<string> {
  const base = `/_emulator/meetings/${encodeURIComponent(meetingId)}/guests`;
  const res = await request(emu(), "POST", base, { body: { name } });
  expect(res.json.state).toBe("lobby");
  await request(emu(), "POST", `${base}/${res.json.participantId}/admit`);
  return res.json.participantId as string;
}
const leave = (meetingId: string, participantId: string) =>
  request(emu(), "POST", `/_emulator/meetings/${encodeURIComponent(meetingId)}/guests/${participantId}/leave`);

const afterEnd = (endsAt: Date, ms: number) => new Date(endsAt.getTime() + ms);

describe("attendance closes the visit", () => {
  it("patient by link and clinician both attended: COMPLETED with the minutes each side was in the meeting", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, endsAt } = await env.appointmentWithMeeting();
    const graphId = meeting.graphMeetingId!;
    const ana = await join(graphId, `user:${ANA}`);
    const patient = await guest(graphId, "Maria");
    await advance(20 * 60_000);
    await leave(graphId, patient);
    await advance(60_000);
    await leave(graphId, ana);

    const outcome = await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, 15 * 60_000));
    expect(outcome.kind).toBe("closed");
    const appointment = await db.appointment.findUniqueOrThrow({
      where: { id: appointmentId },
      include: { attendance: true },
    });
    expect(appointment.status).toBe("COMPLETED");
    expect(appointment.attendance).toMatchObject({ decision: "HELD", reportCount: 1, patientByPhone: false });
    expect(Math.round(appointment.attendance!.patientSeconds! / 60)).toBe(20);
    expect(Math.round(appointment.attendance!.clinicianSeconds! / 60)).toBe(21);
    const audit = await db.auditLog.findFirstOrThrow({
      where: { entityId: appointmentId, action: "appointment.attendance-closed" },
    });
    expect(audit).toMatchObject({ actorLabel: "attendance", details: { status: "COMPLETED", patientMinutes: 20 } });

    // closed: a second look changes nothing, and nothing more goes to the patient
    expect((await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, 20 * 60_000))).kind).toBe("not-live");
    const patientRow = await db.patient.findFirstOrThrow({ where: { appointments: { some: { id: appointmentId } } } });
    expect(
      skipReason(
        { template: "REMINDER", channel: "EMAIL", appointmentVersion: appointment.version },
        { ...appointment, patient: { ...patientRow, messageConsentAt: new Date() } } as never,
        { mail: true, sms: true } as never,
        new Date(appointment.startsAt.getTime() - 24 * 3600_000),
      ),
    ).toBe("superseded");
  });

  it("a patient who joined by phone attended: COMPLETED, by phone", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, endsAt } = await env.appointmentWithMeeting();
    await db.patient.updateMany({
      where: { appointments: { some: { id: appointmentId } } },
      data: { phone: PATIENT_PHONE },
    });
    const graphId = meeting.graphMeetingId!;
    const ana = await join(graphId, `user:${ANA}`);
    const phone = await join(graphId, `phone:${PATIENT_PHONE}`);
    await advance(12 * 60_000);
    await leave(graphId, phone);
    await leave(graphId, ana);

    const outcome = await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, 15 * 60_000));
    expect(outcome).toMatchObject({ kind: "closed", status: "COMPLETED", summary: { patientByPhone: true } });
    const attendance = await db.appointmentAttendance.findUniqueOrThrow({ where: { appointmentId } });
    expect(Math.round(attendance.patientSeconds! / 60)).toBe(12);
  });

  it("the patient never joined: waits while a late session could still end, then NO_SHOW; staff correct it, audited", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, endsAt, actor } = await env.appointmentWithMeeting();
    const graphId = meeting.graphMeetingId!;
    const ana = await join(graphId, `user:${ANA}`);
    await advance(10 * 60_000);
    await leave(graphId, ana);

    const early = await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, 15 * 60_000));
    expect(early).toMatchObject({ kind: "waiting", decision: "PATIENT_ABSENT", reportCount: 1 });
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).status).toBe("BOOKED");
    const waiting = await db.appointmentAttendance.findUniqueOrThrow({ where: { appointmentId } });
    expect(waiting.nextCheckAt).not.toBeNull();

    // the sweep finds it due and closes it once the absence is final
    const late = afterEnd(endsAt, FINAL_AFTER_END_MS + 60_000);
    const swept = await checkDueAttendance(db, deps, late);
    expect(swept.find((r) => r.appointmentId === appointmentId)?.outcome).toMatchObject({
      kind: "closed",
      status: "NO_SHOW",
    });
    const closed = await db.appointment.findUniqueOrThrow({
      where: { id: appointmentId },
      include: { attendance: true },
    });
    expect(closed.status).toBe("NO_SHOW");
    expect(closed.attendance).toMatchObject({ decision: "PATIENT_ABSENT", patientSeconds: 0, nextCheckAt: null });

    // staff: it was held after all (the patient came in another way); a stale form is refused
    await correctAttendance(db, actor, { appointmentId, from: "NO_SHOW", to: "COMPLETED" }, late);
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).status).toBe("COMPLETED");
    await expect(
      correctAttendance(db, actor, { appointmentId, from: "NO_SHOW", to: "COMPLETED" }, late),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const audit = await db.auditLog.findFirstOrThrow({
      where: { entityId: appointmentId, action: "appointment.attendance-corrected" },
    });
    expect(audit).toMatchObject({ actorId: actor.id, details: { from: "NO_SHOW", to: "COMPLETED" } });
  });

  it("nobody joined at all (no report): NO_SHOW once final; a refused read is kept and tried again", async () => {
    const { db } = env.database;
    const { appointmentId, endsAt } = await env.appointmentWithMeeting();
    await request(emu(), "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [] } });
    try {
      const refused = await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, 15 * 60_000));
      expect(refused).toMatchObject({ kind: "error", code: "Unauthorized" });
      const row = await db.appointmentAttendance.findUniqueOrThrow({ where: { appointmentId } });
      expect(row.lastError).toBe("graph:403:Unauthorized");
      expect(row.nextCheckAt).not.toBeNull();
    } finally {
      await request(emu(), "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    }
    const final = await checkAttendance(db, deps, appointmentId, afterEnd(endsAt, FINAL_AFTER_END_MS));
    expect(final).toMatchObject({ kind: "closed", status: "NO_SHOW" });
    expect(await db.appointmentAttendance.findUniqueOrThrow({ where: { appointmentId } })).toMatchObject({
      reportCount: 0,
      lastError: null,
    });
  });

  it("a clinician without an Entra id: nothing to read, said once, and the sweep does not come back", async () => {
    const { db } = env.database;
    const { appointmentId, endsAt } = await env.appointmentWithMeeting();
    const { clinicianId } = await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
    await db.user.update({ where: { id: clinicianId }, data: { entraObjectId: null } });
    try {
      const at = afterEnd(endsAt, 15 * 60_000);
      expect(await checkAttendance(db, deps, appointmentId, at)).toEqual({ kind: "no-meeting" });
      expect(await db.appointmentAttendance.findUniqueOrThrow({ where: { appointmentId } })).toMatchObject({
        lastError: "no-teams-meeting",
        nextCheckAt: null,
      });
      const swept = await checkDueAttendance(db, deps, at);
      expect(swept.map((r) => r.appointmentId)).not.toContain(appointmentId);
    } finally {
      await db.user.update({ where: { id: clinicianId }, data: { entraObjectId: ANA } });
    }
  });
});
