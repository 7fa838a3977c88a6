// Shared setup for the bot integration tests: the emulator in-process, a test database, the intake wired to
// both (verifier trusting the emulator's CA, recording through the call runtime's connections), call runtimes
// standing in for the app's worker processes, and a small HTTP server the emulator delivers call
// notifications to.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { expect, vi } from "vitest";
import { ensureSigningKey } from "@/emulator/identity/keys";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { attendanceFlow } from "@/lib/bot/flows/attendance-flow";
import { keyOfTone } from "@/lib/bot/schema";
import { handleNotificationRequest, type IntakeDeps } from "@/lib/bot/intake";
import { callControl, type CallControl } from "@/lib/bot/meeting-calls";
import { callRuntime, type CallRuntime, type CallRuntimeDeps } from "@/lib/bot/runtime/engine";
import { commandRunner, type RunnerDeps } from "@/lib/bot/runtime/runner";
import { createCallSql, type CallSql } from "@/lib/bot/runtime/sql";
import { normaliseGraphId, type ToneEvent } from "@/lib/bot/schema";
import { createNotificationVerifier } from "@/lib/bot/intake/verify";
import type { OnlineMeeting, Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { createAppGraph } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { syncAppointmentMeeting, type SyncOutcome } from "@/lib/meetings/sync";
import { createPromptStore, handlePromptRequest, type PromptStore } from "@/lib/prompts/store";
import { request as emulatorRequest } from "@/emulator/test/helpers";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";
import { CLINIC_LINE_INSTANCE, RECEPTION_OID } from "../helpers/telephony";
import type { GraphTestEnv } from "./graph-helpers";
import { fetchTrusting, startGraphTestEnv } from "./graph-helpers";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker process of the app for call tests: a call runtime with connections and memory of its own. */
export interface TestProcess {
  runtime: CallRuntime;
  sql: CallSql;
  /** stops its worker loop (if started) and closes its connections */
  close(): Promise<void>;
}

export function testProcess(
  database: TestDatabase,
  runner: RunnerDeps,
  flows: CallRuntimeDeps["flows"],
  options: Partial<CallRuntimeDeps> = {},
): TestProcess {
  const sql = createCallSql(database.url, { max: 3 });
  const runtime = callRuntime({ sql, runner: commandRunner(runner), flows, pollMs: 500, ...options });
  let closed: Promise<void> | undefined;
  return {
    runtime,
    sql,
    close: () =>
      (closed ??= (async () => {
        await runtime.stop();
        await sql.close();
      })()),
  };
}

/**
 * Makes `sql`'s process die (once) in the middle of a transaction that sent a statement `dooms` picks: its
 * statements ran, its COMMIT never does — as when the process is killed just before committing.
 */
export function dieBeforeCommit(sql: CallSql, dooms: (values: unknown[]) => boolean) {
  const original = sql.transaction.bind(sql);
  let deaths = 0;
  let doomed = 0;
  sql.transaction = (async (work) =>
    original(async (tx) => {
      let dying = false;
      const watch = (values: unknown[] | undefined) => {
        if (doomed === 0 && values && dooms(values)) {
          dying = true;
          doomed++;
        }
      };
      const result = await work({
        query: (text, values) => {
          watch(values);
          return tx.query(text, values);
        },
        last: async (text, values) => {
          watch(values);
          if (!dying) return tx.last(text, values);
          await tx.query(text, values);
          deaths++;
          throw new Error("process gone");
        },
      });
      if (dying && deaths === 0) {
        deaths++;
        throw new Error("process gone");
      }
      return result;
    })) as CallSql["transaction"];
  return { deaths: () => deaths, restore: () => void (sql.transaction = original) };
}

/** The Graph command runner's dependencies for a test process: the emulator, prompts served by `base`. */
export function testRunner(graph: GraphTestEnv, base: string, prompts: PromptStore): RunnerDeps {
  return {
    calls: createAppGraph(graph.config).calls,
    publicBaseUrl: base,
    prompts,
    tenantId: graph.emu.registration.tenantId,
    receptionUserId: RECEPTION_OID,
  };
}

/** The webhook's hand-off of key presses and recordings to a process's runtime, as lib/bot/runtime/app.ts does. */
function mediaTo(process: () => CallRuntime | null): Pick<IntakeDeps, "onTone" | "onRecording"> {
  return {
    onTone: (graphCallId, tone) => {
      const key = keyOfTone(tone.tone);
      const after = tone.sequenceId === null ? null : `tone:${tone.sequenceId}`;
      if (key) void process()?.deliver(normaliseGraphId(graphCallId), { type: "tone", key }, {}, after);
    },
    onRecording: (graphCallId, recording) =>
      void process()?.deliver(
        normaliseGraphId(graphCallId),
        {
          type: "recordFinished",
          operationId: recording.operationId,
          ok: recording.ok,
          hasRecording: Boolean(recording.location && recording.accessToken),
        },
        { recording },
        `record:${recording.operationId}`,
      ),
  };
}

/**
 * The intake for tests that POST notifications themselves: it records through a test process's connections
 * (whose runtime applies nothing until `settle`, so each test decides when), and keeps the key presses it
 * handed over.
 */
export function intakeFor(database: TestDatabase, graph: GraphTestEnv, tones: Array<[string, ToneEvent]> = []) {
  const verify = createNotificationVerifier({
    metadataUrl: graph.emu.botOpenIdConfigUrl,
    audience: graph.emu.registration.clientId,
    tenantId: graph.emu.registration.tenantId,
    fetch: fetchTrusting(graph.emu.ca),
  });
  const process = testProcess(
    database,
    testRunner(graph, "http://127.0.0.1:9", createPromptStore({ cacheDir: null })),
    {
      MEETING_JOIN: attendanceFlow,
      GROUP_CALL: attendanceFlow,
    },
  );
  // key presses are handed to the process's runtime as the app does: until it steps one, the notification
  // that brought it waits for it (another process would leave it to this one)
  const delivered: Promise<void>[] = [];
  const deps: IntakeDeps = {
    sql: process.sql,
    verify,
    onTone: (callId, tone) => {
      tones.push([callId, tone]);
      const key = keyOfTone(tone.tone);
      const after = tone.sequenceId === null ? null : `tone:${tone.sequenceId}`;
      if (key) delivered.push(process.runtime.deliver(normaliseGraphId(callId), { type: "tone", key }, {}, after));
    },
  };
  return {
    deps,
    tones,
    runtime: process.runtime,
    /** applies everything recorded so far, as the workers would, with the key presses handed over */
    settle: async () => {
      await Promise.all(delivered.splice(0));
      await process.runtime.runPending();
    },
    close: () => process.close(),
  };
}

/** Signs bot-notification tokens with the emulator's own key (to make expired or foreign ones). */
export async function botTokenSigner(graph: GraphTestEnv) {
  const key = await ensureSigningKey(graph.emu.dataDir, "botframework");
  return async (claims: JWTPayload, options: { expiresIn?: number; alg?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: graph.emu.registration.tenantId, ...claims })
      .setProtectedHeader({ alg: options.alg ?? "RS256", kid: key.kid, typ: "JWT" })
      .setIssuer((claims.iss as string | undefined) ?? "https://api.botframework.com")
      .setAudience((claims.aud as string | undefined) ?? graph.emu.registration.clientId)
      .setIssuedAt(now - 10)
      .setNotBefore(now - 10)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .sign(key.privateKey);
  };
}

