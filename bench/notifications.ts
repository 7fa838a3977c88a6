// Bot notification intake over HTTP, against the built app (scripts/start.ts) on a PostgreSQL server with
// the local Microsoft cloud (emulator/) as its identity provider: the app validates every token against
// the emulator's bot OpenID configuration, exactly as it validates Microsoft's in production, and the
// benchmark signs its notifications with the emulator's own signing key (as the emulator does).
//
// Load: one call-state or operation notification per POST, for calls that exist in the database; 10 % of
// the distinct notifications are delivered twice and 10 % reach the app before the one that precedes them.
// 1. maximum rate: CLIENTS closed-loop senders for BENCH_SECONDS (default 15);
// 2. latency at half that rate (open loop, fixed arrival schedule) for BENCH_SECONDS;
// 3. forged, expired, wrong-audience, other-tenant and `alg: none` tokens (each must be refused);
// 4. wait until the workers have applied everything, then check the database: every distinct
//    notification recorded and processed (lost), none recorded or queued twice (processed twice).
// The cost of one acknowledged notification — database transactions and CPU summed over the web server, the
// workers and PostgreSQL (targets ≤ 3 and ≤ 4 ms) — is measured from the start of the maximum-rate phase until
// the workers have applied everything it acknowledged.
// Baseline in the same run: the no-op route (/api/ping) under the same clients, and at the same rate: POSTed
// the same notification bodies with the same token (the same load), and plain GETs.
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { base64url, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { ensureSigningKey } from "@/emulator/identity/keys";
import { dedupeKey } from "@/lib/bot/dedupe";
import { parseNotifications } from "@/lib/bot/schema";
import { createPrismaClient } from "@/lib/db/create-client";
import {
  cpuDuring,
  cpuMeter,
  freshDatabase,
  machine,
  ms,
  postgresServing,
  processesMatching,
  root,
  summary,
  type ProcessGroups,
} from "./lib";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PORT = Number(process.env.BENCH_PORT ?? 3510);
const EMULATOR_PORT = Number(process.env.BENCH_EMULATOR_PORT ?? 4510);
const BASE = `http://localhost:${PORT}`;
const DRAIN_TIMEOUT_MS = Number(process.env.BENCH_DRAIN_SECONDS ?? 600) * 1000;
const PER_CALL_OPERATIONS = 4;
// "separate" (default): the job workers in their own process beside the web server (scripts/start.ts
// CONSULTA_WORKERS=separate); "on": inside the web server's process, as a single-process install runs
const WORKERS = process.env.BENCH_WORKERS === "on" ? "on" : "separate";
// BENCH_PROFILE=<dir>: a V8 CPU profile of the web server (and the worker process) during the maximum-rate
// intake phase (bench/cpu-profile-preload.mjs)
const PROFILE_DIR = process.env.BENCH_PROFILE;
const dataDir = path.join(os.tmpdir(), `consulta-bench-notifications-${process.pid}`);

async function startApp(databaseUrl: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // no tenant configured: scripts/start.ts starts the emulator and points every Microsoft URL at it
  for (const key of Object.keys(env)) if (key.startsWith("AUTH_MICROSOFT_ENTRA_ID_")) delete env[key];
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: {
      ...env,
      PORT: String(PORT),
      EMULATOR_PORT: String(EMULATOR_PORT),
      DATABASE_URL: databaseUrl,
      CONSULTA_DATA_DIR: dataDir,
      AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
      PUBLIC_BASE_URL: BASE,
      BOT_AUTO_JOIN_MINUTES_BEFORE: "0",
      CONSULTA_WORKERS: WORKERS,
      LOG_LEVEL: "warn",
      ...(PROFILE_DIR && {
        NODE_OPTIONS: `--import=${path.join(root, "bench/cpu-profile-preload.mjs")}`,
        PROFILE_OUT: path.resolve(PROFILE_DIR),
      }),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${BASE}/api/ping`)).status === 204) return child;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  child.kill("SIGTERM");
  throw new Error("the app did not start");
}

// --- the notifications ------------------------------------------------------------------------------

interface Delivery {
  body: string;
  /** dedupe keys of what it carries (lib/bot/dedupe.ts), computed as the app computes them */
  keys: string[];
  duplicate: boolean;
}

const commsNotification = (changeType: string, resourceUrl: string, resourceData: Record<string, unknown>) =>
  JSON.stringify({
    "@odata.type": "#microsoft.graph.commsNotifications",
    value: [
      {
        "@odata.type": "#microsoft.graph.commsNotification",
        changeType,
        resourceUrl,
        resource: resourceUrl.replace(/^\/communications\/calls/, "/app/calls"),
        resourceData,
      },
    ],
  });

function keysOf(body: string): string[] {
  return parseNotifications(JSON.parse(body)).map((item) => dedupeKey(item.notification));
}

/** A call's notifications: established, then operations that run and complete; some pairs arrive swapped. */
function callSequence(graphCallId: string, reorder: () => boolean): { bodies: string[]; reordered: number } {
  const callUrl = `/communications/calls/${graphCallId}`;
  const bodies = [
    commsNotification("updated", callUrl, {
      "@odata.type": "#microsoft.graph.call",
      "@odata.id": callUrl,
      state: "established",
    }),
  ];
  for (let i = 0; i < PER_CALL_OPERATIONS; i++) {
    const operationId = crypto.randomUUID();
    const url = `${callUrl}/operations/${operationId}`;
    const data = (status: string) => ({
      "@odata.type": "#microsoft.graph.muteParticipantOperation",
      id: operationId,
      status,
      clientContext: `bench-${i}`,
    });
    bodies.push(commsNotification("updated", url, data("running")));
    bodies.push(commsNotification("deleted", url, data("completed")));
  }
  let reordered = 0;
  for (let i = 0; i + 1 < bodies.length; i++) {
    if (!reorder()) continue;
    [bodies[i], bodies[i + 1]] = [bodies[i + 1]!, bodies[i]!];
    reordered++;
    i++;
  }
  return { bodies, reordered };
}

/** Calls' sequences interleaved 50 at a time (as concurrent calls are), with duplicates shortly after. */
function deliveries(graphCallIds: string[]) {
  const stream: Delivery[] = [];
  let reordered = 0;
  let distinct = 0;
  for (let g = 0; g < graphCallIds.length; g += 50) {
    const sequences = graphCallIds.slice(g, g + 50).map((id) => {
      const sequence = callSequence(id, () => Math.random() < 0.1);
      reordered += sequence.reordered;
      return sequence.bodies;
    });
    const group: Delivery[] = [];
    for (let i = 0; sequences.some((s) => i < s.length); i++) {
      for (const s of sequences) if (i < s.length) group.push({ body: s[i]!, keys: keysOf(s[i]!), duplicate: false });
    }
    distinct += group.length;
    // a redelivery: the same POST again, a little later
    for (let i = group.length - 1; i >= 0; i--) {
      if (Math.random() >= 0.1) continue;
      const at = Math.min(group.length, i + 1 + Math.floor(Math.random() * 5));
      group.splice(at, 0, { ...group[i]!, duplicate: true });
    }
    stream.push(...group);
  }
  return { stream, reordered, distinct };
}

// --- tokens ---------------------------------------------------------------------------------------------

async function tokens(emulatorDir: string) {
  const registration = JSON.parse(fs.readFileSync(path.join(emulatorDir, "app-registration.json"), "utf8")) as {
    clientId: string;
    tenantId: string;
  };
  const key = await ensureSigningKey(emulatorDir, "botframework");
  const sign = (claims: JWTPayload, signer: Parameters<SignJWT["sign"]>[0] = key.privateKey, expiresIn = 3600) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: registration.tenantId, serviceurl: "https://api.botframework.com", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
      .setIssuer("https://api.botframework.com")
      .setAudience((claims.aud as string | undefined) ?? registration.clientId)
      .setIssuedAt(now - 10)
      .setNotBefore(now - 10)
      .setExpirationTime(now + expiresIn)
      .sign(signer);
  };
  const forger = await generateKeyPair("RS256");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = [
    base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" })),
    base64url.encode(
      JSON.stringify({
        iss: "https://api.botframework.com",
        aud: registration.clientId,
        tid: registration.tenantId,
        iat: now,
        nbf: now - 10,
        exp: now + 3600,
      }),
    ),
    "",
  ].join(".");
  return {
    valid: await sign({}),
    hostile: {
      forged: await sign({}, forger.privateKey),
      expired: await sign({}, key.privateKey, -600),
      "wrong audience": await sign({ aud: crypto.randomUUID() }),
      "other tenant": await sign({ tid: crypto.randomUUID() }),
      "alg: none": unsigned,
    } as Record<string, string>,
  };
}

// --- load -----------------------------------------------------------------------------------------------

async function closedLoop(seconds: number, request: () => Promise<boolean>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        if (!(await request())) return;
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Sends at a fixed rate whatever the answers do; returns each request's latency. */
async function openLoop(seconds: number, rate: number, request: () => Promise<boolean>): Promise<number[]> {
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      const p: Promise<void> = request().then((ok) => {
        if (ok) latencies.push(performance.now() - t0);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
  return latencies;
}

// where the CPU goes during the two maximum-rate phases: the web server, the job workers (when separate),
// PostgreSQL (the benchmark's server only), the emulator, and this script's clients
const processGroupsFor = (databaseUrl: string): ProcessGroups => ({
  "web server": (c) => c.startsWith("next-server") || (c.includes("next/dist/bin/next") && c.includes(` ${PORT}`)),
  "job workers": (c) => c.includes("scripts/worker.ts"),
  PostgreSQL: postgresServing(databaseUrl),
  emulator: (c) => c.includes("emulator/main.ts"),
});

/** Transactions the database has committed or rolled back so far (each statement outside one is one). */
async function committed(db: ReturnType<typeof createPrismaClient>): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`;
  return Number(row?.n ?? 0);
}

/** The benchmark's notifications recorded but not yet applied by the job workers. */
async function pending(db: ReturnType<typeof createPrismaClient>, graphCallIds: string[]): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM "InboundNotification" WHERE "processedAt" IS NULL AND "graphCallId" = ANY(${graphCallIds})`;
  return Number(row?.n ?? 0);
}

function cpuPerRequest(cpu: Record<string, number>, requests: number): string {
  return Object.entries(cpu)
    .filter(([, used]) => used > 0)
    .map(([name, used]) => `${name} ${(used / requests).toFixed(2)}`)
    .join(", ");
}

// --- run ------------------------------------------------------------------------------------------------

const database = await freshDatabase("notifications");
const db = createPrismaClient(database.url, { max: 4 });
const processGroups = processGroupsFor(database.url);
let app: ChildProcess | undefined;
try {
  app = await startApp(database.url);
  const { valid, hostile } = await tokens(path.join(dataDir, "emulator"));

  // enough calls that the stream outlasts both phases at a generous rate
  const callCount = Math.max(200, Math.ceil((SECONDS * 2500) / (1 + 2 * PER_CALL_OPERATIONS)));
  const graphCallIds = Array.from({ length: callCount }, () => crypto.randomBytes(16).toString("hex"));
  await db.call.createMany({
    data: graphCallIds.map((graphCallId) => ({
      graphCallId,
      direction: "OUTGOING" as const,
      purpose: "GROUP_CALL" as const,
      state: "establishing",
      counterpart: "bench",
    })),
  });
  const { stream, reordered, distinct } = deliveries(graphCallIds);

  let next = 0;
  const sentKeys = new Set<string>();
  let duplicatesSent = 0;
  let refused = 0;
  let acknowledgedPosts = 0;
  const postNext = async (): Promise<boolean> => {
    const delivery = stream[next++];
    if (!delivery) return false;
    const response = await fetch(`${BASE}/api/calls/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${valid}` },
      body: delivery.body,
    });
    await response.arrayBuffer();
    if (response.status !== 202) {
      // not acknowledged: the platform would deliver it again, and so do we, later
      refused++;
      stream.push(delivery);
      return true;
    }
    acknowledgedPosts++;
    if (delivery.duplicate) duplicatesSent++;
    for (const key of delivery.keys) sentKeys.add(key);
    return true;
  };
  const ping = async (): Promise<boolean> => {
    await (await fetch(`${BASE}/api/ping`)).arrayBuffer();
    return true;
  };
  // the same load on a no-op handler: a notification body, with its token, POSTed to /api/ping
  let sample = 0;
  const pingPost = async (): Promise<boolean> => {
    const delivery = stream[sample++ % stream.length]!;
    const response = await fetch(`${BASE}/api/ping`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${valid}` },
      body: delivery.body,
    });
    await response.arrayBuffer();
    return true;
  };

  // warm the routes (JIT, the JWKS fetch, the connection pools) before measuring
  for (let i = 0; i < 50; i++) await Promise.all([postNext(), ping(), pingPost()]);

  const { result: pingRate, cpu: pingCpu } = await cpuDuring(processGroups, () => closedLoop(SECONDS, ping));
  const { result: pingPostRate, cpu: pingPostCpu } = await cpuDuring(processGroups, () =>
    closedLoop(SECONDS, pingPost),
  );
  const profiled = PROFILE_DIR
    ? [
        ...processesMatching(
          (c, pid) => processGroups["web server"]!(c, pid) || processGroups["job workers"]!(c, pid),
        ).keys(),
      ]
    : [];
  for (const pid of profiled) process.kill(pid, "SIGUSR2");
  const ackedBefore = acknowledgedPosts;
  // the whole cost of what the maximum phase acknowledges: its intake, and applying it afterwards
  const transactionsBefore = await committed(db);
  const unitCpu = cpuMeter(processGroups);
  const { result: intakeRate, cpu: intakeCpu } = await cpuDuring(processGroups, () => closedLoop(SECONDS, postNext));
  for (const pid of profiled) process.kill(pid, "SIGUSR2");
  const intakePosts = acknowledgedPosts - ackedBefore;
  const backlogAfterMax = await pending(db, graphCallIds);
  const appliedStarted = performance.now();
  while ((await pending(db, graphCallIds)) > 0 && performance.now() - appliedStarted < DRAIN_TIMEOUT_MS)
    await new Promise((r) => setTimeout(r, 200));
  const appliedSeconds = (performance.now() - appliedStarted) / 1000;
  const unitUsed = unitCpu.stop();
  // statistics reach pg_stat_database within about a second of each transaction
  await new Promise((r) => setTimeout(r, 1_500));
  const unitTransactions = (await committed(db)) - transactionsBefore;
  const serverCpu = ["web server", "job workers", "PostgreSQL"].reduce((sum, name) => sum + (unitUsed[name] ?? 0), 0);
  const halfRate = intakeRate / 2;
  const intakeLatency = summary(await openLoop(SECONDS, halfRate, postNext));
  const pingLatency = summary(await openLoop(Math.min(SECONDS, 10), halfRate, ping));
  const pingPostLatency = summary(await openLoop(Math.min(SECONDS, 10), halfRate, pingPost));
  const exhausted = next >= stream.length;

  // hostile tokens, each carrying a notification nobody has sent
  const accepted: Record<string, number> = {};
  const hostileKeys: string[] = [];
  for (const [kind, token] of Object.entries(hostile)) {
    accepted[kind] = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const { bodies } = callSequence(graphCallIds[Math.floor(Math.random() * graphCallIds.length)]!, () => false);
        const body = bodies[1]!;
        hostileKeys.push(...keysOf(body));
        const response = await fetch(`${BASE}/api/calls/notifications`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body,
        });
        await response.arrayBuffer();
        if (response.status < 300) accepted[kind]!++;
      }),
    );
  }

  // the job workers apply what was acknowledged; wait until every distinct notification is processed
  const drainStarted = performance.now();
  const expected = [...sentKeys];
  let unprocessed = expected.length;
  while (performance.now() - drainStarted < DRAIN_TIMEOUT_MS) {
    const [row] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "InboundNotification"
       WHERE "processedAt" IS NOT NULL AND "dedupeKey" = ANY(${expected})`;
    unprocessed = expected.length - Number(row?.n ?? 0);
    if (unprocessed === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  // rows for the benchmark's calls under any key nobody acknowledged: a redelivery recorded a second time
  // (the app's own sweeps may record other calls' notifications meanwhile: those are not counted)
  const [recordedAgain] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM "InboundNotification"
     WHERE "graphCallId" = ANY(${graphCallIds}) AND NOT ("dedupeKey" = ANY(${[...expected, ...hostileKeys]}))`;
  const hostileRecorded = await db.inboundNotification.count({ where: { dedupeKey: { in: hostileKeys } } });
  const acknowledged = expected.length;
  // a row is applied by the one statement that sets its processedAt where it was still null (lib/bot/process.ts),
  // so a notification can only be applied twice by being recorded twice: under a second dedupe key
  const processedTwice = Number(recordedAgain?.n ?? 0);

  console.info(
    `bot notification intake — ${machine()}, ${CLIENTS} clients, ${SECONDS} s per phase, job workers ${WORKERS === "on" ? "in the web process" : "in a separate process"}`,
  );
  console.info(
    `  deliveries: ${acknowledgedPosts} POSTs acknowledged 202 (${distinct} distinct prepared, ${reordered} pairs swapped, ${duplicatesSent} duplicates sent)${exhausted ? "  [stream exhausted: raise the call count]" : ""}`,
  );
  console.info(`  notifications/s acknowledged (max):     ${intakeRate.toFixed(1)}`);
  console.info(`  baseline no-op route, same POSTs, /s:    ${pingPostRate.toFixed(1)}`);
  console.info(`  baseline no-op route, GET, /s:          ${pingRate.toFixed(1)}`);
  console.info(
    `  ratio intake ÷ no-op:                   ${(intakeRate / pingPostRate).toFixed(3)} same POSTs, ${(intakeRate / pingRate).toFixed(3)} GET  (target ≥ 0.5)`,
  );
  console.info(`  not yet applied when the max phase ended: ${backlogAfterMax} (applied by the workers afterwards)`);
  console.info(
    `  acknowledgement latency at ${halfRate.toFixed(0)}/s (half the max): p50 ${ms(intakeLatency.p50)}  p99 ${ms(intakeLatency.p99)}  (target p99 < 50 ms)`,
  );
  console.info(`  CPU ms per acknowledged POST at max:    ${cpuPerRequest(intakeCpu, intakePosts)}`);
  console.info(
    `  per acknowledged notification, intake and applying (${intakePosts} POSTs, applied ${appliedSeconds.toFixed(1)} s after the phase):`,
  );
  console.info(
    `    database transactions ${(unitTransactions / intakePosts).toFixed(2)} (target ≤ 3; the benchmark's own reads included)`,
  );
  console.info(
    `    CPU ms ${(serverCpu / intakePosts).toFixed(2)} web server + workers + PostgreSQL (target ≤ 4): ${cpuPerRequest(unitUsed, intakePosts)}`,
  );
  console.info(`  CPU ms per no-op POST at max:           ${cpuPerRequest(pingPostCpu, pingPostRate * SECONDS)}`);
  console.info(`  CPU ms per no-op GET at max:            ${cpuPerRequest(pingCpu, pingRate * SECONDS)}`);
  console.info(
    `  no-op route at the same rate:           POST p50 ${ms(pingPostLatency.p50)}  p99 ${ms(pingPostLatency.p99)};  GET p50 ${ms(pingLatency.p50)}  p99 ${ms(pingLatency.p99)}`,
  );
  console.info(`  refused valid deliveries (non-202):     ${refused}`);
  console.info(
    `  lost (acknowledged, not processed):     ${unprocessed} of ${acknowledged}  (must be 0; drained in ${drainSeconds.toFixed(1)} s)`,
  );
  console.info(`  processed twice:                        ${processedTwice}  (must be 0)`);
  for (const [kind, n] of Object.entries(accepted))
    console.info(`  ${`${kind} tokens accepted:`.padEnd(40)}${n} of 40  (must be 0)`);
  console.info(`  notifications recorded from refused tokens: ${hostileRecorded}  (must be 0)`);
} finally {
  app?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 3000));
  await db.$disconnect();
  await database.drop().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
// the embedded PostgreSQL server of bench/lib keeps the event loop alive
process.exit(0);
