// The reminder service bound to the app's database, Graph gateway, job queue and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { callSql, notificationCallbackUri } from "@/lib/bot/wiring";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { enqueueReminderDispatch } from "@/lib/jobs/boss";
import { reminderService, type ReminderService } from "./service";

export function reminders(): ReminderService {
  return perProcess("reminders", () => {
    const env = serverEnv();
    return reminderService({
      db: getDb(),
      sql: callSql(),
      calls: graphForApp().calls,
      callbackUri: notificationCallbackUri(),
      tenantId: tenantId(env),
      scheduler: { dispatch: (job, options) => enqueueReminderDispatch(job, options) },
      announceChange: announceAppointmentChange,
      clinicLineInstanceId: env.CLINIC_LINE_APPLICATION_INSTANCE_ID,
      // below Microsoft's 100 concurrent calls per application (lib/env.ts allows at most 90)
      maxConcurrentCalls: env.REMINDER_MAX_CONCURRENT_CALLS,
    });
  });
}

export const remindNow = (...args: Parameters<ReminderService["remindNow"]>) => reminders().remindNow(...args);
