// The reminder service bound to the app's database, Graph gateway, job queue and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { callingDeps } from "@/lib/bot/gateways";
import { callSql } from "@/lib/bot/wiring";
import { serverEnv } from "@/lib/env";
import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { enqueueReminderDispatch } from "@/lib/jobs/boss";
import { reminderService, type ReminderService } from "./service";

export function reminders(): ReminderService {
  return perProcess("reminders", () => {
    const env = serverEnv();
    return reminderService({
      ...callingDeps(env),
      sql: callSql(),
      scheduler: { dispatch: (job, options) => enqueueReminderDispatch(job, options) },
      announceChange: announceAppointmentChange,
      // below Microsoft's 100 concurrent calls per application (lib/env.ts allows at most 90)
      maxConcurrentCalls: env.REMINDER_MAX_CONCURRENT_CALLS,
    });
  });
}

export const remindNow = (...args: Parameters<ReminderService["remindNow"]>) => reminders().remindNow(...args);
