// The appointment as a calendar entry (RFC 5545), for the e-mail attachment and the patient page's download.
// One UID per appointment for its whole life, and SEQUENCE = version − 1, which every change raises (a
// reschedule and a cancellation bump the version): calendars replace the entry they hold instead of adding a
// second one. A cancellation is METHOD:CANCEL with STATUS:CANCELLED. Times are written in UTC, which every
// calendar shows in its reader's own zone.
import "server-only";
import { createEvent, type DateArray, type EventAttributes } from "ics";

export interface CalendarEntry {
  appointmentId: string;
  version: number;
  cancelled: boolean;
  startsAt: Date;
  endsAt: Date;
  title: string;
  description: string;
  /** the patient's page */
  url: string;
  /** the text of the reminder the calendar shows before the start */
  alarm: string;
  /** e-mail invitations name the clinic's mailbox and the patient, as iTIP asks */
  organizer?: { name: string; email: string };
  attendee?: { name: string; email: string };
}

/** REQUEST: an invitation (e-mail); CANCEL: its withdrawal; PUBLISH: a file to import (the page's download). */
export type CalendarMethod = "REQUEST" | "CANCEL" | "PUBLISH";

const ALARM_MINUTES_BEFORE = 60;

export function calendarUid(appointmentId: string): string {
  return `${appointmentId}@consulta`;
}

function utc(d: Date): DateArray {
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
}

export function appointmentIcs(entry: CalendarEntry, method: CalendarMethod): string {
  const attributes: EventAttributes = {
    uid: calendarUid(entry.appointmentId),
    sequence: Math.max(0, entry.version - 1),
    method,
    productId: "consulta/ics",
    title: entry.title,
    description: entry.description,
    url: entry.url,
    start: utc(entry.startsAt),
    startInputType: "utc",
    startOutputType: "utc",
    end: utc(entry.endsAt),
    endInputType: "utc",
    endOutputType: "utc",
    status: entry.cancelled ? "CANCELLED" : "CONFIRMED",
    busyStatus: entry.cancelled ? "FREE" : "BUSY",
    ...(entry.organizer ? { organizer: entry.organizer } : {}),
    ...(entry.attendee
      ? {
          attendees: [
            { ...entry.attendee, rsvp: false, partstat: "ACCEPTED", role: "REQ-PARTICIPANT", cutype: "INDIVIDUAL" },
          ],
        }
      : {}),
    alarms: entry.cancelled
      ? []
      : [{ action: "display", description: entry.alarm, trigger: { minutes: ALARM_MINUTES_BEFORE, before: true } }],
  };
  const { error, value } = createEvent(attributes);
  if (error || !value) throw new Error(`calendar entry could not be written: ${error?.message ?? "no output"}`);
  return value;
}
