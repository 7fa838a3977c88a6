import { describe, expect, it } from "vitest";
import { blockingShowAs, notificationUrls, outlookSettings, syncWindow } from "./settings";

describe("Outlook settings", () => {
  it("default to on, busy and oof blocking, the type-only subject; empty variables count as unset", () => {
    expect(outlookSettings({})).toEqual({
      OUTLOOK_CALENDAR: "on",
      OUTLOOK_BLOCKING_SHOW_AS: ["busy", "oof"],
      OUTLOOK_EVENT_SUBJECT: "type",
      OUTLOOK_SYNC_DAYS: 120,
      OUTLOOK_DELTA_MINUTES: 15,
    });
    expect(outlookSettings({ OUTLOOK_CALENDAR: "", OUTLOOK_BLOCKING_SHOW_AS: "" }).OUTLOOK_BLOCKING_SHOW_AS).toEqual([
      "busy",
      "oof",
    ]);
  });

  it("read the blocking states, and none when turned off", () => {
    expect(blockingShowAs({ OUTLOOK_BLOCKING_SHOW_AS: "busy, tentative,busy" })).toEqual(["busy", "tentative"]);
    expect(blockingShowAs({ OUTLOOK_CALENDAR: "off" })).toEqual([]);
    expect(() => outlookSettings({ OUTLOOK_BLOCKING_SHOW_AS: "busy,free" })).toThrow(/OUTLOOK_BLOCKING_SHOW_AS/);
  });

  it("move the delta window in weekly steps, covering the days asked for", () => {
    const a = syncWindow(new Date("2030-06-03T10:00:00Z"), 120);
    const b = syncWindow(new Date("2030-06-04T23:00:00Z"), 120);
    expect(b).toEqual(a);
    expect(a.start.getTime()).toBeLessThan(new Date("2030-06-02T10:00:00Z").getTime());
    expect(a.end.getTime()).toBeGreaterThan(new Date("2030-06-03T10:00:00Z").getTime() + 120 * 86_400_000);
    const later = syncWindow(new Date(a.start.getTime() + 8 * 86_400_000 + 86_400_000), 120);
    expect(later.start.getTime()).toBe(a.start.getTime() + 7 * 86_400_000);
  });

  it("post notifications to the app's public URL", () => {
    expect(notificationUrls("https://consulta.example/").notificationUrl).toBe(
      "https://consulta.example/api/outlook/notifications",
    );
  });
});
