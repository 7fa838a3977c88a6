// This process's worker loop: LISTEN for new notifications, claim the calls they name (or, when the poll is
// due, any call with pending notifications) within the free slots, and drive the ones with work to do.
import "server-only";
import { logger } from "@/lib/logger";
import { CALLS_CHANNEL } from "./sql";
import { sleep, type RuntimeContext, type Turn } from "./context";
import { afterClaim, claimAndAdvance, type Claim } from "./claim";

function kick(runtime: RuntimeContext) {
  const resolve = runtime.loop.kickLoop;
  runtime.loop.kickLoop = null;
  resolve?.();
}

/** New notifications for these calls (the NOTIFY payloads): claimed here unless held here already. */
export function wake(runtime: RuntimeContext, graphCallIds: string[]) {
  for (const id of graphCallIds) {
    const holder = runtime.local.get(id);
    if (holder) holder.dirty = true;
    else runtime.loop.woken.add(id);
  }
  if (runtime.loop.woken.size) kick(runtime);
}

/** One claim pass: the woken calls, or (when the poll is due) any call with pending notifications. */
async function claimPass(runtime: RuntimeContext): Promise<number> {
  const free = runtime.slots - runtime.driving.size;
  if (free <= 0) return 0;
  let claim: Extract<Claim, { kind: "pending" }>;
  if (runtime.loop.pollDue) {
    runtime.loop.pollDue = false;
    runtime.loop.woken.clear();
    claim = { kind: "pending", graphCallIds: null, limit: free };
  } else {
    const ids = [...runtime.loop.woken].filter((id) => !runtime.local.has(id));
    runtime.loop.woken.clear();
    if (!ids.length) return 0;
    claim = { kind: "pending", graphCallIds: ids, limit: free };
  }
  let turns: Turn[];
  try {
    turns = await claimAndAdvance(runtime, claim);
  } catch (error) {
    turns = await oneByOne(runtime, claim, error);
  }
  // at the limit: what was not claimed may only have waited for a slot
  if (claim.graphCallIds && turns.length === free) {
    const claimed = new Set(turns.map((t) => t.call.graphCallId));
    for (const id of claim.graphCallIds) if (!claimed.has(id)) runtime.loop.woken.add(id);
  }
  afterClaim(runtime, turns);
  return turns.length;
}

/**
 * A batch failed: its calls are claimed one by one, so that one whose step fails (a defect) does not hold
 * up the others; its notifications stay pending and are tried again by the poll. Throws when none could
 * be claimed (the database away, most likely).
 */
async function oneByOne(
  runtime: RuntimeContext,
  claim: Extract<Claim, { kind: "pending" }>,
  failure: unknown,
): Promise<Turn[]> {
  const ids =
    claim.graphCallIds ??
    (
      await runtime.sql.query<{ graphCallId: string }>(
        `SELECT DISTINCT "graphCallId" FROM "InboundNotification" WHERE "processedAt" IS NULL LIMIT $1`,
        [claim.limit],
      )
    ).map((row) => row.graphCallId);
  if (ids.length <= 1) throw failure;
  const turns: Turn[] = [];
  let failed = 0;
  for (const graphCallId of ids) {
    try {
      turns.push(...(await claimAndAdvance(runtime, { kind: "pending", graphCallIds: [graphCallId], limit: 1 })));
    } catch (error) {
      failed++;
      logger.error({ err: error, graphCallId }, "call turn failed; its notifications stay pending");
    }
  }
  if (failed === ids.length) throw failure;
  return turns;
}

async function loop(runtime: RuntimeContext) {
  let failures = 0;
  while (runtime.loop.running) {
    if (!runtime.loop.woken.size && !runtime.loop.pollDue)
      await new Promise<void>((resolve) => (runtime.loop.kickLoop = resolve));
    if (!runtime.loop.running) break;
    if (runtime.driving.size >= runtime.slots) {
      await Promise.race(runtime.driving);
      continue;
    }
    try {
      const claimed = await claimPass(runtime);
      failures = 0;
      // a full batch may have left more behind
      if (claimed > 0 && claimed >= runtime.slots) runtime.loop.pollDue = true;
    } catch (error) {
      // the database away, most likely: try again a little later, all of it
      failures++;
      logger.warn({ err: error, failures }, "claiming calls failed");
      runtime.loop.pollDue = true;
      await sleep(Math.min(200 * 2 ** failures, 5_000));
    }
  }
}

/** Starts this process's worker loop: LISTEN, claim what is pending, then what each NOTIFY names. */
export async function start(runtime: RuntimeContext): Promise<void> {
  if (runtime.loop.running) return;
  runtime.loop.running = true;
  runtime.listening = true;
  runtime.loop.stopListening = await runtime.sql.listen(CALLS_CHANNEL, {
    notify: (graphCallId) => wake(runtime, [graphCallId]),
    // notifications sent while the connection was down are gone: look at everything
    reconnected: () => {
      runtime.loop.pollDue = true;
      kick(runtime);
    },
  });
  runtime.loop.pollTimer = setInterval(() => {
    runtime.loop.pollDue = true;
    kick(runtime);
  }, runtime.pollMs);
  runtime.loop.pollTimer.unref();
  runtime.loop.loopDone = loop(runtime);
}

/** Stops claiming; resolves when the calls held here have been let go (graceful shutdown). */
export async function stop(runtime: RuntimeContext): Promise<void> {
  runtime.loop.running = false;
  clearInterval(runtime.loop.pollTimer);
  kick(runtime);
  await runtime.loop.stopListening?.();
  runtime.loop.stopListening = null;
  runtime.listening = false;
  await runtime.loop.loopDone;
  await settled(runtime);
}

export async function settled(runtime: RuntimeContext): Promise<void> {
  while (runtime.driving.size) await Promise.allSettled([...runtime.driving]);
}
