import "server-only";
import type PgBoss from "pg-boss";
import { getDb } from "@/lib/db";
import { envVariables } from "@/lib/env";
import { appCallRuntime, listenForCallMedia } from "@/lib/bot/runtime/app";
import { callSql } from "@/lib/bot/wiring";
import {
  handleBotMeetingAttendJobs,
  handleBotMeetingSweep,
  handleCallSweep,
  type BotAttendanceJob,
} from "@/lib/bot/jobs";
import { graphForApp } from "@/lib/graph";
import { logger } from "@/lib/logger";
import { handleReminderDispatchJobs, handleReminderSweep, listenForReminderSlots } from "@/lib/reminders/jobs";
import { handleRescueSweep } from "@/lib/rescue/jobs";
import { handlePromptSweep } from "@/lib/prompts/jobs";
import { graphMeetingGateways } from "@/lib/meetings/gateways";
import { appointmentsNeedingMeetingSync } from "@/lib/meetings/sweep";
import { syncAppointmentMeeting } from "@/lib/meetings/sync";
import {
  handlePatientMessageJobs,
  handlePatientMessageSweep,
  type PatientMessageJob,
} from "@/lib/patient-messages/jobs";
import { handleCalendarEventJobs, handleOutlookSweep, handleOutlookSyncJobs } from "@/lib/outlook/jobs";
import { handleAttendanceSweep } from "@/lib/attendance/jobs";
import {
  enqueueCalendarEventSync,
  getBoss,
  JOBS_CHANNEL,
  queues,
  registerLocalWorker,
  stopBoss,
  wakeEveryLocalWorker,
  wakeForAnnounced,
} from "./boss";

/**
 * boss.work, except that a worker which finished a batch fetches again at once: pg-boss 10 waits out the
 * polling interval after every batch, which caps a worker at one batch per interval however short the jobs
 * (a backlog of reminder dispatches drained at 1 job/s per worker). The worker is also registered so that
 * a job sent from this process wakes it (lib/jobs/boss.ts wakeLocalWorker).
 */
async function workBackToBack<T extends object>(
  boss: PgBoss,
  queue: string,
  batchSize: number,
  handler: (jobs: PgBoss.Job<T>[]) => Promise<void>,
): Promise<void> {
  const worker: { id?: string } = {};
  worker.id = await boss.work<T>(queue, { pollingIntervalSeconds: JOB_POLL_SECONDS, batchSize }, async (jobs) => {
    try {
      await handler(jobs);
    } finally {
      // a failed job waits for its retry delay in the queue, so this cannot spin on it
      if (worker.id) boss.notifyWorker(worker.id);
    }
  });
  registerLocalWorker(queue, worker.id);
}

// Jobs sent from this process wake its workers, and jobs sent from another (a web instance beside worker
// processes) are announced on JOBS_CHANNEL (lib/jobs/boss.ts): polling only catches retries whose time came
// and a lost announcement. The sweeps run once a minute by cron, so a few seconds late is nothing; polled every
// 2 s (pg-boss's default) with the job queues every second, they were most of an idle clinic's statements.
const JOB_POLL_SECONDS = 5;
const SWEEP_POLL: PgBoss.WorkOptions = { pollingIntervalSeconds: 10 };

/** A sweep: one job at a time, started by cron (`schedule`), catching what the job queues missed. */
async function sweep(boss: PgBoss, queue: string, cron: string, handler: () => Promise<unknown>): Promise<void> {
  await boss.work(queue, SWEEP_POLL, async () => {
    await handler();
  });
  await boss.schedule(queue, cron);
}

