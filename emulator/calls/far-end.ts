import type { Behaviour } from "../farend/behaviour";
import type { CallRecord, Member, ResultInfo } from "./model";
import type { EngineState } from "./state";
import { addMember, conferenceOf } from "./conversations";
import { identityForKey, keyForIdentity } from "./identities";
import { toneName } from "./ids";
import { terminate } from "./lifecycle";
import { notifyCall } from "./notify";
import { notifyRoster } from "./participants";
import { ending, RESULTS } from "./serialize";
import { stopSharingOf } from "./sharing";
import { later, timer } from "./timers";

// The far end of calls: endpoints ringing per their behaviour, their scripts (keys, speech, hang-up), and
// the people on the phone page who do the same by hand.

export function behaviourFor(engine: EngineState, endpointKey: string): Behaviour {
  return engine.behaviours.get(endpointKey) ?? { mode: "answer", script: [] };
}

/** Rings one endpoint for a call (outgoing target, invitee or transfer target). */
export function ringTarget(
  engine: EngineState,
  call: CallRecord,
  identity: Record<string, unknown> | undefined,
  handlers: { onAnswer: (m: Member) => void; onFail: (r: ResultInfo, m?: Member) => void },
  ringTimeoutMs = engine.deps.limits.noAnswerTimeoutMs,
): Member | undefined {
  const conf = conferenceOf(engine, call);
  const key = keyForIdentity(identity);
  const who = key
    ? identityForKey(engine, key, (identity?.phone as { displayName?: string } | undefined)?.displayName)
    : undefined;
  if (!key || !who) {
    later(engine, call, () => handlers.onFail(RESULTS.noEndpoints), 3);
    return undefined;
  }
  const member = addMember(engine, conf, {
    kind: who.kind,
    endpointKey: key,
    displayName: who.displayName,
    identity: who.identity,
    state: "ringing",
  });
  const behaviour = behaviourFor(engine, key);
  const ringDelay = behaviour.ringDelayMs ?? engine.deps.limits.defaultRingDelayMs;
  const ringing = { onAnswer: handlers.onAnswer, onFail: (r: ResultInfo) => handlers.onFail(r, member) };
  engine.pendingRings.set(member.id, { call, ...ringing });
  const noAnswer = () => resolveRing(engine, member.id, "noAnswer");
  switch (behaviour.mode) {
    case "answer":
      timer(engine, call, () => resolveRing(engine, member.id, "answer"), ringDelay);
      break;
    case "decline":
      timer(engine, call, () => resolveRing(engine, member.id, "decline"), ringDelay);
      break;
    case "busy":
      timer(engine, call, () => resolveRing(engine, member.id, "busy"), Math.min(ringDelay, 200));
      break;
    case "noAnswer":
    case "manual":
      timer(engine, call, noAnswer, ringTimeoutMs);
      break;
  }
  return member;
}

/** Outcome of a ringing endpoint: from its behaviour, a timeout, or a person on the phone page. */
export function resolveRing(
  engine: EngineState,
  memberId: string,
  outcome: "answer" | "decline" | "busy" | "noAnswer",
): boolean {
  const pending = engine.pendingRings.get(memberId);
  if (!pending) return false;
  engine.pendingRings.delete(memberId);
  const { call } = pending;
  const member = engine.conferences.get(call.conferenceId)?.members.get(memberId);
  if (!member || member.state !== "ringing" || call.state === "terminated") return false;
  if (outcome === "answer") {
    member.state = "connected";
    pending.onAnswer(member);
    if (call.state === "established") startScript(engine, call, member);
    return true;
  }
  member.state = "left";
  member.endReason = outcome;
  pending.onFail(outcome === "decline" ? RESULTS.declined : outcome === "busy" ? RESULTS.busy : RESULTS.noAnswer);
  return true;
}

