// The Outlook jobs wired to the application: Graph with the application's token, the database, the queue.
// Handlers log ids and outcomes only.
import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { enqueueOutlookSync } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { cliniciansDueForDelta, refreshBlockingFlags } from "./busy-sync";
import { appointmentsNeedingEventSync, syncAppointmentEvent, type CalendarEventDeps } from "./event-sync";
import type { OutlookIntakeDeps } from "./intake";
import { blockingShowAs, notificationUrls, outlookSettings } from "./settings";
import { subscriptionsDueForRenewal } from "./subscription-sync";
import { syncOutlook, type OutlookSyncDeps } from "./sync";

function eventDeps(): CalendarEventDeps {
  return {
    calendar: (oid) => graphForApp().calendarFor(oid),
    appBaseUrl: serverEnv().PUBLIC_BASE_URL,
    subject: outlookSettings().OUTLOOK_EVENT_SUBJECT,
  };
}

function syncDeps(): OutlookSyncDeps {
  const app = graphForApp();
  return {
    calendar: (oid) => app.calendarFor(oid),
    subscriptions: app.subscriptions,
    urls: notificationUrls(serverEnv().PUBLIC_BASE_URL),
    syncDays: outlookSettings().OUTLOOK_SYNC_DAYS,
    blocking: blockingShowAs(),
  };
}

const enabled = () => outlookSettings().OUTLOOK_CALENDAR === "on";

export async function handleCalendarEventJobs(jobs: PgBoss.Job<{ appointmentId: string }>[]): Promise<void> {
  if (!enabled()) return;
  for (const job of jobs) {
    const outcome = await syncAppointmentEvent(getDb(), eventDeps(), job.data.appointmentId);
    logger.info({ appointmentId: job.data.appointmentId, outcome }, "outlook event sync");
  }
}

export async function handleOutlookSyncJobs(jobs: PgBoss.Job<{ clinicianId: string }>[]): Promise<void> {
  if (!enabled()) return;
  for (const job of jobs) {
    const { subscription, busy } = await syncOutlook(getDb(), syncDeps(), job.data.clinicianId, new Date());
    logger.info({ clinicianId: job.data.clinicianId, subscription, busy: busy.kind }, "outlook sync");
  }
}

/** Events behind their appointment, subscriptions about to expire, and the safety-net delta. */
export async function handleOutlookSweep(send: {
  event(appointmentId: string): Promise<unknown>;
  sync(clinicianIds: string[]): Promise<unknown>;
}): Promise<void> {
  const db = getDb();
  // turned off, nothing blocks; a changed OUTLOOK_BLOCKING_SHOW_AS applies to the rows kept
  await refreshBlockingFlags(db, blockingShowAs());
  if (!enabled()) return;
  const now = new Date();
  const events = await appointmentsNeedingEventSync(db, now);
  for (const appointmentId of events) await send.event(appointmentId);
  const clinicians = [
    ...new Set([
      ...(await subscriptionsDueForRenewal(db, now)),
      ...(await cliniciansDueForDelta(db, now, outlookSettings().OUTLOOK_DELTA_MINUTES)),
    ]),
  ];
  await send.sync(clinicians);
  if (events.length || clinicians.length)
    logger.info({ events: events.length, clinicians: clinicians.length }, "outlook sweep queued work");
}

export function outlookIntakeDeps(): OutlookIntakeDeps {
  return { db: getDb(), dispatch: enqueueOutlookSync };
}
