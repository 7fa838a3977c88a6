// The rescue service bound to the app's database, Graph gateway and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { notificationCallbackUri } from "@/lib/bot/wiring";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { rescueForAppointment } from "./data";
import { parseClinicHours } from "./decision";
import { rescueService, type RescueService } from "./service";

export function rescues(): RescueService {
  return perProcess("rescues", () => {
    const env = serverEnv();
    return rescueService({
      db: getDb(),
      calls: graphForApp().calls,
      callbackUri: notificationCallbackUri(),
      tenantId: tenantId(env),
      clinicLineInstanceId: env.CLINIC_LINE_APPLICATION_INSTANCE_ID,
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
