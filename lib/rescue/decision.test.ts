import { describe, expect, it } from "vitest";
import { parseNotifications, type RosterEntry } from "@/lib/bot/schema";
import { exampleBody } from "@/tests/helpers/graph-examples";
import {
  DEFAULT_CLINIC_HOURS,
  decideRescue,
  parseClinicHours,
  withinClinicHours,
  type RescueCandidate,
  type RescueSettings,
  type RosterPerson,
} from "./decision";

// Rosters as the bot records them: Graph's roster notifications (the documented shape) run through the bot's
// own parser, then merged by participant id as the call runtime merges them (lib/bot/runtime/apply.ts).
const CLINICIAN = "0a1c2e30-1111-4a00-8000-000000000001";
const BOT_APP = "7e1b4346-85a6-4bdd-abe3-d11c5d420efe";
const PATIENT_PHONE = "+5511987654321";

type Person = { id: string; identity: Record<string, unknown>; isInLobby?: boolean; removed?: boolean };

function rosterUpdate(callId: string, people: Person[]) {
  return {
    value: [
      {
        "@odata.type": "#microsoft.graph.commsNotification",
        changeType: "updated",
        resource: `/communications/calls/${callId}/participants`,
        resourceUrl: `/communications/calls/${callId}/participants`,
        resourceData: people.map((p) => ({
          "@odata.type": "#microsoft.graph.participant",
          id: p.id,
          info: { "@odata.type": "#microsoft.graph.participantInfo", identity: p.identity },
          isMuted: false,
          isInLobby: p.isInLobby ?? false,
          mediaStreams: [],
          ...(p.removed ? { removedState: { reason: "left" } } : {}),
        })),
      },
    ],
  };
}

/** Applies roster notifications in order: merged by participant id, someone leaves only when told. */
function recorded(...bodies: unknown[]): RosterPerson[] {
  const present = new Map<string, RosterEntry>();
  for (const body of bodies)
    for (const { notification: n } of parseNotifications(body)) {
      if (n.kind !== "roster") continue;
      for (const p of n.participants) present.set(p.graphParticipantId, p);
      for (const id of n.removed) present.delete(id);
    }
  return [...present.values()]
    .filter((p) => p.identityKind !== "application")
    .map(({ identityKind, identityId, displayName, isInLobby }) => ({
      identityKind,
      identityId,
      displayName,
      isInLobby,
    }));
}

const CALL = "421f0b00-1e2a-4b3c-9d4e-5f6a7b8c9d0e";
const bot: Person = { id: "p-bot", identity: { application: { id: BOT_APP } } };
const clinician: Person = { id: "p-dr", identity: { user: { id: CLINICIAN, displayName: "Dr. Souza" } } };
const guest = (lobby: boolean): Person => ({
  id: "p-guest",
  identity: { guest: { id: "g1", displayName: "Maria" } },
  isInLobby: lobby,
});

const start = new Date("2026-12-07T13:00:00Z"); // 10:00 in São Paulo, a Monday
const settings: RescueSettings = {
  afterMinutes: 5,
  hours: parseClinicHours(DEFAULT_CLINIC_HOURS),
  zone: "America/Sao_Paulo",
};
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const candidate = (roster: RosterPerson[] | null, more: Partial<RescueCandidate> = {}): RescueCandidate => ({
  status: "CONFIRMED",
  startsAt: start,
  endsAt: at(30),
  typeAfterMinutes: null,
  clinicianEntraId: CLINICIAN,
  patient: { phone: PATIENT_PHONE, teamsUserId: null, callsDeclined: false },
  roster,
  earlierRescues: 0,
  ...more,
});

