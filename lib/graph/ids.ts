// Graph's call, operation and participant ids are GUIDs that Graph itself spells two ways: dashed and
// lowercase in action responses (and most notifications), 32 uppercase hex digits without dashes in
// others (the playPrompt and recordResponse completion notifications' resourceUrl). Consulta reads every
// id through normaliseGraphId — where notifications are parsed (lib/bot/schema.ts) and where action
// responses are read (lib/graph/call-requests.ts) — and stores, compares and logs only that form; requests to
// Graph put the dashes back (graphIdForRequest).
import "server-only";

/** The one stored form: lowercase, no dashes. Ids that are not GUIDs are only lowercased the same way. */
export const normaliseGraphId = (id: string): string => id.replace(/-/g, "").toLowerCase();

/** A stored id as Graph's request URLs spell it: a GUID gets its dashes back; anything else is left alone. */
export function graphIdForRequest(id: string): string {
  const normalised = normaliseGraphId(id);
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(normalised);
  return m ? m.slice(1).join("-") : id;
}
