// The documented forms the emulator draws per call (emulator/variants.ts): the same seed gives the same
// forms, and each form is what the docs' examples show.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { commsNotifications } from "./test/shapes";
import {
  ANA,
  appToken,
  PATIENT_PHONE,
  RAFAEL,
  request,
  startBotReceiver,
  startPromptServer,
  startTestEmulator,
} from "./test/helpers";
import { makeWav, parseWav } from "./media/wav";
import { PLAIN_VARIANT, VariantPicker, type CallVariant } from "./variants";

let emu: RunningEmulator;
let token: string;
let bot: Awaited<ReturnType<typeof startBotReceiver>>;
let prompts: Awaited<ReturnType<typeof startPromptServer>>;
const CALLS = "/v1.0/communications/calls";
const serviceMedia = { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" };
/** A resource account: the application instance calls can be placed from */
const INSTANCE = "3d913abb-aec0-4964-8fa6-3c6850c4f278";

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
  await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
  return async () => {
    for (const r of bot.received) expect(commsNotifications.safeParse(r.body).error).toBeUndefined();
    await bot.close();
  };
});

const force = async (forms: Partial<CallVariant>) =>
  expect((await request(emu, "PUT", "/_emulator/variants", { body: { force: forms } })).status).toBe(200);

async function establishedCallTo(user: string) {
  const res = await request(emu, "POST", CALLS, {
    token,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      targets: [{ identity: user.startsWith("+") ? { phone: { id: user } } : { user: { id: user } } }],
    },
  });
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  await bot.waitFor(
    // either spelling of the id (the hex form)
    (n) =>
      n.resourceUrl.replace(/-/g, "").toLowerCase() === `/communications/calls/${id.replace(/-/g, "")}` &&
      n.resourceData?.mediaState?.audio === "active",
  );
  return id;
}

/** The far end of a call hangs up. */
async function farEndHangsUp(callId: string) {
  const view = await request(emu, "GET", `/_emulator/calls/${callId}`);
  const leg = view.json.legs.find((l: { kind: string }) => l.kind !== "bot").participantId as string;
  expect((await request(emu, "POST", `/_emulator/legs/${leg}/actions`, { body: { action: "hangup" } })).status).toBe(
    200,
  );
}

