import { describe, expect, it } from "vitest";
import {
  afterEstablished,
  afterFinalPrompt,
  afterJoinAnswer,
  afterTerminated,
  CANCEL_NOT_CONFIRMED,
  endCall,
  handOver,
  lateEvent,
  waitFor,
  type AnsweredEnds,
} from "./fold";

// A made-up flow with its own outcome names, so that what is shared and what each flow names stay apart.
type Outcome = "REACHED" | "LOST" | "GAVE_UP" | "MOVED" | "FAILED" | "CONFIRMED" | "CANCELLED" | "KEPT";
interface State {
  step: string;
  outcome: Outcome | null;
  established: boolean;
  waitingFor: string | null;
  joinOperation?: string | null;
  detail?: string | null;
  plays?: number;
}

const at = (step: string, more: Partial<State> = {}): State => ({
  step,
  outcome: null,
  established: true,
  waitingFor: "op",
  ...more,
});
const finish = (outcome: Outcome, reason: string) => ({ type: "finish" as const, outcome, reason });
const ENDS: AnsweredEnds<Outcome> = { transferred: "REACHED", notTransferred: "LOST", hungUp: "GAVE_UP" };
const JOINING_ENDS: AnsweredEnds<Outcome> = { ...ENDS, joined: "MOVED" };
const hello = { type: "play" as const, prompt: "reminder" as const };

describe("afterEstablished", () => {
  const dialing = at("dialing", { established: false, waitingFor: null });
  const prompting = { ...dialing, step: "prompting", plays: 1 };

  it("waits for the audio: answered, but nothing is played yet", () => {
    expect(afterEstablished(dialing, { audioActive: false }, "dialing", prompting, hello)).toEqual({
      state: { ...dialing, established: true },
      commands: [],
    });
  });

  it("with the audio: the started state, tones subscribed before the first prompt", () => {
    for (const audioActive of [true, undefined]) {
      expect(afterEstablished(dialing, { audioActive }, "dialing", prompting, hello)).toEqual({
        state: { ...prompting, established: true },
        commands: [{ type: "subscribeToTone" }, hello],
      });
    }
  });

  it("a repeated established, once past the waiting step, changes nothing", () => {
    const later = { ...prompting, established: true, waitingFor: "op1" };
    const t = afterEstablished(later, { audioActive: true }, "dialing", { ...later, step: "elsewhere" }, hello);
    expect(t.state).toBe(later);
    expect(t.commands).toEqual([]);
  });
});

describe("waitFor", () => {
  it("remembers the operation whose end the flow waits for, and says nothing", () => {
    const state = at("prompting", { waitingFor: "old", plays: 2 });
    expect(waitFor(state, "new")).toEqual({ state: { ...state, waitingFor: "new" }, commands: [] });
  });
});

describe("lateEvent (the call is done)", () => {
  const done = at("done", { waitingFor: null });
  const unacted = { outcome: "GAVE_UP" as const, reason: "gave-up" };

  it("a stall with nothing decided: FAILED, in every flow", () => {
    for (const t of [
      lateEvent(done, { type: "stalled" }, finish),
      lateEvent(done, { type: "stalled" }, finish, unacted),
    ])
      expect(t).toEqual({
        state: { ...done, outcome: "FAILED" },
        commands: [{ type: "finish", outcome: "FAILED", reason: "stalled" }],
      });
  });

  it("an action's answer after the hang-up decides, where the flow's actions answer late", () => {
    expect(lateEvent(done, { type: "actionDone", action: "confirm" }, finish, unacted)).toEqual({
      state: { ...done, outcome: "CONFIRMED" },
      commands: [{ type: "finish", outcome: "CONFIRMED", reason: "hung-up" }],
    });
    expect(lateEvent(done, { type: "actionDone", action: "cancel" }, finish, unacted).commands).toEqual([
      { type: "finish", outcome: "CANCELLED", reason: "hung-up" },
    ]);
    for (const type of ["actionFailed", "noAppointment"])
      expect(lateEvent(done, { type, action: "cancel" }, finish, unacted)).toEqual({
        state: { ...done, outcome: "GAVE_UP" },
        commands: [{ type: "finish", outcome: "GAVE_UP", reason: "gave-up" }],
      });
  });

  it("a flow without late actions hears only the stall; a decided outcome never changes", () => {
    expect(lateEvent(done, { type: "actionDone", action: "confirm" }, finish)).toEqual({ state: done, commands: [] });
    expect(lateEvent(done, { type: "actionFailed" }, finish)).toEqual({ state: done, commands: [] });
    expect(lateEvent(done, { type: "tone" }, finish, unacted)).toEqual({ state: done, commands: [] });
    const decided: State = { ...done, outcome: "KEPT" };
    for (const type of ["stalled", "actionDone", "actionFailed", "noAppointment"])
      expect(lateEvent(decided, { type, action: "confirm" }, finish, unacted)).toEqual({
        state: decided,
        commands: [],
      });
  });
});

