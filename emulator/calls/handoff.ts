import crypto from "node:crypto";
import { HttpError } from "../http/context";
import type { CallRecord, Conference, Member, ResultInfo } from "./model";
import type { EngineState } from "./state";
import { conferenceOf, newConference } from "./conversations";
import { ringTarget } from "./far-end";
import { keyForIdentity } from "./identities";
import { normaliseId } from "./ids";
import { finish, terminate } from "./lifecycle";
import { notifyCall, notifyCallGone } from "./notify";
import { RESULTS } from "./serialize";
import { clearTimer, later } from "./timers";

// The bot handing a call on: redirecting an unanswered incoming call, or transferring an established one. The far
// ends it hands on talk without the bot.

/**
 * Forwards an unanswered incoming call: every target rings at once (first to answer wins,
 * emulator/CONTRACT.md#redirect). The bot's call ends when the redirect resolves — `deleted terminated`, with
 * `answeredBy` for phone targets as in the PSTN example — and the caller carries on with whoever answered,
 * without the bot.
 */
export function redirect(
  engine: EngineState,
  call: CallRecord,
  targets: Array<Record<string, unknown>>,
  opts: { timeoutSeconds: number; callbackUri?: string },
): void {
  if (call.state !== "incoming")
    throw new HttpError(400, "invalidRequest", `The call is ${call.state}; only incoming calls can be redirected.`);
  clearTimer(engine, call, "answerWindow");
  if (opts.callbackUri) call.callbackUri = opts.callbackUri;
  call.state = "redirecting";
  call.redirectedTo = targets.map((t) => keyForIdentity(t.identity as Record<string, unknown>) ?? "unknown");
  call.redirectOutcome = "ringing";
  const conf = conferenceOf(engine, call);
  const caller = call.peerMemberId ? conf.members.get(call.peerMemberId) : undefined;
  const ringing: Member[] = [];
  let pending = targets.length;
  let lastFailure: ResultInfo = RESULTS.noEndpoints;
  const ringTimeoutMs = Math.min(opts.timeoutSeconds * 1000, engine.deps.limits.noAnswerTimeoutMs);
  for (const target of targets) {
    const member = ringTarget(
      engine,
      call,
      target.identity as Record<string, unknown> | undefined,
      {
        onAnswer: (winner) => {
          for (const other of ringing) {
            if (other === winner || other.state !== "ringing") continue;
            engine.pendingRings.delete(other.id);
            other.state = "left";
            other.endReason = "answeredElsewhere";
          }
          call.redirectOutcome = "answered";
          call.redirectAnsweredBy = winner.endpointKey;
          if (caller && caller.state !== "left") connectWithoutBot(engine, conf, [caller, winner], "redirect");
          endRedirect(engine, call, winner);
        },
        onFail: (result) => {
          lastFailure = result;
          if (--pending > 0 || call.state !== "redirecting") return;
          call.redirectOutcome = "failed";
          if (caller && caller.state !== "left") {
            caller.state = "left";
            caller.calling = false;
            caller.endReason = "redirectNotAnswered";
          }
          endRedirect(engine, call, undefined, lastFailure);
        },
      },
      ringTimeoutMs,
    );
    if (member) ringing.push(member);
  }
}

function endRedirect(
  engine: EngineState,
  call: CallRecord,
  answeredBy: Member | undefined,
  failure?: ResultInfo,
): void {
  finish(engine, call, failure ?? null);
  notifyCallGone(engine, call, {
    state: "terminated",
    direction: call.direction,
    callbackUri: call.callbackUri,
    source: call.source,
    targets: call.targets,
    ...(answeredBy?.kind === "phone"
      ? {
          answeredBy: {
            "@odata.type": "#microsoft.graph.participantInfo",
            identity: {
              "@odata.type": "#microsoft.graph.identitySet",
              // The platform hides who picked up behind an opaque id.
              encrypted: {
                "@odata.type": "#microsoft.graph.identity",
                id: crypto.createHash("sha256").update(answeredBy.endpointKey).digest("hex").slice(0, 44),
              },
            },
            endpointType: "default",
          },
        }
      : {}),
    ...(failure ? { resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...failure } } : {}),
    tenantId: call.tenantId,
    myParticipantId: call.myParticipantId,
    id: call.id,
  });
}

/**
 * Moves far-end members into a conversation of their own (no bot): they talk until one hangs up.
 * `via` tells the phone page how they got there (a redirect or a transfer).
 */
function connectWithoutBot(
  engine: EngineState,
  from: Conference,
  members: Member[],
  via: NonNullable<Member["handedOff"]>,
  alsoFrom?: CallRecord,
): Conference {
  const conf = newConference(engine, "p2p");
  const other = alsoFrom ? engine.conferences.get(alsoFrom.conferenceId) : undefined;
  for (const m of members) {
    from.members.delete(m.id);
    other?.members.delete(m.id);
    m.state = "connected";
    m.calling = false;
    m.handedOff = via;
    conf.members.set(m.id, m);
  }
  return conf;
}

