// The bot end to end without a browser: a real meeting in the emulator, the bot joins it, the emulator
// delivers signed notifications to a small HTTP server that runs the intake, and the roster follows.
import { describe, expect, it } from "vitest";
import { request } from "@/emulator/test/helpers";
import { createUser } from "../helpers/factories";
import { perFile } from "../helpers/per-file";
import { startMeetingBotEnv, waitFor } from "./bot-helpers";
import { forceEmulatorVariants } from "./graph-helpers";

const ANSWERS = "+5511987654321";
const DECLINES = "+5511912345678";

const env = perFile(startMeetingBotEnv);

const setEndpoint = (endpoint: string, mode: string) =>
  request(env.graph.emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(endpoint)}`, {
    body: { mode, ringDelayMs: 30 },
  });

describe("the bot in an appointment's meeting", () => {
  it("joins, sees the lobby, invites a phone, mutes, removes, records a declined invite and leaves", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, actor } = await env.appointmentWithMeeting();

    // join: the Call row appears at once, established arrives by notification
    const call = await env.bot.joinAppointmentMeeting(appointmentId, actor);
    expect(call).toMatchObject({
      purpose: "MEETING_JOIN",
      direction: "OUTGOING",
      appointmentId,
      meetingId: meeting.id,
    });
    expect(call.graphCallId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor("established", async () => {
      const row = await db.call.findUniqueOrThrow({ where: { id: call.id } });
      return row.state === "established" && row;
    });
    expect((await env.bot.joinAppointmentMeeting(appointmentId, actor)).id).toBe(call.id);

    // a guest waits in the lobby
    const guest = await request(
      env.graph.emu,
      "POST",
      `/_emulator/meetings/${encodeURIComponent(meeting.graphMeetingId!)}/guests`,
      {
        body: { name: "Convidada" },
      },
    );
    expect(guest.status).toBe(201);
    const inLobby = await waitFor("guest in the lobby", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return roster.participants.find((p) => p.displayName === "Convidada" && p.isInLobby);
    });
    expect(inLobby.kind).toBe("guest");
    expect((await env.bot.rosterFor(call.id)).participants.some((p) => p.isBot)).toBe(true);

    // a phone that answers joins the roster, masked
    await setEndpoint(ANSWERS, "answer");
    const { operationId } = await env.bot.inviteToCall(call.id, { kind: "phone", e164: ANSWERS }, actor);
    const phone = await waitFor("phone in the roster", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return roster.participants.find((p) => p.kind === "phone");
    });
    expect(phone.displayName).toBe("•••• 4321");
    await waitFor("invite completed", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return roster.invitations.find((i) => i.operationId === operationId && i.outcome === "answered");
    });

    // mute, then remove
    await env.bot.muteParticipant(call.id, phone.graphParticipantId, actor);
    await waitFor("phone muted", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return roster.participants.find((p) => p.graphParticipantId === phone.graphParticipantId && p.isMuted);
    });
    await env.bot.removeParticipant(call.id, phone.graphParticipantId, actor);
    await waitFor("phone gone", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return !roster.participants.some((p) => p.graphParticipantId === phone.graphParticipantId);
    });
    const left = await db.callParticipant.findFirstOrThrow({
      where: { callId: call.id, graphParticipantId: phone.graphParticipantId },
    });
    expect(left.leftAt).not.toBeNull();

    // a declined invitation: the operation fails with the emulator's code and reads as declined
    await setEndpoint(DECLINES, "decline");
    const declined = await env.bot.inviteToCall(call.id, { kind: "phone", e164: DECLINES }, actor);
    const invitation = await waitFor("invite declined", async () => {
      const roster = await env.bot.rosterFor(call.id);
      return roster.invitations.find((i) => i.operationId === declined.operationId && i.status === "FAILED");
    });
    expect(invitation).toMatchObject({ outcome: "declined", resultCode: 603, label: "phone:•••• 5678" });

    // leave: terminated by notification, everyone marked as gone
    await env.bot.leaveCall(call.id, actor);
    const ended = await waitFor("terminated", async () => {
      const row = await db.call.findUniqueOrThrow({ where: { id: call.id } });
      return row.state === "terminated" && row;
    });
    expect(ended.endedAt).not.toBeNull();
    expect(ended.resultCode).toBe(200);
    expect((await env.bot.rosterFor(call.id)).participants).toEqual([]);

    // audited, with no phone number anywhere in the log
    const audit = await db.auditLog.findMany({ where: { entityId: call.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual([
      "graph.call.join",
      "graph.call.invite",
      "graph.call.mute",
      "graph.call.remove",
      "graph.call.invite",
      "graph.call.leave",
    ]);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toMatch(/\+?55119\d+/);
    const stored = JSON.stringify(await db.callParticipant.findMany({ where: { callId: call.id } }));
    expect(stored).not.toContain(ANSWERS);
  });

  it("roster updates that list only who changed keep everyone else; someone leaves when an update says so", async () => {
    // the mute example's update lists the muted person alone; a ringing invitee is listed without an id
    await forceEmulatorVariants(env.graph.emu, { roster: "delta", idlessInvitees: true });
    try {
      const { db } = env.database;
      const { appointmentId, meeting, actor } = await env.appointmentWithMeeting();
      const call = await env.bot.joinAppointmentMeeting(appointmentId, actor);
      await waitFor(
        "established",
        async () => (await db.call.findUnique({ where: { id: call.id } }))?.state === "established",
      );
      await request(
        env.graph.emu,
        "POST",
        `/_emulator/meetings/${encodeURIComponent(meeting.graphMeetingId!)}/guests`,
        {
          body: { name: "Convidada" },
        },
      );
      await waitFor("guest in the lobby", async () =>
        (await env.bot.rosterFor(call.id)).participants.some((p) => p.displayName === "Convidada"),
      );
      await setEndpoint(ANSWERS, "answer");
      await env.bot.inviteToCall(call.id, { kind: "phone", e164: ANSWERS }, actor);
      const phone = await waitFor("phone in the roster", async () =>
        (await env.bot.rosterFor(call.id)).participants.find((p) => p.kind === "phone"),
      );
      await env.bot.muteParticipant(call.id, phone.graphParticipantId, actor);
      await waitFor("phone muted", async () =>
        (await env.bot.rosterFor(call.id)).participants.some((p) => p.kind === "phone" && p.isMuted),
      );
      const kinds = async () => (await env.bot.rosterFor(call.id)).participants.map((p) => p.kind).sort();
      expect(await kinds()).toEqual(["application", "guest", "phone"]);
      await env.bot.removeParticipant(call.id, phone.graphParticipantId, actor);
      await waitFor("phone gone", async () => !(await kinds()).includes("phone"));
      expect(await kinds()).toEqual(["application", "guest"]);
      await env.bot.leaveCall(call.id, actor);
    } finally {
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it("a group call with one person is a peer-to-peer call: mute is not offered there, and refused", async () => {
    const { db } = env.database;
    const [one, two] = await Promise.all(
      ["0a1c2e30-2222-4a00-8000-000000000001", "0a1c2e30-2222-4a00-8000-000000000002"].map((entraObjectId) =>
        createUser(db, { role: "STAFF", entraObjectId }),
      ),
    );
    const actor = { id: one!.id, label: "staff" };
    const established = (id: string) =>
      waitFor("established", async () => (await db.call.findUnique({ where: { id } }))?.state === "established");

    const alone = await env.bot.startGroupCall([one!.id], actor);
    await established(alone.id);
    expect((await env.bot.rosterFor(alone.id)).call.canMute).toBe(false);
    const dashed = alone.graphCallId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    expect((await request(env.graph.emu, "GET", `/_emulator/calls/${dashed}`)).json.kind).toBe("p2p");
    await expect(env.bot.muteParticipant(alone.id, "anyone", actor)).rejects.toMatchObject({ code: "UNPROCESSABLE" });

    const group = await env.bot.startGroupCall([one!.id, two!.id], actor);
    await established(group.id);
    expect((await env.bot.rosterFor(group.id)).call.canMute).toBe(true);
    await env.bot.leaveCall(alone.id, actor);
    await env.bot.leaveCall(group.id, actor);
  });

  it("refuses to act on a call that has ended", async () => {
    const { appointmentId, actor } = await env.appointmentWithMeeting();
    const call = await env.bot.joinAppointmentMeeting(appointmentId, actor);
    await waitFor(
      "established",
      async () => (await env.database.db.call.findUnique({ where: { id: call.id } }))?.state === "established",
    );
    await env.bot.leaveCall(call.id, actor);
    await waitFor(
      "terminated",
      async () => (await env.database.db.call.findUnique({ where: { id: call.id } }))?.state === "terminated",
    );
    await expect(env.bot.inviteToCall(call.id, { kind: "phone", e164: ANSWERS }, actor)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(env.bot.muteParticipant(call.id, "nobody", actor)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
