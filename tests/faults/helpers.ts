// Fault tests run the app as a separate process (tests/faults/app-instance.ts: the bot webhook, prompt audio
// and health check, plus the real `npm run worker` entry), so a test can SIGKILL or SIGTERM it and start it
// again, while the emulator stays up in the test process and keeps every call it placed.
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";
import PgBoss from "pg-boss";
import { afterAll, beforeAll } from "vitest";
import type { RunningEmulator } from "@/emulator/server";
import { request, startTestEmulator } from "@/emulator/test/helpers";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { createAppointmentType, createBookableClinician, createPatient } from "../helpers/factories";
import { CLINIC_LINE_INSTANCE, freshPhone, RECEPTION_OID } from "../helpers/telephony";

export const root = path.resolve(import.meta.dirname, "../..");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface AppInstance {
  child: ChildProcess;
  /** stdout and stderr lines (JSON log lines and the ready marker) */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function appEnvFor(emu: RunningEmulator, databaseUrl: string, port: number, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
    AUTH_MICROSOFT_ENTRA_ID_ID: emu.registration.clientId,
    AUTH_MICROSOFT_ENTRA_ID_SECRET: emu.registration.clientSecret,
    AUTH_MICROSOFT_ENTRA_ID_ISSUER: emu.issuer,
    GRAPH_BASE_URL: emu.url,
    BOT_OPENID_METADATA_URL: emu.botOpenIdConfigUrl,
    // the prompts' speech: the emulator's text-to-speech stand-in (timed silence here, see faultEmulator)
    SPEECH_TTS_ENDPOINT: `${emu.url}/cognitiveservices/v1`,
    SPEECH_KEY: "faults",
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    NODE_EXTRA_CA_CERTS: emu.caPath,
    RECEPTION_USER_ID: RECEPTION_OID,
    CLINIC_LINE_APPLICATION_INSTANCE_ID: CLINIC_LINE_INSTANCE,
    CONSULTA_DATA_DIR: path.join(os.tmpdir(), "consulta-faults-data"),
    APP_PORT: String(port),
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    ...extra,
  };
}

/** Starts tests/faults/app-instance.ts and resolves once its webhook listens and its workers run. */
export async function startAppInstance(env: Record<string, string>, nodeOptions: string[] = []): Promise<AppInstance> {
  const child = spawn(
    process.execPath,
    [...nodeOptions, "--conditions=react-server", "--import", "tsx", path.join(root, "tests/faults/app-instance.ts")],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  let ready: () => void;
  const readyNow = new Promise<void>((r) => (ready = r));
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      lines.push(line);
      if (line.includes("app-instance ready")) ready();
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const outcome = await Promise.race([
    readyNow.then(() => "ready" as const),
    exited.then(() => "exited" as const),
    sleep(90_000).then(() => "timeout" as const),
  ]);
  if (outcome !== "ready") {
    child.kill("SIGKILL");
    throw new Error(`the app instance did not start (${outcome}):\n${lines.slice(-20).join("\n")}`);
  }
  return { child, lines, exited };
}

export async function stopAppInstance(app: AppInstance | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill("SIGKILL");
  await app.exited;
}

/** Kills the app instance and closes the test's queue client, whichever of them was started. */
export async function stopStarted({ app, boss }: { app?: AppInstance; boss?: PgBoss }): Promise<void> {
  await stopAppInstance(app);
  await boss?.stop({ graceful: false, close: true }).catch(() => undefined);
}

/** What a fault test runs against; the test sets `app` and `boss` when it starts them. */
export interface FaultScene {
  emu: RunningEmulator;
  database: TestDatabase;
  app?: AppInstance;
  boss?: PgBoss;
}

/**
 * Registers the file's hooks: the emulator and a test database of its own start before its tests, and
 * everything (with the app instance and queue client the test started) stops after them.
 */
export function faultScene(): FaultScene {
  const scene = {} as FaultScene;
  beforeAll(async () => {
    [scene.emu, scene.database] = await Promise.all([faultEmulator(), createTestDatabase()]);
  });
  afterAll(async () => {
    await stopStarted(scene);
    await Promise.all([scene.database?.close(), scene.emu?.close()]);
  });
  return scene;
}

export function faultEmulator(limits: Record<string, number> = {}) {
  // every reminder names its own appointment, so each call's prompts are synthesized: silence as long as the
  // words, not eSpeak NG, keeps the runs' CPU on what they measure
  process.env.EMULATOR_SPEECH_SYNTHESIS ??= "timed";
  return startTestEmulator({ limits: { noAnswerTimeoutMs: 5_000, answerWindowMs: 5_000, ...limits } });
}

export async function emulatorCall(emu: RunningEmulator, method: string, urlPath: string, body?: unknown) {
  const res = await request(emu, method, urlPath, body === undefined ? {} : { body });
  if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${res.text}`);
  return res.json;
}

/** The far end answers after `ringDelayMs` and presses 1 once the first prompt has played. */
export async function confirmingPhone(emu: RunningEmulator, phone: string, ringDelayMs = 100) {
  await emulatorCall(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(phone)}`, {
    mode: "answer",
    ringDelayMs,
    script: [{ type: "press", keys: "1", afterPrompts: 1 }],
  });
}

