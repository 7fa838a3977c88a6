import { describe, expect, it } from "vitest";
import { formatDateTime, formatDateTimeRange, formatTime, formatTimeRange, formatWeekday } from "./format";

// Intl puts narrow and thin no-break spaces around "PM" and the dash; compare with plain spaces
const plain = (text: string) => text.replace(/[\u202f\u2009\u00a0]/g, " ");
const start = new Date("2026-06-15T22:30:00Z"); // 19:30 in São Paulo
const end = new Date("2026-06-15T23:00:00Z");
const zone = "America/Sao_Paulo";

describe("date formatting", () => {
  it("writes a range with one formatter: both ends in the same form", () => {
    expect(plain(formatTimeRange(start, end, zone, "en"))).toBe("7:30 – 8:00 PM");
    expect(plain(formatTimeRange(start, end, zone, "pt-BR"))).toBe("19:30 – 20:00");
    expect(plain(formatDateTimeRange(start, end, zone, "en"))).toBe("Monday, June 15, 2026, 7:30 – 8:00 PM");
    expect(plain(formatDateTimeRange(start, end, zone, "pt-BR"))).toBe(
      "segunda-feira, 15 de junho de 2026 19:30 – 20:00",
    );
  });

  it("writes a lone time like the times in ranges and date-times", () => {
    expect(plain(formatTime(end, zone, "en"))).toBe("8:00 PM");
    expect(plain(formatTime(end, zone, "pt-BR"))).toBe("20:00");
    expect(plain(formatDateTime(end, zone, "en"))).toContain("8:00 PM");
  });

  it("follows the locale it is given, in the zone it is given", () => {
    expect(formatWeekday(start, zone, "en")).toBe("Mon, Jun 15");
    expect(formatWeekday(start, zone, "pt-BR")).toBe("seg., 15 de jun.");
    expect(formatWeekday(start, "Asia/Kathmandu", "en")).toBe("Tue, Jun 16");
  });
});
