// Reminder calls end to end against the emulator: the patient's phone rings, the far end presses a key,
// and the appointment follows (confirmed, cancelled, or the call goes to reception); busy then answered
// on the retry. Nothing of the key pressed is stored or logged.
import { beforeEach, describe, expect, it } from "vitest";
import { systemActor } from "@/lib/audit/mutations";
import { CANCEL_NOT_CONFIRMED } from "@/lib/bot/flows/fold";
import { formatDate, formatTime } from "@/lib/format";
import { appointmentPhrase } from "@/lib/patient-messages/templates";
import { promptVersion } from "@/lib/prompts/store";
import { promptLocaleFor, promptText, withAppointment, type PromptKey } from "@/lib/prompts/texts";
import { STALLED_AFTER_MS } from "@/lib/reminders/flow-service";
import {
  callsTo,
  drain,
  appointmentFor,
  finishedReminder,
  setEndpoint,
  startReminderEnv,
  storedText,
} from "./reminders-helpers";
import { freshPhone, RECEPTION_OID } from "../helpers/telephony";
import { dieBeforeCommit, waitFor } from "./bot-helpers";
import { addFault, clearFaults, faultHits, forceEmulatorVariants } from "./graph-helpers";
import { perFile } from "../helpers/per-file";

const env = perFile(startReminderEnv);
beforeEach(() => env.captureLogs());

const pressing = (keys: string) => ({ mode: "answer", script: [{ type: "press", keys, afterPrompts: 1 }] });

async function remindAndFinish(phone: string) {
  const appointment = await appointmentFor(env, phone);
  const reminder = await env.service.scheduleReminder(appointment.id);
  expect(reminder).toMatchObject({ status: "SCHEDULED", appointmentVersion: 1 });
  expect(await drain(env)).toEqual(["placed"]);
  const done = await finishedReminder(env, appointment.id);
  return { appointment, done };
}

