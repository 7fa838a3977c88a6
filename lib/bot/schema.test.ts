import { describe, expect, it } from "vitest";
import { dedupeKey, nextRosterKey } from "./dedupe";
import { exampleBody, notificationExamples } from "@/tests/helpers/graph-examples";
import { graphIdForRequest, parseJoinWebUrl } from "./meeting-calls";
import { NotificationParseError, parseNotificationBatch, parseNotifications, type RosterNotification } from "./schema";
import { operationSchema } from "@/lib/graph/call-requests";

const envelope = (...value: unknown[]) => ({ "@odata.type": "#microsoft.graph.commsNotifications", value });
const callUrl = "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896";

describe("the commsNotifications envelope", () => {
  it("parses every recorded notification example", () => {
    const files = notificationExamples();
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const items = parseNotifications(exampleBody(f));
      expect(items.length, f).toBeGreaterThan(0);
      for (const { notification } of items) expect(notification.graphCallId, f).toMatch(/^[0-9a-z]+$/);
    }
  });

  it.each([
    ["a string", "hello"],
    ["null", null],
    ["no value", {}],
    ["an empty value", envelope()],
    ["another kind of notification", { "@odata.type": "#microsoft.graph.changeNotificationCollection", value: [{}] }],
  ])("rejects a body that is not a commsNotifications: %s", (_, body) => {
    expect(() => parseNotificationBatch(body)).toThrow(NotificationParseError);
  });

  it("skips the items it cannot read and keeps the rest of the delivery", () => {
    const good = { changeType: "updated", resourceUrl: callUrl, resourceData: { state: "established" } };
    const batch = parseNotificationBatch(
      envelope(
        { resourceUrl: callUrl },
        { changeType: "updated", resourceData: {} },
        good,
        { changeType: "updated", resourceUrl: "/communications/presences/abc" },
        { changeType: "updated", resourceUrl: callUrl, resourceData: 3 },
        "not even an object",
      ),
    );
    expect(batch.items.map((i) => i.notification)).toEqual([
      expect.objectContaining({ kind: "call", state: "established" }),
    ]);
    expect(batch.skipped.map((s) => s.index)).toEqual([0, 1, 3, 4, 5]);
    expect(parseNotifications(envelope(good))).toHaveLength(1);
  });

  it("tolerates unknown keys, the legacy resource and uppercase dashless ids", () => {
    const [a] = parseNotifications(
      envelope({
        changeType: "updated",
        resource: "/app/calls/57DAB8B1894C409AB240BD8BEAE78896",
        futureKey: { x: 1 },
        resourceData: { "@odata.type": "#microsoft.graph.call", state: "established", incomingContext: {} },
      }),
    );
    const [b] = parseNotifications(
      envelope({ changeType: "updated", resourceUrl: callUrl, resourceData: { state: "established" } }),
    );
    expect(a!.notification).toEqual(b!.notification);
    expect(a!.notification.graphCallId).toBe("57dab8b1894c409ab240bd8beae78896");
    expect(dedupeKey(a!.notification)).toBe(dedupeKey(b!.notification));
  });

  it("reads an operation's id the same from its action's response and from its completion", () => {
    // the response spells it 0fe0623f-d628-…, the completion's resourceUrl 0FE0623FD628… (playPrompt, record)
    for (const [response, completion] of [
      ["call-playprompt.response.json", "call-playprompt.notification-1-completed.json"],
      ["call-record.response.json", "call-record.notification-1-completed.json"],
    ] as const) {
      const started = operationSchema.parse(exampleBody(response));
      const [finished] = parseNotifications(exampleBody(completion));
      expect(finished!.notification).toMatchObject({ kind: "operation", operationId: started.id });
      expect(started.id).toBe("0fe0623fd62842edb4bd8ac290072cc5");
    }
    const [recorded] = parseNotifications(exampleBody("call-record.notification-1-completed.json"));
    expect(recorded!.recording?.operationId).toBe("0fe0623fd62842edb4bd8ac290072cc5");
  });

  it("splits a tone off the storable notification", () => {
    const [item] = parseNotifications(exampleBody("call-subscribetotone.notification-1-tone.json"));
    expect(item!.tone).toEqual({ sequenceId: 1, tone: "tone1" });
    expect(JSON.stringify(item!.notification)).not.toContain("tone1");
  });

  it("never carries recording locations or tokens, and masks phone numbers", () => {
    const [record] = parseNotifications(exampleBody("call-record.notification-1-completed.json"));
    expect(JSON.stringify(record!.notification)).not.toMatch(/recording/i);
    // the doc example omits the participant id (real rosters carry one; entries without are skipped)
    const body = exampleBody("participant-invite-ex4-pstn.notification-2-roster.json") as {
      value: { resourceData: { id: string | null }[] }[];
    };
    expect(parseNotifications(body).map((i) => (i.notification as RosterNotification).participants)).toEqual([[]]);
    body.value[0]!.resourceData[0]!.id = "6b4e8c7a-0000-4000-8000-000000000001";
    const roster = parseNotifications(body)
      .map((i) => i.notification)
      .find((n): n is RosterNotification => n.kind === "roster")!;
    const phone = roster.participants.find((p) => p.identityKind === "phone");
    expect(phone?.displayName).toMatch(/^•••• \d{4}$/);
    expect(JSON.stringify(roster)).not.toMatch(/\+\d{8,}/);
  });

  it("reads a roster update as who joined or changed and who left: removal is explicit", () => {
    const [muted] = parseNotifications(exampleBody("participant-mute.notification-1-roster-muted.json"));
    // the mute example lists the muted person alone
    expect(muted!.notification).toMatchObject({
      kind: "roster",
      participants: [{ graphParticipantId: "2765eb1501f847c6b12bc32111a4a86f", isMuted: true }],
      removed: [],
    });
    const person = (id: string, extra: Record<string, unknown> = {}) => ({
      "@odata.type": "#microsoft.graph.participant",
      id,
      info: { identity: { user: { id: "5810cede-f3cc-42eb-b2c1-e9bd5d53ec96", displayName: "Bob" } } },
      ...extra,
    });
    const rosterOf = (item: Record<string, unknown>) =>
      parseNotifications(envelope({ resourceUrl: `${callUrl}/participants`, ...item }))[0]!
        .notification as RosterNotification;
    const left = rosterOf({
      changeType: "updated",
      resourceData: [
        person("A1B2C3D4-0000-4000-8000-000000000001"),
        person("a1b2c3d4-0000-4000-8000-000000000002", { removedState: { reason: "left" } }),
      ],
    });
    expect(left.participants.map((p) => p.graphParticipantId)).toEqual(["a1b2c3d4000040008000000000000001"]);
    expect(left.removed).toEqual(["a1b2c3d4000040008000000000000002"]);
    // v1.0's deltaParticipants: the participants that changed since the last update, with a sequence number
    const delta = rosterOf({
      changeType: "updated",
      resourceData: {
        "@odata.type": "#microsoft.graph.deltaParticipants",
        sequenceNumber: 7,
        participants: [person("p-1")],
      },
    });
    expect(delta).toMatchObject({ participants: [{ graphParticipantId: "p1" }], removed: [] });
    // a `deleted` change on the participants removes whom it lists
    expect(rosterOf({ changeType: "deleted", resourceData: [person("p-2")] })).toMatchObject({
      participants: [],
      removed: ["p2"],
    });
  });

  it("reads operations and roster arrays", () => {
    const [op] = parseNotifications(exampleBody("participant-invite-ex1-one.notification-1-operation-completed.json"));
    expect(op!.notification).toMatchObject({ kind: "operation", operationKind: "invite", status: "completed" });
    const [roster] = parseNotifications(
      exampleBody("create-call-ex05-join-meeting-service-media.notification-3-roster.json"),
    );
    expect(roster!.notification).toMatchObject({ kind: "roster" });
    expect((roster!.notification as RosterNotification).participants.map((p) => p.identityKind)).toEqual([
      "user",
      "application",
    ]);
  });
});

