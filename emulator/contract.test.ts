import fs from "node:fs";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { commsNotifications } from "./test/shapes";
import {
  ANA,
  appToken,
  EXAMPLES,
  readExample,
  request,
  startBotReceiver,
  startTestEmulator,
  userSignIn,
} from "./test/helpers";

/** Examples we deliberately do not replay: not part of what Consulta uses (documented in README). */
const NOT_REPLAYED: Record<string, string> = {
  "call-record-ex2-download.request.json": "external file URL; covered by the recordResponse flow test",
  "onlinemeeting-get-ex1-by-vtcid.request.json":
    "VideoTeleconferenceId lookup (/communications/onlineMeetings) is not emulated",
  "onlinemeeting-get-ex5-attendeereport.request.json": "live-event attendee report (deprecated) is not emulated",
};

let emu: RunningEmulator;
let app: string;
let user: string;
let bot: Awaited<ReturnType<typeof startBotReceiver>>;
const serviceMedia = { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" };

beforeAll(async () => {
  emu = await startTestEmulator();
  app = await appToken(emu);
  user = (await userSignIn(emu, "ana.ribeiro@aurora.example")).access_token;
  bot = await startBotReceiver();
  await request(emu, "PUT", "/_emulator/bot-callback", { body: { url: `${bot.url}/global` } });
});
afterAll(async () => {
  for (const r of bot.received) expect(commsNotifications.safeParse(r.body).error).toBeUndefined();
  await bot.close();
  await emu.close();
});

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

async function incomingCall(): Promise<string> {
  const res = await request(emu, "POST", "/_emulator/incoming-calls", { body: { from: "+5511912345678" } });
  return res.json.id;
}

async function establishedCall(): Promise<string> {
  const res = await request(emu, "POST", "/v1.0/communications/calls", {
    token: app,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      targets: [{ identity: { user: { id: ANA } } }],
    },
  });
  await bot.waitFor(
    (n) => n.resourceUrl === `/communications/calls/${res.json.id}` && n.resourceData.state === "established",
  );
  return res.json.id;
}

async function meetingCallWithGuest(): Promise<{ callId: string; guestId: string }> {
  const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "group" } });
  const res = await request(emu, "POST", "/v1.0/communications/calls", {
    token: app,
    body: {
      callbackUri: `${bot.url}/cb`,
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
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

const requestFiles = fs
  .readdirSync(EXAMPLES)
  .filter((f) => /\.request(-alt)?\.json$/.test(f) || f.endsWith(".invite-request.json"));

describe("replays every request example from the contract", () => {
  it("covers every request example except the documented exclusions", () => {
    expect(requestFiles.length).toBeGreaterThan(50);
    for (const f of Object.keys(NOT_REPLAYED)) expect(requestFiles).toContain(f);
  });

  it.each(requestFiles.filter((f) => !(f in NOT_REPLAYED)))("%s", async (file) => {
    const ex = readExample(file);
    const responseFile = file
      .replace(/\.request(-alt)?\.json$/, ".response.json")
      .replace(".invite-request.json", ".invite-response.json");
    const expected = fs.existsSync(`${EXAMPLES}/${responseFile}`) ? readExample(responseFile) : undefined;
    let path = ex.path.startsWith("/v1.0") ? ex.path : `/v1.0${ex.path}`;
    const body = ex.body && typeof ex.body === "object" ? structuredClone(ex.body) : undefined;
    if (body?.callbackUri) body.callbackUri = `${bot.url}/cb`;
    let token = path.includes("/me/") ? user : app;

    if (/^call-(answer|reject|redirect)/.test(file)) {
      path = path.replace(/calls\/[^/]+/, `calls/${await incomingCall()}`);
    } else if (/^(participant-|call-list-participants|call-get-ex2)/.test(file)) {
      const { callId, guestId } = await meetingCallWithGuest();
      path = path
        .replace(/calls\/[^/]+/, `calls/${callId}`)
        .replace(/participants\/(?!invite)[^/]+/, `participants/${guestId}`);
    } else if (/^call-/.test(file)) {
      path = path.replace(/calls\/[^/]+/, `calls/${await establishedCall()}`);
    } else if (/^onlinemeeting-(get|update|delete)/.test(file)) {
      const m = await request(emu, "POST", "/v1.0/me/onlineMeetings", { token: user, body: { subject: "seed" } });
      path = path
        .replace(/onlineMeetings\/[^?]+$/, `onlineMeetings/${m.json.id}`)
        .replace(/JoinWebUrl eq '.*'$/, `JoinWebUrl eq '${encodeURIComponent(m.json.joinWebUrl)}'`)
        .replace(/eq%20'1234567890'/, `eq%20'${m.json.joinMeetingIdSettings.joinMeetingId}'`);
    } else if (/^onlinemeeting-createorget/.test(file)) {
      await request(emu, "POST", path, { token, body }); // first call creates (201); the example shows the 200 "get"
    }
    if (file.startsWith("onlinemeeting-") && path.includes("/users/")) token = app;

    const res = await request(emu, ex.method, path, { token, body });
    const expectedStatus = expected?.status ?? (ex.method === "POST" ? 201 : 200);
    expect(res.status, res.text).toBe(expectedStatus);
    expect(res.headers["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    if (expected?.headers?.Location)
      expect(res.headers.location).toMatch(/^https:\/\/localhost:\d+\/v1\.0\/communications\/calls\/[0-9a-f-]+/);
    if (expected?.body && typeof expected.body === "object") {
      for (const [key, value] of Object.entries(expected.body as Record<string, unknown>)) {
        expect(res.json, `${file}: missing ${key}`).toHaveProperty([key]);
        const mine = res.json[key];
        if (value !== null && mine !== null && key !== "status")
          expect(typeOf(mine), `${file}: ${key}`).toBe(typeOf(value));
      }
    } else if (expectedStatus === 202 || expectedStatus === 204) {
      expect(res.text).toBe("");
    }
  });
});

describe("errors and permissions (contract §1, §7)", () => {
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

  it("concurrent call limit → 429 activityLimitReached with Retry-After", async () => {
    const small = await startTestEmulator({ limits: { maxConcurrentCalls: 1 } });
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
