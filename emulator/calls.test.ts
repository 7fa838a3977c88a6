import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { commsNotifications } from "./test/shapes";
import {
  ANA,
  appToken,
  CARLA,
  PATIENT_PHONE,
  request,
  startBotReceiver,
  startPromptServer,
  startTestEmulator,
  userSignIn,
} from "./test/helpers";

/**
 * These tests hold every notification to the documented shapes (test/shapes.ts) and check exact sequences:
 * they run with the plain forms; variants.test.ts covers the others (emulator/variants.ts).
 */
const PLAIN = { variants: { mode: "off" as const } };
let emu: RunningEmulator;
let token: string;
let bot: Awaited<ReturnType<typeof startBotReceiver>>;
let prompts: Awaited<ReturnType<typeof startPromptServer>>;
const CALLS = "/v1.0/communications/calls";
const serviceMedia = { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" };

beforeAll(async () => {
  emu = await startTestEmulator(PLAIN);
  token = await appToken(emu);
  prompts = await startPromptServer();
});
afterAll(async () => {
  await emu.close();
  await prompts.close();
});
beforeEach(async () => {
  await request(emu, "POST", "/_emulator/reset");
  bot = await startBotReceiver();
  await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
  return async () => {
    // Every notification the emulator delivered must match the shapes derived from the examples.
    for (const r of bot.received) expect(commsNotifications.safeParse(r.body).error).toBeUndefined();
    await bot.close();
  };
});

const userTarget = (id: string) => ({
  "@odata.type": "#microsoft.graph.invitationParticipantInfo",
  identity: { "@odata.type": "#microsoft.graph.identitySet", user: { "@odata.type": "#microsoft.graph.identity", id } },
});
const phoneTarget = (id: string) => ({ identity: { phone: { id } } });
const call = (target: object) =>
  request(emu, "POST", CALLS, {
    token,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      targets: [target],
    },
  });
const callState = (id: string, state: string) => (n: { resourceUrl: string; resourceData: { state?: string } }) =>
  n.resourceUrl === `/communications/calls/${id}` && n.resourceData.state === state;

async function establishedCall(target: object = userTarget(ANA)) {
  const res = await call(target);
  expect(res.status).toBe(201);
  await bot.waitFor(callState(res.json.id, "established"));
  return res.json.id as string;
}

