import { describe, expect, it } from "vitest";
import { empty, json, manualClock, scriptedFetch, staticToken } from "./__fixtures__/fake-graph";
import { target, userIdentity } from "./call-identities";
import * as media from "./call-media";
import * as calls from "./calls";
import { createGraphClient } from "./client";

function client(...script: Parameters<typeof scriptedFetch>) {
  const net = scriptedFetch(...script);
  const graph = createGraphClient({
    baseUrl: "https://graph.microsoft.com",
    tokenSource: staticToken,
    fetch: net.fetch,
    clock: manualClock(),
  });
  return { net, graph };
}
const CB = "https://bot.example/api/calls/notifications";
const V1 = "https://graph.microsoft.com/v1.0";

describe("create call bodies (emulator/CONTRACT.md#create-call)", () => {
  it("joins a meeting by join meeting id", () => {
    expect(
      calls.createCallBody({
        kind: "joinMeetingById",
        joinMeetingId: "123",
        passcode: "p",
        callbackUri: CB,
        tenantId: "t",
      }),
    ).toEqual({
      "@odata.type": "#microsoft.graph.call",
      callbackUri: CB,
      requestedModalities: ["audio"],
      mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
      tenantId: "t",
      meetingInfo: { "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", joinMeetingId: "123", passcode: "p" },
    });
  });

  it("joins a meeting by chatInfo + organizer", () => {
    const body = calls.createCallBody({
      kind: "joinMeetingByChat",
      chatInfo: { threadId: "19:meeting_x@thread.v2", messageId: "0" },
      organizerId: "org",
      tenantId: "t",
      callbackUri: CB,
    });
    expect(body.chatInfo).toMatchObject({ threadId: "19:meeting_x@thread.v2", messageId: "0" });
    expect(body.meetingInfo).toMatchObject({
      "@odata.type": "#microsoft.graph.organizerMeetingInfo",
      organizer: { user: { id: "org", tenantId: "t" } },
    });
    expect(body.source).toBeUndefined();
    // placed from the clinic line's application instance, so that phone numbers can be invited later
    const fromInstance = calls.createCallBody({
      kind: "joinMeetingByChat",
      chatInfo: { threadId: "19:meeting_x@thread.v2", messageId: "0" },
      organizerId: "org",
      applicationInstanceId: "ai",
      callbackUri: CB,
    });
    expect(fromInstance.source).toMatchObject({ identity: { applicationInstance: { id: "ai" } } });
  });

  it("calls a phone from the clinic line's application instance, E.164 only", () => {
    const body = calls.createCallBody({
      kind: "phone",
      phone: "+5511987654321",
      applicationInstanceId: "ai",
      callbackUri: CB,
    });
    expect(body.source).toMatchObject({ identity: { applicationInstance: { id: "ai" } } });
    expect(body.targets).toEqual([
      { "@odata.type": "#microsoft.graph.invitationParticipantInfo", identity: { phone: { id: "+5511987654321" } } },
    ]);
    expect(() =>
      calls.createCallBody({ kind: "phone", phone: "11 98765", applicationInstanceId: "ai", callbackUri: CB }),
    ).toThrow(RangeError);
  });

  it("group calls take 1–5 users", () => {
    expect(
      calls.createCallBody({ kind: "group", userIds: ["a", "b"], subject: "s", callbackUri: CB }).targets,
    ).toHaveLength(2);
    expect(() =>
      calls.createCallBody({ kind: "group", userIds: ["1", "2", "3", "4", "5", "6"], callbackUri: CB }),
    ).toThrow(RangeError);
  });
});