export function notificationRequest(body: unknown, token: string | null, extraHeaders: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request("http://localhost:3000/api/calls/notifications", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extraHeaders,
    },
    body: text,
  });
}

/** A plain HTTP server standing in for the app's route: the emulator POSTs call notifications here. */
async function startWebhook(deps: IntakeDeps) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      handleNotificationRequest(request, deps)
        .then(async (response) => {
          res.writeHead(response.status).end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/calls/notifications`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface BotTestServer {
  /** http://127.0.0.1:port — the app's public base URL */
  base: string;
  /** where the emulator delivers call notifications (also the emulator's bot callback) */
  callbackUri: string;
  /** paths and queries of the prompt audio the cloud fetched */
  promptRequests: string[];
  close(): Promise<void>;
}

/**
 * One small HTTP server playing the app's web process for call-flow tests: the bot webhook (recording through
 * `sql`, key presses and recordings to the runtime `media` names, read per event) and the prompt-audio route,
 * with the emulator's bot callback set to it. The worker processes are the test's own (testProcess).
 */
export async function startBotTestServer(options: {
  sql: CallSql;
  graph: GraphTestEnv;
  prompts: PromptStore;
  media: () => CallRuntime | null;
}): Promise<BotTestServer> {
  const { graph, prompts } = options;
  const promptRequests: string[] = [];
  const verify = createNotificationVerifier({
    metadataUrl: graph.emu.botOpenIdConfigUrl,
    audience: graph.emu.registration.clientId,
    tenantId: graph.emu.registration.tenantId,
    fetch: fetchTrusting(graph.emu.ca),
  });
  const intake: IntakeDeps = { sql: options.sql, verify, ...mediaTo(options.media) };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const prompt = /^\/api\/prompts\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      let answer: Promise<Response>;
      if (prompt) {
        promptRequests.push(`${url.pathname}${url.search}`);
        answer = handlePromptRequest(prompts, decodeURIComponent(prompt[1]!), prompt[2]!, url.searchParams.get("v"));
      } else {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        answer = handleNotificationRequest(
          new Request(url, { method: req.method, headers, body: Buffer.concat(chunks) }),
          intake,
        );
      }
      answer
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackUri = `${base}/api/calls/notifications`;
  const callback = await emulatorRequest(graph.emu, "PUT", "/_emulator/bot-callback", { body: { url: callbackUri } });
  if (callback.status !== 200) {
    await new Promise<void>((r) => server.close(() => r()));
    throw new Error(`bot callback not set: ${callback.status} ${callback.text}`);
  }
  return { base, callbackUri, promptRequests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Keeps every log call's arguments, serialised, in `logs` (the logger is silent in tests). The console guard
 * restores every mock after each test: tests call `captureLogs` again in beforeEach.
 */
export function logCapture() {
  const logs: string[] = [];
  const captureLogs = () => {
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const)
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        logs.push(JSON.stringify(args));
      }) as never);
  };
  captureLogs();
  return { logs, captureLogs };
}

/** How the far end `endpoint` behaves at the emulator; it rings for 20 ms unless `behaviour` says otherwise. */
export async function setEmulatorEndpoint(graph: GraphTestEnv, endpoint: string, behaviour: Record<string, unknown>) {
  const res = await emulatorRequest(graph.emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(endpoint)}`, {
    body: { ringDelayMs: 20, ...behaviour },
  });
  if (res.status !== 200) throw new Error(`endpoint rejected: ${res.status} ${res.text}`);
}

