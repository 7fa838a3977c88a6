// Shared setup for the reminder-call integration tests: the emulator in-process, a test database, real
// pg-boss on that database for the dispatch queue (singletonKey collapse is pg-boss's), the reminder
// service, the fake app server of ./bot-helpers (webhook, prompt audio) as the web process, and a worker
// process whose call runtime runs the reminder calls' flow.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import PgBoss from "pg-boss";
import { request } from "@/emulator/test/helpers";
import { workFor } from "@/lib/appointments/jobs";
import { createCallSql } from "@/lib/bot/runtime/sql";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createAppGraph } from "@/lib/graph/gateway";
import { createPromptStore } from "@/lib/prompts/store";
import type { PromptLocale } from "@/lib/prompts/texts";
import { reminderService, type ReminderDeps, type ReminderJob, type ReminderService } from "@/lib/reminders/service";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { CLINIC_LINE_INSTANCE, storedRows } from "../helpers/telephony";
import {
  directAppointments,
  logCapture,
  setEmulatorEndpoint,
  sleep,
  startBotTestServer,
  testProcess,
  testRunner,
  waitFor,
  type TestProcess,
} from "./bot-helpers";
import { emulatorSpeech, startGraphTestEnv, type GraphTestEnv } from "./graph-helpers";

const QUEUE = "reminder-dispatch";

export interface ReminderTestEnv {
  database: TestDatabase;
  graph: GraphTestEnv;
  service: ReminderService;
  deps: ReminderDeps;
  boss: PgBoss;
  /** the worker process: its call runtime runs the reminder calls (and gets the webhook's key presses) */
  worker: TestProcess;
  /** another worker process on the same database and Graph, its loop not started */
  newProcess(): TestProcess;
  /** every log call's arguments, serialised (the logger is silent in tests) */
  logs: string[];
  captureLogs(): void;
  /** appointment:version:attempt keys sent to the queue, and whether pg-boss created a job */
  sends: { singletonKey: string; created: boolean }[];
  meetingSyncs: string[];
  /** every text the prompt store synthesized (a cached one is not synthesized again), in order */
  synthesized: { text: string; locale: PromptLocale }[];
  /** paths and queries of the prompt audio the emulator fetched to play */
  promptRequests: string[];
  close(): Promise<void>;
}

