// Whether the bot should call a patient who has not joined their visit: a pure function of the appointment,
// the meeting's roster as the bot last saw it, the clinic's settings and the time. No I/O, no clock: the sweep
// (lib/rescue/service.ts) reads everything and passes `now`. Unit tests run it over recorded rosters.
import "server-only";
import { isLiveAppointment, maskPhone } from "@/lib/constants";

/** One person in the meeting as the bot's roster has them (CallParticipant rows still present). */
export interface RosterPerson {
  /** user | phone | guest | application */
  identityKind: string;
  /** Entra object id for users (lowercase); null for phones and guests */
  identityId: string | null;
  /** a phone participant's masked number (•••• 1234), a guest's name */
  displayName: string | null;
  isInLobby: boolean;
}

export interface RescueCandidate {
  status: string;
  startsAt: Date;
  endsAt: Date;
  /** the appointment type's delay: null = the clinic's, 0 = never */
  typeAfterMinutes: number | null;
  clinicianEntraId: string | null;
  patient: {
    /** E.164 */
    phone: string | null;
    teamsUserId: string | null;
    /** the patient asked not to be called */
    callsDeclined: boolean;
  };
  /** the bot's live meeting call's roster; null when the bot is not in the meeting */
  roster: RosterPerson[] | null;
  /** rescues already placed for this appointment (any trigger) */
  earlierRescues: number;
}

/** Opening hours on the clinic's clock: per ISO weekday (1 = Monday … 7 = Sunday), minutes after midnight. */
export type ClinicHours = Partial<Record<number, { from: number; until: number }[]>>;

export interface RescueSettings {
  /** RESCUE_AFTER_MINUTES: minutes after the start; 0 = no automatic rescue at all */
  afterMinutes: number;
  hours: ClinicHours;
  /** CLINIC_TIME_ZONE */
  zone: string;
}

type RescueReason =
  | "not-live"
  | "already-rescued"
  | "calls-declined"
  | "no-phone"
  | "disabled"
  | "too-early"
  | "over"
  | "outside-hours"
  | "bot-absent"
  | "clinician-absent"
  | "patient-present";

export type RescueDecision = { call: true; dueAt: Date } | { call: false; reason: RescueReason };

/** every day, 07:00–20:00 on the clinic's clock */
export const DEFAULT_CLINIC_HOURS = "1-7 07:00-20:00";

/** The patient is in the meeting or its lobby: a guest (the join link), their phone, or their Teams account. */
function patientPresent(roster: RosterPerson[], patient: RescueCandidate["patient"]): boolean {
  // a phone participant is stored masked, as lib/bot/schema.ts masks it: compared the same way
  const phone = patient.phone ? maskPhone(patient.phone) : null;
  const teams = patient.teamsUserId?.toLowerCase() ?? null;
  return roster.some(
    (p) =>
      p.identityKind === "guest" ||
      (p.identityKind === "phone" && phone !== null && p.displayName === phone) ||
      (p.identityKind === "user" && teams !== null && p.identityId === teams),
  );
}

/** The clinician has joined (not waiting in the lobby). */
function clinicianPresent(roster: RosterPerson[], clinicianEntraId: string | null): boolean {
  const id = clinicianEntraId?.toLowerCase();
  return !!id && roster.some((p) => p.identityKind === "user" && p.identityId === id && !p.isInLobby);
}

/** Weekday (1–7) and minutes after midnight of `at` on the clock of `zone`. */
function localClock(at: Date, zone: string): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday")) + 1;
  return { weekday, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

export function withinClinicHours(hours: ClinicHours, zone: string, at: Date): boolean {
  const { weekday, minute } = localClock(at, zone);
  return (hours[weekday] ?? []).some((w) => minute >= w.from && minute < w.until);
}

/**
 * "1-5 08:00-18:00; 6 08:00-12:00" → hours per weekday. Days are ISO numbers (1 = Monday), a single day or a
 * range; several windows are separated by ";" or ",". Throws with a readable message on anything else.
 */
export function parseClinicHours(spec: string): ClinicHours {
  const hours: ClinicHours = {};
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(":").map(Number) as [number, number];
    return h * 60 + m;
  };
  for (const part of spec.split(/[;,]/).map((p) => p.trim())) {
    if (!part) continue;
    const match = /^([1-7])(?:-([1-7]))?\s+([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(part);
    if (!match) throw new Error(`"${part}" is not "<day>[-<day>] HH:MM-HH:MM" (days 1 = Monday … 7 = Sunday)`);
    const [, first, last, fh, fm, uh, um] = match as unknown as string[];
    const from = minutes(`${fh}:${fm}`);
    const until = minutes(`${uh}:${um}`);
    if (until <= from || until > 24 * 60) throw new Error(`"${part}": the window must end after it starts, by 24:00`);
    const a = Number(first);
    const b = Number(last ?? first);
    if (b < a) throw new Error(`"${part}": the days must go forward`);
    for (let day = a; day <= b; day++) (hours[day] ??= []).push({ from, until });
  }
  if (Object.keys(hours).length === 0) throw new Error("no opening hours given");
  return hours;
}

/**
 * The automatic rescue: call when the visit is live and running, the delay after its start has passed, it is
 * within the clinic's hours, the bot is in the meeting, the clinician has joined, the patient is neither in the
 * meeting nor in its lobby, the patient has a phone and did not decline calls, and no rescue was placed before.
 * The first reason that holds is given (the order is the cheapest to explain to staff).
 */
export function decideRescue(c: RescueCandidate, settings: RescueSettings, now: Date): RescueDecision {
  if (!isLiveAppointment(c.status)) return { call: false, reason: "not-live" };
  if (c.earlierRescues > 0) return { call: false, reason: "already-rescued" };
  if (c.patient.callsDeclined) return { call: false, reason: "calls-declined" };
  if (!c.patient.phone) return { call: false, reason: "no-phone" };
  const after = c.typeAfterMinutes ?? settings.afterMinutes;
  if (after <= 0) return { call: false, reason: "disabled" };
  const dueAt = new Date(c.startsAt.getTime() + after * 60_000);
  if (now < dueAt) return { call: false, reason: "too-early" };
  if (now >= c.endsAt) return { call: false, reason: "over" };
  if (!withinClinicHours(settings.hours, settings.zone, now)) return { call: false, reason: "outside-hours" };
  if (!c.roster) return { call: false, reason: "bot-absent" };
  if (!clinicianPresent(c.roster, c.clinicianEntraId)) return { call: false, reason: "clinician-absent" };
  if (patientPresent(c.roster, c.patient)) return { call: false, reason: "patient-present" };
  return { call: true, dueAt };
}