/**
 * BOOKED appointments written directly (slot rules are not what call-flow tests are about): one appointment
 * type (with `typeSettings`) and clinician per database; each appointment for a new patient with `phone`,
 * 30 minutes long, 40 minutes after the one before, so one clinician's never overlap (exclusion constraint).
 */
export function directAppointments(typeSettings: Prisma.AppointmentTypeUpdateInput) {
  let clinic: Promise<{ typeId: string; clinicianId: string }> | undefined;
  let clinicDb: PrismaClient | undefined;
  let slot = 0;
  return async (db: PrismaClient, phone: string, startsInMinutes = 180) => {
    if (clinicDb !== db) {
      clinicDb = db;
      clinic = (async () => {
        const type = await createAppointmentType(db);
        await db.appointmentType.update({ where: { id: type.id }, data: typeSettings });
        const clinician = await createBookableClinician(db, type.id);
        return { typeId: type.id, clinicianId: clinician.id };
      })();
    }
    const { typeId, clinicianId } = await clinic!;
    const patient = await createPatient(db, { phone });
    const startsAt = new Date(Date.now() + (startsInMinutes + 40 * slot++) * 60_000);
    const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
    return db.appointment.create({
      data: {
        clinicianId,
        patientId: patient.id,
        appointmentTypeId: typeId,
        startsAt,
        endsAt,
        blockedFrom: startsAt,
        blockedUntil: endsAt,
      },
    });
  };
}

