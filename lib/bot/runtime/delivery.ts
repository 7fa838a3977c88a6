// The ways an event reaches a call's flow in this process: a key press or recording its webhook received
// (`deliver`), a domain signal or the sweep's `stalled` (`signal`). Each is stepped by a turn of this process,
// which claims the call for it, waiting while another process holds it.
import "server-only";
import { logger } from "@/lib/logger";
import type { Held, RuntimeEvent } from "./flow";
import { sleep, type Holder, type Incoming, type RuntimeContext } from "./context";
import { afterClaim, claimAndAdvance } from "./claim";
import { forget } from "./turn";

/**
 * Gets `incoming` stepped by a turn of this process: into the turn holding the call here, or by claiming
 * the call (its pending notifications are applied first). "busy": held elsewhere, or being claimed or let
 * go here; "missing": there is no such call.
 */
async function holdOne(
  runtime: RuntimeContext,
  graphCallId: string,
  incoming: Incoming,
): Promise<"handled" | "busy" | "missing"> {
  const mine = runtime.local.get(graphCallId);
  if (mine && !mine.closing) {
    mine.inbox.push(incoming);
    return "handled";
  }
  if (mine) return "busy";
  const intent: Holder = { inbox: [], dirty: false, closing: true };
  runtime.local.set(graphCallId, intent);
  const turns = await claimAndAdvance(runtime, { kind: "one", graphCallId }, [incoming], intent);
  if (!turns.length) {
    if (runtime.local.get(graphCallId) === intent) runtime.local.delete(graphCallId);
    const exists = await runtime.sql.query(`SELECT 1 FROM "Call" WHERE "graphCallId" = $1`, [graphCallId]);
    return exists.length ? "busy" : "missing";
  }
  await Promise.all(afterClaim(runtime, turns));
  return "handled";
}

function incomingOf(event: RuntimeEvent, held: Held = {}, key: string | null = null) {
  let done!: () => void;
  const processed = new Promise<void>((resolve) => (done = resolve));
  const incoming: Incoming = { event, held, key, taken: false, settled: false, done };
  return { incoming, processed };
}

/** Tries until `incoming` is stepped, waiting while another process holds the call (at most a lease). */
export async function pursue(runtime: RuntimeContext, graphCallId: string, incoming: Incoming): Promise<void> {
  const deadline = Date.now() + runtime.mediaHandOffSeconds * 1000;
  const giveUp = (message: string, level: "info" | "warn") => {
    incoming.settled = true;
    forget(runtime, graphCallId, incoming);
    incoming.done();
    logger[level]({ graphCallId, event: incoming.event.type }, message);
  };
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    // a turn of this process got to it meanwhile (it applied the notification that brought it)
    if (incoming.settled || incoming.taken) return;
    let outcome: "handled" | "busy" | "missing";
    try {
      outcome = await holdOne(runtime, graphCallId, incoming);
    } catch (error) {
      // the database away: tried again until the deadline, like a busy call
      logger.warn({ err: error, graphCallId }, "call event not applied yet");
      outcome = "busy";
    }
    if (outcome === "handled") return;
    if (outcome === "missing") return giveUp("event for a call the bot does not know", "info");
    if (Date.now() > deadline) return giveUp("call held elsewhere too long; event dropped", "warn");
    await sleep(delay);
  }
}

/**
 * An event only this process has (a key press, a finished recording, named by the notification that
 * brought it: `key`): the flow of `graphCallId` steps it — in arrival order when a turn here applies that
 * notification, else as soon as a turn here holds the call, waiting while another process holds it.
 * Resolves once it is stepped and saved.
 */
export async function deliver(
  runtime: RuntimeContext,
  graphCallId: string,
  event: RuntimeEvent,
  held: Held = {},
  key: string | null = null,
) {
  const { incoming, processed } = incomingOf(event, held, key);
  if (key) runtime.media.set(graphCallId, [...(runtime.media.get(graphCallId) ?? []), incoming]);
  await pursue(runtime, graphCallId, incoming);
  await processed;
}

/** A domain signal, or the sweep's `stalled`, for call `callId`: "busy" when it is held elsewhere. */
export async function signal(
  runtime: RuntimeContext,
  callId: string,
  event: RuntimeEvent,
): Promise<"handled" | "busy" | "missing"> {
  const [row] = await runtime.sql.query<{ graphCallId: string }>(
    `SELECT "graphCallId" FROM "Call" WHERE id = $1::uuid`,
    [callId],
  );
  if (!row) return "missing";
  const { incoming, processed } = incomingOf(event);
  const outcome = await holdOne(runtime, row.graphCallId, incoming);
  if (outcome === "handled") await processed;
  return outcome;
}
