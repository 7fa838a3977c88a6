// The documented forms the emulator draws per call (emulator/variants.ts): the same seed gives the same
// forms, and each form is what the docs' examples show.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { commsNotifications } from "./test/shapes";
import { ANA, appToken, request, startBotReceiver, startPromptServer, startTestEmulator } from "./test/helpers";
import { makeWav, parseWav } from "./media/wav";
import { VariantPicker } from "./variants";

let emu: RunningEmulator;
let token: string;
let bot: Awaited<ReturnType<typeof startBotReceiver>>;
let prompts: Awaited<ReturnType<typeof startPromptServer>>;
const CALLS = "/v1.0/communications/calls";

beforeAll(async () => {
  emu = await startTestEmulator({ variants: { mode: "off" } });
  token = await appToken(emu);
  prompts = await startPromptServer();
});
afterAll(async () => {
  await emu.close();
  await prompts.close();
});
beforeEach(async () => {
  await request(emu, "POST", "/_emulator/reset");
  await request(emu, "PUT", "/_emulator/variants", { body: { mode: "off", force: {} } });
  bot = await startBotReceiver();
  return async () => {
    for (const r of bot.received) expect(commsNotifications.safeParse(r.body).error).toBeUndefined();
    await bot.close();
  };
});

const force = async (forms: Record<string, unknown>) =>
  expect((await request(emu, "PUT", "/_emulator/variants", { body: { force: forms } })).status).toBe(200);

async function establishedCallTo(user: string) {
  const res = await request(emu, "POST", CALLS, {
    token,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
      targets: [{ identity: { user: { id: user } } }],
    },
  });
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  await bot.waitFor((n) => n.resourceData?.mediaState?.audio === "active");
  return id;
}

const playPrompt = (callId: string) =>
  request(emu, "POST", `${CALLS}/${callId}/playPrompt`, {
    token,
    body: {
      prompts: [{ "@odata.type": "#microsoft.graph.mediaPrompt", mediaInfo: { uri: `${prompts.url}/menu.wav` } }],
      clientContext: "menu",
    },
  });

describe("the variant picker", () => {
  it("draws the same forms from the same seed, and only the plain ones when off", () => {
    const a = new VariantPicker({ mode: "random", seed: 42 });
    const b = new VariantPicker({ mode: "random", seed: 42 });
    const drawn = Array.from({ length: 20 }, () => a.pick());
    expect(Array.from({ length: 20 }, () => b.pick())).toEqual(drawn);
    // over twenty calls each form shows up both ways
    expect(new Set(drawn.map((v) => v.idSpelling))).toEqual(new Set(["dashed", "hex"]));
    expect(new Set(drawn.map((v) => v.roster))).toEqual(new Set(["full", "delta"]));
    a.restart();
    expect(a.pick()).toEqual(drawn[0]);
    const off = new VariantPicker({ mode: "off", seed: 42, force: { roster: "delta" } });
    expect(off.pick()).toEqual({
      idSpelling: "dashed",
      roster: "delta",
      mediaLater: false,
      recordingSampleRate: 16000,
      idlessInvitees: false,
    });
  });

  it("is set through the control API; the seed restarts the sequence and each call shows its forms", async () => {
    const set = await request(emu, "PUT", "/_emulator/variants", { body: { mode: "random", seed: 7 } });
    expect(set.json).toMatchObject({ mode: "random", seed: 7, callsPicked: 0 });
    const first = await establishedCallTo(ANA);
    await request(emu, "PUT", "/_emulator/variants", { body: { seed: 7 } });
    const again = await establishedCallTo(ANA);
    const view = async (id: string) => (await request(emu, "GET", `/_emulator/calls/${id}`)).json.variant;
    expect(await view(again)).toEqual(await view(first));
    expect((await request(emu, "PUT", "/_emulator/variants", { body: { mode: "sometimes" } })).status).toBe(400);
  });
});

describe("id spelling", () => {
  it("hex: completion URLs spell the call and operation ids as 32 uppercase hex digits, the entity's id keeps its dashes", async () => {
    await force({ idSpelling: "hex" });
    const id = await establishedCallTo(ANA);
    const play = await playPrompt(id);
    expect(play.status).toBe(200);
    const hex = (guid: string) => guid.replace(/-/g, "").toUpperCase();
    const done = await bot.waitFor((n) => n.resourceUrl.includes("/operations/"));
    expect(done.resourceUrl).toBe(`/communications/calls/${hex(id)}/operations/${hex(play.json.id)}`);
    expect(done.resourceData["@odata.id"]).toBe(done.resourceUrl);
    expect(done.resourceData.id).toBe(play.json.id);
    // Graph takes either spelling back
    expect((await request(emu, "GET", `${CALLS}/${hex(id)}`, { token })).status).toBe(200);
  });
});