/** When the meeting tests' staff books: before every appointment of `appointmentWithMeeting`. */
export const MEETING_BOOKED_AT = new Date("2030-06-01T12:00:00Z");
/** Dra. Ana Ribeiro of the emulator's demo directory: the application may create her meetings. */
const MEETING_CLINICIAN_OID = "0a1c2e30-1111-4a00-8000-000000000001";

export interface MeetingBotEnv {
  database: TestDatabase;
  graph: GraphTestEnv;
  /** the bot's meeting calls, their notifications delivered to a webhook and applied by a running runtime */
  bot: CallControl;
  /** the worker's call runtime */
  runtime: CallRuntime;
  /** creates (again) the appointment's Teams meeting as the meeting-sync job does */
  syncMeeting(appointmentId: string): Promise<SyncOutcome>;
  /** a 30-minute appointment booked by staff at 13:00 UTC on a day of its own, with its Teams meeting ready */
  appointmentWithMeeting(): Promise<{
    appointmentId: string;
    meeting: OnlineMeeting;
    actor: { id: string; label: string };
    startsAt: Date;
    endsAt: Date;
  }>;
  close(): Promise<void>;
}

/** The setup of the bot's meeting tests: a test database, the emulator, the webhook and the bot's call control. */
export async function startMeetingBotEnv(): Promise<MeetingBotEnv> {
  const [database, graph] = await Promise.all([
    createTestDatabase(),
    startGraphTestEnv({ retry: { maxTotalMs: 10_000 } }),
  ]);
  const { db } = database;
  // the app's worker: the call runtime applies what the webhook records, as soon as it is recorded
  const intake = intakeFor(database, graph);
  await intake.runtime.start();
  const webhook = await startWebhook(intake.deps);
  const app = createAppGraph(graph.config);
  const bot = callControl({
    db,
    calls: app.calls,
    meetingsFor: (oid) => app.meetingsFor(oid),
    callbackUri: webhook.url,
    tenantId: graph.emu.registration.tenantId,
    clinicLineInstanceId: CLINIC_LINE_INSTANCE,
    signalLeave: (callId, reason) => intake.runtime.signal(callId, { type: "leave", reason }),
  });

  const syncMeeting = (appointmentId: string) =>
    syncAppointmentMeeting(
      db,
      {
        application: (oid) => app.meetingsFor(oid),
        delegated: () => {
          throw new Error("staff books with the application token");
        },
      },
      appointmentId,
    );
  let clinic: Promise<{ typeId: string; clinicianId: string; staffId: string }> | undefined;
  let day = 0;
  const appointmentWithMeeting = async () => {
    clinic ??= (async () => {
      const type = await createAppointmentType(db);
      const clinician = await createBookableClinician(db, type.id, "America/Sao_Paulo", MEETING_CLINICIAN_OID);
      const staff = await createUser(db, { role: "STAFF" });
      return { typeId: type.id, clinicianId: clinician.id, staffId: staff.id };
    })();
    const { typeId, clinicianId, staffId } = await clinic;
    const patient = await createPatient(db);
    const actor = { id: staffId, label: "staff" };
    const startsAt = new Date(Date.UTC(2030, 5, 3 + day++, 13));
    const { appointmentId } = await bookAppointment(
      db,
      actor,
      {
        clinicianId,
        appointmentTypeId: typeId,
        patientId: patient.id,
        startsAt,
        idempotencyKey: `k-${crypto.randomUUID()}`,
      },
      MEETING_BOOKED_AT,
    );
    await syncMeeting(appointmentId);
    const meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    expect(meeting.state).toBe("READY");
    return { appointmentId, meeting, actor, startsAt, endsAt: new Date(startsAt.getTime() + 30 * 60_000) };
  };

  return {
    database,
    graph,
    bot,
    runtime: intake.runtime,
    syncMeeting,
    appointmentWithMeeting,
    async close() {
      await webhook.close();
      await intake.close();
      await Promise.all([database.close(), graph.close()]);
    },
  };
}