/** Every call the emulator placed, with the numbers it rang. */
export async function emulatorCalls(emu: RunningEmulator): Promise<{ id: string; legs: { endpoint: string }[] }[]> {
  return (await emulatorCall(emu, "GET", "/_emulator/calls")).value;
}

/** How many calls the emulator placed to each reminder's phone, in the reminders' order. */
export async function callsPerReminder(emu: RunningEmulator, reminders: DueReminder[]): Promise<number[]> {
  const calls = await emulatorCalls(emu);
  return reminders.map((r) => calls.filter((c) => c.legs.some((l) => l.endpoint.includes(r.phone))).length);
}

export interface DueReminder {
  appointmentId: string;
  reminderId: string;
  phone: string;
}

/**
 * `count` BOOKED appointments in the next hours, each for its own patient and phone, each with a reminder
 * row that is due now — what scheduleReminder writes when the lead time has come.
 */
export async function seedDueReminders(db: PrismaClient, count: number, clinicianOid?: string): Promise<DueReminder[]> {
  const type = await createAppointmentType(db);
  await db.appointmentType.update({ where: { id: type.id }, data: { reminderLeadMinutes: 24 * 60 } });
  const clinician = await createBookableClinician(db, type.id, "America/Sao_Paulo", clinicianOid);
  const out: DueReminder[] = [];
  for (let i = 0; i < count; i++) {
    const phone = freshPhone();
    const patient = await createPatient(db, { phone });
    const startsAt = new Date(Date.now() + (180 + 40 * i) * 60_000);
    const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
    const appointment = await db.appointment.create({
      data: {
        clinicianId: clinician.id,
        patientId: patient.id,
        appointmentTypeId: type.id,
        startsAt,
        endsAt,
        blockedFrom: startsAt,
        blockedUntil: endsAt,
      },
    });
    const reminder = await db.reminder.create({
      data: { appointmentId: appointment.id, appointmentVersion: appointment.version, dueAt: new Date() },
    });
    out.push({ appointmentId: appointment.id, reminderId: reminder.id, phone });
  }
  return out;
}

/** Resolves once no reminder is left that is not DONE. */
export function everyReminderDone(db: PrismaClient, timeoutMs: number) {
  return waitFor(
    "every reminder finished",
    async () => (await db.reminder.count({ where: { status: { not: "DONE" } } })) === 0,
    timeoutMs,
  );
}

/** A queue client of the test's own (the app instance created the queues). */
export async function testQueue(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: "pgboss",
    max: 2,
    supervise: false,
    schedule: false,
  });
  boss.on("error", () => undefined);
  await boss.start();
  return boss;
}

/** Queues the dispatch jobs as scheduleReminder does (key appointment:version:attempt). */
export async function queueDispatch(boss: PgBoss, reminders: DueReminder[]): Promise<void> {
  for (const r of reminders)
    await boss.send(
      "reminder-dispatch",
      { reminderId: r.reminderId, attempt: 0 },
      { singletonKey: `${r.appointmentId}:1:0` },
    );
}
