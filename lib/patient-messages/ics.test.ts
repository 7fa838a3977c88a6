import { describe, expect, it } from "vitest";
import { appointmentIcs, calendarUid, type CalendarEntry } from "./ics";

const entry: CalendarEntry = {
  appointmentId: "6f1c1d2e-0000-4000-8000-000000000001",
  version: 1,
  cancelled: false,
  startsAt: new Date("2030-03-12T13:00:00Z"),
  endsAt: new Date("2030-03-12T13:30:00Z"),
  title: "Consulta com Dra. Ana Ribeiro",
  description: "Página da sua consulta: https://consulta.example/j/abc",
  url: "https://consulta.example/j/abc",
  alarm: "Sua consulta começa em uma hora",
  organizer: { name: "Clínica Aurora", email: "atendimento@aurora.example" },
  attendee: { name: "Maria", email: "maria@mail.example" },
};

/** Unfolds RFC 5545 continuation lines and splits into lines. */
const lines = (ics: string) =>
  ics
    .replace(/\r?\n[ \t]/g, "")
    .split(/\r?\n/)
    .filter(Boolean);
const value = (ics: string, name: string) =>
  lines(ics)
    .filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`))
    .map((l) => l.slice(l.indexOf(":") + 1));

describe("calendar file", () => {
  it("invites with METHOD:REQUEST, one UID per appointment, times in UTC and a reminder", () => {
    const ics = appointmentIcs(entry, "REQUEST");
    expect(value(ics, "METHOD")).toEqual(["REQUEST"]);
    expect(value(ics, "UID")).toEqual([calendarUid(entry.appointmentId)]);
    expect(value(ics, "SEQUENCE")).toEqual(["0"]);
    expect(value(ics, "STATUS")).toEqual(["CONFIRMED"]);
    expect(value(ics, "DTSTART")).toEqual(["20300312T130000Z"]);
    expect(value(ics, "DTEND")).toEqual(["20300312T133000Z"]);
    expect(lines(ics)).toContain("BEGIN:VALARM");
    expect(value(ics, "TRIGGER")).toEqual(["-PT60M"]);
    expect(value(ics, "ORGANIZER")[0]).toMatch(/mailto:atendimento@aurora\.example/i);
    expect(value(ics, "ATTENDEE")[0]).toMatch(/mailto:maria@mail\.example/i);
  });

  it("raises SEQUENCE with every change and keeps the UID", () => {
    const moved = appointmentIcs(
      { ...entry, version: 2, startsAt: new Date("2030-03-13T13:00:00Z"), endsAt: new Date("2030-03-13T13:30:00Z") },
      "REQUEST",
    );
    expect(value(moved, "SEQUENCE")).toEqual(["1"]);
    expect(value(moved, "UID")).toEqual(value(appointmentIcs(entry, "REQUEST"), "UID"));
    expect(value(moved, "DTSTART")).toEqual(["20300313T130000Z"]);
  });

  it("cancels with METHOD:CANCEL, STATUS:CANCELLED, a higher SEQUENCE and no alarm", () => {
    const cancelled = appointmentIcs({ ...entry, version: 3, cancelled: true }, "CANCEL");
    expect(value(cancelled, "METHOD")).toEqual(["CANCEL"]);
    expect(value(cancelled, "STATUS")).toEqual(["CANCELLED"]);
    expect(value(cancelled, "SEQUENCE")).toEqual(["2"]);
    expect(value(cancelled, "UID")).toEqual([calendarUid(entry.appointmentId)]);
    expect(lines(cancelled)).not.toContain("BEGIN:VALARM");
  });
});
