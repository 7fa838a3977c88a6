// The bot's automatic attendance against the emulator: the sweep finds meetings to join N minutes before
// the start and calls to hang up at the end; the job's claim makes a join happen once, never for a
// cancelled or moved appointment, and never twice when sweeps and workers race.
import { describe, expect, it } from "vitest";
import { request } from "@/emulator/test/helpers";
import { rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { cancelAppointment } from "@/lib/appointments/mutations";
import { dueBotAttendance, type BotAttendanceJob } from "@/lib/bot/jobs";
import { parseJoinWebUrl } from "@/lib/bot/meeting-calls";
import { perFile } from "../helpers/per-file";
import { MEETING_BOOKED_AT, startMeetingBotEnv, waitFor } from "./bot-helpers";
import { addFault, clearFaults } from "./graph-helpers";

const MINUTES_BEFORE = 10;
const MINUTE = 60_000;

const env = perFile(startMeetingBotEnv);

const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MINUTE);

/** The sweep's jobs that concern one appointment (other tests' appointments live in the same database). */
async function sweepFor(appointmentId: string, now: Date): Promise<BotAttendanceJob[]> {
  const jobs = await dueBotAttendance(env.database.db, now, MINUTES_BEFORE);
  const callIds = new Set(
    (await env.database.db.call.findMany({ where: { appointmentId }, select: { id: true } })).map((c) => c.id),
  );
  return jobs.filter((j) => (j.action === "join" ? j.appointmentId === appointmentId : callIds.has(j.callId)));
}

const callState = (id: string, state: string) =>
  waitFor(state, async () => {
    const row = await env.database.db.call.findUniqueOrThrow({ where: { id } });
    return row.state === state && row;
  });

/** Calls the emulator holds in a meeting's chat thread that have not ended. */
async function activeEmulatorCallsIn(joinWebUrl: string): Promise<number> {
  const thread = parseJoinWebUrl(joinWebUrl)?.threadId;
  const res = await request(env.graph.emu, "GET", "/_emulator/calls?state=active");
  const calls = (res.json as { value: { threadId: string | null; kind: string }[] }).value;
  return calls.filter((c) => c.threadId === thread).length;
}

