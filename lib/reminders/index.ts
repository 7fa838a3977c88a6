// The reminder service bound to the app's database, Graph gateway, prompt store, job queue and configuration.
import "server-only";
import demoDirectory from "@/config/demo-directory.json";
import { enqueueCallDrains, notificationCallbackUri } from "@/lib/bot/runtime";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { enqueueMeetingSync, enqueueReminderDispatch } from "@/lib/jobs/boss";
import { promptStore } from "@/lib/prompts/store";
import { reminderService, type ReminderService } from "./service";

const globalForReminders = globalThis as unknown as { consultaReminders?: ReminderService };

/** On the emulator the reception is the demo directory's "Recepção Aurora". */
function receptionUserId(emulator: boolean): string | null {
  const configured = serverEnv().RECEPTION_USER_ID;
  if (configured) return configured;
  if (!emulator) return null;
  return demoDirectory.users.find((u) => u.displayName === "Recepção Aurora")?.id ?? null;
}

export function reminders(): ReminderService {
  if (!globalForReminders.consultaReminders) {
    const env = serverEnv();
    const emulator = new URL(env.GRAPH_BASE_URL).hostname !== "graph.microsoft.com";
    const cap = Number(process.env.REMINDER_MAX_CONCURRENT_CALLS ?? "");
    globalForReminders.consultaReminders = reminderService({
      db: getDb(),
      calls: graphForApp().calls,
      callbackUri: notificationCallbackUri(),
      publicBaseUrl: env.PUBLIC_BASE_URL,
      prompts: promptStore(),
      tenantId: tenantId(env),
      scheduler: { dispatch: (job, options) => enqueueReminderDispatch(job, options) },
      enqueueMeetingSync,
      receptionUserId: receptionUserId(emulator),
      clinicLineInstanceId: env.CLINIC_LINE_APPLICATION_INSTANCE_ID,
      emulator,
      // below Microsoft's 100 concurrent calls per application
      maxConcurrentCalls: Number.isInteger(cap) && cap > 0 ? Math.min(cap, 90) : undefined,
      callRecorded: (graphCallId) => enqueueCallDrains([graphCallId]),
    });
  }
  return globalForReminders.consultaReminders;
}

export const scheduleReminder = (appointmentId: string) => reminders().scheduleReminder(appointmentId);
export const remindNow = (...args: Parameters<ReminderService["remindNow"]>) => reminders().remindNow(...args);

export { reminderForAppointment, remindersForAppointmentsBetween, type ReminderView } from "./data";
export type { ReminderJob } from "./service";
