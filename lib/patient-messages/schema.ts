// Input of the message forms: staff's "send again" and a patient's contact settings.
import "server-only";
import { z } from "zod";

export const resendInput = z.object({
  appointmentId: z.uuid(),
  channels: z
    .enum(["BOTH", "EMAIL", "SMS"])
    .transform((v) => (v === "BOTH" ? (["EMAIL", "SMS"] as const) : ([v] as const))),
});

export const contactInput = z.object({
  patientId: z.uuid(),
  contactPreference: z.enum(["BOTH", "EMAIL", "SMS", "NONE"]),
  // a checkbox: present = ticked
  consent: z.preprocess((v) => v === "yes" || v === "on", z.boolean()),
  // the patient asked not to be called by the bot when late for a visit (lib/rescue)
  callsDeclined: z.preprocess((v) => v === "yes" || v === "on", z.boolean()),
});

/** Skip and failure codes that have their own words (appointments.messages.reason). */
export const MESSAGE_REASONS = [
  "superseded",
  "appointmentOver",
  "noConsent",
  "notWanted",
  "noAddress",
  "optedOut",
  "notConfigured",
  "noLink",
  "interrupted",
] as const;
