// The durable job queue: pg-boss on the application's own PostgreSQL (server or embedded), so a job
// is committed like any other row and survives restarts. Queues are declared here, once.
import "server-only";
import pg from "pg";
import PgBoss from "pg-boss";
import { envVariables } from "@/lib/env";
import { logger } from "@/lib/logger";

export const queues = {
  /** bring an appointment's Teams meeting in line with the appointment (create, move, delete) */
  meetingSync: "meeting-sync",
  /** periodic safety net: finds appointments whose meeting is behind and queues a sync */
  meetingSweep: "meeting-sweep",
  /**
   * periodic: the call runtime's sweep — stalled call flows ended, calls nobody recorded hung up, keepAlives
   * (notifications themselves are queued in their own table, lib/bot/runtime)
   */
  callSweep: "call-sweep",
  /** place one reminder call (data: reminder id + attempt; the row is claimed before dialing) */
  reminderDispatch: "reminder-dispatch",
  /** periodic: reminders for upcoming appointments, due ones re-queued, stuck calls closed */
  reminderSweep: "reminder-sweep",
  /** periodic: meetings the bot should join now (BOT_AUTO_JOIN_MINUTES_BEFORE) or leave (appointment over) */
  botMeetingSweep: "bot-meeting-sweep",
  /** join or leave one appointment's meeting (data: lib/bot/jobs.ts; claimed before Graph is asked) */
  botMeetingAttend: "bot-meeting-attend",
  /** send one patient message (data: message id; keyed by id and attempt; the row is claimed before sending) */
  patientMessage: "patient-message",
  /** periodic: reminders that came due, messages whose job was lost or whose retry time came, interrupted sends */
  patientMessageSweep: "patient-message-sweep",
  /** bring an appointment's event in the clinician's Outlook calendar in line (create, move, delete) */
  calendarEventSync: "calendar-event-sync",
  /** one clinician's Outlook: subscription made or renewed, then the calendarView delta into OutlookBusy */
  outlookSync: "outlook-sync",
  /** periodic: events behind their appointment, subscriptions to renew, clinicians due a safety-net delta */
  outlookSweep: "outlook-sweep",
  /** periodic: ended visits' Teams attendance reports read, the appointment closed as held or no-show */
  attendanceSweep: "attendance-sweep",
  /** periodic: visits under way whose patient is missing while the clinician waits get a rescue call (lib/rescue) */
  rescueSweep: "rescue-sweep",
  /** periodic (hourly): prompt versions handed out for calls long over are forgotten (lib/prompts/jobs.ts) */
  promptSweep: "prompt-sweep",
} as const;