describe("outgoing calls", () => {
  it("P2P to a Teams user: 201 establishing, then establishing → established → mediaState notifications, in order", async () => {
    const res = await call(userTarget(ANA));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${emu.url}/v1.0/communications/calls/${res.json.id}`);
    expect(res.json).toMatchObject({
      state: "establishing",
      direction: "outgoing",
      "@odata.type": "#microsoft.graph.call",
    });
    await bot.waitFor((n) => n.resourceData.mediaState?.audio === "active");
    const states = bot.items().map((n) => n.resourceData.state);
    expect(states).toEqual(["establishing", "established", "established"]);
    expect(bot.received[0]!.url).toBe("/cb");
    const get = await request(emu, "GET", `${CALLS}/${res.json.id}`, { token });
    expect(get.json.state).toBe("established");
  });

  it.each([
    ["busy", { mode: "busy" }, 486],
    ["decline", { mode: "decline", ringDelayMs: 10 }, 603],
    ["noAnswer", { mode: "noAnswer" }, 408],
  ])("far end %s ends the call with resultInfo %s", async (_name, behaviour, code) => {
    expect(
      (await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`, { body: behaviour }))
        .status,
    ).toBe(200);
    const res = await call(phoneTarget(PATIENT_PHONE));
    const end = await bot.waitFor((n) => n.changeType === "deleted");
    expect(end.resourceData.resultInfo.code).toBe(code);
    expect((await request(emu, "GET", `${CALLS}/${res.json.id}`, { token })).status).toBe(404);
  });

  it("unknown directory user → 480/10037", async () => {
    await call(userTarget("11111111-2222-3333-4444-555555555555"));
    const end = await bot.waitFor((n) => n.changeType === "deleted");
    expect(end.resourceData.resultInfo).toMatchObject({ code: 480, subcode: 10037 });
  });

  it("hang up: DELETE → 204, terminating then terminated 200/7000, then 404", async () => {
    const id = await establishedCall();
    expect((await request(emu, "DELETE", `${CALLS}/${id}`, { token })).status).toBe(204);
    await bot.waitFor((n) => n.changeType === "deleted");
    const tail = bot.items().slice(-2);
    expect(tail.map((n) => [n.changeType, n.resourceData.state])).toEqual([
      ["updated", "terminating"],
      ["deleted", "terminated"],
    ]);
    expect(tail[1].resourceData.resultInfo).toMatchObject({ code: 200, subcode: 7000 });
    expect((await request(emu, "POST", `${CALLS}/${id}/keepAlive`, { token })).status).toBe(404);
  });

  it("IVR: playPrompt completes after the WAV, tones arrive after subscribeToTone, recordResponse captures speech that Speech recognises", async () => {
    await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`, {
      body: {
        mode: "answer",
        ringDelayMs: 0,
        script: [
          { type: "press", keys: "1#", afterPrompts: 1 },
          { type: "say", text: "quero remarcar minha consulta", afterPrompts: 1, delayMs: 50 },
        ],
      },
    });
    const id = await establishedCall(phoneTarget(PATIENT_PHONE));
    const sub = await request(emu, "POST", `${CALLS}/${id}/subscribeToTone`, {
      token,
      body: { clientContext: "tones" },
    });
    expect(sub.status).toBe(200);
    expect(sub.json).toMatchObject({
      "@odata.type": "#microsoft.graph.subscribeToToneOperation",
      status: "completed",
      clientContext: "tones",
    });
    const play = await request(emu, "POST", `${CALLS}/${id}/playPrompt`, {
      token,
      body: {
        clientContext: "menu",
        prompts: [
          {
            "@odata.type": "#microsoft.graph.mediaPrompt",
            mediaInfo: { uri: `${prompts.url}/menu.wav`, resourceId: "menu" },
          },
        ],
      },
    });
    expect(play.status).toBe(200);
    expect(play.headers.location).toBe(`${emu.url}/v1.0/communications/calls/${id}/operations/${play.json.id}`);
    expect(play.json.status).toBe("running");
    const done = await bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${play.json.id}`));
    expect(done).toMatchObject({
      changeType: "deleted",
      resourceData: {
        "@odata.type": "#microsoft.graph.playPromptOperation",
        status: "completed",
        clientContext: "menu",
        resultInfo: { code: 200, subcode: 0 },
      },
    });
    const tones = await bot.waitFor((n) => n.resourceData.toneInfo?.tone === "pound");
    expect(tones.resourceData.toneInfo.sequenceId).toBe(2);
    expect(bot.items().find((n) => n.resourceData.toneInfo?.sequenceId === 1)?.resourceData.toneInfo.tone).toBe(
      "tone1",
    );

    const rec = await request(emu, "POST", `${CALLS}/${id}/recordResponse`, {
      token,
      body: {
        clientContext: "why",
        initialSilenceTimeoutInSeconds: 60,
        maxRecordDurationInSeconds: 10,
        maxSilenceTimeoutInSeconds: 2,
        stopTones: ["#"],
      },
    });
    expect(rec.status).toBe(200);
    expect(rec.json).toMatchObject({
      "@odata.type": "#microsoft.graph.recordOperation",
      status: "running",
      recordingLocation: null,
    });
    const recDone = await bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${rec.json.id}`));
    const { recordingLocation, recordingAccessToken } = recDone.resourceData;
    expect(recDone.resourceData.status).toBe("completed");
    expect((await request(emu, "GET", recordingLocation)).status).toBe(401);
    const audio = await request(emu, "GET", recordingLocation, { token: recordingAccessToken });
    expect(audio.status).toBe(200);
    expect(audio.headers["content-type"]).toBe("application/octet-stream");
    const stt = await request(emu, "POST", "/speech/recognition/conversation/cognitiveservices/v1?language=pt-BR", {
      rawBody: audio.raw,
      headers: { "Ocp-Apim-Subscription-Key": "demo", "content-type": "audio/wav; codecs=audio/pcm; samplerate=16000" },
    });
    expect(stt.json).toMatchObject({
      RecognitionStatus: "Success",
      DisplayText: "quero remarcar minha consulta",
      Offset: 0,
    });
    expect(stt.json.Duration).toBeGreaterThan(0);
  });

  it("playPrompt with an unreachable WAV fails the operation; more than 20 prompts is a 400", async () => {
    const id = await establishedCall();
    const play = await request(emu, "POST", `${CALLS}/${id}/playPrompt`, {
      token,
      body: {
        prompts: [{ "@odata.type": "#microsoft.graph.mediaPrompt", mediaInfo: { uri: `${prompts.url}/missing.wav` } }],
      },
    });
    const done = await bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${play.json.id}`));
    expect(done.resourceData.status).toBe("failed");
    const many = await request(emu, "POST", `${CALLS}/${id}/playPrompt`, {
      token,
      body: {
        prompts: Array.from({ length: 21 }, () => ({
          "@odata.type": "#microsoft.graph.mediaPrompt",
          mediaInfo: { uri: `${prompts.url}/a.wav` },
        })),
      },
    });
    expect(many.status).toBe(400);
    expect(many.json.error.code).toBe("invalidRequest");
    expect(many.json.error.message).toContain("at most 20 prompts");
    const twenty = await request(emu, "POST", `${CALLS}/${id}/playPrompt`, {
      token,
      body: {
        prompts: Array.from({ length: 20 }, () => ({
          "@odata.type": "#microsoft.graph.mediaPrompt",
          mediaInfo: { uri: `${prompts.url}/a.wav` },
        })),
      },
    });
    expect(twenty.status).toBe(200);
  });

  it("recordResponse takes at most one prompt", async () => {
    const id = await establishedCall();
    const prompt = { "@odata.type": "#microsoft.graph.mediaPrompt", mediaInfo: { uri: `${prompts.url}/beep.wav` } };
    const two = await request(emu, "POST", `${CALLS}/${id}/recordResponse`, {
      token,
      body: { prompts: [prompt, prompt] },
    });
    expect(two.status).toBe(400);
    expect(two.json.error.code).toBe("invalidRequest");
    expect(two.json.error.message).toContain("at most 1 prompt");
    const one = await request(emu, "POST", `${CALLS}/${id}/recordResponse`, { token, body: { prompts: [prompt] } });
    expect(one.status).toBe(200);
  });

  it("far end hangs up → deleted terminated 200/540000 for PSTN", async () => {
    await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`, {
      body: { ringDelayMs: 0, script: [{ type: "hangup", delayMs: 20 }] },
    });
    await establishedCall(phoneTarget(PATIENT_PHONE));
    const end = await bot.waitFor((n) => n.changeType === "deleted");
    expect(end.resourceData.resultInfo).toMatchObject({ code: 200, subcode: 540000 });
  });

  it("transfer: the target's phone rings; when it answers, transferring → transferAccepted → terminated 0/7015 and the transferee talks to the target", async () => {
    await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: { mode: "manual" } });
    const id = await establishedCall(phoneTarget(PATIENT_PHONE));
    const caller = `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`;
    expect(
      (await request(emu, "POST", `${CALLS}/${id}/transfer`, { token, body: { transferTarget: userTarget(CARLA) } }))
        .status,
    ).toBe(202);
    await bot.waitFor(callState(id, "transferAccepted"));
    // Carla's phone rings (a person on the phone page would see it); the bot's call is not over yet
    const ringing = await request(emu, "GET", `/_emulator/endpoints/${CARLA}`);
    expect(ringing.json.leg).toMatchObject({ state: "ringing", callId: id, callState: "transferAccepted" });
    expect((await request(emu, "GET", `/_emulator/calls/${id}`)).json.transfer).toMatchObject({
      target: `user:${CARLA}`,
      consultative: false,
      outcome: "ringing",
      answeredBy: null,
    });
    expect(bot.items().some((n) => n.changeType === "deleted")).toBe(false);

    expect(
      (await request(emu, "POST", `/_emulator/endpoints/${CARLA}/actions`, { body: { action: "answer" } })).status,
    ).toBe(200);
    const end = await bot.waitFor((n) => n.changeType === "deleted");
    expect(end.resourceData).toMatchObject({ state: "terminated", resultInfo: { code: 0, subcode: 7015 } });
    const states = bot
      .items()
      .filter((n) => n.resourceUrl === `/communications/calls/${id}`)
      .map((n) => n.resourceData.state)
      .slice(-3);
    expect(states).toEqual(["transferring", "transferAccepted", "terminated"]);
    // no operation for a transfer: it answers 202 with no body and reports through the call's state
    expect(bot.items().some((n) => n.resourceUrl.includes("/operations/"))).toBe(false);

    const view = (await request(emu, "GET", `/_emulator/calls/${id}`)).json;
    expect(view.state).toBe("terminated");
    expect(view.transfer).toMatchObject({ outcome: "answered", answeredBy: `user:${CARLA}`, resultInfo: null });
    expect(view.transfer.legs.map((l: { endpoint: string; state: string; handedOff: string }) => l)).toEqual([
      expect.objectContaining({ endpoint: `phone:${PATIENT_PHONE}`, state: "connected", handedOff: "transfer" }),
      expect.objectContaining({ endpoint: `user:${CARLA}`, state: "connected", handedOff: "transfer" }),
    ]);
    expect((await request(emu, "GET", `/_emulator/endpoints/${CARLA}`)).json.leg).toMatchObject({
      state: "connected",
      callId: null,
      handedOff: "transfer",
    });
    expect((await request(emu, "GET", caller)).json.leg).toMatchObject({
      state: "connected",
      callId: null,
      handedOff: "transfer",
    });
    // the target hangs up: the transferee's leg ends too
    await request(emu, "POST", `/_emulator/endpoints/${CARLA}/actions`, { body: { action: "hangup" } });
    expect((await request(emu, "GET", caller)).json.leg).toBeNull();
  });

  it("transfer to a phone number rings it through its behaviour (answer after its ring delay)", async () => {
    const target = "+5511900000055";
    await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(target)}`, {
      body: { mode: "answer", ringDelayMs: 20 },
    });
    const id = await establishedCall(userTarget(ANA));
    await request(emu, "POST", `${CALLS}/${id}/transfer`, {
      token,
      body: { transferTarget: { endpointType: "default", ...phoneTarget(target) } },
    });
    const end = await bot.waitFor((n) => n.changeType === "deleted");
    expect(end.resourceData.resultInfo).toMatchObject({ code: 0, subcode: 7015 });
    const view = (await request(emu, "GET", `/_emulator/calls/${id}`)).json;
    expect(view.transfer).toMatchObject({ outcome: "answered", answeredBy: `phone:${target}` });
    expect(view.transfer.legs.map((l: { endpoint: string }) => l.endpoint)).toEqual([`user:${ANA}`, `phone:${target}`]);
  });

  it.each([
    ["declines", { mode: "decline", ringDelayMs: 10 }, { code: 603, subcode: 0 }],
    ["is busy", { mode: "busy" }, { code: 486, subcode: 0 }],
    ["does not answer", { mode: "noAnswer" }, { code: 408, subcode: 10057 }],
  ])(
    "transfer target %s → the call goes back to established with 500/7000; the transferee stays with the bot",
    async (_n, behaviour, ring) => {
      await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: behaviour });
      const id = await establishedCall(phoneTarget(PATIENT_PHONE));
      await request(emu, "POST", `${CALLS}/${id}/transfer`, { token, body: { transferTarget: userTarget(CARLA) } });
      const back = await bot.waitFor((n) => n.resourceUrl.endsWith(id) && n.resourceData.resultInfo?.code === 500);
      expect(back.changeType).toBe("updated");
      expect(back.resourceData).toMatchObject({ state: "established", resultInfo: { code: 500, subcode: 7000 } });
      const states = bot
        .items()
        .filter((n) => n.resourceUrl === `/communications/calls/${id}` && n.resourceData.state)
        .map((n) => n.resourceData.state)
        .slice(-3);
      expect(states).toEqual(["transferring", "transferAccepted", "established"]);
      expect(bot.items().some((n) => n.changeType === "deleted")).toBe(false);
      expect((await request(emu, "GET", `${CALLS}/${id}`, { token })).json.state).toBe("established");
      const view = (await request(emu, "GET", `/_emulator/calls/${id}`)).json;
      expect(view.transfer).toMatchObject({
        outcome: "failed",
        resultInfo: { code: 500, subcode: 7000 },
        ringResult: ring,
      });
      expect(view.legs.find((l: { endpoint: string }) => l.endpoint === `user:${CARLA}`)).toMatchObject({
        state: "left",
      });
      expect(
        (await request(emu, "GET", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`)).json.leg,
      ).toMatchObject({ state: "connected", callId: id, callState: "established" });
      // the bot can carry on: a second transfer attempt is accepted, or it hangs up
      expect((await request(emu, "DELETE", `${CALLS}/${id}`, { token })).status).toBe(204);
      const gone = await bot.waitFor((n) => n.changeType === "deleted");
      expect(gone.resourceData.resultInfo).toMatchObject({ code: 200, subcode: 7000 });
    },
  );

  it("transfer target declined on the phone page → back to established; an unknown target fails with 500 too", async () => {
    await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: { mode: "manual" } });
    const id = await establishedCall(phoneTarget(PATIENT_PHONE));
    await request(emu, "POST", `${CALLS}/${id}/transfer`, { token, body: { transferTarget: userTarget(CARLA) } });
    await bot.waitFor(callState(id, "transferAccepted"));
    expect(
      (await request(emu, "POST", `/_emulator/endpoints/${CARLA}/actions`, { body: { action: "decline" } })).status,
    ).toBe(200);
    await bot.waitFor((n) => n.resourceUrl.endsWith(id) && n.resourceData.resultInfo?.code === 500);
    expect((await request(emu, "GET", `/_emulator/calls/${id}`)).json.transfer.ringResult).toMatchObject({
      code: 603,
    });

    const unknown = "00000000-0000-4000-8000-00000000dead";
    await request(emu, "POST", `${CALLS}/${id}/transfer`, { token, body: { transferTarget: userTarget(unknown) } });
    await expect
      .poll(async () => (await request(emu, "GET", `/_emulator/calls/${id}`)).json.transfer, { timeout: 5_000 })
      .toMatchObject({ target: `user:${unknown}`, outcome: "failed", ringResult: { code: 480, subcode: 10037 } });
    expect((await request(emu, "GET", `${CALLS}/${id}`, { token })).json.state).toBe("established");
  });

  it("consultative transfer: the far end of the replaced call joins the transferee; both bot calls end 0/7015", async () => {
    const withPatient = await establishedCall(phoneTarget(PATIENT_PHONE));
    const withCarla = await establishedCall(userTarget(CARLA));
    await request(emu, "POST", `${CALLS}/${withPatient}/transfer`, {
      token,
      body: { transferTarget: { ...userTarget(CARLA), replacesCallId: withCarla } },
    });
    for (const id of [withPatient, withCarla]) {
      const end = await bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl.endsWith(id));
      expect(end.resourceData).toMatchObject({ state: "terminated", terminationReason: "AppTransferred" });
    }
    const view = (await request(emu, "GET", `/_emulator/calls/${withPatient}`)).json;
    expect(view.transfer).toMatchObject({ consultative: true, outcome: "answered", answeredBy: `user:${CARLA}` });
    expect(view.transfer.legs.map((l: { endpoint: string }) => l.endpoint)).toEqual([
      `phone:${PATIENT_PHONE}`,
      `user:${CARLA}`,
    ]);
    expect((await request(emu, "GET", `/_emulator/endpoints/${CARLA}`)).json.leg).toMatchObject({
      state: "connected",
      callId: null,
      handedOff: "transfer",
    });
  });

  it("the emulator's clock moves forward: a keepAlive every 30 minutes keeps a call, 45 minutes without one end it (408/8537)", async () => {
    const id = await establishedCall();
    const advance = async (minutes: number) =>
      expect((await request(emu, "POST", "/_emulator/clock/advance", { body: { ms: minutes * 60_000 } })).status).toBe(
        200,
      );
    await advance(30);
    expect((await request(emu, "POST", `${CALLS}/${id}/keepAlive`, { token })).status).toBe(200);
    const view = (await request(emu, "GET", `/_emulator/calls/${id}`)).json;
    expect(Date.parse(view.keepAlive.deadline) - Date.parse(view.keepAlive.lastAt)).toBe(45 * 60_000);
    await advance(30);
    expect((await request(emu, "GET", `${CALLS}/${id}`, { token })).json.state).toBe("established");
    await advance(16);
    const end = await bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl.endsWith(id));
    expect(end.resourceData).toMatchObject({ state: "terminated", resultInfo: { code: 408, subcode: 8537 } });
    expect((await request(emu, "POST", `${CALLS}/${id}/keepAlive`, { token })).status).toBe(404);
  });

  it("keepAlive within the window keeps the call; missing it terminates with 408/8537", async () => {
    await emu.close();
    emu = await startTestEmulator({ ...PLAIN, limits: { keepAliveTimeoutMs: 1_000 } });
    token = await appToken(emu);
    await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
    const id = await establishedCall();
    // 1.5 s of keepAlives every 150 ms outlive the 1 s window several times over.
    for (let i = 0; i < 10; i++) {
      expect((await request(emu, "POST", `${CALLS}/${id}/keepAlive`, { token })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect((await request(emu, "GET", `${CALLS}/${id}`, { token })).json.state).toBe("established");
    expect(bot.items().some((n) => n.changeType === "deleted")).toBe(false);
    const end = await bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl.endsWith(id));
    expect(end.resourceData.resultInfo).toMatchObject({ code: 408, subcode: 8537 });
    await emu.close();
    emu = await startTestEmulator(PLAIN);
    token = await appToken(emu);
  }, 20_000);
});

describe("incoming calls", () => {
  const incoming = async (from = PATIENT_PHONE) => {
    const res = await request(emu, "POST", "/_emulator/incoming-calls", { body: { from } });
    expect(res.status).toBe(201);
    await bot.waitFor((n) => n.changeType === "created");
    return res.json.id as string;
  };

  it("created (state incoming) to the bot's global callback; answer → 202 → establishing → established on the new callbackUri", async () => {
    const id = await incoming();
    const created = bot.items()[0];
    expect(bot.received[0]!.url).toBe("/global");
    expect(created.resourceData).toMatchObject({
      state: "incoming",
      direction: "incoming",
      source: { identity: { phone: { id: PATIENT_PHONE } } },
    });
    const ans = await request(emu, "POST", `${CALLS}/${id}/answer`, {
      token,
      body: { callbackUri: `${bot.url}/per-call`, acceptedModalities: ["audio"], mediaConfig: serviceMedia },
    });
    expect(ans.status).toBe(202);
    await bot.waitFor(callState(id, "established"));
    expect(bot.received.slice(1, 3).map((r) => [r.url, r.body.value[0].resourceData.state])).toEqual([
      ["/per-call", "establishing"],
      ["/per-call", "established"],
    ]);
    const legs = await request(emu, "GET", `/_emulator/calls/${id}`);
    expect(legs.json.legs.find((l: { kind: string }) => l.kind === "phone").state).toBe("connected");
  });

  it("policy-based recording invitations have their own, shorter answer window → 408/1106", async () => {
    // Ordinary calls would wait a minute here, so an end within waitFor's deadline is the recording window's.
    const strict = await startTestEmulator({
      ...PLAIN,
      limits: { answerWindowMs: 60_000, policyRecordingAnswerWindowMs: 200 },
    });
    try {
      await request(strict, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
      const res = await request(strict, "POST", "/_emulator/incoming-calls", {
        body: { from: "carla.mendes@aurora.example", policyRecording: true },
      });
      const del = await bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl.endsWith(res.json.id), 5000);
      expect(del.resourceData.resultInfo).toMatchObject({ code: 408, subcode: 1106 });
    } finally {
      await strict.close();
    }
  });

  it("reject → deleted with only @odata.type/@odata.id; answering afterwards is 404", async () => {
    const id = await incoming();
    expect((await request(emu, "POST", `${CALLS}/${id}/reject`, { token, body: { reason: "busy" } })).status).toBe(202);
    const del = await bot.waitFor((n) => n.changeType === "deleted");
    expect(Object.keys(del.resourceData).sort()).toEqual(["@odata.id", "@odata.type"]);
    expect(
      (
        await request(emu, "POST", `${CALLS}/${id}/answer`, {
          token,
          body: { acceptedModalities: ["audio"], mediaConfig: serviceMedia },
        })
      ).status,
    ).toBe(404);
  });

  it("redirect: the target rings and answers → deleted terminated; the caller talks to the target without the bot", async () => {
    const id = await incoming();
    const bad = await request(emu, "POST", `${CALLS}/${id}/redirect`, {
      token,
      body: { targets: [userTarget(CARLA)], timeout: 5 },
    });
    expect(bad.status).toBe(400);
    await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: { mode: "manual" } });
    expect(
      (
        await request(emu, "POST", `${CALLS}/${id}/redirect`, {
          token,
          body: { targets: [userTarget(CARLA)], timeout: 30 },
        })
      ).status,
    ).toBe(202);
    // Carla's phone rings; the bot's call is not over until someone picks up.
    const ringing = await request(emu, "GET", `/_emulator/endpoints/${CARLA}`);
    expect(ringing.json.leg).toMatchObject({ state: "ringing", callId: id, callState: "redirecting" });
    expect((await request(emu, "GET", `/_emulator/calls/${id}`)).json.redirect).toEqual({
      targets: [`user:${CARLA}`],
      outcome: "ringing",
      answeredBy: null,
    });
    expect(bot.items().some((n) => n.changeType === "deleted")).toBe(false);
    expect(
      (await request(emu, "POST", `/_emulator/endpoints/${CARLA}/actions`, { body: { action: "answer" } })).status,
    ).toBe(200);
    const del = await bot.waitFor((n) => n.changeType === "deleted");
    expect(del.resourceData).toMatchObject({ state: "terminated", direction: "incoming", id });
    expect(del.resourceData.resultInfo).toBeUndefined();
    expect(del.resourceData.answeredBy).toBeUndefined(); // only PSTN targets show an (encrypted) answeredBy
    expect((await request(emu, "GET", `/_emulator/calls/${id}`)).json.redirect).toMatchObject({
      outcome: "answered",
      answeredBy: `user:${CARLA}`,
    });
    const carla = await request(emu, "GET", `/_emulator/endpoints/${CARLA}`);
    const caller = await request(emu, "GET", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`);
    expect(carla.json.leg).toMatchObject({ state: "connected", callId: null });
    expect(caller.json.leg).toMatchObject({ state: "connected", callId: null });
    // Either side hanging up ends the forwarded conversation for both.
    await request(emu, "POST", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}/actions`, {
      body: { action: "hangup" },
    });
    expect((await request(emu, "GET", `/_emulator/endpoints/${CARLA}`)).json.leg).toBeNull();
    expect(
      (await request(emu, "GET", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`)).json.leg,
    ).toBeNull();
  });

  it("redirect to several targets rings them all; the first to answer wins; a PSTN winner is an encrypted answeredBy", async () => {
    const id = await incoming();
    await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: { mode: "answer", ringDelayMs: 400 } });
    await request(emu, "PUT", `/_emulator/endpoints/%2B5511900000077`, { body: { mode: "answer", ringDelayMs: 20 } });
    await request(emu, "POST", `${CALLS}/${id}/redirect`, {
      token,
      body: { targets: [userTarget(CARLA), phoneTarget("+5511900000077")] },
    });
    const del = await bot.waitFor((n) => n.changeType === "deleted");
    expect(del.resourceData.answeredBy.identity.encrypted.id).toMatch(/^[0-9a-f]{44}$/);
    expect(JSON.stringify(del.resourceData.answeredBy)).not.toContain("5511900000077");
    const view = await request(emu, "GET", `/_emulator/calls/${id}`);
    expect(view.json.redirect).toMatchObject({ outcome: "answered", answeredBy: "phone:+5511900000077" });
    expect(view.json.legs.find((l: { endpoint: string }) => l.endpoint === `user:${CARLA}`)).toMatchObject({
      state: "left",
      endReason: "answeredElsewhere",
    });
    expect((await request(emu, "GET", `/_emulator/endpoints/${CARLA}`)).json.leg).toBeNull();
  });

  it.each([
    ["declines", { mode: "decline", ringDelayMs: 10 }, 603],
    ["does not answer", { mode: "noAnswer" }, 408],
    ["is busy", { mode: "busy" }, 486],
  ])("redirect target %s → deleted terminated with that result; the caller's leg ends", async (_n, behaviour, code) => {
    const id = await incoming();
    await request(emu, "PUT", `/_emulator/endpoints/${CARLA}`, { body: behaviour });
    await request(emu, "POST", `${CALLS}/${id}/redirect`, { token, body: { targets: [userTarget(CARLA)] } });
    const del = await bot.waitFor((n) => n.changeType === "deleted");
    expect(del.resourceData).toMatchObject({ state: "terminated", resultInfo: { code } });
    const view = await request(emu, "GET", `/_emulator/calls/${id}`);
    expect(view.json.redirect.outcome).toBe("failed");
    expect(view.json.legs.find((l: { kind: string }) => l.kind === "phone")).toMatchObject({
      state: "left",
      endReason: "redirectNotAnswered",
    });
  });

  it("no answer within the window → deleted terminated 408/1106; answering afterwards is 404 itemNotFound", async () => {
    const id = await incoming();
    const del = await bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl.endsWith(id), 3000);
    expect(del.resourceData.resultInfo).toMatchObject({ code: 408, subcode: 1106 });
    const late = await request(emu, "POST", `${CALLS}/${id}/answer`, {
      token,
      body: { acceptedModalities: ["audio"], mediaConfig: serviceMedia },
    });
    expect(late.status).toBe(404);
    expect(late.json.error.code).toBe("itemNotFound");
  });
});

