// The rescue call's stored document (Call.flow, purpose RESCUE): the call runtime parses it with this schema
// whenever it loads the call (lib/rescue/flow-service.ts), and the appointment page's view reads how far the call
// has got through it (lib/rescue/data.ts). Never the number it called.
import "server-only";
import { z } from "zod";
import { PROMPT_LOCALES } from "@/lib/prompts/texts";
import { rescueStateSchema, type RescueState } from "./flow";

/**
 * The visit the offer speaks of ({appointment} in the prompt: day, time on the patient's clock, clinician),
 * as lib/prompts/texts.ts's SpokenAppointment: never who the patient is.
 */
export interface RescueAbout {
  startsAt: string;
  zone: string;
  clinicianName: string;
}

/** A rescue call's document (Call.flow): the flow's state and what its actions need. Never the number. */
export interface RescueCallFlow {
  state: RescueState;
  rescueId: string;
  locale: (typeof PROMPT_LOCALES)[number];
  about: RescueAbout;
}

export const rescueCallFlowSchema = z.object({
  state: rescueStateSchema,
  rescueId: z.uuid(),
  locale: z.enum(PROMPT_LOCALES),
  about: z.object({
    startsAt: z.iso.datetime({ offset: true }),
    zone: z.string().min(1).max(64),
    clinicianName: z.string().min(1).max(200),
  }),
}) satisfies z.ZodType<RescueCallFlow>;
