import crypto from "node:crypto";
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleNotificationRequest } from "@/lib/bot/intake";
import { databasePerFile, perFile } from "../helpers/per-file";
import { botTokenSigner, intakeFor, notificationRequest } from "./bot-helpers";
import { startGraphTestEnv } from "./graph-helpers";

const database = databasePerFile();
const graph = perFile(startGraphTestEnv);
let intake: ReturnType<typeof intakeFor>;
let sign: Awaited<ReturnType<typeof botTokenSigner>>;

beforeAll(async () => {
  intake = intakeFor(database, graph);
  sign = await botTokenSigner(graph);
});
afterAll(async () => {
  await intake?.close();
});

const envelope = (...value: unknown[]) => ({ "@odata.type": "#microsoft.graph.commsNotifications", value });
const callNotification = (graphCallId: string, state: string, changeType = "updated", extra = {}) => ({
  "@odata.type": "#microsoft.graph.commsNotification",
  changeType,
  resourceUrl: `/communications/calls/${graphCallId}`,
  resourceData: { "@odata.type": "#microsoft.graph.call", state, ...extra },
});

async function seedCall() {
  const graphCallId = crypto.randomUUID();
  const call = await database.db.call.create({
    data: {
      graphCallId: graphCallId.replace(/-/g, ""),
      direction: "OUTGOING",
      purpose: "GROUP_CALL",
      state: "establishing",
    },
  });
  return { graphCallId, call };
}

const rowsFor = (graphCallId: string) =>
  database.db.inboundNotification.count({ where: { graphCallId: graphCallId.replace(/-/g, "") } });

