// lib/graph against the emulator with the application token: MSAL client credentials, the meeting
// lifecycle, and throttling/outages injected through the emulator's fault API.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ANA, request } from "@/emulator/test/helpers";
import { GraphError, isForbidden, isNotFound } from "@/lib/graph/errors";
import { createAppGraph, type AppGraph } from "@/lib/graph/gateway";
import { AppTokenSource } from "@/lib/graph/tokens";
import { addFault, clearFaults, emulatorMeetings, faultHits, faultRetries, startGraphTestEnv } from "./graph-helpers";
import { perFile } from "../helpers/per-file";

const env = perFile(startGraphTestEnv);
let app: AppGraph;

beforeAll(() => {
  app = createAppGraph(env.config);
});
afterEach(() => clearFaults(env.emu));

const slot = (externalId: string, hour = 12) => ({
  externalId,
  subject: `Consulta ${externalId}`,
  startDateTime: new Date(Date.UTC(2030, 4, 1, hour, 0)),
  endDateTime: new Date(Date.UTC(2030, 4, 1, hour, 30)),
});

describe("application token", () => {
  it("comes from MSAL client credentials against the emulator and is served from MSAL's cache", async () => {
    const tokenRequests = () => env.fetched.filter((u) => new URL(u).pathname.endsWith("/token")).length;
    const before = tokenRequests();
    const source = new AppTokenSource(env.config);
    const first = await source.getToken();
    const second = await source.getToken();
    expect(second).toBe(first);
    expect(tokenRequests() - before).toBe(1);
    const claims = JSON.parse(Buffer.from(first.split(".")[1]!, "base64url").toString("utf8"));
    expect(claims).toMatchObject({ aud: "https://graph.microsoft.com", appid: env.config.clientId });
    expect(claims.roles).toContain("OnlineMeetings.ReadWrite.All");
  });

  it("fails with a typed error when the client secret is wrong", async () => {
    const source = new AppTokenSource({ ...env.config, clientSecret: "wrong" });
    await expect(source.getToken()).rejects.toMatchObject({ name: "GraphAuthError", code: "appTokenUnavailable" });
  });
});

describe("meeting lifecycle for an organizer (/users/{id})", () => {
  it("createOrGet is idempotent on externalId, then get, find by join URL, patch times, delete", async () => {
    const meetings = app.meetingsFor(ANA);
    const first = await meetings.createOrGet(slot("appt-lifecycle"));
    const again = await meetings.createOrGet(slot("appt-lifecycle"));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.meeting.id).toBe(first.meeting.id);
    expect(first.meeting.lobbyBypassSettings?.scope).toBe("organization");
    expect(first.meeting.allowedPresenters).toBe("organizer");

    const id = first.meeting.id;
    expect((await meetings.get(id)).joinWebUrl).toBe(first.meeting.joinWebUrl);
    expect((await meetings.findByJoinUrl(first.meeting.joinWebUrl))?.id).toBe(id);
    expect(await meetings.findByJoinUrl(`${first.meeting.joinWebUrl}x`)).toBeNull();

    const moved = await meetings.updateTimes(
      id,
      new Date(Date.UTC(2030, 4, 2, 15, 0)),
      new Date(Date.UTC(2030, 4, 2, 15, 45)),
    );
    expect(moved.id).toBe(id);
    expect(new Date(moved.startDateTime).toISOString()).toBe("2030-05-02T15:00:00.000Z");
    expect(new Date((await meetings.get(id)).endDateTime).toISOString()).toBe("2030-05-02T15:45:00.000Z");

    expect(await meetings.delete(id)).toEqual({ deleted: true });
    const gone = await meetings.get(id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GraphError);
    expect(gone).toMatchObject({ status: 404, code: "itemNotFound" });
    expect((gone as GraphError).requestId).toBeTruthy();
    expect(isNotFound(gone)).toBe(true);
    // deleting again: already gone is fine
    expect(await meetings.delete(id)).toEqual({ deleted: false });
  });

  it("surfaces the access-policy refusal as a 403 GraphError at once, without retrying", async () => {
    await request(env.emu, "PUT", "/_emulator/access-policy", { body: { allowAll: false, userIds: [] } });
    try {
      const before = env.fetched.length;
      const error = await app
        .meetingsFor(ANA)
        .createOrGet(slot("appt-denied"))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "GraphError", status: 403, code: "Unauthorized" });
      expect(isForbidden(error)).toBe(true);
      expect(env.fetched.length - before).toBe(1);
    } finally {
      await request(env.emu, "PUT", "/_emulator/access-policy", { body: { allowAll: true } });
    }
  });
});

describe("throttling and outages", () => {
  it("a 429 storm (3× Retry-After: 1) delays the call but it succeeds with exactly one meeting", async () => {
    await addFault(env.emu, {
      method: "POST",
      path: "/v1.0/users/*/onlineMeetings/createOrGet",
      count: 3,
      action: { type: "throttle", retryAfterSeconds: 1 },
    });
    const started = Date.now();
    const { meeting, created } = await app.meetingsFor(ANA).createOrGet(slot("appt-storm", 9));
    const elapsed = Date.now() - started;
    expect(created).toBe(true);
    expect(await faultHits(env.emu)).toEqual([3]);
    // each retry carried the request's client-request-id and came after the Retry-After it was given
    const [retries] = await faultRetries(env.emu);
    expect(retries).toMatchObject({ honoured: 3, early: 0 });
    expect(retries!.shortestWaitMs).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(10_000);
    const stored = (await emulatorMeetings(env.emu)).filter((m) => m.subject === "Consulta appt-storm");
    expect(stored.map((m) => m.id)).toEqual([meeting.id]);
  });

  it("a 503 outage longer than the bound ends in a GraphError after the bounded time", async () => {
    const bounded = createAppGraph({ ...env.config, retry: { maxTotalMs: 2_000, baseDelayMs: 200, maxAttempts: 50 } });
    await bounded.meetingsFor(ANA).createOrGet(slot("warm-up")); // token fetched outside the measured window
    await addFault(env.emu, { path: "/v1.0/users/*/onlineMeetings/**", count: 0, action: { type: "unavailable" } });
    const started = Date.now();
    const error = await bounded
      .meetingsFor(ANA)
      .createOrGet(slot("appt-outage"))
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ status: 503, code: "serviceNotAvailable" });
    expect(elapsed).toBeLessThan(3_000);
    const [hits] = await faultHits(env.emu);
    expect(hits).toBeGreaterThanOrEqual(3);
    expect((await emulatorMeetings(env.emu)).some((m) => m.subject === "Consulta appt-outage")).toBe(false);
  });
});