describe("call actions", () => {
  it("send each action to its path with its body and parse operations", async () => {
    const op = { id: "op-1", status: "Running", clientContext: "ctx" };
    const { net, graph } = client(
      json(201, { id: "c1", state: "establishing" }),
      json(200, op),
      json(200, op),
      json(200, { id: "op-3", status: "completed" }),
      empty(202),
      empty(202),
      empty(200),
      json(200, { value: [{ id: "p1", isMuted: false }] }),
      json(200, op),
      json(200, op),
      empty(204),
      empty(204),
    );
    const call = await calls.createCall(graph, { kind: "user", userId: "u", callbackUri: CB });
    expect(call).toMatchObject({ id: "c1", state: "establishing" });
    const played = await media.playPrompt(graph, "c1", {
      prompts: [{ uri: "https://x/a.wav", resourceId: "r" }],
      clientContext: "ctx",
    });
    expect(played.status).toBe("running");
    await media.recordResponse(graph, "c1", {
      prompt: { uri: "https://x/q.wav" },
      maxRecordDurationInSeconds: 10,
      stopTones: ["#"],
    });
    await media.subscribeToTone(graph, "c1");
    await calls.answer(graph, "c1", { callbackUri: CB });
    await calls.reject(graph, "c1", { reason: "busy" });
    await calls.keepAlive(graph, "c1");
    expect(await calls.listParticipants(graph, "c1")).toEqual([{ id: "p1", isMuted: false }]);
    await calls.invite(graph, "c1", { participants: [target(userIdentity("u2"))] });
    await calls.muteParticipant(graph, "c1", "p1");
    await calls.removeParticipant(graph, "c1", "p1");
    await calls.hangUp(graph, "c1");
    expect(net.requests.map((r) => `${r.method} ${r.url.replace(V1, "")}`)).toEqual([
      "POST /communications/calls",
      "POST /communications/calls/c1/playPrompt",
      "POST /communications/calls/c1/recordResponse",
      "POST /communications/calls/c1/subscribeToTone",
      "POST /communications/calls/c1/answer",
      "POST /communications/calls/c1/reject",
      "POST /communications/calls/c1/keepAlive",
      "GET /communications/calls/c1/participants",
      "POST /communications/calls/c1/participants/invite",
      "POST /communications/calls/c1/participants/p1/mute",
      "DELETE /communications/calls/c1/participants/p1",
      "DELETE /communications/calls/c1",
    ]);
    expect(net.requests[1]!.body).toEqual({
      prompts: [
        {
          "@odata.type": "#microsoft.graph.mediaPrompt",
          mediaInfo: { "@odata.type": "#microsoft.graph.mediaInfo", uri: "https://x/a.wav", resourceId: "r" },
        },
      ],
      clientContext: "ctx",
    });
    expect(net.requests[2]!.body).toMatchObject({
      maxRecordDurationInSeconds: 10,
      stopTones: ["#"],
      prompts: [{ mediaInfo: { uri: "https://x/q.wav" } }],
    });
    expect(net.requests[4]!.body).toEqual({
      acceptedModalities: ["audio"],
      mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
      callbackUri: CB,
    });
    expect(net.requests[5]!.body).toEqual({ reason: "busy" });
  });

  it("redirect and transfer carry their targets; limits are checked before sending", async () => {
    const { net, graph } = client(empty(202), empty(202));
    const to = target(userIdentity("u9", "Reception"));
    await calls.redirect(graph, "c1", { targets: [to], timeoutSeconds: 30 });
    await calls.transfer(graph, "c1", { transferTarget: to });
    expect(net.requests[0]!.body).toEqual({ targets: [to], timeout: 30 });
    expect(net.requests[1]!.body).toEqual({ transferTarget: to });
    await expect(calls.redirect(graph, "c1", { targets: [to], timeoutSeconds: 5 })).rejects.toThrow(RangeError);
    await expect(media.playPrompt(graph, "c1", { prompts: [] })).rejects.toThrow(RangeError);
    await expect(media.subscribeToTone(graph, "c1", { clientContext: "x".repeat(257) })).rejects.toThrow(RangeError);
    expect(net.requests).toHaveLength(2);
  });
});

describe("placing a call is never repeated blindly", () => {
  const input = { kind: "user", userId: "u1", callbackUri: CB } as const;
  const placed = { id: "57dab8b1-894c-409a-b240-bd8beae78896", state: "establishing" };

  it("a throttled request is retried: Graph did nothing", async () => {
    const { net, graph } = client(
      json(429, { error: { code: "TooManyRequests" } }, { "retry-after": "1" }),
      json(201, placed),
    );
    expect(await calls.createCall(graph, input)).toMatchObject({
      id: "57dab8b1894c409ab240bd8beae78896",
    });
    expect(net.requests).toHaveLength(2);
  });

  it.each([500, 503, 504])(
    "a %s may come after the call was placed: no retry, and the outcome is unknown",
    async (status) => {
      const { net, graph } = client(json(status, { error: { code: "serviceNotAvailable" } }), json(201, placed));
      const failure = await calls.createCall(graph, input).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: "GraphError", status });
      expect(calls.isOutcomeUnknown(failure)).toBe(true);
      expect(net.requests).toHaveLength(1);
    },
  );

  it("other actions keep retrying 503s", async () => {
    const { net, graph } = client(json(503, { error: { code: "serviceNotAvailable" } }), empty(200));
    await calls.keepAlive(graph, "c1");
    expect(net.requests).toHaveLength(2);
  });
});

describe("cancelMediaProcessing", () => {
  it("stops the call's prompts: POST with its clientContext, the operation parsed", async () => {
    const { net, graph } = client(json(200, { id: "op-9", status: "completed", clientContext: "reminder:stop" }));
    const op = await media.cancelMediaProcessing(graph, "c1", { clientContext: "reminder:stop" });
    expect(op.status).toBe("completed");
    expect(net.requests.map((r) => `${r.method} ${r.url.replace(V1, "")}`)).toEqual([
      "POST /communications/calls/c1/cancelMediaProcessing",
    ]);
    expect(net.requests[0]!.body).toEqual({ clientContext: "reminder:stop" });
    await expect(media.cancelMediaProcessing(graph, "c1", { clientContext: "x".repeat(257) })).rejects.toThrow(
      RangeError,
    );
  });
});
