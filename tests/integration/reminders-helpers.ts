// Shared setup for the reminder-call integration tests: the emulator in-process, a test database, real
// pg-boss on that database for the dispatch queue (singletonKey collapse is pg-boss's), the reminder
// service, and the fake app server of ./bot-helpers (webhook, prompt audio).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import PgBoss from "pg-boss";
import { request } from "@/emulator/test/helpers";
import type { BotNotification } from "@/lib/bot/schema";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createAppGraph } from "@/lib/graph/gateway";
import { createPromptStore } from "@/lib/prompts/store";
import { reminderService, type ReminderDeps, type ReminderJob, type ReminderService } from "@/lib/reminders/service";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { RECEPTION_OID, storedRows } from "../helpers/telephony";
import {
  directAppointments,
  logCapture,
  setEmulatorEndpoint,
  sleep,
  startBotTestServer,
  waitFor,
  type BotTestFlow,
} from "./bot-helpers";
import { startGraphTestEnv, type GraphTestEnv } from "./graph-helpers";

const QUEUE = "reminder-dispatch";

export interface ReminderTestEnv {
  database: TestDatabase;
  graph: GraphTestEnv;
  service: ReminderService;
  deps: ReminderDeps;
  boss: PgBoss;
  /** every log call's arguments, serialised (the logger is silent in tests) */
  logs: string[];
  captureLogs(): void;
  /** appointment:version:attempt keys sent to the queue, and whether pg-boss created a job */
  sends: { singletonKey: string; created: boolean }[];
  meetingSyncs: string[];
  /**
   * From now on the bot applies the notifications `unheard` picks but the flows never hear of them — as
   * when the process dies between the two; null hands everything over again.
   */
  deafTo(unheard: ((notification: BotNotification) => boolean) | null): void;
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
  const prompts = createPromptStore({ cacheDir });
  // eslint-disable-next-line prefer-const -- assigned once the server knows its port
  let service: ReminderService;
  let unheard: ((notification: BotNotification) => boolean) | null = null;
  const flow: BotTestFlow = {
    handleNotifications: (notifications) =>
      service.handleNotifications(unheard ? notifications.filter((n) => !unheard!(n)) : notifications),
    handleTone: (graphCallId, tone) => service.handleTone(graphCallId, tone),
  };
  const server = await startBotTestServer({ db, graph, prompts, flow: () => flow });

  const deps: ReminderDeps = {
    db,
    calls: createAppGraph(graph.config).calls,
    callbackUri: server.callbackUri,
    publicBaseUrl: server.base,
    prompts,
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
    enqueueMeetingSync: async (appointmentId) => {
      meetingSyncs.push(appointmentId);
    },
    receptionUserId: RECEPTION_OID,
    emulator: true,
    retry: { maxAttempts: 3, delayMs: 100 },
    // tests run at any hour: the whole day is "waking hours" here (timing has its own unit tests)
    wakingHours: { startMinute: 0, endMinute: 24 * 60 + 15 },
    ...overrides,
  };
  service = reminderService(deps);

  return {
    database,
    graph,
    service,
    deps,
    boss,
    logs,
    captureLogs,
    sends,
    meetingSyncs,
    deafTo(picks) {
      unheard = picks;
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
      await server.close();
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