// Expiry: a job left active by a crashed process or a lost database connection runs again once it expires
// (maintenance checks every 30 s). Every handler here is idempotent, so 2 minutes is safe. Seconds, not
// minutes: pg-boss 10 stores only a queue's expireInSeconds (expireInMinutes is silently ignored, and jobs
// then wait the 15-minute default).
const queueOptions: Record<string, Omit<PgBoss.Queue, "name">> = {
  // "stately": at most one waiting and one running job per key, so duplicates collapse
  [queues.meetingSync]: { policy: "stately", retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 },
  [queues.meetingSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  [queues.callSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  [queues.promptSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  // keyed by appointment:version:attempt; retried while Graph throttles or the concurrent-call cap is reached
  [queues.reminderDispatch]: { policy: "stately", retryLimit: 30, retryDelay: 10, expireInSeconds: 120 },
  [queues.reminderSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  [queues.botMeetingSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  // keyed join:<appointment> / leave:<call>; a transient Graph failure is retried, the next sweep also re-queues
  [queues.botMeetingAttend]: { policy: "stately", retryLimit: 3, retryDelay: 10, expireInSeconds: 120 },
  // a refusal by Graph or ACS is not a job failure (the row is queued again after Retry-After); these retries
  // are for the unexpected (the database away)
  [queues.patientMessage]: {
    policy: "stately",
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 120,
  },
  [queues.patientMessageSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  // keyed by appointment / clinician: duplicates collapse; throttling and outages are retried with backoff
  [queues.calendarEventSync]: {
    policy: "stately",
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 120,
  },
  [queues.outlookSync]: { policy: "stately", retryLimit: 6, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 },
  [queues.outlookSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  [queues.attendanceSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
  [queues.rescueSweep]: { policy: "singleton", retryLimit: 0, expireInSeconds: 120 },
};

/** Queues of earlier versions, removed with their jobs and schedules: the call runtime replaced them. */
const RETIRED_QUEUES = ["bot-notification", "clinic-line-sweep"];

const globalForBoss = globalThis as unknown as {
  consultaBoss?: Promise<PgBoss>;
  consultaLocalWorkers?: Map<string, { ids: string[]; next: number }>;
};

/** Remembers a worker of this process, so a job sent from here can wake it (wakeLocalWorker). */
export function registerLocalWorker(queue: string, workerId: string): void {
  const workers = (globalForBoss.consultaLocalWorkers ??= new Map());
  const entry = workers.get(queue) ?? { ids: [], next: 0 };
  entry.ids.push(workerId);
  workers.set(queue, entry);
}

/** Where a process that sent a job tells the worker processes which queue has one (payload: the queue's name). */
export const JOBS_CHANNEL = "consulta_jobs";

/**
 * pg-boss 10 learns of new jobs only by polling. A job sent from a process that also works the queue wakes
 * one of its workers (in turn); one sent from a process that does not (a web instance beside worker
 * processes) is announced on JOBS_CHANNEL, and the workers that LISTEN there wake theirs (wakeForAnnounced).
 * So the polling interval is only the safety net: jobs whose retry time came, an announcement lost.
 */
async function wakeLocalWorker(queue: string): Promise<void> {
  const boss = await getBoss();
  const worker = nextLocalWorker(queue);
  if (worker) boss.notifyWorker(worker);
  else await boss.getDb().executeSql("SELECT pg_notify($1, $2)", [JOBS_CHANNEL, queue]);
}

/** This process's workers for `queue` in turn, so that wake-ups spread over them; none when it has none. */
function nextLocalWorker(queue: string): string | undefined {
  const entry = globalForBoss.consultaLocalWorkers?.get(queue);
  return entry?.ids.length ? entry.ids[entry.next++ % entry.ids.length] : undefined;
}

/** A job announced on JOBS_CHANNEL by another process: one of this process's workers for it fetches now. */
export function wakeForAnnounced(queue: string): void {
  const worker = nextLocalWorker(queue);
  const boss = globalForBoss.consultaBoss;
  if (!worker || !boss) return;
  void boss.then((started) => started.notifyWorker(worker)).catch(() => undefined);
}

/** After the LISTEN connection was lost (announcements meanwhile are gone): every local worker fetches once. */
export function wakeEveryLocalWorker(): void {
  for (const queue of globalForBoss.consultaLocalWorkers?.keys() ?? []) wakeForAnnounced(queue);
}

export function getBoss(databaseUrl = envVariables(["DATABASE_URL"]).DATABASE_URL): Promise<PgBoss> {
  globalForBoss.consultaBoss ??= (async () => {
    if (!databaseUrl) throw new Error("DATABASE_URL is not set");
    // maintenance (which expires jobs left active by a crash or a lost connection) every 30 s, not 120 s
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: "pgboss",
      max: 4,
      maintenanceIntervalSeconds: 30,
    });
    boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
    try {
      await boss.start();
      await oneInstanceAtATime(databaseUrl, async () => {
        for (const [name, options] of Object.entries(queueOptions)) {
          await boss.createQueue(name, { name, ...options });
          // createQueue leaves an existing queue as it was: the options above are the truth
          await boss.updateQueue(name, { name, ...options });
        }
        for (const name of RETIRED_QUEUES) {
          await boss.unschedule(name);
          await boss.deleteQueue(name);
        }
      });
      return boss;
    } catch (error) {
      // not kept: the next caller starts the queue again instead of getting this failure for ever
      globalForBoss.consultaBoss = undefined;
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
  })();
  return globalForBoss.consultaBoss;
}

/** Arbitrary, fixed: the advisory lock the instances take in turn to declare the queues. */
const QUEUE_SETUP_LOCK = 7_023_230_001;

/**
 * Instances starting together (a deployment's web instances and workers) declared the queues at the same time,
 * and pg-boss's createQueue (a row and a partition table each) deadlocked between them on a new database: one
 * instance failed its start. The declarations now run one instance at a time, under a session advisory lock on
 * a connection of their own.
 */
async function oneInstanceAtATime(databaseUrl: string, run: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [QUEUE_SETUP_LOCK]);
    await run();
  } finally {
    // ending the session releases the lock too
    await client.end().catch(() => undefined);
  }
}

/**
 * Graceful: no new jobs are fetched, the jobs in hand may finish within `timeoutMs`. The instance stays
 * the process's queue while it stops, so a send during shutdown fails (the caller answers 5xx and the
 * sender retries) instead of quietly starting a second queue.
 */
export async function stopBoss(timeoutMs = 20_000): Promise<void> {
  const pending = globalForBoss.consultaBoss;
  if (!pending) return;
  const boss = await pending.catch(() => undefined);
  if (boss) await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
}

export async function enqueueMeetingSync(appointmentId: string): Promise<void> {
  const boss = await getBoss();
  await boss.send(queues.meetingSync, { appointmentId }, { singletonKey: appointmentId });
  await wakeLocalWorker(queues.meetingSync);
}

export async function enqueueCalendarEventSync(appointmentId: string): Promise<void> {
  const boss = await getBoss();
  await boss.send(queues.calendarEventSync, { appointmentId }, { singletonKey: appointmentId });
  await wakeLocalWorker(queues.calendarEventSync);
}

/** A clinician's Outlook sync; while one waits, more notifications for the same clinician collapse into it. */
export async function enqueueOutlookSync(clinicianIds: string[]): Promise<void> {
  const boss = await getBoss();
  for (const clinicianId of clinicianIds)
    await boss.send(queues.outlookSync, { clinicianId }, { singletonKey: clinicianId });
  if (clinicianIds.length) await wakeLocalWorker(queues.outlookSync);
}

/** One job per message attempt: a duplicate of the same attempt collapses (stately, keyed by id and attempt). */
export async function enqueuePatientMessage(message: { id: string; attempts: number }, at?: Date): Promise<void> {
  const boss = await getBoss();
  await boss.send(
    queues.patientMessage,
    { messageId: message.id },
    { singletonKey: `${message.id}:${message.attempts}`, startAfter: at && at > new Date() ? at : undefined },
  );
  if (!at || at <= new Date()) await wakeLocalWorker(queues.patientMessage);
}

export async function enqueueReminderDispatch(
  job: { reminderId: string; attempt: number },
  options: { at: Date; singletonKey: string },
): Promise<void> {
  const boss = await getBoss();
  // null = the same key is already queued: duplicates collapse
  await boss.send(queues.reminderDispatch, job, {
    singletonKey: options.singletonKey,
    startAfter: options.at > new Date() ? options.at : undefined,
  });
  if (options.at <= new Date()) await wakeLocalWorker(queues.reminderDispatch);
}
