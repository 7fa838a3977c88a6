// The rescue sweep (started by lib/jobs/worker.ts, every minute). It logs ids and counts only.
import "server-only";
import { logger } from "@/lib/logger";
import { rescues } from "./index";

export async function handleRescueSweep(): Promise<void> {
  const result = await rescues().sweep();
  if (result.called || result.interrupted) logger.info(result, "rescue sweep");
}
