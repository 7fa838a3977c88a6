import "server-only";
import { serverEnv, type ServerEnv } from "@/lib/env";

/** The clinic as patients know it: its name, phone and mailbox (configuration), shown on every patient page and message. */
export interface ClinicContact {
  name: string;
  /** E.164, or null when none is configured */
  phone: string | null;
  email: string | null;
}

export function clinicContact(env: ServerEnv = serverEnv()): ClinicContact {
  return { name: env.CLINIC_NAME, phone: env.CLINIC_PHONE ?? null, email: env.CLINIC_MAILBOX ?? null };
}
