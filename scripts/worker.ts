// `npm run worker`: the job workers (meeting sync and sweep, bot notifications, reminder dispatch and sweep)
// in a process of their own — the same startWorkers() the Next server runs in-process. Run it next to app
// servers started with CONSULTA_WORKERS=off, or to add workers. SIGTERM/SIGINT: no new jobs, the jobs in
// hand finish (CONSULTA_SHUTDOWN_TIMEOUT_MS, default 20 s), exit 0.
//
// Configuration is the app's (DATABASE_URL, the Microsoft variables, PUBLIC_BASE_URL: see .env.example),
// from the environment or .env. Run with the react-server condition, as the package script does, because
// the server modules import "server-only".
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
if (fs.existsSync(path.join(root, ".env"))) process.loadEnvFile(path.join(root, ".env"));
// an empty variable means "not configured", as in scripts/start.ts
for (const [key, value] of Object.entries(process.env)) if (value === "") delete process.env[key];

const { serverEnv } = await import("@/lib/env");
const { logger } = await import("@/lib/logger");
const { stopGracefullyOnSignals } = await import("@/lib/jobs/shutdown");
const { startWorkers } = await import("@/lib/jobs/worker");

// pg-boss 10 does not await the complete/fail of a finished job in its worker loop: while the database is
// unreachable those reject with no handler, and Node would end the process. The job stays active and the
// queue expires and retries it, so the rejection is logged and the process keeps running — as the Next
// server does (it installs the same kind of handler).
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));

try {
  serverEnv();
  stopGracefullyOnSignals("worker");
  await startWorkers();
  logger.info({ pid: process.pid }, "worker process ready");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