describe("roster forms", () => {
  async function meetingCall(thread: string) {
    const res = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
        chatInfo: { threadId: thread, messageId: "0" },
        meetingInfo: { "@odata.type": "#microsoft.graph.organizerMeetingInfo", organizer: { user: { id: ANA } } },
      },
    });
    expect(res.status).toBe(201);
    return res.json.id as string;
  }
  const rosters = () =>
    bot
      .items()
      .filter((n) => n.resourceUrl.endsWith("/participants"))
      .map((n) =>
        (
          n.resourceData as {
            id: string;
            isMuted: boolean;
            removedState?: { reason: string };
            info?: { identity?: { guest?: unknown } };
          }[]
        ).map(
          (p) =>
            `${p.id === undefined ? "?" : p.info?.identity?.guest ? "guest" : "bot"}${p.isMuted ? "+muted" : ""}${p.removedState ? "-removed" : ""}`,
        ),
      );

  it.each([
    ["delta", [["bot"], ["guest"], ["guest+muted"], ["guest+muted-removed"]]],
    ["full", [["bot"], ["bot", "guest"], ["bot", "guest+muted"], ["bot", "guest+muted-removed"]]],
  ] as const)("%s: who joins, is muted and leaves", async (form, expected) => {
    await force({ roster: form });
    const thread = `19:meeting_variants_${form}@thread.v2`;
    const callId = await meetingCall(thread);
    await bot.waitFor((n) => n.resourceUrl.endsWith("/participants"));
    const guest = await request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(thread)}/guests`, {
      body: { name: "Guest", bypassLobby: true },
    });
    await expect.poll(() => rosters().length).toBe(2);
    expect(
      (
        await request(emu, "POST", `${CALLS}/${callId}/participants/${guest.json.participantId}/mute`, {
          token,
          body: {},
        })
      ).status,
    ).toBe(200);
    await expect.poll(() => rosters().length).toBe(3);
    await request(
      emu,
      "POST",
      `/_emulator/meetings/${encodeURIComponent(thread)}/guests/${guest.json.participantId}/leave`,
    );
    await expect.poll(() => rosters().length).toBe(4);
    expect(rosters()).toEqual(expected);
  });
});

describe("audio after established", () => {
  it("mediaLater: established first, the audio mediaState in a later update; a prompt started in between is not heard", async () => {
    await force({ mediaLater: true });
    const res = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
        targets: [{ identity: { user: { id: ANA } } }],
      },
    });
    const id = res.json.id as string;
    const established = await bot.waitFor((n) => n.resourceData?.state === "established");
    expect(established.resourceData.mediaState).toBeUndefined();
    expect((await playPrompt(id)).status).toBe(200);
    const audio = await bot.waitFor((n) => n.resourceData?.mediaState?.audio === "active");
    expect(audio.resourceData).toMatchObject({ state: "established" });
    const states = bot
      .items()
      .filter((n) => n.resourceUrl === `/communications/calls/${id}`)
      .map((n) => `${n.resourceData.state ?? ""}${n.resourceData.mediaState ? "+audio" : ""}`);
    expect(states).toEqual(["establishing", "established", "established+audio"]);
    expect((await playPrompt(id)).status).toBe(200);
    await expect.poll(() => bot.items().filter((n) => n.resourceUrl.includes("/operations/")).length).toBe(2);
    const view = (await request(emu, "GET", `/_emulator/calls/${id}`)).json;
    expect(view).toMatchObject({ promptsBeforeAudio: 1, mediaState: { audio: "active" } });
  });
});

describe("recordings at 8 kHz", () => {
  it("a recording of the 8 kHz form says so in its header; Speech recognises it only when sent as what it is, 16 kHz", async () => {
    await force({ recordingSampleRate: 8000 });
    await request(emu, "PUT", `/_emulator/endpoints/${ANA}`, {
      body: { mode: "answer", ringDelayMs: 0, script: [{ type: "say", text: "quero cancelar", delayMs: 50 }] },
    });
    const id = await establishedCallTo(ANA);
    const rec = await request(emu, "POST", `${CALLS}/${id}/recordResponse`, {
      token,
      body: { initialSilenceTimeoutInSeconds: 60, maxSilenceTimeoutInSeconds: 1 },
    });
    expect(rec.status).toBe(200);
    const done = await bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${rec.json.id}`));
    const audio = await request(emu, "GET", done.resourceData.recordingLocation, {
      token: done.resourceData.recordingAccessToken,
    });
    expect(parseWav(audio.raw)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    const recognise = (samplerate: number, body: Buffer) =>
      request(emu, "POST", "/speech/recognition/conversation/cognitiveservices/v1?language=pt-BR", {
        rawBody: body,
        headers: {
          "Ocp-Apim-Subscription-Key": "demo",
          "content-type": `audio/wav; codecs=audio/pcm; samplerate=${samplerate}`,
        },
      });
    // sent as 16 kHz, it is read twice too fast
    expect((await recognise(16000, audio.raw)).json).toMatchObject({ RecognitionStatus: "NoMatch" });
    // 8 kHz is not a format the short-audio API takes
    expect((await recognise(8000, audio.raw)).status).toBe(400);
    const converted = makeWav(parseWav(audio.raw).durationMs, "quero cancelar");
    expect((await recognise(16000, converted)).json).toMatchObject({
      RecognitionStatus: "Success",
      DisplayText: "quero cancelar",
    });
  });
});
