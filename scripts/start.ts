// `npm start` / `npm run dev`: brings up everything Consulta needs on this machine.
// - No DATABASE_URL: the embedded PostgreSQL server (scripts/embedded-postgres.ts) with its data under
//   .data/postgres, kept across restarts, migrated and seeded.
// - No Microsoft tenant configured (AUTH_MICROSOFT_ENTRA_ID_ID unset): the local Microsoft cloud
//   (emulator/) is started and every Microsoft URL points at it.
// - Otherwise it starts against the configured PostgreSQL and Microsoft tenant, unchanged.
import { type ChildProcess, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded-postgres";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(root, process.env.CONSULTA_DATA_DIR || ".data");
const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const appUrl = `http://localhost:${port}`;
const children: ChildProcess[] = [];
// CONSULTA_WORKERS=separate: the worker process runs this much nicer than the web server (0 = the same)
const WORKER_NICENESS = Number(process.env.CONSULTA_WORKER_NICENESS ?? 10);
/** CLINIC_LINE_APPLICATION_INSTANCE_ID with the emulator, which takes any id for its clinic line. */
const LOCAL_CLINIC_LINE_INSTANCE = "emulator-clinic-line";
let embedded: EmbeddedPostgres | undefined;
let nextServer: ChildProcess | undefined;

if (fs.existsSync(path.join(root, ".env"))) process.loadEnvFile(path.join(root, ".env"));
// --fresh starts from an empty data folder (the end-to-end tests use it)
if (process.argv.includes("--fresh")) fs.rmSync(dataDir, { recursive: true, force: true });
const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" };
// an empty variable means "not configured", as if it were absent
for (const [key, value] of Object.entries(env)) if (value === "") delete env[key];
// CONSULTA_LOG_FILE: the children's output is also appended to this file (the e2e run scans it for
// patient data); opened after --fresh, so a file inside the data folder starts empty
const logFile = env.CONSULTA_LOG_FILE ? path.resolve(root, env.CONSULTA_LOG_FILE) : undefined;
if (logFile) fs.mkdirSync(path.dirname(logFile), { recursive: true });
const logStream = logFile ? fs.createWriteStream(logFile, { flags: "a" }) : undefined;
const output = logStream ? "pipe" : "inherit";
function tee(child: ChildProcess): void {
  child.stdout?.on("data", (chunk: Buffer) => (process.stdout.write(chunk), logStream?.write(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => (process.stderr.write(chunk), logStream?.write(chunk)));
}

async function run(command: string, args: string[], label: string): Promise<void> {
  const child = spawn(command, args, { cwd: root, env, stdio: ["inherit", output, output] });
  tee(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${label} failed (exit ${code})`);
}

function persistentSecret(file: string): string {
  const target = path.join(dataDir, file);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(target, crypto.randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(target, "utf8").trim();
}

async function answers(url: string, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith("https:") ? https.get : http.get;
    const request = get(url, { ca }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) < 400);
    });
    request.on("error", () => resolve(false));
    request.setTimeout(2_000, () => request.destroy());
  });
}

async function waitFor(url: string, timeoutMs: number, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(url, ca)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

async function startEmulator(): Promise<void> {
  const emulatorDir = path.join(dataDir, "emulator");
  const emulatorPort = Number(process.env.EMULATOR_PORT ?? 4443);
  // SMS delivery reports and replies reach the app as Event Grid events carrying this secret
  env.ACS_EVENTS_SECRET ??= persistentSecret("acs-events-secret");
  const child = spawn(process.execPath, ["--import", "tsx", "emulator/main.ts"], {
    cwd: root,
    env: {
      ...env,
      EMULATOR_PORT: String(emulatorPort),
      EMULATOR_DATA_DIR: emulatorDir,
      EMULATOR_REDIRECT_URIS: `${appUrl}/api/auth/callback/microsoft-entra-id`,
      EMULATOR_BOT_CALLBACK_URL: `${appUrl}/api/calls/notifications`,
      EMULATOR_SMS_EVENTS_URL: `${appUrl}/api/messages/events`,
      EMULATOR_SMS_EVENTS_SECRET: env.ACS_EVENTS_SECRET,
    },
    stdio: ["ignore", output, output],
  });
  tee(child);
  children.push(child);
  const caFile = path.join(emulatorDir, "ca.pem");
  const base = `https://localhost:${emulatorPort}`;
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(caFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  // the emulator makes its certificate authority on first start; trust it here explicitly and in the
  // app's processes through NODE_EXTRA_CA_CERTS
  await waitFor(`${base}/_emulator/health`, 30_000, fs.readFileSync(caFile));
  const registration = JSON.parse(fs.readFileSync(path.join(emulatorDir, "app-registration.json"), "utf8")) as {
    clientId: string;
    clientSecret: string;
    tenantId: string;
  };
  Object.assign(env, {
    NODE_EXTRA_CA_CERTS: caFile,
    AUTH_MICROSOFT_ENTRA_ID_ID: registration.clientId,
    AUTH_MICROSOFT_ENTRA_ID_SECRET: registration.clientSecret,
    AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${base}/${registration.tenantId}/v2.0`,
    GRAPH_BASE_URL: base,
    BOT_OPENID_METADATA_URL: `${base}/botframework/.well-known/OpenIdConfiguration`,
    SPEECH_ENDPOINT: `${base}/speech/recognition/conversation/cognitiveservices/v1`,
    // the calls' prompts: the emulator's text-to-speech stand-in for Azure AI Speech (eSpeak NG's voice)
    SPEECH_TTS_ENDPOINT: `${base}/cognitiveservices/v1`,
    SPEECH_KEY: env.SPEECH_KEY ?? "local-emulator",
    EMULATOR_CONTROL_URL: `${base}/_emulator`,
  });
  // patient messages: the demo clinic's mailbox and the emulated ACS resource (its key is made on first start)
  const acs = JSON.parse(fs.readFileSync(path.join(emulatorDir, "acs-resource.json"), "utf8")) as {
    accessKey: string;
    phoneNumbers: string[];
  };
  const directory = JSON.parse(
    fs.readFileSync(path.resolve(root, env.EMULATOR_DIRECTORY ?? "config/demo-directory.json"), "utf8"),
  ) as { tenantName: string; clinicLine: { phone: string }; clinicMailbox?: string };
  env.CLINIC_NAME ??= directory.tenantName;
  env.CLINIC_PHONE ??= directory.clinicLine.phone;
  // the clinic line's resource account: reminder and rescue calls, meeting joins and phone invitations go out from it
  env.CLINIC_LINE_APPLICATION_INSTANCE_ID ??= LOCAL_CLINIC_LINE_INSTANCE;
  if (directory.clinicMailbox) env.CLINIC_MAILBOX ??= directory.clinicMailbox;
  env.ACS_CONNECTION_STRING ??= `endpoint=${base}/;accesskey=${acs.accessKey}`;
  env.ACS_SMS_FROM ??= acs.phoneNumbers[0];
}

function buildIsCurrent(): boolean {
  const buildId = path.join(root, ".next/BUILD_ID");
  if (!fs.existsSync(buildId)) return false;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newer = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name !== "generated" && newer(full);
      return fs.statSync(full).mtimeMs > builtAt;
    });
  return !["app", "components", "lib", "messages"].some(
    (dir) => fs.existsSync(path.join(root, dir)) && newer(path.join(root, dir)),
  );
}

async function main(): Promise<void> {
  env.AUTH_SECRET ??= persistentSecret("auth-secret");
  env.PUBLIC_BASE_URL ??= appUrl;
  env.AUTH_URL ??= appUrl;
  const useEmbeddedDb = !env.DATABASE_URL;
  const useEmulator = !env.AUTH_MICROSOFT_ENTRA_ID_ID;

  if (useEmbeddedDb) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      port: Number(process.env.EMBEDDED_DB_PORT ?? 55432),
    });
    env.DATABASE_URL = embedded.url;
    // `npm run db:*` and the end-to-end tests find the running server here
    fs.writeFileSync(path.join(dataDir, "embedded-db.json"), JSON.stringify({ pid: process.pid, url: embedded.url }), {
      mode: 0o600,
    });
  }
  await run(process.execPath, ["scripts/prisma.mjs", "migrate", "deploy"], "database migration");
  if (useEmbeddedDb || useEmulator || env.SEED_DEMO_DATA === "1") {
    // the seed imports lib/ ("server-only" modules), so it runs under the react-server condition like the worker
    await run(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], "demo data");
  }
  if (useEmulator) await startEmulator();

  if (!dev && !buildIsCurrent())
    await run(process.execPath, ["node_modules/next/dist/bin/next", "build"], "next build");
  // CONSULTA_WORKERS=separate: the job workers in a process of their own (`npm run worker`), so a busy
  // queue does not slow the web server's answers (a second core does the jobs)
  const separateWorkers = env.CONSULTA_WORKERS === "separate";
  const webEnv: NodeJS.ProcessEnv = { ...env, ...(separateWorkers && { CONSULTA_WORKERS: "off" }) };
  const next = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", dev ? "dev" : "start", "-p", String(port), "-H", "127.0.0.1"],
    // production: instrumentation.ts handles SIGTERM/SIGINT itself (jobs in hand finish, then exit 0);
    // Next's own handler would exit as soon as its HTTP server closed
    { cwd: root, env: dev ? webEnv : { ...webEnv, NEXT_MANUAL_SIG_HANDLE: "1" }, stdio: ["inherit", output, output] },
  );
  tee(next);
  children.push(next);
  nextServer = next;
  next.on("exit", (code) => void shutdown(code ?? 0));
  await waitFor(`${appUrl}/api/health`, 120_000);
  if (separateWorkers) {
    const worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
      cwd: root,
      env: { ...env, CONSULTA_WORKERS: "on" },
      stdio: ["inherit", output, output],
    });
    // the webhook's acknowledgements are on Microsoft's clock (a few seconds) and the jobs are not: when both
    // want the CPU, the web server gets it first and the workers catch up after the burst
    if (worker.pid !== undefined) os.setPriority(worker.pid, WORKER_NICENESS);
    tee(worker);
    children.push(worker);
    worker.on("exit", (code) => void shutdown(code ?? 1));
  }

  const lines = [
    "",
    `Consulta is running at ${appUrl}`,
    useEmbeddedDb
      ? `  database: embedded PostgreSQL (${path.relative(root, path.join(dataDir, "postgres"))}, PostgreSQL 18, port ${embedded?.port})`
      : "  database: DATABASE_URL",
  ];
  if (useEmulator) {
    lines.push(
      `  Microsoft cloud: local emulator at ${env.GRAPH_BASE_URL} (phone page: ${env.GRAPH_BASE_URL}/_emulator/phone)`,
      `  what patients received (e-mail and SMS): ${env.GRAPH_BASE_URL}/_emulator/outbox`,
      "  demo sign-ins (any password): ana.ribeiro@aurora.example (clinician), carla.mendes@aurora.example (staff),",
      "                                marta.oliveira@aurora.example (admin)",
    );
  }
  console.info(lines.join("\n"));
}

let stopping = false;
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  // the app's own shutdown timeout (CONSULTA_SHUTDOWN_TIMEOUT_MS) is shorter; this only guards a hang
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  await exited;
  clearTimeout(guard);
}
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // the app first, while the database and the emulator still answer: its jobs in hand finish
  if (nextServer) await stopChild(nextServer);
  await Promise.all(children.map(stopChild));
  if (embedded) {
    fs.rmSync(path.join(dataDir, "embedded-db.json"), { force: true });
    await embedded.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
