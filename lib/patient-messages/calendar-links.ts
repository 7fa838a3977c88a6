// "Add to calendar" links for the patient page and the e-mail, beside the .ics: Google Calendar and
// Outlook on the web open their own "new event" form filled in from the query string. Times in UTC.
import "server-only";

export interface CalendarLinkInput {
  title: string;
  details: string;
  startsAt: Date;
  endsAt: Date;
}

/** 20300312T130000Z, the compact UTC form Google's `dates` takes. */
function compactUtc(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export function googleCalendarUrl(input: CalendarLinkInput): string {
  const url = new URL("https://calendar.google.com/calendar/render");
  url.searchParams.set("action", "TEMPLATE");
  url.searchParams.set("text", input.title);
  url.searchParams.set("dates", `${compactUtc(input.startsAt)}/${compactUtc(input.endsAt)}`);
  url.searchParams.set("details", input.details);
  return url.toString();
}

/** Outlook on the web (personal accounts; a work account is sent on to its own Outlook). */
export function outlookCalendarUrl(input: CalendarLinkInput): string {
  const url = new URL("https://outlook.live.com/calendar/0/action/compose");
  url.searchParams.set("rru", "addevent");
  url.searchParams.set("subject", input.title);
  url.searchParams.set("startdt", input.startsAt.toISOString());
  url.searchParams.set("enddt", input.endsAt.toISOString());
  url.searchParams.set("body", input.details);
  return url.toString();
}