export async function startReminderEnv(overrides: Partial<ReminderDeps> = {}): Promise<ReminderTestEnv> {
  const [database, graph] = await Promise.all([
    createTestDatabase(),
    startGraphTestEnv({ retry: { maxTotalMs: 15_000 } }),
  ]);
  const { db } = database;
  const { logs, captureLogs } = logCapture();

  const boss = new PgBoss({ connectionString: database.url, schema: "pgboss", max: 2, supervise: false });
  boss.on("error", (error) => logs.push(JSON.stringify({ bossError: String(error) })));
  await boss.start();
  await boss.createQueue(QUEUE, { name: QUEUE, policy: "stately", retryLimit: 30, retryDelay: 1, expireInMinutes: 2 });

  const sends: ReminderTestEnv["sends"] = [];
  const meetingSyncs: string[] = [];
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-prompts-"));
  const synthesized: ReminderTestEnv["synthesized"] = [];
  const speech = emulatorSpeech(graph);
  const prompts = createPromptStore({
    cacheDir,
    synth: (text, locale) => {
      synthesized.push({ text, locale });
      return speech(text, locale);
    },
  });
  const webSql = createCallSql(database.url, { max: 2 });
  // eslint-disable-next-line prefer-const -- assigned once the server knows its port
  let worker: TestProcess;
  const server = await startBotTestServer({ sql: webSql, graph, prompts, media: () => worker.runtime });

  const deps: ReminderDeps = {
    db,
    sql: webSql,
    calls: createAppGraph(graph.config).calls,
    callbackUri: server.callbackUri,
    tenantId: graph.emu.registration.tenantId,
    scheduler: {
      dispatch: async (job, options) => {
        const id = await boss.send(QUEUE, job, {
          singletonKey: options.singletonKey,
          startAfter: options.at > new Date() ? options.at : undefined,
        });
        sends.push({ singletonKey: options.singletonKey, created: id !== null });
      },
    },
    announceChange: async (change) => {
      if (workFor(change).meetingSync) meetingSyncs.push(change.appointmentId);
    },
    clinicLineInstanceId: CLINIC_LINE_INSTANCE,
    retry: { maxAttempts: 3, delayMs: 100 },
    // tests run at any hour: the whole day is "waking hours" here (timing has its own unit tests)
    wakingHours: { startMinute: 0, endMinute: 24 * 60 + 15 },
    ...overrides,
  };
  const service = reminderService(deps);
  const processes: TestProcess[] = [];
  const newProcess = () => {
    const process = testProcess(database, testRunner(graph, server.base, prompts), { REMINDER: service.flow });
    processes.push(process);
    return process;
  };
  worker = newProcess();
  await worker.runtime.start();

  return {
    database,
    graph,
    service,
    deps,
    boss,
    worker,
    newProcess,
    logs,
    captureLogs,
    sends,
    meetingSyncs,
    synthesized,
    promptRequests: server.promptRequests,
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
      await server.close();
      await Promise.all(processes.map((p) => p.close()));
      await webSql.close();
      await Promise.all([database.close(), graph.close()]);
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Runs the dispatch jobs that are due now, like the worker (several in parallel when `parallel`). */
export async function drain(env: ReminderTestEnv, options: { parallel?: number; waitMs?: number } = {}) {
  const results: string[] = [];
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const jobs = await env.boss.fetch<ReminderJob>(QUEUE, { batchSize: options.parallel ?? 1 });
    if (!jobs.length) {
      if (Date.now() > deadline) return results;
      await sleep(25);
      continue;
    }
    await Promise.all(
      jobs.map(async (job) => {
        try {
          results.push(await env.service.dispatch(job.data));
          await env.boss.complete(QUEUE, job.id);
        } catch (error) {
          results.push(`error:${(error as Error).name}`);
          await env.boss.fail(QUEUE, job.id);
        }
      }),
    );
  }
}

export const setEndpoint = (env: ReminderTestEnv, endpoint: string, behaviour: Record<string, unknown>) =>
  setEmulatorEndpoint(env.graph, endpoint, behaviour);

/** Emulator calls that rang `phone`. */
export async function callsTo(env: ReminderTestEnv, phone: string) {
  const res = await request(env.graph.emu, "GET", "/_emulator/calls");
  return (res.json.value as { id: string; state: string; legs: { endpoint: string }[] }[]).filter((c) =>
    c.legs.some((l) => l.endpoint.includes(phone)),
  );
}

const bookDirect = directAppointments({ reminderLeadMinutes: 24 * 60, cancellationCutoffMinutes: 60 });

/** A BOOKED appointment a few hours from now whose reminder is already due (lead 24 h), for a patient with `phone`. */
export async function appointmentFor(env: ReminderTestEnv, phone: string, options: { startsInMinutes?: number } = {}) {
  return bookDirect(env.database.db, phone, options.startsInMinutes);
}

export async function finishedReminder(env: ReminderTestEnv, appointmentId: string, timeoutMs = 15_000) {
  return waitFor(
    "reminder finished",
    async () => {
      const r = await env.database.db.reminder.findFirst({
        where: { appointmentId },
        orderBy: { appointmentVersion: "desc" },
      });
      return r && (r.status === "DONE" || r.status === "SKIPPED") && r;
    },
    timeoutMs,
  );
}

/** Everything the flow could have written: no tone value may be in it (emulator/CONTRACT.md#media-persistence). */
export const storedText = (db: PrismaClient) =>
  storedRows({
    reminders: db.reminder.findMany(),
    calls: db.call.findMany(),
    operations: db.callOperation.findMany(),
    inbound: db.inboundNotification.findMany(),
    audit: db.auditLog.findMany(),
  });