describe("authenticating notifications", () => {
  it("accepts the emulator's signed notification", async () => {
    const { graphCallId, call } = await seedCall();
    const res = await handleNotificationRequest(
      notificationRequest(envelope(callNotification(graphCallId, "established")), await graph.emu.notifier.signToken()),
      intake.deps,
    );
    expect(res.status).toBe(202);
    await intake.settle();
    expect((await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("established");
  });

  it.each([
    ["no token", async () => null],
    ["garbage", async () => "not.a.jwt"],
    [
      "a forged token (own key, the emulator's kid)",
      async () => {
        const { privateKey } = await generateKeyPair("RS256");
        const jwks = (await (
          await graph.config.fetch!(graph.emu.botOpenIdConfigUrl.replace(/\.well-known.*/, "keys"))
        ).json()) as {
          keys: { kid: string }[];
        };
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({ tid: graph.emu.registration.tenantId })
          .setProtectedHeader({ alg: "RS256", kid: jwks.keys[0]!.kid })
          .setIssuer("https://api.botframework.com")
          .setAudience(graph.emu.registration.clientId)
          .setExpirationTime(now + 600)
          .sign(privateKey);
      },
    ],
    ["an expired token", async () => sign({}, { expiresIn: -300 })],
    ["a token for another audience", async () => sign({ aud: crypto.randomUUID() })],
    ["a token from another issuer", async () => sign({ iss: "https://evil.example" })],
    ["a token for another tenant", async () => sign({ tid: crypto.randomUUID() })],
    ["a token without a tenant", async () => sign({ tid: undefined })],
    [
      "alg none",
      async () =>
        new UnsecuredJWT({ tid: graph.emu.registration.tenantId })
          .setIssuer("https://api.botframework.com")
          .setAudience(graph.emu.registration.clientId)
          .setExpirationTime("10m")
          .encode(),
    ],
    [
      "HS256 with the public key as the secret",
      async () => {
        const jwks = (await (
          await graph.config.fetch!(graph.emu.botOpenIdConfigUrl.replace(/\.well-known.*/, "keys"))
        ).json()) as {
          keys: Record<string, string>[];
        };
        const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
        return new SignJWT({ tid: graph.emu.registration.tenantId })
          .setProtectedHeader({ alg: "HS256", kid: jwks.keys[0]!.kid })
          .setIssuer("https://api.botframework.com")
          .setAudience(graph.emu.registration.clientId)
          .setExpirationTime("10m")
          .sign(secret);
      },
    ],
  ])("refuses %s with 401 and records nothing", async (_, token) => {
    const { graphCallId, call } = await seedCall();
    const res = await handleNotificationRequest(
      notificationRequest(envelope(callNotification(graphCallId, "established")), await token()),
      intake.deps,
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.any(String) } });
    expect(await rowsFor(graphCallId)).toBe(0);
    expect((await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("establishing");
  });

  it("refuses bodies over the limit with 413 and garbage with 400", async () => {
    const token = await graph.emu.notifier.signToken();
    const big = await handleNotificationRequest(notificationRequest("x".repeat(300 * 1024), token), intake.deps);
    expect(big.status).toBe(413);
    const notJson = await handleNotificationRequest(notificationRequest("{nope", token), intake.deps);
    expect(notJson.status).toBe(400);
    // not a commsNotifications at all: 400
    const wrongShape = await handleNotificationRequest(
      notificationRequest({ items: [{ foo: 1 }] }, token),
      intake.deps,
    );
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { error: { message: string } }).error.message).toMatch(/value/);
    const otherKind = await handleNotificationRequest(
      notificationRequest({ "@odata.type": "#microsoft.graph.changeNotificationCollection", value: [{}] }, token),
      intake.deps,
    );
    expect(otherKind.status).toBe(400);
  });

  it("an item it cannot read is skipped; the rest of the delivery is recorded and applied", async () => {
    const { graphCallId, call } = await seedCall();
    const token = await graph.emu.notifier.signToken();
    const body = envelope(
      { foo: 1 },
      { changeType: "updated", resourceUrl: "/communications/presences/abc", resourceData: {} },
      callNotification(graphCallId, "established"),
    );
    expect((await handleNotificationRequest(notificationRequest(body, token), intake.deps)).status).toBe(202);
    expect(await rowsFor(graphCallId)).toBe(1);
    await intake.settle();
    expect((await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("established");
  });
});

describe("key presses", () => {
  it("a key press arriving before the flows listen is refused (503), unrecorded, and taken when delivered again", async () => {
    const { graphCallId, call } = await seedCall();
    const body = envelope(
      callNotification(graphCallId, "established", "updated", { toneInfo: { sequenceId: 1, tone: "tone1" } }),
    );
    const token = await graph.emu.notifier.signToken();
    let listening = false;
    const deps = { ...intake.deps, mediaListening: () => listening };
    // a process starting: acknowledged now, the key would be lost (it is never stored)
    const early = await handleNotificationRequest(notificationRequest(body, token), deps);
    expect(early.status).toBe(503);
    expect(early.headers.get("retry-after")).toBe("1");
    expect(await rowsFor(graphCallId)).toBe(0);
    // a delivery without media is recorded meanwhile
    const plain = envelope(callNotification(graphCallId, "established"));
    expect((await handleNotificationRequest(notificationRequest(plain, token), deps)).status).toBe(202);
    listening = true;
    expect((await handleNotificationRequest(notificationRequest(body, token), deps)).status).toBe(202);
    expect(intake.tones.filter(([id]) => id === call.graphCallId).map(([, t]) => t.sequenceId)).toEqual([1]);
  });
});

describe("recording and applying once", () => {
  it("a notification delivered twice is recorded and applied once", async () => {
    const { graphCallId, call } = await seedCall();
    const body = envelope(callNotification(graphCallId, "established"));
    const token = await graph.emu.notifier.signToken();
    for (let i = 0; i < 2; i++) {
      expect((await handleNotificationRequest(notificationRequest(body, token), intake.deps)).status).toBe(202);
      await intake.settle();
    }
    expect(await rowsFor(graphCallId)).toBe(1);
    const after = await database.db.call.findUniqueOrThrow({ where: { id: call.id } });
    expect(after.state).toBe("established");
    expect(after.establishedAt).not.toBeNull();
    const row = await database.db.inboundNotification.findFirstOrThrow({
      where: { graphCallId: call.graphCallId },
    });
    expect(row.processedAt).not.toBeNull();
  });

  it("a storm of 200 redelivered, reordered notifications ends in the right state, each recorded once", async () => {
    const { graphCallId, call } = await seedCall();
    const distinct = [
      callNotification(graphCallId, "establishing"),
      callNotification(graphCallId, "established"),
      ...Array.from({ length: 8 }, (_, i) =>
        callNotification(graphCallId, "established", "updated", { toneInfo: { sequenceId: i + 1, tone: `tone${i}` } }),
      ),
      callNotification(graphCallId, "terminating"),
      callNotification(graphCallId, "terminated", "deleted", { resultInfo: { code: 200, subcode: 7000 } }),
    ];
    const token = await graph.emu.notifier.signToken();
    // 200 deliveries: every notification many times, in a shuffled order, several in parallel
    const deliveries = Array.from({ length: 200 }, (_, i) => distinct[(i * 7) % distinct.length]!);
    for (let i = 0; i < deliveries.length; i += 10) {
      const batch = deliveries.slice(i, i + 10);
      const statuses = await Promise.all(
        batch.map(
          async (n) => (await handleNotificationRequest(notificationRequest(envelope(n), token), intake.deps)).status,
        ),
      );
      expect(statuses.every((s) => s === 202)).toBe(true);
    }
    await intake.settle();
    expect(await rowsFor(graphCallId)).toBe(distinct.length);
    const after = await database.db.call.findUniqueOrThrow({ where: { id: call.id } });
    expect(after).toMatchObject({ state: "terminated", resultCode: 200, resultSubcode: 7000, outcome: "completed" });
    const unprocessed = await database.db.inboundNotification.count({
      where: { graphCallId: call.graphCallId, processedAt: null },
    });
    expect(unprocessed).toBe(0);
    // each tone reached the flows once, and no tone value is stored anywhere we wrote
    const tonesForCall = intake.tones.filter(([id]) => id === call.graphCallId);
    expect(tonesForCall.map(([, t]) => t.sequenceId).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const stored = JSON.stringify(
      await database.db.inboundNotification.findMany({ where: { graphCallId: call.graphCallId } }),
      (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    );
    expect(stored).not.toMatch(/tone\d/);
  });
});
