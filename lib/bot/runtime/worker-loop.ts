// This process's worker loop: LISTEN for new notifications, claim the calls they name (or, when the poll is
// due, any call with pending notifications) within the free slots, and drive the ones with work to do.
import { logger } from "@/lib/logger";
import { CALLS_CHANNEL } from "./sql";
import { sleep, type RuntimeContext, type Turn } from "./context";
import { afterClaim, claimAndAdvance, type Claim } from "./claim";

function kick(rt: RuntimeContext) {
  const resolve = rt.loop.kickLoop;
  rt.loop.kickLoop = null;
  resolve?.();
}

/** New notifications for these calls (the NOTIFY payloads): claimed here unless held here already. */
export function wake(rt: RuntimeContext, graphCallIds: string[]) {
  for (const id of graphCallIds) {
    const holder = rt.local.get(id);
    if (holder) holder.dirty = true;
    else rt.loop.woken.add(id);
  }
  if (rt.loop.woken.size) kick(rt);
}

/** One claim pass: the woken calls, or (when the poll is due) any call with pending notifications. */
async function claimPass(rt: RuntimeContext): Promise<number> {
  const free = rt.slots - rt.driving.size;
  if (free <= 0) return 0;
  let claim: Extract<Claim, { kind: "pending" }>;
  if (rt.loop.pollDue) {
    rt.loop.pollDue = false;
    rt.loop.woken.clear();
    claim = { kind: "pending", graphCallIds: null, limit: free };
  } else {
    const ids = [...rt.loop.woken].filter((id) => !rt.local.has(id));
    rt.loop.woken.clear();
    if (!ids.length) return 0;
    claim = { kind: "pending", graphCallIds: ids, limit: free };
  }
  let turns: Turn[];
  try {
    turns = await claimAndAdvance(rt, claim);
  } catch (error) {
    turns = await oneByOne(rt, claim, error);
  }
  // at the limit: what was not claimed may only have waited for a slot
  if (claim.graphCallIds && turns.length === free) {
    const claimed = new Set(turns.map((t) => t.call.graphCallId));
    for (const id of claim.graphCallIds) if (!claimed.has(id)) rt.loop.woken.add(id);
  }
  afterClaim(rt, turns);
  return turns.length;
}

/**
 * A batch failed: its calls are claimed one by one, so that one whose step fails (a defect) does not hold
 * up the others; its notifications stay pending and are tried again by the poll. Throws when none could
 * be claimed (the database away, most likely).
 */
async function oneByOne(
  rt: RuntimeContext,
  claim: Extract<Claim, { kind: "pending" }>,
  failure: unknown,
): Promise<Turn[]> {
  const ids =
    claim.graphCallIds ??
    (
      await rt.sql.query<{ graphCallId: string }>(
        `SELECT DISTINCT "graphCallId" FROM "InboundNotification" WHERE "processedAt" IS NULL LIMIT $1`,
        [claim.limit],
      )
    ).map((row) => row.graphCallId);
  if (ids.length <= 1) throw failure;
  const turns: Turn[] = [];
  let failed = 0;
  for (const graphCallId of ids) {
    try {
      turns.push(...(await claimAndAdvance(rt, { kind: "pending", graphCallIds: [graphCallId], limit: 1 })));
    } catch (error) {
      failed++;
      logger.error({ err: error, graphCallId }, "call turn failed; its notifications stay pending");
    }
  }
  if (failed === ids.length) throw failure;
  return turns;
}

async function loop(rt: RuntimeContext) {
  let failures = 0;
  while (rt.loop.running) {
    if (!rt.loop.woken.size && !rt.loop.pollDue) await new Promise<void>((resolve) => (rt.loop.kickLoop = resolve));
    if (!rt.loop.running) break;
    if (rt.driving.size >= rt.slots) {
      await Promise.race(rt.driving);
      continue;
    }
    try {
      const claimed = await claimPass(rt);
      failures = 0;
      // a full batch may have left more behind
      if (claimed > 0 && claimed >= rt.slots) rt.loop.pollDue = true;
    } catch (error) {
      // the database away, most likely: try again a little later, all of it
      failures++;
      logger.warn({ err: error, failures }, "claiming calls failed");
      rt.loop.pollDue = true;
      await sleep(Math.min(200 * 2 ** failures, 5_000));
    }
  }
}

/** Starts this process's worker loop: LISTEN, claim what is pending, then what each NOTIFY names. */
export async function start(rt: RuntimeContext): Promise<void> {
  if (rt.loop.running) return;
  rt.loop.running = true;
  rt.listening = true;
  rt.loop.stopListening = await rt.sql.listen(CALLS_CHANNEL, {
    notify: (graphCallId) => wake(rt, [graphCallId]),
    // notifications sent while the connection was down are gone: look at everything
    reconnected: () => {
      rt.loop.pollDue = true;
      kick(rt);
    },
  });
  rt.loop.pollTimer = setInterval(() => {
    rt.loop.pollDue = true;
    kick(rt);
  }, rt.pollMs);
  rt.loop.pollTimer.unref();
  rt.loop.loopDone = loop(rt);
}

/** Stops claiming; resolves when the calls held here have been let go (graceful shutdown). */
export async function stop(rt: RuntimeContext): Promise<void> {
  rt.loop.running = false;
  clearInterval(rt.loop.pollTimer);
  kick(rt);
  await rt.loop.stopListening?.();
  rt.loop.stopListening = null;
  rt.listening = false;
  await rt.loop.loopDone;
  await settled(rt);
}

export async function settled(rt: RuntimeContext): Promise<void> {
  while (rt.driving.size) await Promise.allSettled([...rt.driving]);
}
