import fs from "node:fs";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { commsNotifications } from "./test/shapes";
import {
  ANA,
  appToken,
  CARLA,
  EXAMPLES,
  readExample,
  request,
  startBotReceiver,
  startPromptServer,
  startTestEmulator,
  userSignIn,
} from "./test/helpers";

/**
 * Example files that are neither a request (with its response) nor a notification, and the test below
 * that holds the emulator to each. A new file in the examples folder that fits none of these fails.
 */
const STANDALONE: Record<string, string> = {
  "graph-error.generic.response.json": "standalone examples > graph-error.generic.response.json",
  "graph-throttling.429.response.json": "standalone examples > graph-throttling.429.response.json",
  "inbound-callback.jwt-claims.example.json": "standalone examples > inbound-callback.jwt-claims.example.json",
  "onlinemeeting-create.error-no-application-access-policy.response.json":
    "standalone examples > onlinemeeting-create.error-no-application-access-policy.response.json",
};

/**
 * These tests hold every notification to the documented shapes (test/shapes.ts) and check exact sequences:
 * they run with the plain forms; variants.test.ts covers the others (emulator/variants.ts).
 */
const PLAIN = { variants: { mode: "off" as const } };
let emu: RunningEmulator;
let app: string;
let user: string;
let bot: Awaited<ReturnType<typeof startBotReceiver>>;
let prompts: Awaited<ReturnType<typeof startPromptServer>>;
const serviceMedia = { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" };

beforeAll(async () => {
  emu = await startTestEmulator(PLAIN);
  app = await appToken(emu);
  user = (await userSignIn(emu, "ana.ribeiro@aurora.example")).access_token;
  bot = await startBotReceiver();
  prompts = await startPromptServer();
  await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
});
afterAll(async () => {
  for (const r of bot.received) expect(commsNotifications.safeParse(r.body).error).toBeUndefined();
  await bot.close();
  await prompts.close();
  await emu.close();
});

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

async function incomingCall(): Promise<string> {
  const res = await request(emu, "POST", "/_emulator/incoming-calls", { body: { from: "+5511912345678" } });
  return res.json.id;
}

async function establishedCall(userId = ANA): Promise<string> {
  const res = await request(emu, "POST", "/v1.0/communications/calls", {
    token: app,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      targets: [{ identity: { user: { id: userId } } }],
    },
  });
  await bot.waitFor(
    (n) => n.resourceUrl === `/communications/calls/${res.json.id}` && n.resourceData.state === "established",
  );
  return res.json.id;
}

