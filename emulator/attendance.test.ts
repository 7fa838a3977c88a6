import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import {
  ANA,
  appToken,
  PATIENT_PHONE,
  RAFAEL,
  request,
  startBotReceiver,
  startTestEmulator,
  userSignIn,
} from "./test/helpers";

let emu: RunningEmulator;
let app: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  app = await appToken(emu);
});
afterAll(async () => {
  await emu.close();
});

const advance = (ms: number) => request(emu, "POST", "/_emulator/clock/advance", { body: { ms } });
const join = (meetingId: string, endpoint: string, extra: object = {}) =>
  request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(meetingId)}/participants`, {
    body: { endpoint, ...extra },
  });
const guests = (meetingId: string) => `/_emulator/meetings/${encodeURIComponent(meetingId)}/guests`;
const leave = (meetingId: string, participantId: string) =>
  request(emu, "POST", `${guests(meetingId)}/${participantId}/leave`);

async function newMeeting(): Promise<string> {
  const m = await request(emu, "POST", `/v1.0/users/${ANA}/onlineMeetings`, {
    token: app,
    body: { subject: "Consulta", lobbyBypassSettings: { scope: "organization" } },
  });
  expect(m.status).toBe(201);
  return m.json.id as string;
}

describe("meeting attendance reports", () => {
  it("one report per session after it ends: organizer, a guest admitted from the lobby and a phone, with their intervals", async () => {
    const meetingId = await newMeeting();
    const reports = `/v1.0/users/${ANA}/onlineMeetings/${meetingId}/attendanceReports`;
    expect((await request(emu, "GET", reports, { token: app })).json.value).toEqual([]);

    const ana = await join(meetingId, `user:${ANA}`);
    expect(ana.json.state).toBe("connected");
    const guest = await request(emu, "POST", guests(meetingId), { body: { name: "Paciente Maria" } });
    expect(guest.json.state).toBe("lobby");
    await advance(60_000); // the minute in the lobby is not attendance
    await request(emu, "POST", `${guests(meetingId)}/${guest.json.participantId}/admit`);
    await advance(120_000);
    const phone = await join(meetingId, `phone:${PATIENT_PHONE}`, { bypassLobby: true });
    await advance(60_000);
    await leave(meetingId, guest.json.participantId);
    await leave(meetingId, phone.json.participantId);
    // still running while the organizer is in it
    expect((await request(emu, "GET", reports, { token: app })).json.value).toEqual([]);
    await advance(30_000);
    await leave(meetingId, ana.json.participantId);

    const list = await request(emu, "GET", reports, { token: app });
    expect(list.status).toBe(200);
    expect(list.json["@odata.context"]).toBe(
      `https://graph.microsoft.com/v1.0/$metadata#users('${ANA}')/onlineMeetings('${meetingId}')/attendanceReports`,
    );
    expect(list.json.value).toHaveLength(1);
    const report = list.json.value[0];
    expect(report).toMatchObject({ totalParticipantCount: 3, attendanceRecords: [] });
    expect(Date.parse(report.meetingEndDateTime) - Date.parse(report.meetingStartDateTime)).toBeGreaterThanOrEqual(
      270_000,
    );

    const records = await request(emu, "GET", `${reports}/${report.id}/attendanceRecords`, { token: app });
    expect(records.status).toBe(200);
    type RecordBody = {
      role: string;
      identity: { id: string; displayName: string };
      totalAttendanceInSeconds: number;
      attendanceIntervals: unknown[];
    };
    const byName = Object.fromEntries((records.json.value as RecordBody[]).map((r) => [r.identity.displayName, r]));
    const organizer = records.json.value.find((r: { role: string }) => r.role === "Organizer");
    expect(organizer.identity.id).toBe(ANA);
    expect(organizer.emailAddress).toBe("ana.ribeiro@aurora.example");
    expect(organizer.totalAttendanceInSeconds).toBeGreaterThanOrEqual(270);
    const maria = byName["Paciente Maria"]!;
    expect(maria.role).toBe("Attendee");
    expect(maria.totalAttendanceInSeconds).toBeGreaterThanOrEqual(180);
    expect(maria.totalAttendanceInSeconds).toBeLessThan(240); // lobby time left out
    expect(maria.attendanceIntervals).toHaveLength(1);
    const byPhone = records.json.value.find((r: { identity: { id: string } }) => r.identity.id === PATIENT_PHONE);
    expect(byPhone).toMatchObject({ role: "Attendee", emailAddress: null });
    expect(byPhone.totalAttendanceInSeconds).toBeGreaterThanOrEqual(60);
    expect(byPhone.attendanceIntervals[0].durationInSeconds).toBe(byPhone.totalAttendanceInSeconds);

    const expanded = await request(emu, "GET", `${reports}/${report.id}?$expand=attendanceRecords`, { token: app });
    expect(expanded.json.attendanceRecords).toHaveLength(3);
    const plain = await request(emu, "GET", `${reports}/${report.id}`, { token: app });
    expect(plain.json.attendanceRecords).toBeUndefined();
    expect(plain.json.id).toBe(report.id);
  });

  it("someone who leaves and comes back keeps one record with two intervals; a new session makes a second report, listed first", async () => {
    const meetingId = await newMeeting();
    const reports = `/v1.0/users/${ANA}/onlineMeetings/${meetingId}/attendanceReports`;
    const first = await join(meetingId, `user:${ANA}`);
    const phone = await join(meetingId, `phone:${PATIENT_PHONE}`, { bypassLobby: true });
    await advance(30_000);
    await leave(meetingId, phone.json.participantId);
    const again = await join(meetingId, `phone:${PATIENT_PHONE}`, { bypassLobby: true });
    await advance(30_000);
    await leave(meetingId, again.json.participantId);
    await leave(meetingId, first.json.participantId);
    const rafael = await join(meetingId, `user:${RAFAEL}`);
    await advance(10_000);
    await leave(meetingId, rafael.json.participantId);

    const list = (await request(emu, "GET", reports, { token: app })).json.value;
    expect(list).toHaveLength(2);
    expect(Date.parse(list[0].meetingStartDateTime)).toBeGreaterThan(Date.parse(list[1].meetingStartDateTime));
    expect(list[0]).toMatchObject({ totalParticipantCount: 1 });
    const records = (await request(emu, "GET", `${reports}/${list[1].id}/attendanceRecords`, { token: app })).json
      .value;
    const byPhone = records.find((r: { identity: { id: string } }) => r.identity.id === PATIENT_PHONE);
    expect(byPhone.attendanceIntervals).toHaveLength(2);
    expect(list[0]).toMatchObject({ totalParticipantCount: 1 });
    const presenter = (await request(emu, "GET", `${reports}/${list[0].id}/attendanceRecords`, { token: app })).json
      .value[0];
    expect(presenter).toMatchObject({ role: "Presenter", identity: { id: RAFAEL } });
  });

  it("a bot in the meeting keeps the session running but is not listed; the report comes once the bot has left too", async () => {
    const bot = await startBotReceiver();
    try {
      const meetingId = await newMeeting();
      const meeting = (await request(emu, "GET", `/v1.0/users/${ANA}/onlineMeetings/${meetingId}`, { token: app }))
        .json;
      const call = await request(emu, "POST", "/v1.0/communications/calls", {
        token: app,
        body: {
          "@odata.type": "#microsoft.graph.call",
          callbackUri: `${bot.url}/cb`,
          requestedModalities: ["audio"],
          mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
          chatInfo: { "@odata.type": "#microsoft.graph.chatInfo", threadId: meeting.chatInfo.threadId, messageId: "0" },
          meetingInfo: {
            "@odata.type": "#microsoft.graph.organizerMeetingInfo",
            organizer: {
              "@odata.type": "#microsoft.graph.identitySet",
              user: { id: ANA, tenantId: emu.registration.tenantId },
            },
          },
          tenantId: emu.registration.tenantId,
        },
      });
      expect(call.status).toBe(201);
      await bot.waitFor((n) => n.resourceData?.state === "established");
      const reports = `/v1.0/users/${ANA}/onlineMeetings/${meetingId}/attendanceReports`;
      const ana = await join(meetingId, `user:${ANA}`);
      await advance(60_000);
      await leave(meetingId, ana.json.participantId);
      // the bot is still in the meeting: the session goes on
      expect((await request(emu, "GET", reports, { token: app })).json.value).toEqual([]);
      expect((await request(emu, "DELETE", `/v1.0/communications/calls/${call.json.id}`, { token: app })).status).toBe(
        204,
      );
      const list = (await request(emu, "GET", reports, { token: app })).json.value;
      expect(list).toHaveLength(1);
      const records = (await request(emu, "GET", `${reports}/${list[0].id}/attendanceRecords`, { token: app })).json
        .value;
      expect(records.map((r: { identity: { id: string } }) => r.identity.id)).toEqual([ANA]);
    } finally {
      await bot.close();
    }
  });

  it("errors as Graph answers them: unknown meeting or report 404, no OnlineMeetingArtifact.Read.All 403, outside the access policy 403", async () => {
    const meetingId = await newMeeting();
    const unknown = await request(emu, "GET", `/v1.0/users/${ANA}/onlineMeetings/nope/attendanceReports`, {
      token: app,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("itemNotFound");
    const noReport = await request(
      emu,
      "GET",
      `/v1.0/users/${ANA}/onlineMeetings/${meetingId}/attendanceReports/00000000-0000-0000-0000-000000000000`,
      { token: app },
    );
    expect(noReport.status).toBe(404);

    const meetingsOnly = (await userSignIn(emu, "ana.ribeiro@aurora.example", "openid OnlineMeetings.ReadWrite"))
      .access_token;
    const denied = await request(emu, "GET", `/v1.0/me/onlineMeetings/${meetingId}/attendanceReports`, {
      token: meetingsOnly,
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error.message).toContain("OnlineMeetingArtifact.Read.All");
    const artifacts = (
      await userSignIn(
        emu,
        "ana.ribeiro@aurora.example",
        "openid OnlineMeetings.ReadWrite OnlineMeetingArtifact.Read.All",
      )
    ).access_token;
    expect(
      (await request(emu, "GET", `/v1.0/me/onlineMeetings/${meetingId}/attendanceReports`, { token: artifacts }))
        .status,
    ).toBe(200);

    await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [RAFAEL] } });
    try {
      const policy = await request(emu, "GET", `/v1.0/users/${ANA}/onlineMeetings/${meetingId}/attendanceReports`, {
        token: app,
      });
      expect(policy.status).toBe(403);
      expect(policy.json.error.code).toBe("Unauthorized");
    } finally {
      await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    }
  });

  it("control API: a phone or a Teams user joins a meeting; bad endpoints are 400, unknown meetings 404", async () => {
    const meetingId = await newMeeting();
    expect((await join(meetingId, "phone:12345")).status).toBe(400);
    expect((await join("nope", `phone:${PATIENT_PHONE}`)).status).toBe(404);
    const waiting = await join(meetingId, `phone:${PATIENT_PHONE}`);
    expect(waiting.json).toMatchObject({ kind: "phone", state: "lobby" });
  });
});