describe("the bot joins and leaves appointments' meetings by itself", () => {
  it("joins once, N minutes before the start, and not again after staff made it leave", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, actor, startsAt } = await env.appointmentWithMeeting();

    // too early: nothing queued, and a job that runs anyway does nothing
    expect(await sweepFor(appointmentId, at(startsAt, -MINUTES_BEFORE - 1))).toEqual([]);
    expect(await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -11), MINUTES_BEFORE)).toEqual({
      outcome: "skipped",
      reason: "too early",
    });
    // the feature off: no join at any time
    expect(await dueBotAttendance(db, at(startsAt, -5), 0)).toEqual([]);

    // the window opens
    const opens = at(startsAt, -MINUTES_BEFORE);
    expect(await sweepFor(appointmentId, opens)).toEqual([{ action: "join", appointmentId }]);
    const joined = await env.bot.autoJoinAppointmentMeeting(appointmentId, opens, MINUTES_BEFORE);
    expect(joined.outcome).toBe("joined");
    const call = joined.outcome === "joined" ? joined.call : undefined;
    expect(call).toMatchObject({ purpose: "MEETING_JOIN", appointmentId, meetingId: meeting.id, initiatedById: null });
    expect(call!.graphCallId).toMatch(/^[0-9a-f]{32}$/);
    await callState(call!.id, "established");
    expect(await activeEmulatorCallsIn(meeting.joinWebUrl!)).toBe(1);

    // while the bot is in, the sweep has nothing to do
    expect(await sweepFor(appointmentId, at(startsAt, -9))).toEqual([]);
    expect(await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -9), MINUTES_BEFORE)).toMatchObject({
      outcome: "skipped",
    });

    // staff make it leave: the automatic join does not bring it back for this appointment time
    await env.bot.leaveCall(call!.id, actor);
    await callState(call!.id, "terminated");
    expect(await sweepFor(appointmentId, at(startsAt, -5))).toEqual([]);
    expect(await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -5), MINUTES_BEFORE)).toEqual({
      outcome: "skipped",
      reason: "already joined once for this time",
    });
    expect(await db.call.count({ where: { appointmentId } })).toBe(1);

    // audited as the bot's own action
    const audit = await db.auditLog.findMany({
      where: { entityId: call!.id, action: "graph.call.join" },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, actorLabel: "bot-auto" });
    expect(audit[0]!.details).toMatchObject({ trigger: "automatic", minutesBefore: MINUTES_BEFORE, appointmentId });
  });

  it("does not join a cancelled appointment, and follows a moved one to its new time", async () => {
    const { db } = env.database;
    const cancelled = await env.appointmentWithMeeting();
    await cancelAppointment(db, cancelled.actor, cancelled.appointmentId, MEETING_BOOKED_AT, { enforceCutoff: false });
    expect(await sweepFor(cancelled.appointmentId, at(cancelled.startsAt, -5))).toEqual([]);
    await env.syncMeeting(cancelled.appointmentId);
    expect(
      await env.bot.autoJoinAppointmentMeeting(cancelled.appointmentId, at(cancelled.startsAt, -5), MINUTES_BEFORE),
    ).toMatchObject({ outcome: "skipped" });

    // moved two hours later: not at the old time, neither before nor after the meeting follows it
    const moved = await env.appointmentWithMeeting();
    const newStart = at(moved.startsAt, 120);
    await rescheduleAppointment(
      db,
      moved.actor,
      { appointmentId: moved.appointmentId, startsAt: newStart, idempotencyKey: `k-${crypto.randomUUID()}` },
      MEETING_BOOKED_AT,
    );
    expect(await sweepFor(moved.appointmentId, at(moved.startsAt, -5))).toEqual([]);
    // the meeting has not been moved yet: not even at the new time
    expect(await env.bot.autoJoinAppointmentMeeting(moved.appointmentId, at(newStart, -5), MINUTES_BEFORE)).toEqual({
      outcome: "skipped",
      reason: "meeting not at the appointment's time",
    });
    await env.syncMeeting(moved.appointmentId);
    expect(await sweepFor(moved.appointmentId, at(moved.startsAt, -5))).toEqual([]);
    expect(await sweepFor(moved.appointmentId, at(newStart, -5))).toEqual([
      { action: "join", appointmentId: moved.appointmentId },
    ]);
    expect(
      await db.call.count({ where: { appointmentId: { in: [cancelled.appointmentId, moved.appointmentId] } } }),
    ).toBe(0);
  });

  it("hangs up when the appointment ends, and when it is cancelled while the bot is in", async () => {
    const { db } = env.database;
    const { appointmentId, startsAt, endsAt } = await env.appointmentWithMeeting();
    const joined = await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -2), MINUTES_BEFORE);
    if (joined.outcome !== "joined") throw new Error(`expected a join, got ${joined.reason}`);
    await callState(joined.call.id, "established");

    // still running a minute before the end
    expect(await sweepFor(appointmentId, at(endsAt, -1))).toEqual([]);
    expect(await env.bot.autoLeaveMeeting(joined.call.id, at(endsAt, -1))).toEqual({
      outcome: "skipped",
      reason: "appointment still running",
    });
    // at the end
    expect(await sweepFor(appointmentId, endsAt)).toEqual([{ action: "leave", callId: joined.call.id }]);
    expect(await env.bot.autoLeaveMeeting(joined.call.id, endsAt)).toEqual({
      outcome: "left",
      reason: "appointment ended",
    });
    const ended = await callState(joined.call.id, "terminated");
    expect(ended.endedAt).not.toBeNull();
    // a second leave job (a duplicate) changes nothing
    expect(await env.bot.autoLeaveMeeting(joined.call.id, endsAt)).toEqual({
      outcome: "skipped",
      reason: "call already ended",
    });
    const leaves = await db.auditLog.findMany({ where: { entityId: joined.call.id, action: "graph.call.leave" } });
    expect(leaves).toHaveLength(1);
    expect(leaves[0]).toMatchObject({ actorLabel: "bot-auto" });
    expect(leaves[0]!.details).toMatchObject({ trigger: "automatic", reason: "appointment ended" });

    // cancelled while the bot is in: it leaves at once
    const other = await env.appointmentWithMeeting();
    const second = await env.bot.autoJoinAppointmentMeeting(
      other.appointmentId,
      at(other.startsAt, -1),
      MINUTES_BEFORE,
    );
    if (second.outcome !== "joined") throw new Error(`expected a join, got ${second.reason}`);
    await callState(second.call.id, "established");
    await cancelAppointment(db, other.actor, other.appointmentId, MEETING_BOOKED_AT, { enforceCutoff: false });
    expect(await sweepFor(other.appointmentId, at(other.startsAt, 1))).toEqual([
      { action: "leave", callId: second.call.id },
    ]);
    expect(await env.bot.autoLeaveMeeting(second.call.id, at(other.startsAt, 1))).toEqual({
      outcome: "left",
      reason: "appointment cancelled",
    });
    await callState(second.call.id, "terminated");
  });

  it("places one call when two sweeps, their jobs and a staff join race", async () => {
    const { db } = env.database;
    const { appointmentId, meeting, actor, startsAt } = await env.appointmentWithMeeting();
    const now = at(startsAt, -3);
    const [first, second] = await Promise.all([sweepFor(appointmentId, now), sweepFor(appointmentId, now)]);
    expect(first).toEqual([{ action: "join", appointmentId }]);
    expect(second).toEqual(first);

    // both sweeps' jobs run at once (two workers), and staff press "join" at the same moment
    const [a, b, manual] = await Promise.all([
      env.bot.autoJoinAppointmentMeeting(appointmentId, now, MINUTES_BEFORE),
      env.bot.autoJoinAppointmentMeeting(appointmentId, now, MINUTES_BEFORE),
      env.bot.joinAppointmentMeeting(appointmentId, actor),
    ]);
    const calls = await db.call.findMany({ where: { appointmentId } });
    expect(calls).toHaveLength(1);
    const placed = [a, b].filter((r) => r.outcome === "joined");
    expect(placed.length).toBeLessThanOrEqual(1);
    expect(manual.id).toBe(calls[0]!.id);
    await callState(calls[0]!.id, "established");
    expect(await activeEmulatorCallsIn(meeting.joinWebUrl!)).toBe(1);
    expect(await db.auditLog.count({ where: { entityId: calls[0]!.id, action: "graph.call.join" } })).toBe(1);
    await env.bot.leaveCall(calls[0]!.id, actor);
    await callState(calls[0]!.id, "terminated");
  });
  it("releases the claim when Graph refuses the join or the process dies, so the next sweep joins", async () => {
    const { db } = env.database;
    const { appointmentId, startsAt } = await env.appointmentWithMeeting();
    // throttled until the retries give up: Graph placed nothing (a 5xx would leave that unknown)
    await addFault(env.graph.emu, {
      method: "POST",
      path: "/v1.0/communications/calls",
      count: 0,
      action: { type: "throttle", retryAfterSeconds: 0 },
    });
    try {
      await expect(
        env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -5), MINUTES_BEFORE),
      ).rejects.toMatchObject({
        code: "RATE_LIMITED",
      });
    } finally {
      await clearFaults(env.graph.emu);
    }
    expect(await db.call.count({ where: { appointmentId } })).toBe(0);
    const failed = await db.auditLog.findFirstOrThrow({
      where: { action: "graph.call.join", entityType: "Appointment", entityId: appointmentId },
    });
    expect(failed).toMatchObject({ actorLabel: "bot-auto" });
    expect(failed.details).toMatchObject({ outcome: "failed", trigger: "automatic" });

    // a claim left by a process that died before Graph answered: after two minutes it blocks nothing
    const meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    const crashed = await db.call.create({
      data: {
        graphCallId: `pending:${crypto.randomUUID()}`,
        direction: "OUTGOING",
        purpose: "MEETING_JOIN",
        state: "establishing",
        appointmentId,
        meetingId: meeting.id,
        createdAt: at(startsAt, -5),
        updatedAt: new Date(Date.now() - 3 * MINUTE),
      },
    });

    expect(await sweepFor(appointmentId, at(startsAt, -4))).toEqual([{ action: "join", appointmentId }]);
    const joined = await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -4), MINUTES_BEFORE);
    if (joined.outcome !== "joined") throw new Error(`expected a join, got ${joined.reason}`);
    await callState(joined.call.id, "established");
    expect(await db.call.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({
      state: "terminated",
      outcome: "failed",
    });
    await env.bot.leaveCall(joined.call.id, { id: null, label: "test" });
    await callState(joined.call.id, "terminated");
  });

  it("a join answered 5xx after Graph placed it keeps its claim: nobody joins a second time meanwhile", async () => {
    const { db } = env.database;
    const { appointmentId, startsAt, meeting } = await env.appointmentWithMeeting();
    await addFault(env.graph.emu, {
      method: "POST",
      path: "/v1.0/communications/calls",
      count: 1,
      action: { type: "failAfter", status: 503 },
    });
    try {
      await expect(
        env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -5), MINUTES_BEFORE),
      ).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    } finally {
      await clearFaults(env.graph.emu);
    }
    // the emulator placed it once; the client did not send it again
    expect(await activeEmulatorCallsIn(meeting.joinWebUrl!)).toBe(1);
    const claim = await db.call.findFirstOrThrow({ where: { appointmentId } });
    expect(claim.graphCallId.startsWith("pending:")).toBe(true);
    expect(await env.bot.autoJoinAppointmentMeeting(appointmentId, at(startsAt, -4), MINUTES_BEFORE)).toMatchObject({
      outcome: "skipped",
      reason: "bot already in the meeting",
    });
    expect(await activeEmulatorCallsIn(meeting.joinWebUrl!)).toBe(1);
  });
});
