// Shared setup for the clinic-line integration tests: the emulator in-process (its Speech stand-in too), a test
// database, the fake app server of ./bot-helpers (webhook, prompt audio) as the web process, and worker
// processes, each a call runtime of its own with the clinic line's flow.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "@/emulator/test/helpers";
import { workFor } from "@/lib/appointments/jobs";
import type { CallRuntime } from "@/lib/bot/runtime/engine";
import { createCallSql } from "@/lib/bot/runtime/sql";
import { normaliseGraphId } from "@/lib/bot/schema";
import { clinicLineService, type ClinicLineDeps } from "@/lib/clinic-line/service";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createAppGraph } from "@/lib/graph/gateway";
import { createPromptStore, type PromptStore } from "@/lib/prompts/store";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { storedRows } from "../helpers/telephony";
import {
  directAppointments,
  logCapture,
  setEmulatorEndpoint,
  startBotTestServer,
  testProcess,
  testRunner,
  waitFor,
  type TestProcess,
} from "./bot-helpers";
import { emulatorSpeech, fetchTrusting, startGraphTestEnv, type GraphTestEnv } from "./graph-helpers";

export const ZONE = "America/Sao_Paulo";

export interface LineTestEnv {
  database: TestDatabase;
  graph: GraphTestEnv;
  /** the worker process every test starts with: its loop runs, and it receives the webhook's media */
  worker: TestProcess;
  /**
   * Another process of the app on the same database, Graph and webhook (its own memory and connections),
   * its worker loop not started. `overrides` change the clinic line's dependencies in it.
   */
  newProcess(overrides?: Partial<ClinicLineDeps>): TestProcess;
  /** which process the webhook hands key presses and recordings to from now on (null: nobody) */
  route(media: (() => CallRuntime | null) | null): void;
  logs: string[];
  captureLogs(): void;
  meetingSyncs: string[];
  /** paths and queries of the prompt audio the cloud fetched */
  promptRequests: string[];
  close(): Promise<void>;
}