describe("afterTerminated (an answered call ends)", () => {
  const ended = (state: State, subcode: number | null = 0, ends = ENDS) =>
    afterTerminated(state, subcode, ends, finish);

  it("the call is done and waits for nothing", () => {
    expect(ended(at("prompting")).state).toMatchObject({ step: "done", waitingFor: null, outcome: "GAVE_UP" });
  });

  it("during a transfer: handed over only on 7015; otherwise what was decided, else the flow's failed transfer", () => {
    expect(ended(at("transferring"), 7015).commands).toEqual([
      { type: "finish", outcome: "REACHED", reason: "transferred" },
    ]);
    expect(ended(at("transferring", { outcome: "KEPT" }), 7015).state.outcome).toBe("REACHED");
    expect(ended(at("transferring"), 5000)).toMatchObject({
      state: { step: "done", outcome: "LOST" },
      commands: [{ type: "finish", outcome: "LOST", reason: "ended-during-transfer" }],
    });
    expect(ended(at("transferring", { outcome: "KEPT" }), null).commands).toEqual([
      { type: "finish", outcome: "KEPT", reason: "ended-during-transfer" },
    ]);
  });

  it("while joining, once the invitation was accepted: moved into the meeting (only where the flow can join)", () => {
    const joining = at("joining", { joinOperation: "invite-1" });
    expect(ended(joining, 5000, JOINING_ENDS).commands).toEqual([
      { type: "finish", outcome: "MOVED", reason: "moved-into-meeting" },
    ]);
    expect(ended(at("joining", { joinOperation: null }), 5000, JOINING_ENDS).commands).toEqual([
      { type: "finish", outcome: "GAVE_UP", reason: "hung-up" },
    ]);
    expect(ended(joining, 5000, ENDS).commands).toEqual([{ type: "finish", outcome: "GAVE_UP", reason: "hung-up" }]);
  });

  it("otherwise what was decided (its detail, when it has one), or hung up undecided", () => {
    expect(ended(at("closing", { outcome: "KEPT" })).commands).toEqual([
      { type: "finish", outcome: "KEPT", reason: "completed" },
    ]);
    expect(ended(at("ending", { outcome: "KEPT", detail: CANCEL_NOT_CONFIRMED })).commands).toEqual([
      { type: "finish", outcome: "KEPT", reason: CANCEL_NOT_CONFIRMED },
    ]);
    expect(ended(at("prompting", { detail: null })).commands).toEqual([
      { type: "finish", outcome: "GAVE_UP", reason: "hung-up" },
    ]);
    // hung up at "cancel?": nothing was cancelled, and the reason says so
    expect(ended(at("checking")).commands).toEqual([
      { type: "finish", outcome: "GAVE_UP", reason: CANCEL_NOT_CONFIRMED },
    ]);
  });
});

describe("handing over, joining and hanging up", () => {
  it("handOver says reception takes the call, and waits for no earlier prompt", () => {
    expect(handOver(at("menu", { waitingFor: "menu-op" }))).toEqual({
      state: at("handing-over", { waitingFor: null }),
      commands: [{ type: "play", prompt: "transferring" }],
    });
  });

  it("afterJoinAnswer: an accepted invitation is kept; a refused one goes to reception; only while joining", () => {
    const joining = { ...at("joining", { waitingFor: null }), joinOperation: null };
    expect(afterJoinAnswer(joining, { type: "joinStarted", operationId: "invite-1" })).toEqual({
      state: { ...joining, joinOperation: "invite-1" },
      commands: [],
    });
    expect(afterJoinAnswer(joining, { type: "joinFailed" })).toEqual({
      state: { ...joining, step: "handing-over" },
      commands: [{ type: "play", prompt: "transferring" }],
    });
    const menu = { ...at("menu"), joinOperation: null };
    for (const event of [{ type: "joinStarted", operationId: "x" } as const, { type: "joinFailed" } as const])
      expect(afterJoinAnswer(menu, event)).toEqual({ state: menu, commands: [] });
  });

  it("endCall hangs up, keeping the outcome reached unless given one", () => {
    const decided = at("closing", { outcome: "KEPT" });
    expect(endCall(decided)).toEqual({
      state: { ...decided, step: "ending", waitingFor: null },
      commands: [{ type: "hangUp" }],
    });
    expect(endCall(at("prompting"), "FAILED").state).toMatchObject({ step: "ending", outcome: "FAILED" });
    expect(endCall(at("prompting")).state.outcome).toBeNull();
  });

  it("afterFinalPrompt: the transferring prompt leads to the transfer, the last words to the hang-up", () => {
    const over = { waitingFor: null };
    expect(afterFinalPrompt(at("handing-over", over))).toEqual({
      state: at("transferring", over),
      commands: [{ type: "transfer" }],
    });
    expect(afterFinalPrompt(at("closing", { ...over, outcome: "KEPT" }))).toEqual({
      state: at("ending", { ...over, outcome: "KEPT" }),
      commands: [{ type: "hangUp" }],
    });
    const acting = at("acting", over);
    expect(afterFinalPrompt(acting)).toEqual({ state: acting, commands: [] });
  });
});