describe("meetings", () => {
  it("bot joins a meeting by joinMeetingId; guest waits in the lobby, is admitted, mute, leaves — roster snapshots include the bot", async () => {
    const user = await userSignIn(emu, "ana.ribeiro@aurora.example");
    const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", {
      token: user.access_token,
      body: { subject: "Consulta", lobbyBypassSettings: { scope: "organization" } },
    });
    expect(m.status).toBe(201);
    const join = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        meetingInfo: {
          "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
          joinMeetingId: m.json.joinMeetingIdSettings.joinMeetingId,
          passcode: m.json.joinMeetingIdSettings.passcode,
        },
      },
    });
    expect(join.status).toBe(201);
    expect(join.json.chatInfo.threadId).toBe(m.json.chatInfo.threadId);
    const callId = join.json.id;
    await bot.waitFor((n) => n.resourceUrl.endsWith("/participants"));
    const guest = await request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(m.json.id)}/guests`, {
      body: { name: "Paciente Maria" },
    });
    expect(guest.json.state).toBe("lobby");
    const lobbyRoster = await bot.waitFor(
      (n) => Array.isArray(n.resourceData) && n.resourceData.some((p: { isInLobby: boolean }) => p.isInLobby),
    );
    expect(
      lobbyRoster.resourceData.some(
        (p: { info: { identity: { application?: unknown } } }) => p.info.identity.application,
      ),
    ).toBe(true);
    await request(
      emu,
      "POST",
      `/_emulator/meetings/${encodeURIComponent(m.json.id)}/guests/${guest.json.participantId}/admit`,
    );
    await bot.waitFor(
      (n) =>
        Array.isArray(n.resourceData) &&
        n.resourceData.some(
          (p: { id: string; isInLobby: boolean }) => p.id === guest.json.participantId && !p.isInLobby,
        ),
    );
    const list = await request(emu, "GET", `${CALLS}/${callId}/participants`, { token });
    expect(list.json.value).toHaveLength(2);
    const mute = await request(emu, "POST", `${CALLS}/${callId}/participants/${guest.json.participantId}/mute`, {
      token,
      body: { clientContext: "c" },
    });
    expect(mute.json).toMatchObject({
      status: "completed",
      "@odata.type": "#microsoft.graph.muteParticipantOperation",
    });
    await bot.waitFor(
      (n) =>
        Array.isArray(n.resourceData) &&
        n.resourceData.some((p: { isMuted: boolean; id: string }) => p.id === guest.json.participantId && p.isMuted),
    );
    await request(
      emu,
      "POST",
      `/_emulator/meetings/${encodeURIComponent(m.json.id)}/guests/${guest.json.participantId}/leave`,
    );
    await bot.waitFor((n) => Array.isArray(n.resourceData) && n.resourceData.length === 1);
    const page = await request(emu, "GET", new URL(m.json.joinWebUrl).pathname + new URL(m.json.joinWebUrl).search);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Your name");
  });

  it("invite with replacesCallId moves the phone from the bot's peer-to-peer call into the meeting: no ring, operation completed, roster, then the p2p call terminated; wrong bodies → 400", async () => {
    const user = await userSignIn(emu, "ana.ribeiro@aurora.example");
    const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", {
      token: user.access_token,
      body: { subject: "Consulta", lobbyBypassSettings: { scope: "organization" } },
    });
    const join = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        chatInfo: m.json.chatInfo,
        meetingInfo: { "@odata.type": "#microsoft.graph.organizerMeetingInfo", organizer: { user: { id: ANA } } },
      },
    });
    const meetingCall = join.json.id as string;
    await bot.waitFor(callState(meetingCall, "established"));
    // the phone never rings again: were it asked to, it would decline
    await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`, {
      body: { ringDelayMs: 0 },
    });
    const p2p = await establishedCall(phoneTarget(PATIENT_PHONE));
    await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`, {
      body: { mode: "decline" },
    });
    const invite = (body: object) =>
      request(emu, "POST", `${CALLS}/${meetingCall}/participants/invite`, { token, body });
    const moving = { ...phoneTarget(PATIENT_PHONE), replacesCallId: p2p };

    for (const [participant, why] of [
      [{ ...moving, replacesCallId: "4f1a2b3c-0000-4000-8000-000000000000" }, "no call of this application"],
      [{ ...moving, replacesCallId: meetingCall }, "cannot replace itself"],
      [{ ...userTarget(CARLA), replacesCallId: p2p }, "not the other party"],
      [{ ...phoneTarget("+5511900000077"), replacesCallId: p2p }, "not the other party"],
    ] as const) {
      const refused = await invite({ participants: [participant] });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.json.error.code).toBe("invalidRequest");
      expect(refused.json.error.message).toContain(why);
    }
    expect(bot.items().some((n) => n.resourceUrl.includes("/operations/"))).toBe(false);

    // only the first participant is read when replacing (example 3); the second would be refused on its own
    const res = await invite({ participants: [moving, userTarget(CARLA)], clientContext: "move" });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      "@odata.type": "#microsoft.graph.inviteParticipantsOperation",
      clientContext: "move",
      participants: [{ replacesCallId: p2p, identity: { phone: { id: PATIENT_PHONE } } }],
    });
    expect(res.json.status.toLowerCase()).toBe("running");
    expect(res.json.participants).toHaveLength(1);

    const done = await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${meetingCall}/operations/${res.json.id}`,
    );
    expect(done).toMatchObject({ changeType: "deleted", resourceData: { status: "completed", clientContext: "move" } });
    const roster = await bot.waitFor(
      (n) =>
        n.resourceUrl === `/communications/calls/${meetingCall}/participants` &&
        n.resourceData.some(
          (p: { info: { identity: { phone?: { id: string } } } }) => p.info.identity.phone?.id === PATIENT_PHONE,
        ),
    );
    const phone = roster.resourceData.find(
      (p: { info: { identity: { phone?: { id: string } } } }) => p.info.identity.phone?.id === PATIENT_PHONE,
    );
    expect(phone).toMatchObject({ isInLobby: false, isMuted: false });
    expect(phone.id).toEqual(expect.any(String));
    const ended = await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${p2p}` && n.changeType === "deleted",
    );
    expect(ended.resourceData).toMatchObject({ state: "terminated", resultInfo: { code: 200, subcode: 5000 } });
    const p2pStates = bot
      .items()
      .filter((n) => n.resourceUrl === `/communications/calls/${p2p}`)
      .map((n) => n.resourceData.state)
      .slice(-2);
    expect(p2pStates).toEqual(["terminating", "terminated"]);
    // order: the operation's result and the roster before the peer-to-peer call ends
    const at = (pred: (n: { resourceUrl: string; changeType: string }) => boolean) => bot.items().findIndex(pred);
    expect(at((n) => n.resourceUrl.endsWith(`/operations/${res.json.id}`))).toBeLessThan(
      at((n) => n.resourceUrl === `/communications/calls/${p2p}` && n.changeType === "deleted"),
    );

    // the phone is now a participant of the meeting call: its keys reach that call, the p2p call is gone
    const leg = (await request(emu, "GET", `/_emulator/endpoints/${encodeURIComponent(PATIENT_PHONE)}`)).json.leg;
    expect(leg).toMatchObject({ state: "connected", callId: meetingCall });
    expect((await request(emu, "GET", `${CALLS}/${p2p}`, { token })).status).toBe(404);
    const list = await request(emu, "GET", `${CALLS}/${meetingCall}/participants`, { token });
    expect(
      list.json.value.some(
        (p: { info: { identity: { phone?: { id: string } } } }) => p.info.identity.phone?.id === PATIENT_PHONE,
      ),
    ).toBe(true);
    // the call it replaced is over: it cannot be named again
    const again = await invite({ participants: [moving] });
    expect(again.status).toBe(400);
    expect(again.json.error.message).toContain("terminated");
  });

  it("wrong meeting passcode → 403", async () => {
    const user = await userSignIn(emu, "ana.ribeiro@aurora.example");
    const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", {
      token: user.access_token,
      body: { subject: "x", joinMeetingIdSettings: { isPasscodeRequired: true } },
    });
    const join = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        meetingInfo: {
          "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
          joinMeetingId: m.json.joinMeetingIdSettings.joinMeetingId,
          passcode: "nope",
        },
      },
    });
    expect(join.status).toBe(403);
  });
});

describe("notification delivery", () => {
  it("every POST carries a JWT verifiable against the published bot OpenID configuration", async () => {
    await establishedCall();
    const config = await request(emu, "GET", emu.botOpenIdConfigUrl);
    expect(config.json.issuer).toBe("https://api.botframework.com");
    const jwks = await request(emu, "GET", config.json.jwks_uri);
    const keySet = createLocalJWKSet(jwks.json);
    for (const r of bot.received) {
      const { payload } = await jwtVerify(r.authorization!.replace(/^Bearer /, ""), keySet, {
        issuer: "https://api.botframework.com",
        audience: emu.registration.clientId,
      });
      expect(payload.tid).toBe(emu.directory.tenantId);
      expect(payload.exp! > payload.nbf!).toBe(true);
    }
  });

  it("retries non-2xx with backoff and keeps per-call order", async () => {
    await bot.close();
    bot = await startBotReceiver((_n, i) => (i < 3 ? 503 : 200));
    const res = await call(userTarget(ANA));
    await bot.waitFor((n) => n.resourceData.mediaState);
    expect(bot.items().map((n) => n.resourceData.state)).toEqual(["establishing", "established", "established"]);
    const log = await request(emu, "GET", `/_emulator/notifications?callId=${res.json.id}`);
    expect(log.json.value[0]).toMatchObject({ attempts: 4, state: "delivered", lastStatus: 200 });
  });

  it("drop fault: the first `count` matching notifications never reach the bot, then delivery resumes", async () => {
    await request(emu, "POST", "/_emulator/faults", {
      body: { target: "notification", path: "/communications/calls/*", count: 2, action: { type: "drop" } },
    });
    const res = await call(userTarget(ANA));
    const id = res.json.id as string;
    await bot.waitFor((n) => n.resourceData.mediaState);
    // establishing and the first established are dropped; the mediaState update is the first one delivered.
    expect(bot.items().map((n) => Object.keys(n.resourceData).includes("mediaState"))).toEqual([true]);
    const faults = await request(emu, "GET", "/_emulator/faults");
    expect(faults.json.value[0]).toMatchObject({ hits: 2, remaining: 0 });
    expect((await request(emu, "DELETE", `${CALLS}/${id}`, { token })).status).toBe(204);
    await bot.waitFor((n) => n.changeType === "deleted");
    expect(bot.items().map((n) => n.resourceData.state)).toEqual(["established", "terminating", "terminated"]);
    // The bot records a POST before the emulator has seen the 2xx: wait until the log has settled.
    let log = await request(emu, "GET", `/_emulator/notifications?callId=${id}`);
    for (let i = 0; i < 100 && log.json.value.some((r: { state: string }) => r.state === "pending"); i++) {
      await new Promise((r) => setTimeout(r, 20));
      log = await request(emu, "GET", `/_emulator/notifications?callId=${id}`);
    }
    expect(log.json.value.map((r: { state: string }) => r.state)).toEqual([
      "dropped",
      "dropped",
      "delivered",
      "delivered",
      "delivered",
    ]);
    expect(log.json.value.filter((r: { attempts: number }) => r.attempts > 0)).toHaveLength(3);
  });

  it("duplicate fault: each of the first `count` matching notifications is delivered twice, in order", async () => {
    await request(emu, "POST", "/_emulator/faults", {
      body: {
        target: "notification",
        pathRegex: "^/communications/calls/[^/]+$",
        count: 2,
        action: { type: "duplicate" },
      },
    });
    const res = await call(userTarget(ANA));
    await bot.waitFor((n) => n.resourceData.mediaState);
    const delivered = bot.received.map((r) => r.body);
    expect(delivered.map((b) => b.value[0].resourceData.state)).toEqual([
      "establishing",
      "establishing",
      "established",
      "established",
      "established",
    ]);
    expect(delivered[1]).toEqual(delivered[0]);
    expect(delivered[3]).toEqual(delivered[2]);
    expect(delivered[4].value[0].resourceData.mediaState).toBeDefined();
    const log = await request(emu, "GET", `/_emulator/notifications?callId=${res.json.id}`);
    expect(log.json.value.map((r: { duplicate?: boolean }) => r.duplicate === true)).toEqual([
      false,
      true,
      false,
      true,
      false,
    ]);
  });

  it("lost answers: the call is created, then the client gets a 5xx (failAfter) or no answer at all (dropAfter)", async () => {
    for (const action of [
      { type: "failAfter", status: 503 },
      { type: "dropAfter", afterMs: 10 },
    ]) {
      await request(emu, "POST", "/_emulator/reset");
      await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
      const fault = await request(emu, "POST", "/_emulator/faults", {
        body: { method: "POST", path: CALLS, action },
      });
      expect(fault.status).toBe(201);
      const answer = call(userTarget(ANA)).then(
        (res) => res.status,
        () => "no answer",
      );
      expect(await answer).toBe(action.type === "failAfter" ? 503 : "no answer");
      // the call exists all the same, and rings
      const calls = (await request(emu, "GET", "/_emulator/calls")).json.value;
      expect(calls).toHaveLength(1);
      await bot.waitFor((n) => n.resourceData?.state === "established");
    }
    expect(
      (
        await request(emu, "POST", "/_emulator/faults", {
          body: { target: "notification", path: "**", action: { type: "failAfter" } },
        })
      ).status,
    ).toBe(400);
  });

  it("fault injection: drop and duplicate notifications; 429 with Retry-After and 503 on Graph paths", async () => {
    await request(emu, "POST", "/_emulator/faults", {
      body: { target: "notification", path: "/communications/calls/*", count: 1, action: { type: "drop" } },
    });
    await request(emu, "POST", "/_emulator/faults", {
      body: { target: "notification", path: "/communications/calls/*", count: 1, action: { type: "duplicate" } },
    });
    await call(userTarget(ANA));
    await bot.waitFor((n) => n.resourceData.mediaState);
    expect(bot.items().map((n) => n.resourceData.state)).toEqual(["established", "established", "established"]);

    const throttle = await request(emu, "POST", "/_emulator/faults", {
      body: {
        method: "POST",
        path: "/v1.0/communications/**",
        count: 1,
        action: { type: "throttle", retryAfterSeconds: 7 },
      },
    });
    expect(throttle.status).toBe(201);
    const t = await call(userTarget(ANA));
    expect(t.status).toBe(429);
    expect(t.headers["retry-after"]).toBe("7");
    expect(t.json.error.code).toBe("TooManyRequests");
    await request(emu, "POST", "/_emulator/faults", {
      body: { pathRegex: "^/v1\\.0/communications/calls$", count: 1, action: { type: "unavailable" } },
    });
    const u = await call(userTarget(ANA));
    expect(u.status).toBe(503);
    expect(u.json.error.code).toBe("serviceNotAvailable");
    expect((await call(userTarget(ANA))).status).toBe(201);
    const bad = await request(emu, "POST", "/_emulator/faults", { body: { path: "/x", action: { type: "explode" } } });
    expect(bad.status).toBe(400);
  });
});