const ended = (callId: string) =>
  bot.waitFor((n) => n.changeType === "deleted" && n.resourceUrl === `/communications/calls/${callId}`);

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
    for (const form of Object.keys(PLAIN_VARIANT) as (keyof CallVariant)[])
      expect(new Set(drawn.map((v) => v[form])).size, form).toBeGreaterThan(1);
    expect(new Set(drawn.map((v) => v.roster))).toEqual(new Set(["full", "delta", "deltaParticipants"]));
    expect(new Set(drawn.map((v) => v.incoming))).toEqual(new Set(["full", "minimal", "routed"]));
    a.restart();
    expect(a.pick()).toEqual(drawn[0]);
    const off = new VariantPicker({ mode: "off", seed: 42, force: { roster: "delta" } });
    expect(off.pick()).toEqual({ ...PLAIN_VARIANT, roster: "delta" });
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
  async function meetingCall(thread: string, extra: object = {}) {
    const res = await request(emu, "POST", CALLS, {
      token,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        chatInfo: { threadId: thread, messageId: "0" },
        meetingInfo: { "@odata.type": "#microsoft.graph.organizerMeetingInfo", organizer: { user: { id: ANA } } },
        ...extra,
      },
    });
    expect(res.status).toBe(201);
    return res.json.id as string;
  }
  type Entry = { id: string; isMuted: boolean; removedState?: unknown; info?: { identity?: { guest?: unknown } } };
  /** Each roster notification: "deleted" first for a deleted change, then who it lists; "#n" its sequenceNumber. */
  const rosters = () =>
    bot
      .items()
      .filter((n) => n.resourceUrl.endsWith("/participants"))
      .map((n) => {
        const data = n.resourceData as Entry[] | { sequenceNumber: number; participants: Entry[] };
        const entries = Array.isArray(data) ? data : data.participants;
        return [
          ...(n.changeType === "deleted" ? ["deleted"] : []),
          ...(Array.isArray(data) ? [] : [`#${data.sequenceNumber}`]),
          ...entries.map(
            (p) =>
              `${p.info?.identity?.guest ? "guest" : "bot"}${p.isMuted ? "+muted" : ""}${p.removedState ? "-removed" : ""}`,
          ),
        ];
      });

  it.each([
    ["delta", "removedState", [["bot"], ["guest"], ["guest+muted"], ["guest+muted-removed"]]],
    ["full", "removedState", [["bot"], ["bot", "guest"], ["bot", "guest+muted"], ["bot", "guest+muted-removed"]]],
    [
      "deltaParticipants",
      "deleted",
      [
        ["#1", "bot"],
        ["#2", "guest"],
        ["#3", "guest+muted"],
        ["deleted", "#4", "guest+muted-removed"],
      ],
    ],
    [
      "full",
      "deleted",
      [["bot"], ["bot", "guest"], ["bot", "guest+muted"], ["bot"], ["deleted", "guest+muted-removed"]],
    ],
  ] as const)("%s, departures by %s: who joins, is muted and leaves", async (roster, departures, expected) => {
    await force({ roster, departures });
    const thread = `19:meeting_variants_${roster}_${departures}@thread.v2`;
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
    await expect.poll(() => rosters().length).toBe(expected.length);
    expect(rosters()).toEqual(expected);
  });

  it("idlessInvitees: an invitee whose phone still rings is in the roster with id null", async () => {
    await force({ idlessInvitees: true });
    const thread = "19:meeting_variants_idless@thread.v2";
    const callId = await meetingCall(thread);
    await bot.waitFor((n) => n.resourceUrl.endsWith("/participants"));
    await request(emu, "PUT", `/_emulator/endpoints/${RAFAEL}`, { body: { mode: "manual" } });
    const invite = await request(emu, "POST", `${CALLS}/${callId}/participants/invite`, {
      token,
      body: {
        participants: [
          { "@odata.type": "#microsoft.graph.invitationParticipantInfo", identity: { user: { id: RAFAEL } } },
        ],
      },
    });
    expect(invite.status).toBe(200);
    // while Rafael's phone rings, someone joins: the update lists him without an id
    await request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(thread)}/guests`, {
      body: { name: "Guest", bypassLobby: true },
    });
    const ringing = await bot.waitFor(
      (n) => n.resourceUrl.endsWith("/participants") && n.resourceData.some((p: { id: unknown }) => p.id === null),
    );
    expect(ringing.resourceData.find((p: { id: unknown }) => p.id === null).info.identity.user.id).toBe(RAFAEL);
  });

  it("a call that asks for the delta roster (callOptions.isDeltaRosterEnabled) gets deltaParticipants", async () => {
    await meetingCall("19:meeting_variants_asked@thread.v2", {
      callOptions: { "@odata.type": "#microsoft.graph.outgoingCallOptions", isDeltaRosterEnabled: true },
    });
    await expect.poll(() => rosters()).toEqual([["#1", "bot"]]);
  });

  it("applicationInstance: in a call placed from a resource account, the bot's own participant is that instance", async () => {
    await force({ botIdentity: "applicationInstance" });
    const callId = await meetingCall("19:meeting_variants_instance@thread.v2", {
      source: { identity: { applicationInstance: { id: INSTANCE } } },
    });
    const roster = await bot.waitFor((n) => n.resourceUrl.endsWith("/participants"));
    expect(roster.resourceData[0].info.identity.applicationInstance).toMatchObject({ id: INSTANCE });
    expect(roster.resourceData[0].info.identity.application).toBeUndefined();
    const listed = await request(emu, "GET", `${CALLS}/${callId}/participants`, { token });
    expect(listed.json.value[0].info.identity).toMatchObject({ applicationInstance: { id: INSTANCE } });
  });
});

describe("incoming calls", () => {
  const incoming = async () =>
    (await request(emu, "POST", "/_emulator/incoming-calls", { body: { from: PATIENT_PHONE } })).json.id as string;

  it("minimal: the created notification holds only the call's id and state; GET has the rest", async () => {
    await force({ incoming: "minimal" });
    const id = await incoming();
    const created = await bot.waitFor((n) => n.changeType === "created");
    expect(Object.keys(created.resourceData).filter((k) => !k.startsWith("@"))).toEqual(["id", "state"]);
    expect(created.resourceData).toMatchObject({ id, state: "incoming" });
    const call = await request(emu, "GET", `${CALLS}/${id}`, { token });
    expect(call.json.source.identity.phone.id).toBe(PATIENT_PHONE);
  });

  it("routed: callRoutes say the caller dialled the clinic's number, forwarded to the bot", async () => {
    await force({ incoming: "routed" });
    const id = await incoming();
    const created = await bot.waitFor((n) => n.changeType === "created");
    expect(created.resourceData.callRoutes).toEqual([
      expect.objectContaining({
        routingType: "forwarded",
        original: expect.objectContaining({ phone: expect.objectContaining({ id: emu.directory.clinicLine.phone }) }),
        final: expect.objectContaining({ application: expect.objectContaining({ id: emu.registration.clientId }) }),
      }),
    ]);
    expect((await request(emu, "GET", `${CALLS}/${id}`, { token })).json.callRoutes).toHaveLength(1);
  });
});

describe("why an operation finished", () => {
  it("completionReason: the documented values on playPrompt and recordResponse results; none in the plain form", async () => {
    const done = (op: string) => bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${op}`));
    const plain = await establishedCallTo(ANA);
    expect((await done((await playPrompt(plain)).json.id)).resourceData).not.toHaveProperty("completionReason");
    await force({ completionReason: true });
    const id = await establishedCallTo(ANA);
    expect((await done((await playPrompt(id)).json.id)).resourceData.completionReason).toBe("completedSuccessfully");
    const silent = await request(emu, "POST", `${CALLS}/${id}/recordResponse`, {
      token,
      body: { initialSilenceTimeoutInSeconds: 1 },
    });
    expect(silent.json.completionReason).toBeNull();
    expect((await done(silent.json.id)).resourceData.completionReason).toBe("initialSilenceTimeout");
    const long = await playPrompt(id);
    await request(emu, "POST", `${CALLS}/${id}/cancelMediaProcessing`, { token, body: {} });
    expect((await done(long.json.id)).resourceData).toMatchObject({
      status: "failed",
      completionReason: "mediaOperationCanceled",
      resultInfo: { code: 400, subcode: 8508 },
    });
  });
});

