// The clinic line end to end against the emulator: a caller dials the clinic and the rules reject or
// redirect the call, or the IVR answers it — keys confirm or go to reception, a spoken request to cancel is
// asked about before anything is cancelled.
// Afterwards neither the database nor the logs hold a key, a transcript or a recording location/token.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DateTime } from "luxon";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setDbForTests } from "@/lib/db";
import { cachedPromptTexts } from "@/lib/prompts/data";
import { savePromptText } from "@/lib/prompts/mutations";
import { createPromptStore, promptVersion } from "@/lib/prompts/store";
import { formatTime } from "@/lib/format";
import { appointmentPhrase } from "@/lib/patient-messages/templates";
import { promptText, withAppointment } from "@/lib/prompts/texts";
import { createUser } from "../helpers/factories";
import { waitFor } from "./bot-helpers";
import { emulatorSpeech, forceEmulatorVariants } from "./graph-helpers";
import {
  appointmentFor,
  callClinic,
  emulatorCall,
  finishedCall,
  promptsPlayed,
  recordingSecrets,
  setEndpoint,
  startLineEnv,
  storedText,
  ZONE,
  type LineTestEnv,
} from "./clinic-line-helpers";
import { perFile } from "../helpers/per-file";
import { freshPhone, RECEPTION_OID } from "../helpers/telephony";

const ON_CALL = "0a1c2e30-1111-4a00-8000-000000000001"; // Dra. Ana Ribeiro

const promptDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-line-texts-"));
// removed after the environment below has stopped (hooks after the tests run in reverse)
afterAll(() => fs.rmSync(promptDir, { recursive: true, force: true }));
// the app's wiring: prompt texts from the database (admins' overrides), audio cached by the text's hash
const env: LineTestEnv = perFile(() =>
  startLineEnv(
    {},
    {
      prompts: createPromptStore({
        cacheDir: promptDir,
        // read afresh on every prompt, from the database the environment creates
        textFor: (locale, key) => cachedPromptTexts(env.database.db, 0).textFor(locale, key),
        // the emulator's text-to-speech, once it is up
        synth: (text, locale) => emulatorSpeech(env.graph)(text, locale),
      }),
    },
  ),
);
beforeAll(() => setDbForTests(env.database.db));
beforeEach(() => env.captureLogs());
afterEach(async () => {
  await env.database.db.clinicLineRule.deleteMany();
});

const audited = (action: string, callId: string) =>
  waitFor(action, () => env.database.db.auditLog.findFirst({ where: { action, entityId: callId } }), 20_000);