describe("the rescue decision over recorded rosters", () => {
  const waiting = recorded(rosterUpdate(CALL, [bot, clinician]));

  it("the clinician alone in the meeting five minutes after the start: call the patient", () => {
    expect(decideRescue(candidate(waiting), settings, at(5))).toEqual({ call: true, dueAt: at(5) });
    expect(decideRescue(candidate(waiting), settings, at(4.9))).toEqual({ call: false, reason: "too-early" });
    expect(decideRescue(candidate(waiting), settings, at(30))).toEqual({ call: false, reason: "over" });
  });

  it("the patient joined at +4 (by the link, still in the lobby or let in): no call", () => {
    const inLobby = recorded(rosterUpdate(CALL, [bot, clinician]), rosterUpdate(CALL, [guest(true)]));
    const admitted = recorded(
      rosterUpdate(CALL, [bot, clinician]),
      rosterUpdate(CALL, [guest(true)]),
      rosterUpdate(CALL, [guest(false)]),
    );
    expect(decideRescue(candidate(inLobby), settings, at(5))).toEqual({ call: false, reason: "patient-present" });
    expect(decideRescue(candidate(admitted), settings, at(6))).toEqual({ call: false, reason: "patient-present" });
  });

  it("a patient who came and left again is absent; their phone in the meeting counts as them, another phone does not", () => {
    const left = recorded(
      rosterUpdate(CALL, [bot, clinician, guest(false)]),
      rosterUpdate(CALL, [{ ...guest(false), removed: true }]),
    );
    expect(decideRescue(candidate(left), settings, at(7)).call).toBe(true);
    const byPhone = recorded(
      rosterUpdate(CALL, [bot, clinician, { id: "p-tel", identity: { phone: { id: PATIENT_PHONE } } }]),
    );
    expect(decideRescue(candidate(byPhone), settings, at(5))).toEqual({ call: false, reason: "patient-present" });
    const interpreter = recorded(
      rosterUpdate(CALL, [bot, clinician, { id: "p-int", identity: { phone: { id: "+5511900001111" } } }]),
    );
    expect(decideRescue(candidate(interpreter), settings, at(5)).call).toBe(true);
  });

  it("the documented meeting-join roster (bot and one user) reads as the clinician waiting when that user is the clinician", () => {
    const roster = recorded(exampleBody("create-call-ex05-join-meeting-service-media.notification-3-roster.json"));
    const users = roster.filter((p) => p.identityKind === "user");
    expect(users.length).toBeGreaterThan(0);
    const doc = candidate(roster, { clinicianEntraId: users[0]!.identityId });
    expect(decideRescue(doc, settings, at(5)).call).toBe(true);
  });

  it("nobody to wait for: the clinician is not in (or only in the lobby), or the bot is not in the meeting", () => {
    expect(decideRescue(candidate(recorded(rosterUpdate(CALL, [bot]))), settings, at(5))).toEqual({
      call: false,
      reason: "clinician-absent",
    });
    const lobby = recorded(rosterUpdate(CALL, [bot, { ...clinician, isInLobby: true }]));
    expect(decideRescue(candidate(lobby), settings, at(5)).call).toBe(false);
    expect(decideRescue(candidate(null), settings, at(5))).toEqual({ call: false, reason: "bot-absent" });
  });

  it("never twice, never when the patient declined calls or has no phone, never for a closed visit", () => {
    expect(decideRescue(candidate(waiting, { earlierRescues: 1 }), settings, at(6))).toEqual({
      call: false,
      reason: "already-rescued",
    });
    const declined = candidate(waiting, { patient: { phone: PATIENT_PHONE, teamsUserId: null, callsDeclined: true } });
    expect(decideRescue(declined, settings, at(6))).toEqual({ call: false, reason: "calls-declined" });
    const noPhone = candidate(waiting, { patient: { phone: null, teamsUserId: null, callsDeclined: false } });
    expect(decideRescue(noPhone, settings, at(6))).toEqual({ call: false, reason: "no-phone" });
    for (const status of ["CANCELLED", "COMPLETED", "NO_SHOW"])
      expect(decideRescue(candidate(waiting, { status }), settings, at(6))).toEqual({
        call: false,
        reason: "not-live",
      });
  });

  it("the delay: the type's own, else the clinic's; 0 turns it off", () => {
    expect(decideRescue(candidate(waiting, { typeAfterMinutes: 10 }), settings, at(6)).call).toBe(false);
    expect(decideRescue(candidate(waiting, { typeAfterMinutes: 10 }), settings, at(10)).call).toBe(true);
    expect(decideRescue(candidate(waiting, { typeAfterMinutes: 2 }), settings, at(2)).call).toBe(true);
    expect(decideRescue(candidate(waiting, { typeAfterMinutes: 0 }), settings, at(6))).toEqual({
      call: false,
      reason: "disabled",
    });
    expect(decideRescue(candidate(waiting), { ...settings, afterMinutes: 0 }, at(6))).toEqual({
      call: false,
      reason: "disabled",
    });
  });

  it("never outside the clinic's hours, on the clinic's clock", () => {
    const weekdays = { ...settings, hours: parseClinicHours("1-5 08:00-18:00") };
    // 10:05 on a Monday in São Paulo
    expect(decideRescue(candidate(waiting), weekdays, at(5)).call).toBe(true);
    // 20:00 São Paulo = 23:00 UTC
    const evening = new Date("2026-12-07T23:00:00Z");
    const late = candidate(waiting, { startsAt: new Date(evening.getTime() - 6 * 60_000), endsAt: at(900) });
    expect(decideRescue(late, weekdays, evening)).toEqual({ call: false, reason: "outside-hours" });
    // Saturday 10:05
    const saturday = new Date("2026-12-12T13:05:00Z");
    const onSaturday = candidate(waiting, { startsAt: new Date("2026-12-12T13:00:00Z"), endsAt: at(8000) });
    expect(decideRescue(onSaturday, weekdays, saturday)).toEqual({ call: false, reason: "outside-hours" });
  });
});

describe("clinic hours", () => {
  it("parses days, ranges and several windows; refuses anything else with a message", () => {
    const hours = parseClinicHours("1-5 08:00-12:00; 1-5 13:00-18:00, 6 09:00-12:00");
    expect(hours[1]).toEqual([
      { from: 480, until: 720 },
      { from: 780, until: 1080 },
    ]);
    expect(hours[6]).toEqual([{ from: 540, until: 720 }]);
    expect(hours[7]).toBeUndefined();
    expect(parseClinicHours("7 00:00-24:00")[7]).toEqual([{ from: 0, until: 1440 }]);
    for (const bad of ["", "mon 08:00-18:00", "1-5 18:00-08:00", "5-1 08:00-09:00", "8 08:00-09:00", "1 8:00-9:00"])
      expect(() => parseClinicHours(bad)).toThrow();
  });

  it("a window's end is outside it, and the lunch break is closed", () => {
    const hours = parseClinicHours("1-5 08:00-12:00; 1-5 13:00-18:00");
    const zone = "America/Sao_Paulo";
    expect(withinClinicHours(hours, zone, new Date("2026-12-07T11:00:00Z"))).toBe(true); // 08:00
    expect(withinClinicHours(hours, zone, new Date("2026-12-07T15:00:00Z"))).toBe(false); // 12:00
    expect(withinClinicHours(hours, zone, new Date("2026-12-07T16:30:00Z"))).toBe(true); // 13:30
    expect(withinClinicHours(hours, zone, new Date("2026-12-07T21:00:00Z"))).toBe(false); // 18:00
  });
});