// Job handlers, started once per process: inside the Next server (instrumentation.ts) or on their own
// (`npm run worker`, scripts/worker.ts). Handlers log ids only.
export async function startWorkers(): Promise<void> {
  // the first incoming call must not wait for MSAL's first token request (15-second answer window)
  void graphForApp()
    .warmUp()
    .catch((error: unknown) => logger.warn({ err: error }, "application token not available yet"));
  const boss = await getBoss();
  await workBackToBack<{ appointmentId: string }>(boss, queues.meetingSync, 2, async (jobs) => {
    for (const job of jobs) {
      const outcome = await syncAppointmentMeeting(getDb(), graphMeetingGateways, job.data.appointmentId).finally(
        // the clinician's Outlook event follows (it carries the meeting's join link); a lost send is the sweep's
        () =>
          enqueueCalendarEventSync(job.data.appointmentId).catch((error: unknown) =>
            logger.warn({ err: error, appointmentId: job.data.appointmentId }, "could not queue the Outlook event"),
          ),
      );
      logger.info({ appointmentId: job.data.appointmentId, outcome }, "meeting sync");
    }
  });
  await sweep(boss, queues.meetingSweep, "* * * * *", async () => {
    const due = await appointmentsNeedingMeetingSync(getDb(), new Date());
    for (const appointmentId of due) {
      await boss.send(queues.meetingSync, { appointmentId }, { singletonKey: appointmentId });
    }
    if (due.length) logger.info({ count: due.length }, "meeting sweep queued syncs");
  });
  // the clinicians' Outlook (lib/outlook): the visit's event, and busy times by delta woken by notifications
  await workBackToBack<{ appointmentId: string }>(boss, queues.calendarEventSync, 2, handleCalendarEventJobs);
  await workBackToBack<{ clinicianId: string }>(boss, queues.outlookSync, 1, handleOutlookSyncJobs);
  await sweep(boss, queues.outlookSweep, "* * * * *", () =>
    handleOutlookSweep({
      event: (appointmentId) => boss.send(queues.calendarEventSync, { appointmentId }, { singletonKey: appointmentId }),
      sync: async (clinicianIds) => {
        for (const clinicianId of clinicianIds)
          await boss.send(queues.outlookSync, { clinicianId }, { singletonKey: clinicianId });
      },
    }),
  );
  // the call runtime (lib/bot/runtime): every call's notifications, applied in order, and its flow — the
  // reminder call, the clinic line, the bot's meeting attendance; woken by the webhook's NOTIFY, not by jobs.
  // Key presses and recordings that reach this process's webhook are stepped here too.
  listenForCallMedia();
  await appCallRuntime().start();
  await sweep(boss, queues.callSweep, "* * * * *", handleCallSweep);
  await sweep(boss, queues.promptSweep, "17 * * * *", () => handlePromptSweep());
  // the bot joins meetings BOT_AUTO_JOIN_MINUTES_BEFORE the start and leaves when appointments end
  await workBackToBack<BotAttendanceJob>(boss, queues.botMeetingAttend, 1, handleBotMeetingAttendJobs);
  await sweep(boss, queues.botMeetingSweep, "* * * * *", () =>
    handleBotMeetingSweep((job, singletonKey) => boss.send(queues.botMeetingAttend, job, { singletonKey })),
  );
  // several dispatchers per process (each one job at a time): a call takes a while to place, and the cap is
  // enforced by the claim (advisory lock), not by how many workers poll; at the cap they wait for a call's end
  await listenForReminderSlots();
  const dispatchers = envVariables(["REMINDER_DISPATCH_WORKERS"]).REMINDER_DISPATCH_WORKERS;
  for (let i = 0; i < dispatchers; i++)
    await workBackToBack(boss, queues.reminderDispatch, 1, handleReminderDispatchJobs);
  await sweep(boss, queues.reminderSweep, "* * * * *", handleReminderSweep);
  // no-show rescue: the patient is called when the clinician waits and they are not in the meeting
  await sweep(boss, queues.rescueSweep, "* * * * *", handleRescueSweep);
  // e-mail and SMS to patients: two senders (each one message at a time), and the sweep behind them
  for (let i = 0; i < 2; i++)
    await workBackToBack<PatientMessageJob>(boss, queues.patientMessage, 1, handlePatientMessageJobs);
  await sweep(boss, queues.patientMessageSweep, "* * * * *", handlePatientMessageSweep);
  // attendance closes the visit: Teams' reports read after the end (lib/attendance)
  await sweep(boss, queues.attendanceSweep, "* * * * *", handleAttendanceSweep);
  await callSql().listen(JOBS_CHANNEL, { notify: wakeForAnnounced, reconnected: wakeEveryLocalWorker });
  logger.info("job workers started");
}

/**
 * Stops taking jobs and calls, waits for the jobs in hand (pg-boss graceful stop, at most `timeoutMs`;
 * unfinished ones are failed so another worker retries them) and for the calls this process holds (their
 * commands finish and their flows are saved; a call left held past the timeout waits for its lease to
 * expire), then closes the queue's connections.
 */
export async function stopWorkers(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const calls = appCallRuntime()
    .stop()
    .catch(() => undefined);
  await stopBoss(timeoutMs);
  const left = Math.max(0, deadline - Date.now());
  await Promise.race([calls, new Promise<void>((resolve) => setTimeout(resolve, left).unref())]);
}
