// Next.js calls register() once when a server process starts: the job workers run inside the app's
// own processes, so adding instances adds workers (pg-boss coordinates them through PostgreSQL).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build" || process.env.CONSULTA_WORKERS === "off") return;
  const { startWorkers } = await import("@/lib/jobs/worker");
  await startWorkers();
}