describe("reminder calls", () => {
  it("rings the patient; 1 confirms the appointment and the bot hangs up", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("1"));
    const { appointment, done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
    const { db } = env.database;
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe("CONFIRMED");
    const call = await waitFor("call terminated", async () => {
      const c = await db.call.findUniqueOrThrow({ where: { id: done.callId! } });
      return c.state === "terminated" && c;
    });
    expect(call).toMatchObject({ purpose: "REMINDER", appointmentId: appointment.id, resultCode: 200 });
    expect(call.counterpart).toMatch(/^•••• \d{4}$/);
    const [emulated] = await callsTo(env, phone);
    expect(emulated).toMatchObject({ state: "terminated" });
    // the reminder (its replay may have started when the key came), then the confirmation
    const prompts = await db.callOperation.findMany({
      where: { callId: call.id, kind: "playPrompt" },
      orderBy: { createdAt: "asc" },
    });
    expect(prompts.map((p) => p.clientContext).at(-1)).toBe("reminder:confirmed");
    expect(prompts.filter((p) => p.clientContext === "reminder:reminder").length).toBeGreaterThanOrEqual(1);
  });

  it("2 asks first; 2 again cancels the appointment and queues the meeting sync", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, {
      mode: "answer",
      script: [
        { type: "press", keys: "2", afterPrompts: 1 },
        { type: "press", keys: "2", afterPrompts: 2 },
      ],
    });
    const { appointment, done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "CANCELLED" });
    const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
    expect(row.status).toBe("CANCELLED");
    expect(env.meetingSyncs).toContain(appointment.id);
  });

  it("0 transfers the patient to reception", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, pressing("0"));
    const { appointment, done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "TRANSFERRED", detail: "transferred" });
    const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
    expect(row.status).toBe("BOOKED");
    const call = await env.database.db.call.findUniqueOrThrow({ where: { id: done.callId! } });
    expect(call).toMatchObject({ state: "terminated", outcome: "transferred" });
  });

  it("0 while reception is busy: the transfer fails, the patient hears goodbye and the bot hangs up (FAILED)", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "busy" });
    await setEndpoint(env, phone, pressing("0"));
    const { appointment, done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "FAILED" });
    const { db } = env.database;
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe("BOOKED");
    const call = await waitFor("call terminated", async () => {
      const c = await db.call.findUniqueOrThrow({ where: { id: done.callId! } });
      return c.state === "terminated" && c;
    });
    // ended by the bot after the goodbye, not by the transfer (7000, or another documented code of that ending)
    expect(call.resultCode).toBe(200);
    expect([7000, 10550, 5001]).toContain(call.resultSubcode);
    const prompts = await db.callOperation.findMany({
      where: { callId: call.id, kind: "playPrompt" },
      orderBy: { createdAt: "asc" },
    });
    expect(prompts.map((p) => p.clientContext).slice(-2)).toEqual(["reminder:transferring", "reminder:goodbye"]);
    const [emulated] = await callsTo(env, phone);
    expect(emulated).toMatchObject({ state: "terminated" });
  });

  it("every notification delivered twice: one call, confirmed once, one confirmation prompt", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("1"));
    await addFault(env.graph.emu, { target: "notification", pathRegex: ".*", count: 0, action: { type: "duplicate" } });
    try {
      const { appointment, done } = await remindAndFinish(phone);
      expect(done).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
      const { db } = env.database;
      expect((await db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe("CONFIRMED");
      expect(await callsTo(env, phone)).toHaveLength(1);
      expect(await db.call.count({ where: { appointmentId: appointment.id } })).toBe(1);
      await waitFor("call terminated", async () => {
        const call = await db.call.findUniqueOrThrow({ where: { id: done.callId! } });
        return call.state === "terminated";
      });
      const confirmations = await db.callOperation.count({
        where: { callId: done.callId!, kind: "playPrompt", clientContext: "reminder:confirmed" },
      });
      expect(confirmations).toBe(1);
      const confirmedAudits = await db.auditLog.count({
        where: { entityId: appointment.id, action: { contains: "confirm" } },
      });
      expect(confirmedAudits).toBe(1);
      // the emulator really sent the duplicates
      expect((await faultHits(env.graph.emu))[0]).toBeGreaterThan(3);
    } finally {
      await clearFaults(env.graph.emu);
    }
  });

  it("busy, then answered on the retry", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, { mode: "busy" });
    const appointment = await appointmentFor(env, phone);
    await env.service.scheduleReminder(appointment.id);
    expect(await drain(env)).toEqual(["placed"]);
    const { db } = env.database;
    const retrying = await waitFor("retry scheduled", async () => {
      const r = await db.reminder.findFirstOrThrow({ where: { appointmentId: appointment.id } });
      return r.status === "SCHEDULED" && r.attempts === 1 && r;
    });
    expect(retrying.detail).toBe("busy");
    await setEndpoint(env, phone, pressing("1"));
    expect(await drain(env, { waitMs: 3_000 })).toEqual(["placed"]);
    const done = await finishedReminder(env, appointment.id);
    expect(done).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 2 });
    expect(await callsTo(env, phone)).toHaveLength(2);
  });

  it("no key: plays the reminder twice, says goodbye and hangs up (NO_RESPONSE)", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, { mode: "answer" });
    const { done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "NO_RESPONSE" });
    const prompts = await env.database.db.callOperation.findMany({
      where: { callId: done.callId!, kind: "playPrompt" },
    });
    expect(prompts.map((p) => p.clientContext).sort()).toEqual([
      "reminder:goodbye",
      "reminder:reminder",
      "reminder:reminder",
    ]);
  });

  it("operation ids spelled as 32 hex digits in their completions still match the playPrompt that started them", async () => {
    // the playPrompt response says 0fe0623f-d628-…, its completion's resourceUrl …/operations/0FE0623FD628…
    await forceEmulatorVariants(env.graph.emu, { idSpelling: "hex" });
    try {
      const phone = freshPhone();
      await setEndpoint(env, phone, { mode: "answer" });
      const { done } = await remindAndFinish(phone);
      expect(done).toMatchObject({ status: "DONE", outcome: "NO_RESPONSE" });
      const prompts = await env.database.db.callOperation.findMany({
        where: { callId: done.callId!, kind: "playPrompt" },
      });
      // one row per operation, each finished by its notification
      expect(prompts.map((p) => [p.clientContext, p.status]).sort()).toEqual([
        ["reminder:goodbye", "COMPLETED"],
        ["reminder:reminder", "COMPLETED"],
        ["reminder:reminder", "COMPLETED"],
      ]);
    } finally {
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it("the reminder waits for the call's audio, which Graph reports after `established`", async () => {
    await forceEmulatorVariants(env.graph.emu, { mediaLater: true });
    try {
      const phone = freshPhone();
      await setEndpoint(env, phone, pressing("1"));
      const { done } = await remindAndFinish(phone);
      expect(done).toMatchObject({ status: "DONE", outcome: "CONFIRMED" });
      // nothing was played into the line before the patient could hear it
      const [emulated] = (await callsTo(env, phone)) as unknown as { promptsBeforeAudio: number }[];
      expect(emulated).toMatchObject({ promptsBeforeAudio: 0 });
    } finally {
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it("a process that dies as the call ends loses nothing: the next turn ends it once, with its outcome", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("1"));
    const appointment = await appointmentFor(env, phone);
    await env.service.scheduleReminder(appointment.id);
    // the worker dies after writing the outcome and its audit row, before its transaction commits: the
    // termination it applied, the flow's end and the outcome all roll back together
    const death = dieBeforeCommit(env.worker.sql, (values) => values.includes("reminder.outcome"));
    try {
      expect(await drain(env)).toEqual(["placed"]);
      expect(await finishedReminder(env, appointment.id)).toMatchObject({
        status: "DONE",
        outcome: "CONFIRMED",
        attempts: 1,
      });
    } finally {
      death.restore();
    }
    expect(death.deaths()).toBe(1);
    const { db } = env.database;
    const audits = await db.auditLog.findMany({ where: { action: "reminder.outcome", entityId: appointment.id } });
    expect(audits.map((a) => a.details)).toEqual([expect.objectContaining({ outcome: "CONFIRMED" })]);
    const call = await db.call.findFirstOrThrow({ where: { appointmentId: appointment.id } });
    expect(call).toMatchObject({ state: "terminated", flowAt: null, heldBy: null });
    expect(call.flow).toMatchObject({ state: { step: "done", outcome: "CONFIRMED" } });
  });

  it("a call whose flow lost its driver mid-call is hung up by the sweep and ends with the outcome reached", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("1"));
    const appointment = await appointmentFor(env, phone);
    await env.service.scheduleReminder(appointment.id);
    // the prompts' completions never reach the bot (each in a POST of its own, so nothing else is lost with
    // them): it confirms, then waits for its goodbye prompt to end
    await forceEmulatorVariants(env.graph.emu, { batched: false });
    await addFault(env.graph.emu, {
      target: "notification",
      pathRegex: "/operations/",
      count: 0,
      action: { type: "drop" },
    });
    try {
      expect(await drain(env)).toEqual(["placed"]);
      const { db } = env.database;
      const waiting = await waitFor("the confirmation prompt started", async () => {
        const call = await db.call.findFirst({ where: { appointmentId: appointment.id } });
        const flow = call?.flow as { state?: { step?: string; outcome?: string } } | null;
        return flow?.state?.step === "closing" && call?.heldBy === null && call;
      });
      expect(waiting.flow).toMatchObject({ state: { outcome: "CONFIRMED" } });
      const sweeper = env.newProcess();
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 0 });

      // as if it had not moved for the stall time (the sweep reads the database's clock)
      await db.$executeRaw`
        UPDATE "Call" SET "flowAt" = now() - make_interval(secs => ${STALLED_AFTER_MS / 1000 + 1})
        WHERE id = ${waiting.id}::uuid`;
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 1 });
      expect(await finishedReminder(env, appointment.id)).toMatchObject({
        status: "DONE",
        outcome: "CONFIRMED",
        attempts: 1,
      });
      const [call] = await callsTo(env, phone);
      expect(call).toMatchObject({ state: "terminated" });
      expect(await callsTo(env, phone)).toHaveLength(1);
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 0 });
    } finally {
      await clearFaults(env.graph.emu);
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it("keeps no tone value in the database or the logs", async () => {
    const stored = await storedText(env.database.db);
    expect(stored).not.toMatch(/tone[0-9]|"tone"|toneInfo/);
    const logs = env.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toMatch(/tone[0-9]|"tone":|toneInfo|"key":/);
    // the reminder rows carry outcomes, and the calls' flows hold no key
    const calls = await env.database.db.call.findMany();
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(JSON.stringify(c.flow ?? {})).not.toMatch(/"key"|tone/);
  });
});

