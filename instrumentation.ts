// Next.js calls register() once when a server process starts. By default the job workers run inside the
// app's own processes, so adding instances adds workers (pg-boss coordinates them through PostgreSQL).
// CONSULTA_WORKERS=off leaves them to separate processes (`npm run worker`); this process still hands key
// presses and recordings that reach its webhook to the call flows.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // the configuration is checked before this instance takes any request (stops it with a clear message)
  const { exitOnInvalidConfiguration } = await import("@/lib/config-at-start");
  exitOnInvalidConfiguration();
  const { stopGracefullyOnSignals } = await import("@/lib/jobs/shutdown");
  // scripts/start.ts sets NEXT_MANUAL_SIG_HANDLE so that Next does not exit before the jobs in hand finish
  if (process.env.NEXT_MANUAL_SIG_HANDLE) stopGracefullyOnSignals("web");
  if (process.env.CONSULTA_WORKERS === "off") {
    const { listenForCallMedia } = await import("@/lib/clinic-line/jobs");
    listenForCallMedia();
    return;
  }
  const { startWorkers } = await import("@/lib/jobs/worker");
  await startWorkers();
}