describe("clinic line", () => {
  it("rejects a blocklisted caller", async () => {
    const phone = freshPhone();
    const rule = await env.database.db.clinicLineRule.create({
      data: { kind: "BLOCK", callerPattern: phone, label: "spam" },
    });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["rejected"]);
    expect(call).toMatchObject({ direction: "INCOMING", purpose: "CLINIC_LINE" });
    expect(call.counterpart).toMatch(/^•••• \d{4}$/);
    const audit = await audited("clinic-line.reject", call.id);
    expect(audit.details).toMatchObject({ ruleId: rule.id });
    await waitFor(
      "the emulator ended the call",
      async () => (await emulatorCall(env, graphCallId))?.state === "terminated",
      20_000,
    );
    // later notifications of the rejected call do not overwrite the outcome
    expect((await env.database.db.call.findUniqueOrThrow({ where: { id: call.id } })).outcome).toBe("rejected");
  });

  it("redirects an after-hours call to the on-call clinician", async () => {
    await setEndpoint(env, `user:${ON_CALL}`, { mode: "answer" });
    const local = DateTime.now().setZone(ZONE);
    const minute = local.hour * 60 + local.minute;
    // "after hours" is whatever window contains now (it may span midnight)
    await env.database.db.clinicLineRule.create({
      data: {
        kind: "REDIRECT",
        startMinute: (minute + 1440 - 5) % 1440,
        endMinute: (minute + 60) % 1440,
        redirectTarget: ON_CALL,
        label: "after hours",
      },
    });
    const graphCallId = await callClinic(env, freshPhone());
    const call = await finishedCall(env, graphCallId, ["redirected"]);
    await audited("clinic-line.redirect", call.id);
    expect((await emulatorCall(env, graphCallId))?.redirectedTo).toEqual([`user:${ON_CALL}`]);
    expect((await env.database.db.call.findUniqueOrThrow({ where: { id: call.id } })).outcome).toBe("redirected");
  });

  it("1 confirms the caller's next appointment and the bot hangs up", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["confirmed"]);
    expect(call.appointmentId).toBe(appointment.id);
    const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
    expect(row.status).toBe("CONFIRMED");
    const prompts = await promptsPlayed(env, call.id);
    expect(prompts[0]).toBe("line:lineMenu");
    expect(prompts.at(-1)).toBe("line:confirmed");
  });

  it("an English caller's 1 hears which appointment was confirmed: its day, their time and the clinician", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone, "en");
    const patient = await env.database.db.patient.update({
      where: { id: appointment.patientId },
      data: { timeZone: "Europe/Lisbon" },
    });
    const clinician = await env.database.db.user.findUniqueOrThrow({ where: { id: appointment.clinicianId } });
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const call = await finishedCall(env, await callClinic(env, phone), ["confirmed"]);
    expect(call.appointmentId).toBe(appointment.id);
    const phrase = appointmentPhrase("en", {
      startsAt: appointment.startsAt,
      zone: patient.timeZone,
      clinicianName: clinician.name,
    });
    const said = withAppointment(promptText("en", "confirmed"), "en", phrase);
    expect(said).toContain(`at ${formatTime(appointment.startsAt, "Europe/Lisbon", "en")} with ${clinician.name}`);
    // the emulator fetched that sentence's audio to play it
    expect(env.promptRequests).toContain(`/api/prompts/en/confirmed.wav?v=${promptVersion("en", said)}`);
    // the flow forgot the appointment with the patient when it ended
    const stored = await env.database.db.call.findUniqueOrThrow({ where: { id: call.id } });
    expect(stored.flow).toMatchObject({ about: null, patientId: null });
  });

  it("2 asks first, naming the next appointment; 2 again cancels it; 2 then silence keeps it (kept)", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, {
      mode: "answer",
      script: [
        { type: "press", keys: "2", afterPrompts: 1 },
        { type: "press", keys: "2", afterPrompts: 2 },
      ],
    });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["cancelled"]);
    expect(call.appointmentId).toBe(appointment.id);
    const { db } = env.database;
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe("CANCELLED");
    // the menu, the question (after the spoken-answer prompt, or asked again, as the keys fall), then the cancellation
    const played = await promptsPlayed(env, call.id);
    expect(played[0]).toBe("line:lineMenu");
    expect(played).toContain("line:cancelCheck");
    expect(played.at(-1)).toBe("line:cancelled");
    const heard = ((await emulatorCall(env, graphCallId)) as unknown as { heard: string[] }).heard;
    expect(heard.find((h) => h.startsWith("Você pediu"))).toMatch(
      /^Você pediu para cancelar sua consulta em .+ às \d{2}:\d{2} com .+\. Para cancelar, tecle 2/,
    );
    expect(heard.at(-1)).toMatch(/^Cancelamos sua consulta em .+ às \d{2}:\d{2} com /);

    // another caller presses 2 and then nothing: asked twice, nothing cancelled, the call's outcome says so
    const quiet = freshPhone();
    const kept = await appointmentFor(env, quiet);
    await setEndpoint(env, quiet, { mode: "answer", script: [{ type: "press", keys: "2", afterPrompts: 1 }] });
    const keptCall = await finishedCall(env, await callClinic(env, quiet), ["kept"]);
    expect((await db.appointment.findUniqueOrThrow({ where: { id: kept.id } })).status).toBe("BOOKED");
    expect(await promptsPlayed(env, keptCall.id)).toEqual([
      "line:lineMenu",
      "line:cancelCheck",
      "line:cancelCheck",
      "line:kept",
    ]);
    await audited("clinic-line.outcome", keptCall.id);
  });

  it("the menu waits for the call's audio, which Graph reports after `established`", async () => {
    await forceEmulatorVariants(env.graph.emu, { mediaLater: true });
    try {
      const phone = freshPhone();
      await appointmentFor(env, phone);
      await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
      const graphCallId = await callClinic(env, phone);
      const call = await finishedCall(env, graphCallId, ["confirmed"]);
      expect((await promptsPlayed(env, call.id))[0]).toBe("line:lineMenu");
      // nothing was played into the line before the caller could hear it
      expect(await emulatorCall(env, graphCallId)).toMatchObject({ promptsBeforeAudio: 0 });
    } finally {
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it("0 transfers the caller to reception", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "0", afterPrompts: 1 }] });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["transferred"]);
    expect(call.resultSubcode).toBe(7015);
    // reception's phone rang and picked up: the caller now talks to reception, without the bot
    const emulated = await emulatorCall(env, graphCallId);
    expect(emulated?.transfer).toMatchObject({ outcome: "answered", answeredBy: `user:${RECEPTION_OID}` });
    expect(emulated?.transfer?.legs.map((l) => [l.endpoint, l.state])).toEqual([
      [`phone:${phone}`, "connected"],
      [`user:${RECEPTION_OID}`, "connected"],
    ]);
  });

  it("0 rings reception; when reception declines, the caller hears goodbye and the bot hangs up (failed)", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "decline" });
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "0", afterPrompts: 1 }] });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["failed"]);
    // the transfer came back (call still established), so the bot said goodbye and ended the call itself
    // the bot's hang-up: 7000, or another documented code of the same ending (emulator/variants.ts endCode)
    expect(call.resultCode).toBe(200);
    expect([7000, 10550, 5001]).toContain(call.resultSubcode);
    expect((await promptsPlayed(env, call.id)).slice(-2)).toEqual(["line:transferring", "line:goodbye"]);
    const emulated = await emulatorCall(env, graphCallId);
    expect(emulated?.transfer).toMatchObject({
      target: `user:${RECEPTION_OID}`,
      outcome: "failed",
      resultInfo: { code: 500, subcode: 7000 },
      ringResult: { code: 603 },
    });
  });

  it("plays the menu text an admin saved, fetched under the new text's version", async () => {
    const admin = await createUser(env.database.db, { role: "ADMIN" });
    const saved = await savePromptText(
      { id: admin.id, label: admin.name },
      { locale: "pt-BR", key: "lineMenu", text: "Clínica Aurora. Tecle zero para a recepção.", expectedUpdatedAt: "" },
    );
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "0", afterPrompts: 1 }] });
    await finishedCall(env, await callClinic(env, phone), ["transferred"]);
    const menus = env.promptRequests.filter((r) => r.startsWith("/api/prompts/pt-BR/lineMenu.wav"));
    expect(menus.at(-1)).toBe(`/api/prompts/pt-BR/lineMenu.wav?v=${saved.version}`);
    expect(saved.version).not.toBe(promptVersion("pt-BR", promptText("pt-BR", "lineMenu")));
    // the audio was synthesized for the new text and cached under its hash
    expect(fs.readdirSync(promptDir)).toContain(`pt-BR-lineMenu-${saved.version}.wav`);
    await env.database.db.promptText.deleteMany();
  });

  it("a caller with no appointment who presses 1 goes to reception", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const call = await finishedCall(env, await callClinic(env, phone), ["transferred"]);
    expect(call.appointmentId).toBeNull();
  });

  it("silence after the menu (timeout) goes to reception", async () => {
    const phone = freshPhone();
    await appointmentFor(env, phone);
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, { mode: "answer" });
    const call = await finishedCall(env, await callClinic(env, phone), ["transferred"]);
    const records = await env.database.db.callOperation.findMany({ where: { callId: call.id, kind: "record" } });
    expect(records).toHaveLength(1);
  });

  it("a spoken answer recorded at 8 kHz is understood: Speech gets the audio at the rate it declares", async () => {
    await forceEmulatorVariants(env.graph.emu, { recordingSampleRate: 8000 });
    try {
      const phone = freshPhone();
      const appointment = await appointmentFor(env, phone);
      await setEndpoint(env, phone, {
        mode: "answer",
        // the word asks; the key 2, after the question naming the appointment, cancels
        script: [
          { type: "say", text: "quero cancelar", afterPrompts: 1 },
          { type: "press", keys: "2", afterPrompts: 2 },
        ],
      });
      await finishedCall(env, await callClinic(env, phone), ["cancelled"]);
      expect((await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe(
        "CANCELLED",
      );
    } finally {
      await forceEmulatorVariants(env.graph.emu, {});
    }
  });

  it('"quero cancelar", then 2 at the question, cancels the next appointment; nothing of the media is kept', async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, {
      mode: "answer",
      // the word asks; the key 2, after the question naming the appointment, cancels
      script: [
        { type: "say", text: "quero cancelar", afterPrompts: 1 },
        { type: "press", keys: "2", afterPrompts: 2 },
      ],
    });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["cancelled"]);
    expect(call.appointmentId).toBe(appointment.id);
    // the word alone cancelled nothing: the question naming the appointment came first
    const played = await promptsPlayed(env, call.id);
    expect(played[0]).toBe("line:lineMenu");
    expect(played.indexOf("line:cancelCheck")).toBeGreaterThan(0);
    expect(played.at(-1)).toBe("line:cancelled");
    const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
    expect(row.status).toBe("CANCELLED");
    expect(env.meetingSyncs).toContain(appointment.id);

    // what the emulator handed out: the recording's location and token
    const secrets = await recordingSecrets(env);
    expect(secrets.size).toBeGreaterThan(0);
    const stored = await storedText(env.database.db);
    const logs = env.logs.join("\n");
    for (const secret of secrets) {
      expect(stored).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    for (const text of [stored, logs]) {
      expect(text.toLowerCase()).not.toContain("quero cancelar");
      expect(text).not.toMatch(/"tone"\s*:\s*"tone/);
      expect(text).not.toContain("recordingAccessToken");
    }
  });
});
