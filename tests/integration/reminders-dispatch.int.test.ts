// Exactly one reminder call per appointment version: duplicate scheduling collapses (pg-boss singletonKey
// + the row's conditional claim), a moved appointment's old reminder is never placed, a 429 storm while
// dialing still places one call, and the concurrent-call cap holds.
import { beforeEach, describe, expect, it } from "vitest";
import { reminderForAppointment } from "@/lib/reminders/data";
import { dispatchWithinCap, listenForReminderSlots } from "@/lib/reminders/jobs";
import { ReminderCapacityReached } from "@/lib/reminders/dispatch-service";
import { reminderService } from "@/lib/reminders/service";
import { addFault, clearFaults, faultHits } from "./graph-helpers";
import { appointmentFor, callsTo, drain, finishedReminder, setEndpoint, startReminderEnv } from "./reminders-helpers";
import { freshPhone } from "../helpers/telephony";
import { perFile } from "../helpers/per-file";

const env = perFile(startReminderEnv);
beforeEach(() => env.captureLogs());

const confirming = { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] };

describe("reminder dispatch", () => {
  it("collapses duplicate scheduling into one call", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, confirming);
    const appointment = await appointmentFor(env, phone);
    const [a, b, c] = await Promise.all([
      env.service.scheduleReminder(appointment.id),
      env.service.scheduleReminder(appointment.id),
      env.service.scheduleReminder(appointment.id),
    ]);
    expect(new Set([a!.id, b!.id, c!.id]).size).toBe(1);
    const mine = env.sends.filter((s) => s.singletonKey.startsWith(appointment.id));
    expect(mine).toHaveLength(3);
    expect(mine.filter((s) => s.created)).toHaveLength(1);
    // and even if two jobs for the same attempt reach two workers at once, one claim wins
    await env.boss.send("reminder-dispatch", { reminderId: a!.id, attempt: 0 }, { singletonKey: "duplicate-by-hand" });
    expect((await drain(env, { parallel: 5 })).sort()).toEqual(["not-claimed", "placed"]);
    const done = await finishedReminder(env, appointment.id);
    expect(done).toMatchObject({ outcome: "CONFIRMED", attempts: 1 });
    expect(await callsTo(env, phone)).toHaveLength(1);
    expect(await env.database.db.reminder.count({ where: { appointmentId: appointment.id } })).toBe(1);
  });

  it("never places a moved appointment's old reminder", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, confirming);
    const appointment = await appointmentFor(env, phone);
    const old = await env.service.scheduleReminder(appointment.id);
    // moved (what rescheduleAppointment does: new time, version + 1) before the job runs
    const { db } = env.database;
    await db.appointment.update({
      where: { id: appointment.id },
      data: { version: { increment: 1 }, startsAt: new Date(appointment.startsAt.getTime() + 20 * 60_000) },
    });
    expect(await env.service.dispatch({ reminderId: old!.id, attempt: 0 })).toBe("skipped");
    expect(await db.reminder.findUniqueOrThrow({ where: { id: old!.id } })).toMatchObject({
      status: "SKIPPED",
      detail: "appointment moved, cancelled or past",
    });
    expect(await callsTo(env, phone)).toHaveLength(0);
    // the new version gets its own reminder, and that one rings
    const fresh = await env.service.scheduleReminder(appointment.id);
    expect(fresh).toMatchObject({ appointmentVersion: 2, status: "SCHEDULED" });
    // the old version's queued job is drained too, and finds nothing to claim
    expect((await drain(env)).sort()).toEqual(["not-claimed", "placed"]);
    expect(await finishedReminder(env, appointment.id)).toMatchObject({ appointmentVersion: 2, outcome: "CONFIRMED" });
    expect(await callsTo(env, phone)).toHaveLength(1);
    expect(await reminderForAppointment(db, appointment.id)).toMatchObject({
      current: true,
      status: "DONE",
      outcome: "CONFIRMED",
    });
  });

  it("a cancelled appointment's reminder is skipped", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    const reminder = await env.service.scheduleReminder(appointment.id);
    await env.database.db.appointment.update({
      where: { id: appointment.id },
      data: { status: "CANCELLED", version: { increment: 1 } },
    });
    expect(await env.service.dispatch({ reminderId: reminder!.id, attempt: 0 })).toBe("skipped");
    expect(await callsTo(env, phone)).toHaveLength(0);
  });

  it("a 429 storm while dialing still places exactly one call", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, confirming);
    const appointment = await appointmentFor(env, phone);
    await env.service.scheduleReminder(appointment.id);
    await addFault(env.graph.emu, {
      target: "request",
      method: "POST",
      path: "/v1.0/communications/calls",
      count: 4,
      action: { type: "throttle", retryAfterSeconds: 0 },
    });
    try {
      // (the previous test's cancelled reminder job is drained too: not claimed)
      expect((await drain(env, { parallel: 3 })).filter((r) => r !== "not-claimed")).toEqual(["placed"]);
      expect(await faultHits(env.graph.emu)).toEqual([4]);
    } finally {
      await clearFaults(env.graph.emu);
    }
    expect(await finishedReminder(env, appointment.id)).toMatchObject({ outcome: "CONFIRMED", attempts: 1 });
    expect(await callsTo(env, phone)).toHaveLength(1);
  });

  it.each([
    ["a 503", { type: "failAfter", status: 503 }],
    ["a 504", { type: "failAfter", status: 504 }],
    ["no answer at all", { type: "dropAfter", afterMs: 10 }],
  ])(
    "Graph placed the call but answered with %s: the phone rings once, the reminder is not dialled again",
    async (_, action) => {
      const phone = freshPhone();
      await setEndpoint(env, phone, { mode: "answer" });
      const appointment = await appointmentFor(env, phone);
      await env.service.scheduleReminder(appointment.id);
      await addFault(env.graph.emu, {
        target: "request",
        method: "POST",
        path: "/v1.0/communications/calls",
        count: 1,
        action,
      });
      try {
        expect((await drain(env, { waitMs: 1_500 })).filter((r) => r !== "not-claimed")).toEqual(["failed"]);
      } finally {
        await clearFaults(env.graph.emu);
      }
      expect(await finishedReminder(env, appointment.id)).toMatchObject({
        status: "DONE",
        outcome: "FAILED",
        attempts: 1,
      });
      expect(await callsTo(env, phone)).toHaveLength(1);
      // nothing left in the queue to dial it again
      expect((await drain(env, { waitMs: 1_500 })).filter((r) => r !== "not-claimed")).toEqual([]);
      expect(await callsTo(env, phone)).toHaveLength(1);
    },
  );

  it("does not exceed the concurrent-call cap", async () => {
    const { db } = env.database;
    const limited = reminderService({ ...env.deps, maxConcurrentCalls: 2 });
    // two calls in progress fill a cap of 2
    const busy = await Promise.all([appointmentFor(env, freshPhone()), appointmentFor(env, freshPhone())]);
    for (const a of busy)
      await db.reminder.create({
        data: {
          appointmentId: a.id,
          appointmentVersion: 1,
          dueAt: new Date(),
          status: "CALLING",
          claimedAt: new Date(),
          attempts: 1,
        },
      });
    const phone = freshPhone();
    await setEndpoint(env, phone, confirming);
    const appointment = await appointmentFor(env, phone);
    const reminder = await limited.scheduleReminder(appointment.id);
    await expect(limited.dispatch({ reminderId: reminder!.id, attempt: 0 })).rejects.toBeInstanceOf(
      ReminderCapacityReached,
    );
    expect(await db.reminder.findUniqueOrThrow({ where: { id: reminder!.id } })).toMatchObject({
      status: "SCHEDULED",
      attempts: 0,
    });
    expect(await callsTo(env, phone)).toHaveLength(0);
    // a slot frees up: the queue's retry places it
    await db.reminder.updateMany({
      where: { appointmentId: busy[0]!.id },
      data: { status: "DONE", outcome: "CONFIRMED" },
    });
    expect(await limited.dispatch({ reminderId: reminder!.id, attempt: 0 })).toBe("placed");
    expect(await drain(env)).toEqual(["not-claimed"]); // the queued job finds nothing left to claim
    expect(await finishedReminder(env, appointment.id)).toMatchObject({ outcome: "CONFIRMED" });
    expect(await callsTo(env, phone)).toHaveLength(1);
  });

  it("a dispatch waiting at the cap goes on as soon as a reminder call ends, not at its next look", async () => {
    // earlier tests left claims in progress: one more call fills the cap
    const inProgress = await env.database.db.reminder.count({ where: { status: "CALLING" } });
    const limited = reminderService({ ...env.deps, maxConcurrentCalls: inProgress + 1 });
    const stopListening = await listenForReminderSlots(env.worker.sql);
    try {
      // one call in progress fills the cap: its patient answers after 1.5 s and confirms
      const first = freshPhone();
      await setEndpoint(env, first, { ...confirming, ringDelayMs: 1_500 });
      const busy = await appointmentFor(env, first);
      const placed = await limited.scheduleReminder(busy.id);
      const second = freshPhone();
      await setEndpoint(env, second, confirming);
      const waiting = await appointmentFor(env, second);
      const next = await limited.scheduleReminder(waiting.id);
      expect(await limited.dispatch({ reminderId: placed!.id, attempt: 0 })).toBe("placed");
      // it would look again only after a minute: the first call's end wakes it
      const started = Date.now();
      const result = dispatchWithinCap(
        (job) => limited.dispatch(job),
        { reminderId: next!.id, attempt: 0 },
        {
          waitMs: 60_000,
          lookMs: 60_000,
        },
      );
      expect(await result).toBe("placed");
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await finishedReminder(env, busy.id)).toMatchObject({ outcome: "CONFIRMED" });
      expect(await finishedReminder(env, waiting.id)).toMatchObject({ outcome: "CONFIRMED" });
    } finally {
      await stopListening();
    }
  });
});
