// Graceful stop of a process that runs job workers (the Next server or `npm run worker`): on SIGTERM or
// SIGINT it stops taking jobs, lets the jobs in hand and the call flows already fed an event finish (up to
// a timeout; past it pg-boss marks the unfinished jobs failed, so another worker retries them), then exits 0.
// Further signals while stopping are ignored (Ctrl+C reaches both `npm start` and this process, and the
// start script then sends SIGTERM too); SIGKILL remains the way to stop without waiting.
import "server-only";
import { envVariables } from "@/lib/env";
import { logger } from "@/lib/logger";
import { stopWorkers } from "./worker";

const globalForShutdown = globalThis as unknown as { consultaShutdownInstalled?: boolean };

function shutdownTimeoutMs(): number {
  return envVariables(["CONSULTA_SHUTDOWN_TIMEOUT_MS"]).CONSULTA_SHUTDOWN_TIMEOUT_MS;
}

export function stopGracefullyOnSignals(label: string): void {
  if (globalForShutdown.consultaShutdownInstalled) return;
  globalForShutdown.consultaShutdownInstalled = true;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = shutdownTimeoutMs();
    logger.info({ signal, process: label, timeoutMs }, "stopping: finishing jobs in hand");
    void stopWorkers(timeoutMs)
      .then(() => {
        logger.info({ process: label }, "stopped");
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, process: label }, "stop did not finish cleanly");
        process.exit(1);
      });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