describe("result codes of the same ending", () => {
  it.each([
    [1, { bot: 10550, user: 4097, phone: 560000 }],
    [2, { bot: 5001, user: 18503, phone: 540000 }],
  ] as const)("endCode %i: the bot, a Teams user and a phone user hang up", async (endCode, codes) => {
    await force({ endCode });
    const byBot = await establishedCallTo(ANA);
    await request(emu, "DELETE", `${CALLS}/${byBot}`, { token });
    expect((await ended(byBot)).resourceData.resultInfo).toMatchObject({ code: 200, subcode: codes.bot });
    for (const [who, subcode] of [
      [ANA, codes.user],
      [PATIENT_PHONE, codes.phone],
    ] as const) {
      const id = await establishedCallTo(who);
      await farEndHangsUp(id);
      expect((await ended(id)).resourceData.resultInfo).toMatchObject({ code: 200, subcode });
    }
  });
});

describe("what one POST carries", () => {
  it("batched: notifications raised together share one POST, in order", async () => {
    await force({ batched: true });
    const id = await establishedCallTo(ANA);
    await request(emu, "DELETE", `${CALLS}/${id}`, { token });
    await ended(id);
    const states = bot.received.map((r) =>
      r.body.value.map((n: { resourceData: { state?: string; mediaState?: unknown } }) =>
        n.resourceData.mediaState ? "audio" : n.resourceData.state,
      ),
    );
    expect(states).toEqual([["establishing"], ["established", "audio"], ["terminating", "terminated"]]);
  });

  it("unknownItem: the POST saying the call is established also names an audio routing group of the call", async () => {
    await force({ unknownItem: true });
    const id = await establishedCallTo(ANA);
    const post = bot.received.find((r) => r.body.value[0].resourceData.state === "established")!;
    expect(post.body.value.map((n: { resourceUrl: string }) => n.resourceUrl)).toEqual([
      `/communications/calls/${id}`,
      expect.stringMatching(new RegExp(`^/communications/calls/${id}/audioRoutingGroups/[0-9a-f-]{36}$`)),
    ]);
    expect(post.body.value[1].resourceData).toMatchObject({ "@odata.type": "#microsoft.graph.audioRoutingGroup" });
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
