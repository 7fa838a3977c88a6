// The small answers the whole app shares, each in one place (issue 22): which appointments are live, what a
// phone number looks like, which call states mean "not over". Plain values: safe in client components, the
// worker and the pure scheduling core alike.

/** Appointment statuses that hold a place in the book (the database's exclusion constraint applies to these). */
export const LIVE_APPOINTMENT_STATUSES: ("BOOKED" | "CONFIRMED")[] = ["BOOKED", "CONFIRMED"];

export function isLiveAppointment(status: string): status is "BOOKED" | "CONFIRMED" {
  return status === "BOOKED" || status === "CONFIRMED";
}

/** An E.164 phone number: "+", a country code that does not start with 0, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * "+5511987654321" → "•••• 4321": enough to tell two numbers apart on screen, not to dial one. Always four
 * dots, so the mask does not tell how long the number is. Used wherever a number is shown or stored for
 * people (call logs, rosters, patient pages).
 */
export function maskPhone(phone: string): string {
  return `•••• ${phone.replace(/\D/g, "").slice(-4)}`;
}

/** Graph's call states (emulator/CONTRACT.md#call-states), in the order a call moves through them. */
export const CALL_STATES = [
  "incoming",
  "establishing",
  "ringing",
  "established",
  "hold",
  "transferring",
  "transferAccepted",
  "redirecting",
  "terminating",
  "terminated",
] as const;

/** Graph call states of a call that is not over: ringing in, being set up, up, on hold or being transferred. */
export const LIVE_CALL_STATES: string[] = CALL_STATES.filter(
  (state) => state !== "redirecting" && state !== "terminating" && state !== "terminated",
);

/** The live states of a call the bot placed or answered (an incoming call not answered yet needs no keepAlive). */
export const ANSWERED_CALL_STATES: string[] = LIVE_CALL_STATES.filter((state) => state !== "incoming");

export function isLiveCallState(state: string): boolean {
  return LIVE_CALL_STATES.includes(state);
}