describe("dedupe keys", () => {
  const tone = (sequenceId: number, key: string) =>
    parseNotifications(
      envelope({
        changeType: "updated",
        resourceUrl: callUrl,
        resourceData: { state: "established", toneInfo: { sequenceId, tone: key } },
      }),
    )[0]!.notification;
  const roster = (muted: boolean, lobby = false) =>
    parseNotifications(
      envelope({
        changeType: "updated",
        resourceUrl: `${callUrl}/participants`,
        resourceData: [
          { id: "p1", isMuted: muted, isInLobby: lobby, info: { identity: { guest: { displayName: "G" } } } },
          { id: "bot", isMuted: false, isInLobby: false, info: { identity: { application: { id: "app" } } } },
        ],
      }),
    )[0]!.notification;

  it("is stable for a redelivery of every example", () => {
    for (const f of notificationExamples()) {
      const once = parseNotifications(exampleBody(f)).map((i) => dedupeKey(i.notification));
      const again = parseNotifications(JSON.parse(JSON.stringify(exampleBody(f)))).map((i) =>
        dedupeKey(i.notification),
      );
      expect(again, f).toEqual(once);
    }
  });

  it("differs for distinct tones, but never depends on the tone's value", () => {
    expect(dedupeKey(tone(1, "tone1"))).not.toBe(dedupeKey(tone(2, "tone1")));
    expect(dedupeKey(tone(1, "tone1"))).toBe(dedupeKey(tone(1, "tone9")));
  });

  it("differs for roster updates with different content, not for order", () => {
    expect(dedupeKey(roster(false))).not.toBe(dedupeKey(roster(true)));
    expect(dedupeKey(roster(false, true))).not.toBe(dedupeKey(roster(false, false)));
    const reversed = parseNotifications(
      envelope({
        changeType: "updated",
        resourceUrl: `${callUrl}/participants`,
        resourceData: [
          { id: "bot", isMuted: false, isInLobby: false, info: { identity: { application: { id: "app" } } } },
          { id: "p1", isMuted: false, isInLobby: false, info: { identity: { guest: { displayName: "G" } } } },
        ],
      }),
    )[0]!.notification;
    expect(dedupeKey(reversed)).toBe(dedupeKey(roster(false)));
  });

  it("chains roster keys: a copy of the latest is a duplicate, A → B → A is three rosters", () => {
    const a = dedupeKey(roster(false));
    const b = dedupeKey(roster(true));
    const first = nextRosterKey("c1", a, null);
    expect(nextRosterKey("c1", a, first)).toBe(first);
    const second = nextRosterKey("c1", b, first);
    const third = nextRosterKey("c1", a, second);
    expect(new Set([first, second, third]).size).toBe(3);
    expect(nextRosterKey("c1", a, third)).toBe(third);
  });

  it("differs by state, operation status and change type", () => {
    const [establishing] = parseNotifications(
      exampleBody("create-call-ex01-p2p-service-media.notification-1-establishing.json"),
    );
    const [established] = parseNotifications(
      exampleBody("create-call-ex01-p2p-service-media.notification-2-established.json"),
    );
    expect(dedupeKey(establishing!.notification)).not.toBe(dedupeKey(established!.notification));
  });
});

describe("join URLs and ids", () => {
  it("parses a Teams join URL", () => {
    const url =
      "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NTg0NmQ3NTctZDVkZC00YzRhLThmNmEtOGQ3M2E0ODdmZDZk%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a%22550fae72-d251-43ec-868c-373732c2704f%22%7d";
    expect(parseJoinWebUrl(url)).toEqual({
      threadId: "19:meeting_NTg0NmQ3NTctZDVkZC00YzRhLThmNmEtOGQ3M2E0ODdmZDZk@thread.v2",
      messageId: "0",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      organizerId: "550fae72-d251-43ec-868c-373732c2704f",
    });
    expect(parseJoinWebUrl("https://example.com/not-a-meeting")).toBeNull();
    expect(parseJoinWebUrl("not a url")).toBeNull();
  });

  it("gives Graph its dashed GUID back", () => {
    expect(graphIdForRequest("57dab8b1894c409ab240bd8beae78896")).toBe("57dab8b1-894c-409a-b240-bd8beae78896");
    expect(graphIdForRequest("opaque")).toBe("opaque");
  });
});
