// What every request of the calling API shares (emulator/CONTRACT.md#calls): the URLs of a call and of its
// participants, the responses parsed with ids normalised, and the clientContext check.
import "server-only";
import type { Call } from "@microsoft/microsoft-graph-types";
import { z } from "zod";
import { GraphError } from "./errors";
import { graphIdForRequest, normaliseGraphId } from "./ids";

// Ids are normalised here, as they are where notifications are parsed (lib/graph/ids.ts): the id of an
// operation in its action's response and in its completion notification then compare equal.

const graphId = z.string().min(1).transform(normaliseGraphId);

export const callSchema = z.looseObject({
  id: graphId,
  state: z.string().nullish(),
  direction: z.string().nullish(),
  myParticipantId: z.string().nullish(),
  callChainId: z.string().nullish(),
});
export type GraphCall = Call & z.infer<typeof callSchema>;

export const operationSchema = z.looseObject({
  id: graphId,
  // invite answers "Running" (doc casing) where the enum says "running"
  status: z
    .string()
    .nullish()
    .transform((s) => s?.toLowerCase() ?? null),
  clientContext: z.string().nullish(),
  resultInfo: z.looseObject({ code: z.coerce.number().nullish(), subcode: z.coerce.number().nullish() }).nullish(),
});
export type CommsOperationResult = z.infer<typeof operationSchema>;

const participantSchema = z.looseObject({
  id: graphId,
  isMuted: z.boolean().nullish(),
  isInLobby: z.boolean().nullish(),
  info: z.looseObject({ identity: z.looseObject({}).nullish() }).nullish(),
});
export type GraphParticipant = z.infer<typeof participantSchema>;
export const participantListSchema = z.object({ value: z.array(participantSchema) });

export function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new GraphError({ status: 200, code: "invalidResponse", message: `Graph returned an unexpected ${what}` });
  }
  return parsed.data;
}

export const CALLS = "/communications/calls";
/** Callers pass ids in either spelling (usually the stored one); Graph's URLs get them dashed. */
export const callPath = (callId: string) => `${CALLS}/${encodeURIComponent(graphIdForRequest(callId))}`;
export const participantPath = (callId: string, participantId: string) =>
  `${callPath(callId)}/participants/${encodeURIComponent(graphIdForRequest(participantId))}`;

export function checkClientContext(clientContext: string | undefined): void {
  if (clientContext !== undefined && clientContext.length > 256)
    throw new RangeError("clientContext is at most 256 characters");
}
