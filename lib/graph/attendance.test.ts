import { describe, expect, it } from "vitest";
import { graphErrorBody, json, manualClock, scriptedFetch, staticToken } from "./__fixtures__/fake-graph";
import { listMeetingAttendance } from "./attendance";
import { createGraphClient } from "./client";

const GRAPH = "https://graph.microsoft.com";
const BASE = `${GRAPH}/v1.0/users/oid-1/onlineMeetings/MSpm1/attendanceReports`;

function client(...script: Parameters<typeof scriptedFetch>) {
  const net = scriptedFetch(...script);
  return {
    net,
    graph: createGraphClient({ baseUrl: GRAPH, tokenSource: staticToken, fetch: net.fetch, clock: manualClock() }),
  };
}

const record = (id: string, seconds: number) => ({
  emailAddress: null,
  totalAttendanceInSeconds: seconds,
  role: "Attendee",
  identity: { id, displayName: "Maria", tenantId: null },
  attendanceIntervals: [
    { joinDateTime: "2030-05-01T12:01:00Z", leaveDateTime: "2030-05-01T12:21:00.5Z", durationInSeconds: seconds },
  ],
});

describe("attendance reports", () => {
  it("reads every report, then each report's records, following nextLinks on Graph's own host only", async () => {
    const { net, graph } = client(
      json(200, {
        value: [{ id: "r1", meetingStartDateTime: "2030-05-01T12:00:00Z", meetingEndDateTime: "2030-05-01T12:30:00Z" }],
        "@odata.nextLink": `${BASE}?$skiptoken=2`,
      }),
      json(200, { value: [{ id: "r2", totalParticipantCount: 0, attendanceRecords: [] }] }),
      json(200, { value: [record("guest-1", 1200)], "@odata.nextLink": `${BASE}/r1/attendanceRecords?$skiptoken=2` }),
      json(200, { value: [record("+5511987654321", 60)], "@odata.nextLink": "https://elsewhere.example/steal" }),
      json(200, { value: [] }),
    );
    const reports = await listMeetingAttendance(graph, { kind: "user", userId: "oid-1" }, "MSpm1", GRAPH);
    expect(net.requests.map((r) => r.url)).toEqual([
      BASE,
      `${BASE}?$skiptoken=2`,
      `${BASE}/r1/attendanceRecords`,
      `${BASE}/r1/attendanceRecords?$skiptoken=2`,
      `${BASE}/r2/attendanceRecords`,
    ]);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ id: "r1", meetingStart: new Date("2030-05-01T12:00:00Z") });
    expect(reports[0]!.records.map((r) => [r.identityId, r.totalSeconds])).toEqual([
      ["guest-1", 1200],
      ["+5511987654321", 60],
    ]);
    expect(reports[0]!.records[0]!.intervals[0]).toEqual({
      join: new Date("2030-05-01T12:01:00Z"),
      leave: new Date("2030-05-01T12:21:00.5Z"),
    });
    expect(reports[1]).toMatchObject({ id: "r2", meetingStart: null, records: [] });
  });

  it("a refusal is Graph's error (403 without the permission or the access policy); a malformed answer is invalidResponse", async () => {
    const refused = client(json(403, graphErrorBody("Unauthorized", "App is not authorized")));
    await expect(
      listMeetingAttendance(refused.graph, { kind: "user", userId: "oid-1" }, "MSpm1", GRAPH),
    ).rejects.toMatchObject({ status: 403, code: "Unauthorized" });
    const odd = client(json(200, { value: [{ meetingStartDateTime: "x" }] }));
    await expect(listMeetingAttendance(odd.graph, { kind: "me" }, "MSpm1")).rejects.toMatchObject({
      code: "invalidResponse",
    });
  });
});
