import { describe, expect, it } from "vitest";
import { empty, graphErrorBody, json, manualClock, scriptedFetch, staticToken } from "./__fixtures__/fake-graph";
import { createGraphClient } from "./client";
import { createOrGetMeeting, deleteMeeting, findMeetingByJoinUrl, joinUrlFilter, updateMeetingTimes } from "./meetings";

const meeting = {
  id: "MSpabc",
  joinWebUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%22Tid%22%7d",
  startDateTime: "2030-05-01T12:00:00Z",
  endDateTime: "2030-05-01T12:30:00Z",
  subject: "Consulta",
  unknownKey: { kept: true },
};

function client(...script: Parameters<typeof scriptedFetch>) {
  const net = scriptedFetch(...script);
  return {
    net,
    graph: createGraphClient({
      baseUrl: "https://graph.microsoft.com",
      tokenSource: staticToken,
      fetch: net.fetch,
      clock: manualClock(),
    }),
  };
}

describe("meetings", () => {
  it("createOrGet sends only the action's parameters, then PATCHes the lobby and presenter rules when they differ", async () => {
    const settled = {
      ...meeting,
      lobbyBypassSettings: { scope: "organization", isDialInBypassEnabled: false },
      allowedPresenters: "organizer",
    };
    const { net, graph } = client(json(201, meeting), json(200, settled), json(200, settled));
    const input = {
      externalId: "appt-1",
      subject: "Consulta",
      startDateTime: new Date("2030-05-01T12:00:00Z"),
      endDateTime: new Date("2030-05-01T12:30:00Z"),
    };
    const first = await createOrGetMeeting(graph, { kind: "user", userId: "org-1" }, input);
    const second = await createOrGetMeeting(graph, { kind: "me" }, input);
    expect([first.created, second.created]).toEqual([true, false]);
    expect(first.meeting).toMatchObject({ id: "MSpabc", unknownKey: { kept: true }, allowedPresenters: "organizer" });
    expect(net.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST https://graph.microsoft.com/v1.0/users/org-1/onlineMeetings/createOrGet",
      "PATCH https://graph.microsoft.com/v1.0/users/org-1/onlineMeetings/MSpabc",
      // the meeting that already existed has its rules: no PATCH
      "POST https://graph.microsoft.com/v1.0/me/onlineMeetings/createOrGet",
    ]);
    // createOrGet's parameters in Graph's schema: chatInfo, endDateTime, externalId, participants, startDateTime, subject
    expect(net.requests[0]!.body).toEqual({
      externalId: "appt-1",
      subject: "Consulta",
      startDateTime: "2030-05-01T12:00:00.000Z",
      endDateTime: "2030-05-01T12:30:00.000Z",
    });
    expect(net.requests[1]!.body).toEqual({
      lobbyBypassSettings: { scope: "organization", isDialInBypassEnabled: false },
      allowedPresenters: "organizer",
    });
    expect(net.requests[0]!.headers["content-type"]).toContain("application/json");
  });

  it("rejects a success body without the keys we rely on", async () => {
    const { graph } = client(json(201, { id: "x" }));
    await expect(
      createOrGetMeeting(
        graph,
        { kind: "me" },
        {
          externalId: "e",
          subject: "s",
          startDateTime: new Date(0),
          endDateTime: new Date(1),
        },
      ),
    ).rejects.toMatchObject({ name: "GraphError", code: "invalidResponse" });
  });

  it("finds by join URL with the URL encoded inside the $filter literal", async () => {
    const { net, graph } = client(json(200, { value: [meeting] }), json(200, { value: [] }));
    expect(await findMeetingByJoinUrl(graph, { kind: "me" }, meeting.joinWebUrl)).toMatchObject({ id: "MSpabc" });
    expect(await findMeetingByJoinUrl(graph, { kind: "me" }, "https://x/y")).toBeNull();
    // on the wire the literal is the join URL encoded once (contract example onlinemeeting-get-ex3; the URL
    // parser also escapes the quotes as %27);
    // a server decoding the query string once gets the join URL back
    const sent = new URL(net.requests[0]!.url);
    expect(sent.search).toBe(
      `?$filter=JoinWebUrl%20eq%20%27https%3A%2F%2Fteams.microsoft.com%2Fl%2Fmeetup-join%2F19%253ameeting_x%2540thread.v2%2F0%3Fcontext%3D%257b%2522Tid%2522%257d%27`,
    );
    expect(sent.searchParams.get("$filter")).toBe(`JoinWebUrl eq '${meeting.joinWebUrl}'`);
    expect(joinUrlFilter("https://a/b'c")).toBe("JoinWebUrl eq 'https%3A%2F%2Fa%2Fb''c'");
  });

  it("PATCHes start and end together", async () => {
    const { net, graph } = client(json(200, { ...meeting, startDateTime: "2030-05-02T12:00:00Z" }));
    const updated = await updateMeetingTimes(
      graph,
      { kind: "user", userId: "org-1" },
      "MSpabc",
      new Date("2030-05-02T12:00:00Z"),
      new Date("2030-05-02T12:30:00Z"),
    );
    expect(updated.startDateTime).toBe("2030-05-02T12:00:00Z");
    expect(net.requests[0]).toMatchObject({
      method: "PATCH",
      url: "https://graph.microsoft.com/v1.0/users/org-1/onlineMeetings/MSpabc",
      body: { startDateTime: "2030-05-02T12:00:00.000Z", endDateTime: "2030-05-02T12:30:00.000Z" },
    });
  });

  it("delete: 204 deletes, 404 means already gone, other errors propagate", async () => {
    const { graph } = client(
      empty(204),
      json(404, graphErrorBody("itemNotFound")),
      json(403, graphErrorBody("Unauthorized")),
    );
    expect(await deleteMeeting(graph, { kind: "me" }, "a")).toEqual({ deleted: true });
    expect(await deleteMeeting(graph, { kind: "me" }, "a")).toEqual({ deleted: false });
    await expect(deleteMeeting(graph, { kind: "me" }, "a")).rejects.toMatchObject({
      status: 403,
      code: "Unauthorized",
    });
  });
});
