// The rescue service bound to the app's database, Graph gateway and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { callingDeps } from "@/lib/bot/gateways";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { rescueForAppointment } from "./data";
import { parseClinicHours } from "./decision";
import { rescueService, type RescueService } from "./service";

export function rescues(): RescueService {
  return perProcess("rescues", () => {
    const env = serverEnv();
    return rescueService({
      ...callingDeps(env),
      settings: {
        afterMinutes: env.RESCUE_AFTER_MINUTES,
        hours: parseClinicHours(env.CLINIC_HOURS),
        zone: env.CLINIC_TIME_ZONE,
      },
    });
  });
}

/** The visit's rescue as the appointment page shows it (callers check who may see it). */
export const rescueStatus = (appointmentId: string) => rescueForAppointment(getDb(), appointmentId);