/** Runs the endpoint's script (keys, speech, hang-up) once it is connected to an established call. */
export function startScript(engine: EngineState, call: CallRecord, member: Member): void {
  const flag = `${call.id}:${member.id}`;
  if (engine.scriptsStarted.has(flag)) return;
  engine.scriptsStarted.add(flag);
  const steps = behaviourFor(engine, member.endpointKey).script;
  if (steps.length === 0) return;
  void (async () => {
    for (const step of steps) {
      if (step.afterPrompts !== undefined)
        await waitFor(call, () => call.promptOpsCompleted >= (step.afterPrompts ?? 0));
      if (step.delayMs) await sleep(engine, call, step.delayMs);
      if (call.state === "terminated" || member.state !== "connected") return;
      if (step.type === "press") await pressKeys(engine, member, step.keys, step.intervalMs ?? 50);
      else if (step.type === "say") say(engine, member, step.text);
      else memberHangUp(engine, member);
    }
  })();
}

function waitFor(call: CallRecord, cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (cond() || call.state === "terminated") {
        call.events.off("progress", check);
        resolve();
      }
    };
    call.events.on("progress", check);
    check();
  });
}

function sleep(engine: EngineState, call: CallRecord, ms: number): Promise<void> {
  return new Promise((resolve) => timer(engine, call, resolve, ms));
}

/** Bot calls that hear a member: every established bot leg in the member's conference. */
function listeners(engine: EngineState, member: Member): CallRecord[] {
  const conf = [...engine.conferences.values()].find((c) => c.members.get(member.id) === member);
  if (!conf) return [];
  return [...conf.members.values()]
    .filter((m) => m.kind === "bot" && m.callId)
    .map((m) => engine.calls.get(m.callId!))
    .filter((c): c is CallRecord => !!c && c.state === "established");
}

export async function pressKeys(engine: EngineState, member: Member, keys: string, intervalMs = 50): Promise<void> {
  for (const key of keys) {
    for (const call of listeners(engine, member)) {
      call.events.emit("tone", key);
      if (call.toneSubscribed) {
        call.toneSequence++;
        notifyCall(engine, call, "updated", {
          state: "established",
          toneInfo: {
            "@odata.type": "#microsoft.graph.toneInfo",
            sequenceId: call.toneSequence,
            tone: toneName(key),
          },
        });
      }
    }
    if (intervalMs) await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function say(engine: EngineState, member: Member, text: string): void {
  for (const call of listeners(engine, member)) {
    call.pendingSpeech.push(text);
    call.events.emit("speech");
  }
}

/** Far end hangs up (or a guest leaves). */
export function memberHangUp(engine: EngineState, member: Member): void {
  if (member.state === "left") return;
  if (engine.pendingRings.has(member.id)) {
    resolveRing(engine, member.id, "decline");
    return;
  }
  const conf = [...engine.conferences.values()].find((c) => c.members.get(member.id) === member);
  member.state = "left";
  member.endReason = "hungUp";
  if (!conf) return;
  stopSharingOf(engine, conf, member);
  if (conf.kind !== "meeting" && ![...conf.members.values()].some((m) => m.kind === "bot")) {
    // A conversation the bot handed on (redirect): when one side hangs up the other is left alone. A meeting
    // goes on for the others.
    for (const other of conf.members.values()) {
      if (other.state === "left") continue;
      other.state = "left";
      other.endReason = "otherPartyHungUp";
    }
    return;
  }
  const bots = [...conf.members.values()]
    .filter((m) => m.kind === "bot" && m.state !== "left")
    .map((m) => engine.calls.get(m.callId ?? ""));
  for (const call of bots) {
    if (!call || call.state === "terminated") continue;
    if (call.state === "incoming") {
      terminate(
        engine,
        call,
        { code: 200, subcode: 4097, message: "The caller hung up before the call was answered." },
        { silentTerminating: true },
      );
    } else if (call.kind === "p2p" || call.kind === "incoming") {
      terminate(engine, call, ending(call.variant, member.kind === "phone" ? "remoteHangupPstn" : "remoteHangupP2P"), {
        silentTerminating: true,
      });
    } else if (
      conf.kind === "group" &&
      ![...conf.members.values()].some((m) => m.kind !== "bot" && m.state !== "left")
    ) {
      terminate(engine, call, ending(call.variant, "allOthersLeft"), { silentTerminating: true });
    } else {
      notifyRoster(engine, call);
    }
  }
}
