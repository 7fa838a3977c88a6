import { describe, expect, it } from "vitest";
import { calendarDelta, instantOf, isResyncRequired } from "./calendar";
import type { GraphClient } from "./client";
import { GraphError } from "./errors";

function clientAnswering(body: unknown, seen: string[] = []): GraphClient {
  return {
    async request(_method, path) {
      seen.push(path);
      return { status: 200, headers: new Headers(), body };
    },
  };
}

describe("Outlook calendar parsing", () => {
  it("reads Graph's local date-times in their zone, seven fractional digits and all", () => {
    expect(instantOf({ dateTime: "2030-06-03T13:00:00.0000000", timeZone: "UTC" }).toISOString()).toBe(
      "2030-06-03T13:00:00.000Z",
    );
    expect(instantOf({ dateTime: "2030-06-03T10:00:00.0000000", timeZone: "America/Sao_Paulo" }).toISOString()).toBe(
      "2030-06-03T13:00:00.000Z",
    );
    expect(() => instantOf({ dateTime: "soon", timeZone: "UTC" })).toThrow(RangeError);
  });

  it("turns a delta page into events and removals, private subjects kept apart", async () => {
    const page = await calendarDelta(
      clientAnswering({
        "@odata.deltaLink": "https://graph.example/v1.0/users/u/calendarView/delta?$deltatoken=abc",
        value: [
          {
            id: "a",
            subject: "Dentist",
            sensitivity: "private",
            showAs: "oof",
            start: { dateTime: "2030-06-03T13:00:00.0000000", timeZone: "UTC" },
            end: { dateTime: "2030-06-03T14:00:00.0000000", timeZone: "UTC" },
            transactionId: null,
          },
          { id: "b", "@removed": { reason: "deleted" } },
          { id: "c", showAs: "someday" },
        ],
      }),
      { userId: "u", start: new Date("2030-06-01T00:00:00Z"), end: new Date("2030-07-01T00:00:00Z") },
      { graphBaseUrl: "https://graph.example", pageSize: 50 },
    );
    expect(page.deltaLink).toMatch(/deltatoken=abc$/);
    expect(page.items).toEqual([
      {
        kind: "event",
        id: "a",
        start: new Date("2030-06-03T13:00:00Z"),
        end: new Date("2030-06-03T14:00:00Z"),
        showAs: "oof",
        isCancelled: false,
        isPrivate: true,
        subject: "Dentist",
        transactionId: null,
      },
      { kind: "removed", id: "b" },
      // an item without its times cannot be placed: it counts as gone until a round reports it whole
      { kind: "removed", id: "c" },
    ]);
  });

  it("follows links only on the configured Graph host", async () => {
    const seen: string[] = [];
    await calendarDelta(
      clientAnswering({ value: [] }, seen),
      { link: "https://graph.example/v1.0/users/u/calendarView/delta?$skiptoken=x" },
      { graphBaseUrl: "https://graph.example", pageSize: 10 },
    );
    expect(seen).toEqual(["https://graph.example/v1.0/users/u/calendarView/delta?$skiptoken=x"]);
    await expect(
      calendarDelta(
        clientAnswering({ value: [] }),
        { link: "https://elsewhere.example/v1.0/x" },
        { graphBaseUrl: "https://graph.example", pageSize: 10 },
      ),
    ).rejects.toBeInstanceOf(GraphError);
  });

  it("knows a token Graph dropped", () => {
    expect(isResyncRequired(new GraphError({ status: 410, code: "syncStateNotFound", message: "" }))).toBe(true);
    expect(isResyncRequired(new GraphError({ status: 400, code: "SyncStateNotFound", message: "" }))).toBe(true);
    expect(isResyncRequired(new GraphError({ status: 404, code: "ErrorItemNotFound", message: "" }))).toBe(false);
  });
});
