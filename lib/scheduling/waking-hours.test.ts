import { describe, expect, it } from "vitest";
import { clocksDiffer, withinWakingHours } from "./waking-hours";

const at = (iso: string) => new Date(iso);

describe("withinWakingHours", () => {
  it("takes visits from 07:00 to 22:00 on the patient's clock", () => {
    // Lisbon in June is UTC+1
    expect(withinWakingHours(at("2030-06-03T06:00:00Z"), at("2030-06-03T06:30:00Z"), "Europe/Lisbon")).toBe(true);
    expect(withinWakingHours(at("2030-06-03T20:30:00Z"), at("2030-06-03T21:00:00Z"), "Europe/Lisbon")).toBe(true);
  });

  it("asks about a visit that starts before 07:00 or ends after 22:00 there", () => {
    expect(withinWakingHours(at("2030-06-03T05:45:00Z"), at("2030-06-03T06:15:00Z"), "Europe/Lisbon")).toBe(false);
    expect(withinWakingHours(at("2030-06-03T20:45:00Z"), at("2030-06-03T21:15:00Z"), "Europe/Lisbon")).toBe(false);
    // 10:00 in São Paulo is 01:00 in Tokyo
    expect(withinWakingHours(at("2030-06-03T13:00:00Z"), at("2030-06-03T13:30:00Z"), "Asia/Tokyo")).toBe(false);
  });

  it("reads odd offsets: Kathmandu (UTC+5:45) and St. John's (UTC−2:30 in summer)", () => {
    // 01:15Z = 07:00 in Kathmandu; 01:14Z would be 06:59
    expect(withinWakingHours(at("2030-06-03T01:15:00Z"), at("2030-06-03T01:45:00Z"), "Asia/Kathmandu")).toBe(true);
    expect(withinWakingHours(at("2030-06-03T01:14:00Z"), at("2030-06-03T01:44:00Z"), "Asia/Kathmandu")).toBe(false);
    // 00:00Z = 21:30 in St. John's; a 30-minute visit ends 22:00, one of 45 at 22:15
    expect(withinWakingHours(at("2030-06-03T00:00:00Z"), at("2030-06-03T00:30:00Z"), "America/St_Johns")).toBe(true);
    expect(withinWakingHours(at("2030-06-03T00:00:00Z"), at("2030-06-03T00:45:00Z"), "America/St_Johns")).toBe(false);
  });

  it("counts a visit that runs past midnight as outside, and follows a clock change in between", () => {
    expect(withinWakingHours(at("2030-06-03T22:30:00Z"), at("2030-06-03T23:30:00Z"), "UTC")).toBe(false);
    // Lisbon springs forward at 01:00Z on 2030-03-31: 06:30 WET is 06:30Z, 07:00 WEST is 06:00Z
    expect(withinWakingHours(at("2030-03-31T06:00:00Z"), at("2030-03-31T06:30:00Z"), "Europe/Lisbon")).toBe(true);
    expect(withinWakingHours(at("2030-03-30T06:00:00Z"), at("2030-03-30T06:30:00Z"), "Europe/Lisbon")).toBe(false);
  });

  it("refuses an end before the start", () => {
    expect(() => withinWakingHours(at("2030-06-03T10:00:00Z"), at("2030-06-03T09:00:00Z"), "UTC")).toThrow(RangeError);
  });
});

describe("clocksDiffer", () => {
  it("compares the offsets at that instant, not the zone names", () => {
    expect(clocksDiffer(at("2030-06-03T13:00:00Z"), "America/Sao_Paulo", "America/Recife")).toBe(false);
    expect(clocksDiffer(at("2030-06-03T13:00:00Z"), "America/Sao_Paulo", "Europe/Lisbon")).toBe(true);
    // London and Lisbon share an offset all year
    expect(clocksDiffer(at("2030-01-03T13:00:00Z"), "Europe/London", "Europe/Lisbon")).toBe(false);
  });
});
