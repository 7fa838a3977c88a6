// prompt-sweep (hourly, in the worker): the prompt versions handed out for calls long over are forgotten. Since
// prompts name the appointment, every reminder and rescue call adds rows of its own (PromptVersion); each
// process prunes its own disk cache as it writes (store.ts).
import "server-only";
import { getDb } from "@/lib/db";
import { logger } from "@/lib/logger";
import { promptVersionsIn } from "./data";
import { PROMPT_VERSIONS_KEPT_MS } from "./store";

export async function handlePromptSweep(now = new Date()): Promise<number> {
  const forgotten = await promptVersionsIn(getDb()).forgetBefore(new Date(now.getTime() - PROMPT_VERSIONS_KEPT_MS));
  if (forgotten) logger.info({ forgotten }, "prompt sweep");
  return forgotten;
}