describe("what the reminder call says", () => {
  /** The sentence the patient hears for `key`, about this appointment, as the store synthesizes it. */
  async function sentence(appointment: { patientId: string; clinicianId: string; startsAt: Date }, key: PromptKey) {
    const { db } = env.database;
    const patient = await db.patient.findUniqueOrThrow({ where: { id: appointment.patientId } });
    const clinician = await db.user.findUniqueOrThrow({ where: { id: appointment.clinicianId } });
    const locale = promptLocaleFor(patient.locale);
    const phrase = appointmentPhrase(locale, {
      startsAt: appointment.startsAt,
      zone: patient.timeZone,
      clinicianName: clinician.name,
    });
    const text = withAppointment(promptText(locale, key), locale, phrase);
    return { text, path: `/api/prompts/${locale}/${key}.wav?v=${promptVersion(locale, text)}`, patient, clinician };
  }

  const synthesizedCount = (text: string) => env.synthesized.filter((s) => s.text === text).length;

  it("en, a patient in Kathmandu: the day, their time and the clinician, in the reminder and the confirmation", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("1"));
    const appointment = await appointmentFor(env, phone);
    await env.database.db.patient.update({
      where: { id: appointment.patientId },
      data: { locale: "en", timeZone: "Asia/Kathmandu" },
    });
    await env.service.scheduleReminder(appointment.id);
    expect(await drain(env)).toEqual(["placed"]);
    expect(await finishedReminder(env, appointment.id)).toMatchObject({ outcome: "CONFIRMED" });
    const reminder = await sentence(appointment, "reminder");
    const confirmed = await sentence(appointment, "confirmed");
    expect(reminder.text).toContain(
      `remind you of your appointment on ${formatDate(appointment.startsAt, "Asia/Kathmandu", "en", "full")}`,
    );
    expect(reminder.text).toContain(`at ${formatTime(appointment.startsAt, "Asia/Kathmandu", "en")}`);
    expect(reminder.text).toContain(`with ${reminder.clinician.name}`);
    expect(confirmed.text).toMatch(/^We have confirmed your appointment on .+ with /);
    // the emulator fetched the audio of exactly these sentences to play them, synthesized once each
    expect(env.promptRequests).toEqual(expect.arrayContaining([reminder.path, confirmed.path]));
    expect(synthesizedCount(reminder.text)).toBe(1);
    expect(synthesizedCount(confirmed.text)).toBe(1);
    expect(env.synthesized.find((s) => s.text === reminder.text)?.locale).toBe("en");
    // and the patient's phone heard them (the emulator's text-to-speech carries the words in its audio)
    const [emulated] = (await callsTo(env, phone)) as unknown as { heard: string[] }[];
    expect(emulated!.heard[0]).toBe(reminder.text);
    expect(emulated!.heard.at(-1)).toBe(confirmed.text);
  });

  it("pt-BR: 2 then silence keeps the appointment and says so (recorded); the same sentences are synthesized once", async () => {
    const phone = freshPhone();
    await setEndpoint(env, phone, pressing("2"));
    const { appointment, done } = await remindAndFinish(phone);
    expect(done).toMatchObject({ status: "DONE", outcome: "NO_RESPONSE", detail: CANCEL_NOT_CONFIRMED });
    const { db } = env.database;
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe("BOOKED");
    const ops = await db.callOperation.findMany({
      where: { callId: done.callId!, kind: "playPrompt" },
      orderBy: { createdAt: "asc" },
    });
    // the question, asked again after silence, then "nothing was cancelled"
    expect(ops.map((o) => o.clientContext).slice(-3)).toEqual([
      "reminder:cancelCheck",
      "reminder:cancelCheck",
      "reminder:kept",
    ]);
    const check = await sentence(appointment, "cancelCheck");
    const kept = await sentence(appointment, "kept");
    expect(check.text).toMatch(
      /^Você pediu para cancelar sua consulta em .+ às \d{2}:\d{2} com .+\. Para cancelar, tecle 2/,
    );
    expect(kept.text).toContain("Nada foi cancelado: sua consulta em ");
    expect(env.promptRequests).toEqual(expect.arrayContaining([check.path, kept.path]));
    // played twice, made once
    expect(synthesizedCount(check.text)).toBe(1);
    const audit = await db.auditLog.findFirstOrThrow({
      where: { action: "reminder.outcome", entityId: appointment.id },
    });
    expect(audit.details).toMatchObject({ outcome: "NO_RESPONSE" });

    // staff call again: the same reminder sentence is not synthesized a second time (cached by its text)
    const reminder = await sentence(appointment, "reminder");
    expect(synthesizedCount(reminder.text)).toBe(1);
    await setEndpoint(env, phone, pressing("1"));
    await env.service.remindNow(appointment.id, systemActor("test"));
    expect(await drain(env)).toEqual(["placed"]);
    expect(await finishedReminder(env, appointment.id)).toMatchObject({ outcome: "CONFIRMED", attempts: 2 });
    expect(env.promptRequests.filter((p) => p === reminder.path).length).toBeGreaterThanOrEqual(2);
    expect(synthesizedCount(reminder.text)).toBe(1);
  });
});