/**
 * Transfer (emulator/CONTRACT.md#transfer): `transferring`, then `transferAccepted` once the transferee took the
 * request. A blind transfer then rings the target through its far-end behaviour (or a person on the
 * phone page); when it answers, the transferee and the target talk without the bot and the bot's call
 * ends with `deleted terminated` 0/7015. When it declines, is busy, does not answer or is unknown, the
 * call goes back to `established` with resultInfo 500/7000 (the docs' transfer-failed notification) and
 * the transferee is still with the bot. A consultative transfer (`replacesCallId`) rings nobody: the
 * target is on the bot's other call, which must be live (else 500/7700 with `replacesContext`).
 */
export function transfer(
  engine: EngineState,
  call: CallRecord,
  target: Record<string, unknown>,
  transferee?: Record<string, unknown>,
): void {
  if (call.state !== "established")
    throw new HttpError(400, "invalidRequest", `The call is ${call.state}; only established calls can be transferred.`);
  const replacesCallId = typeof target.replacesCallId === "string" ? target.replacesCallId : undefined;
  const key = keyForIdentity(target.identity as Record<string, unknown> | undefined);
  call.state = "transferring";
  call.transfer = { target: key ?? "unknown", outcome: "ringing", consultative: !!replacesCallId };
  later(engine, call, () => notifyCall(engine, call, "updated", { state: "transferring" }));
  later(
    engine,
    call,
    () => {
      if (call.state !== "transferring") return;
      call.state = "transferAccepted";
      notifyCall(engine, call, "updated", { state: "transferAccepted" });
      if (replacesCallId) consultativeTransfer(engine, call, replacesCallId);
      else blindTransfer(engine, call, target, transferee);
    },
    2,
  );
}

/** The member being moved: the named participant (group calls), else the far end of a P2P / incoming call. */
function transfereeOf(engine: EngineState, call: CallRecord, transferee?: Record<string, unknown>): Member | undefined {
  const conf = conferenceOf(engine, call);
  const named = typeof transferee?.participantId === "string" ? conf.members.get(transferee.participantId) : undefined;
  const member = named ?? (call.peerMemberId ? conf.members.get(call.peerMemberId) : undefined);
  return member && member.kind !== "bot" && member.state === "connected" ? member : undefined;
}

function blindTransfer(
  engine: EngineState,
  call: CallRecord,
  target: Record<string, unknown>,
  transferee?: Record<string, unknown>,
): void {
  const conf = conferenceOf(engine, call);
  ringTarget(engine, call, target.identity as Record<string, unknown> | undefined, {
    onAnswer: (winner) => {
      if (call.state !== "transferAccepted") return;
      const moving = transfereeOf(engine, call, transferee);
      if (!moving) {
        // the transferee hung up while the target rang: nobody to hand over
        winner.state = "left";
        winner.endReason = "callEnded";
        return;
      }
      completeTransfer(engine, call, conf, [moving, winner], winner.endpointKey);
    },
    onFail: (ring) => {
      if (call.state !== "transferAccepted") return;
      failTransfer(engine, call, { ...RESULTS.transferFailed, message: `Transfer failed: ${ring.message}` }, ring);
    },
  });
}

function consultativeTransfer(engine: EngineState, call: CallRecord, replacesCallId: string): void {
  const replaced = engine.calls.get(normaliseId(replacesCallId));
  later(engine, call, () => {
    if (call.state !== "transferAccepted") return;
    if (replaced?.state !== "established" || replaced.appId !== call.appId) {
      failTransfer(engine, call, RESULTS.consultativeTransferFailed, undefined, replacesCallId);
      return;
    }
    // the target is the far end of the call being replaced; it joins the transferee without the bot
    const targetMember = replaced.peerMemberId
      ? conferenceOf(engine, replaced).members.get(replaced.peerMemberId)
      : undefined;
    const moving = transfereeOf(engine, call);
    const legs = [moving, targetMember].filter((m): m is Member => !!m && m.state === "connected");
    completeTransfer(engine, call, conferenceOf(engine, call), legs, targetMember?.endpointKey, replaced);
  });
}

function completeTransfer(
  engine: EngineState,
  call: CallRecord,
  from: Conference,
  legs: Member[],
  answeredBy: string | undefined,
  replaced?: CallRecord,
): void {
  const moved = legs.length > 1 ? connectWithoutBot(engine, from, legs, "transfer", replaced) : undefined;
  call.transfer = {
    ...call.transfer!,
    outcome: "answered",
    answeredBy,
    conferenceId: moved?.id,
  };
  terminate(engine, call, RESULTS.transferCompleted, { silentTerminating: true });
  if (replaced) terminate(engine, replaced, RESULTS.transferCompleted, { silentTerminating: true });
}

function failTransfer(
  engine: EngineState,
  call: CallRecord,
  failure: ResultInfo,
  ring?: ResultInfo,
  replacesCallId?: string,
): void {
  call.state = "established";
  call.resultInfo = failure;
  call.transfer = { ...call.transfer!, outcome: "failed", result: failure, ringResult: ring };
  notifyCall(engine, call, "updated", {
    state: "established",
    resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...failure },
    ...(replacesCallId ? { replacesContext: replacesCallId } : {}),
  });
}
