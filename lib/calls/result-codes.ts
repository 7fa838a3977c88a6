// Teams' result codes (resultInfo code/subcode of a call or an invitation) in words for people: the
// documented pairs (Microsoft Graph, "call: delete" and "Call termination codes"; see emulator/CONTRACT.md)
// map to a reason with a message under `calls.reason` in messages/*.json. Pure and free of server code:
// the live call panel runs in the browser.

export const RESULT_REASONS = [
  "declined",
  "busy",
  "noAnswer",
  "notAccepted",
  "connectionLost",
  "timedOut",
  "notSignedIn",
  "unreachable",
  "cannotRoute",
  "privateCallingOff",
  "unavailable",
  "mediaFailed",
  "botMediaUnreachable",
  "hungUp",
  "removed",
  "transferred",
  "forbidden",
  "notFound",
  "teamsError",
] as const;
export type ResultReason = (typeof RESULT_REASONS)[number];

/** The reason for a result code, or null when Teams gave one we do not know (show the code then). */
export function resultReason(code: number | null, subcode: number | null): ResultReason | null {
  if (code === null) return null;
  if (subcode === 7015) return "transferred";
  switch (code) {
    case 603:
      return "declined";
    case 486:
      return "busy";
    case 408:
      if (subcode === 10057) return "noAnswer";
      if (subcode === 1106) return "notAccepted";
      if (subcode === 8537) return "connectionLost";
      return "timedOut";
    case 480:
      if (subcode === 10037) return "notSignedIn";
      if (subcode === 10076) return "unreachable";
      if (subcode === 10134) return "cannotRoute";
      if (subcode === 10199) return "privateCallingOff";
      return "unavailable";
    case 410:
      return subcode === 301005 ? "mediaFailed" : null;
    case 403:
      return "forbidden";
    case 404:
      return "notFound";
  }
  if (code === 500 && subcode === 1005) return "botMediaUnreachable";
  if (code >= 200 && code < 300) {
    if (subcode === 5000 || subcode === 5300 || subcode === 5855) return "removed";
    if (subcode !== null && [4097, 4521, 18503, 540000, 560000].includes(subcode)) return "hungUp";
  }
  if (code >= 500) return "teamsError";
  return null;
}

// what an invitation's outcome word (lib/bot: declined, busy, no-answer, …) already says
const SAID_BY_OUTCOME: Partial<Record<string, ResultReason>> = {
  declined: "declined",
  busy: "busy",
  "no-answer": "noAnswer",
  "timed-out": "timedOut",
  unreachable: "unavailable",
};

/**
 * What to add after an invitation's outcome: a reason when it says more than the outcome ("unreachable —
 * private calling is turned off"), nothing when it would repeat it ("declined"), or the raw code for a
 * code nobody documented.
 */
export function invitationDetail(
  outcome: string,
  code: number | null,
  subcode: number | null,
): { reason: ResultReason } | { code: number; subcode: number } | null {
  if (outcome === "ringing" || outcome === "answered" || code === null) return null;
  const reason = resultReason(code, subcode);
  if (!reason) return { code, subcode: subcode ?? 0 };
  return SAID_BY_OUTCOME[outcome] === reason ? null : { reason };
}