/** `source`: the application instance (resource account with a number) that phone invitations dial from. */
async function meetingCallWithGuest(source?: object): Promise<{ callId: string; guestId: string }> {
  const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "group" } });
  const res = await request(emu, "POST", "/v1.0/communications/calls", {
    token: app,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      ...(source && { source }),
      chatInfo: m.json.chatInfo,
      meetingInfo: { "@odata.type": "#microsoft.graph.organizerMeetingInfo", organizer: { user: { id: ANA } } },
    },
  });
  await bot.waitFor(
    (n) => n.resourceUrl === `/communications/calls/${res.json.id}` && n.resourceData.state === "established",
  );
  const guest = await request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(m.json.id)}/guests`, {
    body: { name: "Guest", bypassLobby: true },
  });
  return { callId: res.json.id, guestId: guest.json.participantId };
}

const exampleFiles = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));
const isRequest = (f: string) => /\.(invite-)?request(-alt)?\.json$/.test(f);
const isNotification = (f: string) => /\.notification-\d+-[\w-]+\.json$/.test(f);
const responseFor = (request: string) =>
  request.replace(/\.request(-alt)?\.json$/, ".response.json").replace(".invite-request.json", ".invite-response.json");
const requestFiles = exampleFiles.filter(isRequest);
const notificationFiles = exampleFiles.filter(isNotification);

/**
 * Examples whose body carries a parameter or a property that Graph v1.0's schema does not declare
 * (emulator/contract/metadata): the emulator refuses it with 400 as Graph does (BadRequest for an action's
 * parameter, RequestBodyRead for a property of a closed type), and the example is then replayed without it.
 */
const UNDECLARED: Record<string, { path: string[]; code: string }> = {
  "call-redirect-ex2-simulring.request.json": { path: ["routingPolicies"], code: "BadRequest" },
  "call-transfer-ex3-pstn.request.json": { path: ["clientContext"], code: "BadRequest" },
  "call-transfer-ex4-consultative-pstn.request.json": { path: ["clientContext"], code: "BadRequest" },
  "create-call-ex03-group-service-media.request.json": {
    path: ["mediaConfig", "removeFromDefaultAudioGroup"],
    code: "RequestBodyRead",
  },
  "create-call-ex04-group-app-media.request.json": {
    path: ["mediaConfig", "removeFromDefaultAudioGroup"],
    code: "RequestBodyRead",
  },
};

const CLINIC_LINE_INSTANCE = "3d913abb-aec0-4964-8fa6-3c6850c4f278";

/** Rewrites the docs' prompt URLs (cdn.contoso.com) to a local WAV server so prompts really play. */
function localPrompts(body: Record<string, unknown>): void {
  for (const p of (body.prompts as Array<{ mediaInfo?: { uri?: string } }> | undefined) ?? []) {
    if (p.mediaInfo?.uri) p.mediaInfo.uri = `${prompts.url}/${p.mediaInfo.uri.split("/").pop()}`;
  }
}

/** A finished recordResponse: where its recording is and the token that downloads it. */
async function finishedRecording(): Promise<{ location: string; token: string }> {
  const callId = await establishedCall();
  const rec = await request(emu, "POST", `/v1.0/communications/calls/${callId}/recordResponse`, {
    token: app,
    body: { initialSilenceTimeoutInSeconds: 1, maxRecordDurationInSeconds: 1 },
  });
  const done = await bot.waitFor((n) => n.resourceUrl.endsWith(`/operations/${rec.json.id}`));
  return { location: done.resourceData.recordingLocation, token: done.resourceData.recordingAccessToken };
}

describe("every file in the contract's examples folder is covered", () => {
  it("each file is a request (with its response), a notification, or a standalone example with a test", () => {
    expect(requestFiles.length).toBeGreaterThan(50);
    const paired = new Set(requestFiles.map(responseFor));
    const uncovered = exampleFiles.filter(
      (f) => !isRequest(f) && !isNotification(f) && !paired.has(f) && !(f in STANDALONE),
    );
    expect(uncovered).toEqual([]);
    for (const f of Object.keys(STANDALONE)) expect(exampleFiles).toContain(f);
  });
});

describe("replays every request example from the contract", () => {
  it.each(requestFiles)("%s", async (file) => {
    const ex = readExample(file);
    const responseFile = responseFor(file);
    const expected = fs.existsSync(`${EXAMPLES}/${responseFile}`) ? readExample(responseFile) : undefined;
    let path = ex.path.startsWith("/v1.0") || ex.path.startsWith("https:") ? ex.path : `/v1.0${ex.path}`;
    const body = ex.body && typeof ex.body === "object" ? structuredClone(ex.body) : undefined;
    if (body?.callbackUri) body.callbackUri = `${bot.url}/cb`;
    if (body) localPrompts(body);
    let token = path.includes("/me/") ? user : app;

    if (/^call-record-ex2-download/.test(file)) {
      // Not a Graph URL: the recordingLocation of a finished recordResponse, with its recordingAccessToken.
      const recording = await finishedRecording();
      path = recording.location;
      token = recording.token;
    } else if (/^call-(answer|reject|redirect)/.test(file)) {
      path = path.replace(/calls\/[^/]+/, `calls/${await incomingCall()}`);
    } else if (/^(participant-|call-list-participants|call-get-ex2)/.test(file)) {
      // the PSTN invitation example needs an application instance with a phone number as the call's source
      const { callId, guestId } = await meetingCallWithGuest(
        file.includes("-pstn") ? { identity: { applicationInstance: { id: CLINIC_LINE_INSTANCE } } } : undefined,
      );
      path = path
        .replace(/calls\/[^/]+/, `calls/${callId}`)
        .replace(/participants\/(?!invite)[^/]+/, `participants/${guestId}`);
      // replacesCallId names the bot's live peer-to-peer call with the invited person (else 400): the docs'
      // call and user ids become a real call with a directory user, who is then moved into the meeting
      const first = (
        body?.participants as { replacesCallId?: string; identity: { user: { id: string } } }[] | undefined
      )?.[0];
      if (first?.replacesCallId) {
        first.replacesCallId = await establishedCall(CARLA);
        first.identity.user.id = CARLA;
      }
    } else if (/^call-/.test(file)) {
      path = path.replace(/calls\/[^/]+/, `calls/${await establishedCall()}`);
    } else if (/^onlinemeeting-get-ex5-attendeereport/.test(file)) {
      // Live events only, and the token needs OnlineMeetingArtifact.Read.All.
      token = (
        await userSignIn(
          emu,
          "ana.ribeiro@aurora.example",
          "openid OnlineMeetings.ReadWrite OnlineMeetingArtifact.Read.All",
        )
      ).access_token;
      const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", {
        token,
        body: { subject: "live", isBroadcast: true },
      });
      path = path.replace(/onlineMeetings\/[^/]+\/attendeeReport/, `onlineMeetings/${m.json.id}/attendeeReport`);
    } else if (/^onlinemeeting-(get|update|delete)/.test(file)) {
      const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "seed" } });
      path = path
        .replace(/onlineMeetings\/[^?]+$/, `onlineMeetings/${m.json.id}`)
        .replace(/JoinWebUrl eq '.*'$/, `JoinWebUrl eq '${encodeURIComponent(m.json.joinWebUrl)}'`)
        .replace(/eq%20'1234567890'/, `eq%20'${m.json.joinMeetingIdSettings.joinMeetingId}'`)
        .replace(/eq%20'123456789'/, `eq%20'${m.json.videoTeleconferenceId}'`);
    } else if (/^onlinemeeting-createorget/.test(file)) {
      await request(emu, "POST", path, { token, body }); // first call creates (201); the example shows the 200 "get"
    }
    if (file.startsWith("onlinemeeting-") && path.includes("/users/")) token = app;

    const undeclared = UNDECLARED[file];
    if (undeclared && body) {
      const refused = await request(emu, ex.method, path, { token, body });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.json.error.code).toBe(undeclared.code);
      expect(refused.json.error.message).toContain(`'${undeclared.path.at(-1)}'`);
      const holder = undeclared.path.slice(0, -1).reduce((o, key) => o[key], body);
      delete holder[undeclared.path.at(-1)!];
    }
    const res = await request(emu, ex.method, path, { token, body });
    const expectedStatus = expected?.status ?? (ex.method === "POST" ? 201 : 200);
    expect(res.status, res.text).toBe(expectedStatus);
    expect(res.headers["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const contentType = expected?.headers?.["Content-Type"];
    if (contentType) expect(res.headers["content-type"]).toContain(contentType);
    if (expected?.headers?.Location) {
      const location = res.headers.location ?? "";
      if (expectedStatus === 302) {
        // The attendee report: a pre-authenticated download link.
        const report = await request(emu, "GET", location);
        expect(report.status).toBe(200);
        expect(report.headers["content-type"]).toContain("text/csv");
      } else {
        expect(location).toMatch(/^https:\/\/localhost:\d+\/v1\.0\/communications\/calls\/[0-9a-f-]+/);
      }
    }
    if (expected?.body && typeof expected.body === "object") {
      // The VideoTeleconferenceId example shows a bare object where the doc text (and every other $filter
      // GET) gives a collection; the emulator answers the collection, so compare its one item.
      const actual = "value" in expected.body || !Array.isArray(res.json?.value) ? res.json : res.json.value[0];
      for (const [key, value] of Object.entries(expected.body as Record<string, unknown>)) {
        expect(actual, `${file}: missing ${key}`).toHaveProperty([key]);
        const mine = actual[key];
        if (value !== null && mine !== null && key !== "status")
          expect(typeOf(mine), `${file}: ${key}`).toBe(typeOf(value));
      }
      const settings = (expected.body as { joinMeetingIdSettings?: { isPasscodeRequired?: boolean } })
        .joinMeetingIdSettings;
      if (settings) expect(actual.joinMeetingIdSettings.isPasscodeRequired).toBe(settings.isPasscodeRequired);
    } else if (expectedStatus === 202 || expectedStatus === 204 || expectedStatus === 302) {
      expect(res.text).toBe("");
    }
  });
});

describe("errors and permissions (emulator/CONTRACT.md#errors, #permissions)", () => {
  it("401 InvalidAuthenticationToken without or with a bad token, Graph error shape with request-id/date", async () => {
    for (const token of [undefined, "not.a.jwt", app.slice(0, -4) + "AAAA"]) {
      const res = await request(emu, "GET", "/v1.0/communications/calls/00000000-0000-0000-0000-000000000000", {
        token,
        headers: { "client-request-id": "abc-123" },
      });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("InvalidAuthenticationToken");
      expect(res.json.error.innerError).toMatchObject({
        "request-id": res.headers["request-id"],
        "client-request-id": "abc-123",
      });
      expect(res.json.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(res.headers["client-request-id"]).toBe("abc-123");
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it("delegated token on calls → 403 accessDenied; /me with an app token → 400; access policy missing → 403 Unauthorized", async () => {
    const calls = await request(emu, "POST", "/v1.0/communications/calls", {
      token: user,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        targets: [{ identity: { user: { id: ANA } } }],
      },
    });
    expect(calls.status).toBe(403);
    expect(calls.json.error.code).toBe("accessDenied");
    expect((await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: app, body: {} })).status).toBe(400);
    await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [] } });
    const denied = await request(emu, "POST", `/v1.0/users/${ANA}/onlineMeetings`, {
      token: app,
      body: { subject: "x" },
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("Unauthorized");
    expect(denied.json.error.message).toContain("is not authorized to Create meeting on behalf of user");
    await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    const otherUser = await request(emu, "POST", "/v1.0/users/0a1c2e30-1111-4a00-8000-000000000002/onlineMeetings", {
      token: user,
      body: {},
    });
    expect(otherUser.status).toBe(403);
  });

  it("a bound action's body may hold only the parameters Graph's schema declares for it → else 400 BadRequest", async () => {
    // createOrGet declares chatInfo, endDateTime, externalId, participants, startDateTime, subject
    const createOrGet = (extra: Record<string, unknown>) =>
      request(emu, "POST", "/v1.0/me/onlineMeetings/createOrGet", {
        token: user,
        body: { "@odata.type": "#microsoft.graph.onlineMeeting", externalId: "x-params", subject: "s", ...extra },
      });
    for (const [name, value] of [
      ["lobbyBypassSettings", { scope: "organization" }],
      ["allowedPresenters", "organizer"],
    ] as const) {
      const res = await createOrGet({ [name]: value });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({
        code: "BadRequest",
        message: `The parameter '${name}' in the request payload is not a valid parameter for the operation 'createOrGet'.`,
      });
    }
    expect((await createOrGet({})).status).toBe(201);
    // keepAlive declares no parameter at all
    const callId = await establishedCall();
    const keepAlive = await request(emu, "POST", `/v1.0/communications/calls/${callId}/keepAlive`, {
      token: app,
      body: { clientContext: "not a parameter of keepAlive" },
    });
    expect(keepAlive.status).toBe(400);
  });

  it("mute works in group calls and meetings only: a peer-to-peer call's participant → 400", async () => {
    const callId = await establishedCall();
    const participants = await request(emu, "GET", `/v1.0/communications/calls/${callId}/participants`, { token: app });
    const [someone] = participants.json.value as { id: string }[];
    const mute = await request(emu, "POST", `/v1.0/communications/calls/${callId}/participants/${someone!.id}/mute`, {
      token: app,
      body: {},
    });
    expect(mute.status).toBe(400);
    expect(mute.json.error.message).toContain("group calls and meetings");
  });

  it("a phone number is invited only into a call whose source is an application instance (a number to dial from) → else 400", async () => {
    const invitePhone = (callId: string) =>
      request(emu, "POST", `/v1.0/communications/calls/${callId}/participants/invite`, {
        token: app,
        body: { participants: [{ identity: { phone: { id: "+12345678901" } } }] },
      });
    const asApp = await meetingCallWithGuest();
    const refused = await invitePhone(asApp.callId);
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("application instance");
    const asInstance = await meetingCallWithGuest({ identity: { applicationInstance: { id: CLINIC_LINE_INSTANCE } } });
    expect((await invitePhone(asInstance.callId)).status).toBe(200);
  });

  it("malformed JSON → 400 BadRequest; missing required fields → 400 invalidRequest; unknown ids → 404 itemNotFound", async () => {
    const malformed = await request(emu, "POST", "/v1.0/communications/calls", {
      token: app,
      rawBody: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe("BadRequest");
    const missing = await request(emu, "POST", "/v1.0/communications/calls", {
      token: app,
      body: { requestedModalities: ["audio"] },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe("invalidRequest");
    expect(missing.json.error.message).toContain("callbackUri");
    const noExternal = await request(emu, "POST", "/v1.0/me/onlineMeetings/createOrGet", {
      token: user,
      body: { subject: "x" },
    });
    expect(noExternal.status).toBe(400);
    const oneTime = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "x" } });
    const patch = await request(emu, "PATCH", `/v1.0/me/onlineMeetings/${oneTime.json.id}`, {
      token: user,
      body: { startDateTime: "2030-01-01T10:00:00Z" },
    });
    expect(patch.status).toBe(400);
    expect((await request(emu, "GET", "/v1.0/me/onlineMeetings/nope", { token: user })).json.error.code).toBe(
      "itemNotFound",
    );
    expect(
      (await request(emu, "GET", "/v1.0/communications/calls/6f0e5a3e-0000-4000-8000-000000000000", { token: app }))
        .status,
    ).toBe(404);
    const ctl = await request(emu, "PUT", "/_emulator/endpoints/%2B5511999999999", { body: { mode: "sometimes" } });
    expect(ctl.status).toBe(400);
    expect((await request(emu, "PUT", "/_emulator/endpoints/nobody@nowhere", { body: {} })).status).toBe(404);
    expect((await request(emu, "POST", "/_emulator/legs/unknown/actions", { body: { action: "hangup" } })).status).toBe(
      404,
    );
  });

  it("VideoTeleconferenceId lookup: application tokens only, tenant-wide, ignores the access policy", async () => {
    const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "vtc" } });
    const vtc = m.json.videoTeleconferenceId as string;
    expect(vtc).toMatch(/^\d{10}$/);
    const lookup = (token: string, filter = `VideoTeleconferenceId eq '${vtc}'`) =>
      request(emu, "GET", `/v1.0/communications/onlineMeetings/?$filter=${encodeURIComponent(filter)}`, { token });
    const delegated = await lookup(user);
    expect(delegated.status).toBe(403);
    expect(delegated.json.error.code).toBe("accessDenied");
    await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [] } });
    try {
      const found = await lookup(app);
      expect(found.status).toBe(200);
      expect(found.json.value.map((v: { id: string }) => v.id)).toEqual([m.json.id]);
    } finally {
      await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    }
    expect((await lookup(app, "VideoTeleconferenceId eq '0000000000'")).json.value).toEqual([]);
    const wrongField = await lookup(app, `JoinWebUrl eq 'x'`);
    expect(wrongField.status).toBe(400);
    expect(wrongField.json.error.code).toBe("invalidRequest");
    expect((await request(emu, "GET", "/v1.0/communications/onlineMeetings", { token: app })).status).toBe(400);
    expect((await request(emu, "GET", "/v1.0/communications/onlineMeetings")).status).toBe(401);
  });

  it("attendee report: OnlineMeetingArtifact.Read.All, organizer's live events only, 302 to a CSV link; unknown links 404", async () => {
    const artifacts = (
      await userSignIn(
        emu,
        "ana.ribeiro@aurora.example",
        "openid OnlineMeetings.ReadWrite OnlineMeetingArtifact.Read.All",
      )
    ).access_token;
    const live = await request(emu, "POST", "/v1.0/me/onlineMeetings", {
      token: user,
      body: { subject: "live", isBroadcast: true },
    });
    const plain = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "plain" } });
    const report = (token: string, id: string) =>
      request(emu, "GET", `/v1.0/me/onlineMeetings/${id}/attendeeReport`, { token });
    const noScope = await report(user, live.json.id);
    expect(noScope.status).toBe(403);
    expect(noScope.json.error.message).toContain("OnlineMeetingArtifact.Read.All");
    const notLive = await report(artifacts, plain.json.id);
    expect(notLive.status).toBe(404);
    expect(notLive.json.error.code).toBe("itemNotFound");
    expect((await report(artifacts, "unknown")).json.error.code).toBe("itemNotFound");
    const guest = await request(emu, "POST", `/_emulator/meetings/${encodeURIComponent(live.json.id)}/guests`, {
      body: { name: "Viewer One", bypassLobby: true },
    });
    const ok = await report(artifacts, live.json.id);
    expect(ok.status).toBe(302);
    const csv = await request(emu, "GET", ok.headers.location!);
    expect(csv.text.split("\r\n")[0]).toBe("ParticipantId,FullName,Role,UtcJoinTimestamp,Action");
    expect(csv.text).toContain(`${guest.json.participantId},Viewer One,Attendee,`);
    const appReport = await request(emu, "GET", `/v1.0/users/${ANA}/onlineMeetings/${live.json.id}/attendeeReport`, {
      token: app,
    });
    expect(appReport.status).toBe(302);
    expect((await request(emu, "GET", `${new URL(ok.headers.location!).pathname}x`)).status).toBe(404);
  });

  it("a meeting has a passcode only when joinMeetingIdSettings.isPasscodeRequired is true", async () => {
    const create = (body: object) => request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body });
    expect((await create({})).json.joinMeetingIdSettings).toMatchObject({ isPasscodeRequired: false, passcode: null });
    const withCode = (await create({ joinMeetingIdSettings: { isPasscodeRequired: true } })).json;
    expect(withCode.joinMeetingIdSettings.passcode).toMatch(/^\w{6}$/);
  });

  it("concurrent call limit → 429 activityLimitReached with Retry-After", async () => {
    const small = await startTestEmulator({ ...PLAIN, limits: { maxConcurrentCalls: 1 } });
    try {
      const token = await appToken(small);
      const body = {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        targets: [{ identity: { user: { id: ANA } } }],
      };
      expect((await request(small, "POST", "/v1.0/communications/calls", { token, body })).status).toBe(201);
      const second = await request(small, "POST", "/v1.0/communications/calls", { token, body });
      expect(second.status).toBe(429);
      expect(second.json.error.code).toBe("activityLimitReached");
      expect(second.headers["retry-after"]).toBeDefined();
    } finally {
      await small.close();
    }
  });
});

describe("pages and health", () => {
  it("serves the phone page and health", async () => {
    const phone = await request(emu, "GET", "/_emulator/phone?endpoint=%2B5511987654321");
    expect(phone.status).toBe(200);
    expect(phone.text).toContain("Keypad");
    const health = await request(emu, "GET", "/_emulator/health");
    expect(health.json).toMatchObject({ status: "ok", issuer: emu.issuer, clientId: emu.registration.clientId });
  });
});

describe("identity (Entra-shaped)", () => {
  it("authorization code + PKCE through the login page: ID token and Graph token claims", async () => {
    const tokens = await userSignIn(emu, "carla.mendes@aurora.example");
    expect(tokens.loginPage).toContain("Sign in as Dra. Ana Ribeiro");
    const id = decodeJwt(tokens.id_token);
    expect(id).toMatchObject({
      iss: emu.issuer,
      aud: emu.registration.clientId,
      tid: emu.directory.tenantId,
      oid: "0a1c2e30-2222-4a00-8000-000000000001",
      preferred_username: "carla.mendes@aurora.example",
      email: "carla.mendes@aurora.example",
      name: "Carla Mendes",
      roles: ["Staff"],
      nonce: tokens.nonce,
    });
    const at = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: emu.issuer,
      tid: emu.directory.tenantId,
      oid: "0a1c2e30-2222-4a00-8000-000000000001",
      scp: "User.Read OnlineMeetings.ReadWrite",
      appid: emu.registration.clientId,
      azp: emu.registration.clientId,
    });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await request(emu, "POST", `${emu.issuer}/token`, {
      rawBody: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token!,
        client_id: emu.registration.clientId,
        client_secret: emu.registration.clientSecret,
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.json.access_token).scp).toBe("User.Read OnlineMeetings.ReadWrite");
  });

  it("client credentials token carries roles, not scp; discovery is served where MSAL looks for it", async () => {
    const claims = decodeJwt(app);
    expect(claims.roles).toContain("Calls.Initiate.All");
    expect(claims.scp).toBeUndefined();
    const disco = await request(emu, "GET", `${emu.msalAuthority}/v2.0/.well-known/openid-configuration`);
    expect(disco.json.issuer).toBe(emu.issuer);
    expect(disco.json.token_endpoint).toBe(`${emu.issuer}/token`);
  });
});

/** Keys (recursively, for nested objects) of a documented body that the emulator's body lacks. */
function missingKeys(documented: unknown, mine: unknown, prefix = ""): string[] {
  if (!documented || typeof documented !== "object" || Array.isArray(documented)) return [];
  return Object.entries(documented).flatMap(([key, value]) => {
    const here = mine && typeof mine === "object" ? (mine as Record<string, unknown>)[key] : undefined;
    if (here === undefined) return [`${prefix}${key}`];
    return missingKeys(value, here, `${prefix}${key}.`);
  });
}

describe("standalone examples", () => {
  it("graph-error.generic.response.json", async () => {
    const documented = readExample("graph-error.generic.response.json").body;
    const res = await request(emu, "GET", "/v1.0/me/onlineMeetings/unknown-meeting", { token: user });
    expect(res.status).toBe(404);
    expect(missingKeys(documented, res.json)).toEqual([]);
    expect(res.json.error.code).toBe("itemNotFound");
  });

  it("graph-throttling.429.response.json", async () => {
    const documented = readExample("graph-throttling.429.response.json");
    await request(emu, "POST", "/_emulator/faults", {
      body: {
        method: "GET",
        path: "/v1.0/communications/calls/*",
        count: 1,
        action: { type: "throttle", retryAfterSeconds: 10 },
      },
    });
    const res = await request(emu, "GET", "/v1.0/communications/calls/6f0e5a3e-0000-4000-8000-000000000000", {
      token: app,
    });
    expect(res.status).toBe(documented.status);
    expect(res.headers["retry-after"]).toBe(documented.headers!["Retry-After"]);
    expect(missingKeys(documented.body, res.json)).toEqual([]);
    expect(res.json.error.code).toBe(documented.body.error.code);
  });

  it("inbound-callback.jwt-claims.example.json", async () => {
    const documented = readExample("inbound-callback.jwt-claims.example.json").body;
    await establishedCall();
    const claims = decodeJwt(bot.received.at(-1)!.authorization!.replace(/^Bearer /, ""));
    expect(missingKeys(documented, claims)).toEqual([]);
    expect(claims).toMatchObject({ iss: documented.iss, aud: emu.registration.clientId, tid: emu.directory.tenantId });
  });

  it("onlinemeeting-create.error-no-application-access-policy.response.json", async () => {
    const documented = readExample("onlinemeeting-create.error-no-application-access-policy.response.json").body;
    await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [] } });
    try {
      const res = await request(emu, "POST", `/v1.0/users/${ANA}/onlineMeetings`, { token: app, body: {} });
      expect(res.status).toBe(403);
      expect(missingKeys(documented, res.json)).toEqual([]);
      expect(res.json.error.code).toBe(documented.error.code);
      expect(res.json.error.message).toBe(
        `App ${emu.registration.clientId} is not authorized to Create meeting on behalf of user ${ANA}`,
      );
    } finally {
      await request(emu, "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    }
  });
});

/**
 * What kind of notification an item is: change type + entity type + state/status. Roster and content-sharing
 * collections are arrays; content sharing on a session's own URL has no resourceData.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function kindOf(n: any): string {
  const data = n.resourceData;
  if (Array.isArray(data)) return `${n.changeType} ${data[0]?.["@odata.type"]}[]`;
  if (data === undefined)
    return `${n.changeType} ${/\/contentsharingsessions\/[^/]+$/.test(n.resourceUrl) ? "contentSharingSession" : "?"}`;
  return `${n.changeType} ${data["@odata.type"]} ${data.state ?? data.status ?? ""}`.trim();
}

describe("every notification example has an emulated counterpart", () => {
  const legOf = async (callId: string, endpoint: string) => {
    const view = await request(emu, "GET", `/_emulator/calls/${callId}`);
    return view.json.legs.find((l: { endpoint: string }) => l.endpoint === endpoint).participantId as string;
  };

  it("tones after subscribeToTone, and content sharing on a placed call (collection URL, array of sessions)", async () => {
    const res = await request(emu, "POST", "/v1.0/communications/calls", {
      token: app,
      body: {
        callbackUri: `${bot.url}/cb`,
        requestedModalities: ["audio"],
        mediaConfig: serviceMedia,
        targets: [{ identity: { phone: { id: "+5511911112222" } } }],
        callOptions: {
          "@odata.type": "#microsoft.graph.outgoingCallOptions",
          isContentSharingNotificationEnabled: true,
        },
      },
    });
    const id = res.json.id as string;
    await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${id}` && n.resourceData?.state === "established",
    );
    await request(emu, "POST", `/v1.0/communications/calls/${id}/subscribeToTone`, { token: app, body: {} });
    const leg = await legOf(id, "phone:+5511911112222");
    const act = (body: object) => request(emu, "POST", `/_emulator/legs/${leg}/actions`, { body });
    expect((await act({ action: "press", keys: "5" })).status).toBe(200);
    await bot.waitFor((n) => n.resourceData?.toneInfo?.tone === "tone5");
    for (const action of ["startSharing", "startSharing", "stopSharing"])
      expect((await act({ action })).status).toBe(200);
    expect((await act({ action: "stopSharing" })).status).toBe(400);
    const url = `/communications/calls/${id}/contentsharingsessions`;
    await bot.waitFor((n) => n.resourceUrl === url && n.changeType === "deleted");
    const sharing = bot.items().filter((n) => n.resourceUrl === url);
    expect(sharing.map((n) => n.changeType)).toEqual(["created", "updated", "deleted"]);
    expect(new Set(sharing.map((n) => n.resourceData[0].id)).size).toBe(1);
  });

  it("content sharing on an answered call (session URL, no resourceData); not sent unless enabled", async () => {
    const id = await incomingCall();
    await request(emu, "POST", `/v1.0/communications/calls/${id}/answer`, {
      token: app,
      body: {
        callbackUri: `${bot.url}/cb`,
        acceptedModalities: ["audio"],
        mediaConfig: serviceMedia,
        callOptions: {
          "@odata.type": "#microsoft.graph.incomingCallOptions",
          isContentSharingNotificationEnabled: true,
        },
      },
    });
    await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${id}` && n.resourceData?.state === "established",
    );
    const leg = await legOf(id, "phone:+5511912345678");
    await request(emu, "POST", `/_emulator/legs/${leg}/actions`, { body: { action: "startSharing" } });
    await request(emu, "POST", `/_emulator/legs/${leg}/actions`, { body: { action: "hangup" } });
    await bot.waitFor((n) => n.resourceUrl === `/communications/calls/${id}` && n.changeType === "deleted");
    const sharing = bot
      .items()
      .filter((n) => n.resourceUrl.startsWith(`/communications/calls/${id}/contentsharingsessions/`));
    expect(sharing.map((n) => [n.changeType, n.resourceData])).toEqual([
      ["created", undefined],
      ["deleted", undefined],
    ]);

    const quiet = await establishedCall();
    const quietLeg = await legOf(quiet, `user:${ANA}`);
    await request(emu, "POST", `/_emulator/legs/${quietLeg}/actions`, { body: { action: "startSharing" } });
    await request(emu, "DELETE", `/v1.0/communications/calls/${quiet}`, { token: app });
    await bot.waitFor((n) => n.resourceUrl === `/communications/calls/${quiet}` && n.changeType === "deleted");
    expect(bot.items().some((n) => n.resourceUrl.startsWith(`/communications/calls/${quiet}/contentsharing`))).toBe(
      false,
    );
  });

  it("an invitation to record a call under a compliance policy (policy-based recording)", async () => {
    const res = await request(emu, "POST", "/_emulator/incoming-calls", {
      body: { from: "carla.mendes@aurora.example", policyRecording: true },
    });
    expect(res.status).toBe(201);
    const created = await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${res.json.id}` && n.changeType === "created",
    );
    expect(created.resourceData).toMatchObject({
      state: "incoming",
      meetingInfo: { "@odata.type": "#microsoft.graph.tokenMeetingInfo" },
      incomingContext: { "@odata.type": "#microsoft.graph.incomingContext" },
      applicationMetadata: { botData: { inviteReasons: ["PolicyBasedRecording"] } },
    });
    const answer = await request(emu, "POST", `/v1.0/communications/calls/${res.json.id}/answer`, {
      token: app,
      body: {
        callbackUri: `${bot.url}/cb`,
        acceptedModalities: ["audio"],
        mediaConfig: serviceMedia,
        participantCapacity: 200,
      },
    });
    expect(answer.status).toBe(202);
    await bot.waitFor(
      (n) => n.resourceUrl === `/communications/calls/${res.json.id}` && n.resourceData?.state === "established",
    );
  });

  it.each(notificationFiles)("%s", (file) => {
    // Runs after the replays and flows above: the emulator must have sent a notification of each kind.
    const documented = readExample(file).body.value as unknown[];
    const sent = new Set(bot.items().map(kindOf));
    for (const n of documented) expect([...sent], `${file}: ${kindOf(n)}`).toContain(kindOf(n));
    // …and some notification of that kind carries each of the documented keys (of the item and of its resourceData).
    for (const n of documented as Array<Record<string, unknown>>) {
      const mine = bot.items().filter((m) => kindOf(m) === kindOf(n));
      const dataKeys = (d: unknown) => Object.keys((Array.isArray(d) ? d[0] : d) ?? {});
      const sentKeys = new Set(
        mine.flatMap((m) => [...Object.keys(m), ...dataKeys(m.resourceData).map((k) => `resourceData.${k}`)]),
      );
      const documentedKeys = [...Object.keys(n), ...dataKeys(n.resourceData).map((k) => `resourceData.${k}`)];
      expect(
        documentedKeys.filter((k) => !sentKeys.has(k)),
        `${file}: keys never sent`,
      ).toEqual([]);
    }
  });
});
