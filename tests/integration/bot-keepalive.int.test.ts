// The bot keeps the calls it holds alive: Graph ends a call that has had no keepAlive for 45 minutes
// (408/8537). The emulator's clock is moved forward instead of waiting an hour.
import { describe, expect, it } from "vitest";
import { request } from "@/emulator/test/helpers";
import { systemActor } from "@/lib/audit/mutations";
import { KEEPALIVE_EVERY_MS } from "@/lib/bot/runtime/engine";
import { startMeetingBotEnv, waitFor } from "./bot-helpers";
import { perFile } from "../helpers/per-file";

const env = perFile(startMeetingBotEnv);

const minutes = (n: number) => n * 60_000;

async function advanceEmulator(ms: number) {
  const res = await request(env.graph.emu, "POST", "/_emulator/clock/advance", { body: { ms } });
  expect(res.status).toBe(200);
}

async function emulatedState(graphCallId: string) {
  const dashed = graphCallId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  return (await request(env.graph.emu, "GET", `/_emulator/calls/${dashed}`)).json as {
    state: string;
    resultInfo: { code: number; subcode: number } | null;
  };
}

async function joinedCall() {
  const { db } = env.database;
  const { appointmentId, actor } = await env.appointmentWithMeeting();
  const call = await env.bot.joinAppointmentMeeting(appointmentId, actor);
  return waitFor("established", async () => {
    const row = await db.call.findUniqueOrThrow({ where: { id: call.id } });
    return row.state === "established" && row;
  });
}

describe("keepAlive", () => {
  it("a meeting the bot attends for an hour and a half stays up: the sweep sends a keepAlive every 15 minutes", async () => {
    const { db } = env.database;
    const call = await joinedCall();
    const start = Date.now();
    // nothing is due before 15 minutes
    expect(await env.runtime.keepAlive(new Date(start + minutes(5)))).toMatchObject({ sent: 0 });
    for (let at = 16; at <= 91; at += 15) {
      await advanceEmulator(minutes(15));
      // the sweep passes over a call a turn holds, and its next run sends it: the roster updates the clock's
      // advance brings may be applied at any moment around here, so the sweep runs again until it has sent
      const sentAt = new Date(start + minutes(at));
      await waitFor("the keepAlive sent", async () => {
        const swept = await env.runtime.keepAlive(sentAt);
        expect(swept.failed).toBe(0);
        return swept.sent === 1;
      });
      expect((await db.call.findUniqueOrThrow({ where: { id: call.id } })).keepAliveAt).toEqual(sentAt);
    }
    expect(await emulatedState(call.graphCallId)).toMatchObject({ state: "established" });
    expect((await db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("established");
    await env.bot.leaveCall(call.id, systemActor("test"));
  });

  it("without keepAlives Graph ends the call after 45 minutes (408/8537), and the call log says why", async () => {
    const { db } = env.database;
    const call = await joinedCall();
    await advanceEmulator(minutes(46));
    const ended = await waitFor("terminated", async () => {
      const row = await db.call.findUniqueOrThrow({ where: { id: call.id } });
      return row.state === "terminated" && row;
    });
    expect(ended).toMatchObject({ resultCode: 408, resultSubcode: 8537, outcome: "keep-alive-timeout" });
  });

  it("a call Graph no longer knows (its end never reached the bot) is closed by the keepAlive sweep", async () => {
    const { db } = env.database;
    const call = await joinedCall();
    // Graph ends the call (no keepAlive for 45 minutes) but its termination is lost on the way
    const fault = await request(env.graph.emu, "POST", "/_emulator/faults", {
      body: { target: "notification", path: `**/${call.graphCallId.slice(0, 8)}*`, count: 0, action: { type: "drop" } },
    });
    expect(fault.status).toBe(201);
    try {
      await advanceEmulator(minutes(46));
      await new Promise((r) => setTimeout(r, 200));
      const result = await env.runtime.keepAlive(new Date(Date.now() + KEEPALIVE_EVERY_MS + 1));
      expect(result).toMatchObject({ gone: 1 });
      // applied as its termination would have been: the call's flow has ended too
      expect(await db.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
        state: "terminated",
        outcome: "ended",
        flow: { step: "done" },
        heldBy: null,
      });
    } finally {
      await request(env.graph.emu, "DELETE", "/_emulator/faults");
    }
  });
});
