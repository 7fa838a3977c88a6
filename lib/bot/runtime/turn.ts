// One turn of a call held by this process: the call read from its row, its flow's document stepped with what
// the notifications and commands mean, and the commit commands run inside the turn's transaction.
import "server-only";
import { logger } from "@/lib/logger";
import { lifecycleEventOf } from "../flows/call-events";
import type { BotNotification } from "../schema";
import { applyNotifications } from "./apply";
import type { CommitContext, FlowCall, Held, RuntimeEvent } from "./flow";
import type { Sql } from "./sql";
import { mediaKeyOf, type Command, type Holder, type Incoming, type RuntimeContext, type Turn } from "./context";

export const flowCall = (turn: Turn): FlowCall => ({
  id: turn.call.id,
  graphCallId: turn.call.graphCallId,
  appointmentId: turn.call.appointmentId,
  state: turn.call.state,
});

export function feed(turn: Turn, event: RuntimeEvent | Command) {
  if (!turn.flow || turn.document === null) return;
  const { document, commands } = turn.flow.step(turn.document, event);
  turn.document = document;
  turn.queue.push(...(commands as Command[]));
}

/** Steps `incoming` in this turn, unless a turn has already. */
export function take(turn: Turn, incoming: Incoming) {
  if (incoming.taken || incoming.settled) return;
  incoming.taken = true;
  turn.taken.push(incoming);
  turn.held = incoming.held;
  feed(turn, incoming.event);
}

export function forget(runtime: RuntimeContext, graphCallId: string, incoming: Incoming) {
  const list = runtime.media.get(graphCallId)?.filter((i) => i !== incoming);
  if (list?.length) runtime.media.set(graphCallId, list);
  else runtime.media.delete(graphCallId);
}

/** The turn's transaction committed: what it stepped is done. */
export function settleTaken(runtime: RuntimeContext, turn: Turn) {
  for (const incoming of turn.taken.splice(0)) {
    incoming.settled = true;
    forget(runtime, turn.call.graphCallId, incoming);
    incoming.done();
  }
}

/** The turn's transaction rolled back: what it stepped waits for the next turn. */
export function untake(turn: Turn, from = 0) {
  for (const incoming of turn.taken.splice(from)) incoming.taken = false;
}

export function openTurn(runtime: RuntimeContext, call: Turn["call"], holder: Holder, held: Held = {}): Turn {
  const flow = runtime.flows[call.purpose];
  const turn: Turn = {
    call,
    flow,
    document: null,
    savedJson: call.flow === null ? null : JSON.stringify(call.flow),
    queue: [],
    callChanged: false,
    ended: false,
    operations: new Map(),
    processed: [],
    synthetic: [],
    held,
    // a lease found on a claimed row has expired: this turn takes a lease of its own when it needs one
    leaseId: null,
    leasedAt: Date.now(),
    after: [],
    holder,
    taken: [],
  };
  if (!flow) return turn;
  if (call.flow === null) {
    turn.document = flow.initial(flowCall(turn));
    return turn;
  }
  const parsed = flow.schema.safeParse(call.flow);
  if (parsed.success) turn.document = parsed.data;
  else {
    // never cast: a document this code cannot read is not stepped; the call is ended instead
    logger.error({ callId: call.id, purpose: call.purpose }, "call flow document unreadable; hanging up");
    turn.queue.push({ type: "hangUp" });
  }
  return turn;
}

export const isCommit = (turn: Turn, command: Command) => turn.flow?.commits?.has(command.type) ?? false;

/**
 * Inside a transaction: applies the notifications (made-up ones first) to the call in memory, steps the
 * flow with what they mean, and runs the commit commands at the head of the queue. What they change is
 * written by `write`.
 */
export async function advance(
  runtime: RuntimeContext,
  tx: Sql,
  turn: Turn,
  notifications: BotNotification[],
  at: Date,
) {
  const all = [...turn.synthetic.splice(0), ...notifications];
  if (all.length) {
    const wasOver = turn.call.state === "terminated";
    const { callChanged } = await applyNotifications(tx, turn.call, all, turn.operations, at);
    if (callChanged) {
      turn.callChanged = true;
      if (!wasOver && turn.call.state === "terminated") turn.ended = true;
    }
    for (const n of all) {
      const event = lifecycleEventOf(n);
      if (event) feed(turn, event);
      // a key press or recording received here is stepped right after the notification that brought it
      const key = mediaKeyOf(n);
      const incoming = key && runtime.media.get(turn.call.graphCallId)?.find((i) => i.key === key);
      if (incoming) take(turn, incoming);
    }
  }
  await runCommits(tx, turn);
}

export async function runCommits(tx: Sql, turn: Turn) {
  const context: CommitContext = {
    after: (work) => void turn.after.push(work),
    // the flow's business outcome wins over the technical one its termination wrote
    setCallOutcome: (outcome) => {
      turn.call.outcome = outcome;
      turn.callChanged = true;
    },
  };
  while (turn.queue.length && isCommit(turn, turn.queue[0]!)) {
    const command = turn.queue.shift()!;
    const events = await turn.flow!.commit!(tx, flowCall(turn), turn.document, command, context);
    for (const event of events) feed(turn, event);
  }
}

export const hasOutsideWork = (turn: Turn) => turn.queue.length > 0;

export function runAfterCommit(turn: Turn) {
  for (const work of turn.after.splice(0))
    void work().catch((error: unknown) =>
      logger.warn({ err: error, callId: turn.call.id }, "after-commit work failed"),
    );
}

export function takeInbox(turn: Turn) {
  for (const incoming of turn.holder.inbox.splice(0)) take(turn, incoming);
}

/** What a failed transaction may have changed in a turn's memory, to put back before trying again. */
export const snapshotTurn = (turn: Turn) => ({
  call: { ...turn.call },
  document: turn.document,
  savedJson: turn.savedJson,
  queue: [...turn.queue],
  operations: new Map([...turn.operations].map(([id, op]) => [id, { ...op }])),
  processed: [...turn.processed],
  callChanged: turn.callChanged,
  ended: turn.ended,
  synthetic: [...turn.synthetic],
  leaseId: turn.leaseId,
  after: [...turn.after],
  taken: turn.taken.length,
});

export function restoreTurn(turn: Turn, before: ReturnType<typeof snapshotTurn>) {
  const { call, taken, ...fields } = before;
  Object.assign(turn.call, call);
  Object.assign(turn, fields);
  untake(turn, taken);
}