export async function startLineEnv(
  overrides: Partial<ClinicLineDeps> = {},
  options: { prompts?: PromptStore } = {},
): Promise<LineTestEnv> {
  const [database, graph] = await Promise.all([
    createTestDatabase(),
    // Microsoft's real 15-second answer window (the emulator's own tests use 1 s): the app has to meet the
    // real one, and a cold first caller on a loaded machine needs more than a second.
    startGraphTestEnv({ retry: { maxTotalMs: 15_000 } }, { answerWindowMs: 15_000 }),
  ]);
  const { db } = database;
  const { logs, captureLogs } = logCapture();
  const meetingSyncs: string[] = [];
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-line-prompts-"));
  const prompts = options.prompts ?? createPromptStore({ cacheDir, synth: emulatorSpeech(graph) });
  const webSql = createCallSql(database.url, { max: 2 });
  let media: (() => CallRuntime | null) | null = null;
  const server = await startBotTestServer({ sql: webSql, graph, prompts, media: () => media?.() ?? null });

  const appGraph = createAppGraph(graph.config);
  const processes: TestProcess[] = [];
  const newProcess = (more: Partial<ClinicLineDeps> = {}) => {
    const line = clinicLineService({
      db,
      calls: appGraph.calls,
      callbackUri: server.callbackUri,
      tenantId: graph.emu.registration.tenantId,
      clinicZone: ZONE,
      speech: { endpoint: `${graph.emu.url}/speech/recognition/conversation/cognitiveservices/v1`, key: "test-key" },
      announceChange: async (change) => {
        if (workFor(change).meetingSync) meetingSyncs.push(change.appointmentId);
      },
      fetch: fetchTrusting(graph.emu.ca),
      ...overrides,
      ...more,
    });
    const process = testProcess(database, testRunner(graph, server.base, prompts), { CLINIC_LINE: line.flow });
    processes.push(process);
    return process;
  };
  const worker = newProcess();
  await worker.runtime.start();
  media = () => worker.runtime;

  // The app holds its application token before calls arrive; the first caller should not pay for
  // MSAL's start (the 15-second answer window includes the bot's own work).
  await appGraph.warmUp();

  return {
    database,
    graph,
    worker,
    newProcess,
    route(next) {
      media = next;
    },
    logs,
    captureLogs,
    meetingSyncs,
    promptRequests: server.promptRequests,
    async close() {
      await server.close();
      await Promise.all(processes.map((p) => p.close()));
      await webSql.close();
      await Promise.all([database.close(), graph.close()]);
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

export const setEndpoint = (env: LineTestEnv, endpoint: string, behaviour: Record<string, unknown>) =>
  setEmulatorEndpoint(env.graph, endpoint, behaviour);

/** The far end `from` calls the clinic; returns the Graph call id, normalised. */
export async function callClinic(env: LineTestEnv, from: string): Promise<string> {
  const res = await request(env.graph.emu, "POST", "/_emulator/incoming-calls", { body: { from } });
  if (res.status !== 201) throw new Error(`incoming call refused: ${res.status} ${res.text}`);
  return normaliseGraphId((res.json as { id: string }).id);
}

export async function emulatorCall(env: LineTestEnv, graphCallId: string) {
  const res = await request(env.graph.emu, "GET", "/_emulator/calls");
  return (
    res.json.value as {
      id: string;
      state: string;
      redirectedTo?: string[];
      legs: { endpoint: string }[];
      transfer: { outcome: string; legs: { endpoint: string; state: string }[] } | null;
      promptsBeforeAudio: number;
    }[]
  ).find((c) => normaliseGraphId(c.id) === graphCallId);
}

/** The recording locations and tokens the emulator handed out so far. */
export async function recordingSecrets(env: LineTestEnv): Promise<Set<string>> {
  const delivered = await request(env.graph.emu, "GET", "/_emulator/notifications");
  const secrets = new Set<string>();
  JSON.stringify(delivered.json, (key, value: unknown) => {
    if ((key === "recordingLocation" || key === "recordingAccessToken") && typeof value === "string")
      secrets.add(value);
    return value;
  });
  return secrets;
}

/** The prompts the bot asked to play on the call, in order (their client contexts). */
export async function promptsPlayed(env: LineTestEnv, callId: string): Promise<(string | null)[]> {
  const operations = await env.database.db.callOperation.findMany({
    where: { callId, kind: "playPrompt" },
    orderBy: { createdAt: "asc" },
  });
  return operations.map((o) => o.clientContext);
}

/** The Call row once it carries a business outcome (and the call is over). */
export async function finishedCall(env: LineTestEnv, graphCallId: string, outcomes: string[], timeoutMs = 20_000) {
  return waitFor(
    `call ${outcomes.join("/")}`,
    async () => {
      const c = await env.database.db.call.findUnique({ where: { graphCallId } });
      return c && c.state === "terminated" && c.outcome !== null && outcomes.includes(c.outcome) ? c : null;
    },
    timeoutMs,
  );
}

const bookDirect = directAppointments({ cancellationCutoffMinutes: 60 });

/** A BOOKED appointment a few hours from now for a new patient with `phone` (written directly). */
export async function appointmentFor(env: LineTestEnv, phone: string, locale = "pt-BR") {
  const { db } = env.database;
  const appointment = await bookDirect(db, phone);
  if (locale !== "pt-BR") await db.patient.update({ where: { id: appointment.patientId }, data: { locale } });
  return appointment;
}

/** Everything the line could have written. */
export const storedText = (db: PrismaClient) =>
  storedRows({
    calls: db.call.findMany(),
    operations: db.callOperation.findMany(),
    inbound: db.inboundNotification.findMany(),
    audit: db.auditLog.findMany(),
    rules: db.clinicLineRule.findMany(),
  });
