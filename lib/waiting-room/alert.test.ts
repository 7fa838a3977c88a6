import { describe, expect, it } from "vitest";
import { waitingAlertFor } from "./alert";
import type { VisitPresence } from "./types";

const visit = (overrides: Partial<VisitPresence>): VisitPresence => ({
  appointmentId: "a",
  clinicianId: "ana",
  patientName: "Maria Silva",
  startsAt: "2030-06-03T13:00:00.000Z",
  endsAt: "2030-06-03T13:30:00.000Z",
  joinWebUrl: "https://teams.example/meet",
  lobby: [],
  joined: [],
  ...overrides,
});
const person = (name: string | null, since: string) => ({ id: `${name}-${since}`, name, kind: "guest", since });

describe("waitingAlertFor", () => {
  it("is about the clinician's earliest visit with someone in the lobby, since the first arrival", () => {
    const visits = [
      visit({ appointmentId: "joined-only", joined: [person("Dra. Ana", "2030-06-03T12:50:00.000Z")] }),
      visit({
        appointmentId: "next",
        startsAt: "2030-06-03T14:00:00.000Z",
        lobby: [person("Maria", "2030-06-03T13:58:00.000Z"), person(null, "2030-06-03T13:55:00.000Z")],
      }),
      visit({ appointmentId: "later", startsAt: "2030-06-03T15:00:00.000Z", lobby: [person("José", "x")] }),
    ];
    expect(waitingAlertFor(visits, "ana")).toEqual({
      appointmentId: "next",
      patientName: "Maria Silva",
      startsAt: "2030-06-03T14:00:00.000Z",
      waitingSince: "2030-06-03T13:55:00.000Z",
      waiting: ["Maria"],
      joinWebUrl: "https://teams.example/meet",
    });
  });

  it("says nothing about another clinician's patients, or when nobody waits", () => {
    expect(waitingAlertFor([visit({ clinicianId: "emily", lobby: [person("Maria", "t")] })], "ana")).toBeNull();
    expect(waitingAlertFor([visit({ joined: [person("Maria", "t")] })], "ana")).toBeNull();
    expect(waitingAlertFor([], "ana")).toBeNull();
  });
});
