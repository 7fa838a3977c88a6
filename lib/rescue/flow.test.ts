import { describe, expect, it } from "vitest";
import { initialRescueState, rescueStateSchema, rescueStep, runRescue, type RescueEvent } from "./flow";

const up: RescueEvent = { type: "established", audioActive: true };
const offer: RescueEvent = { type: "playStarted", operationId: "offer" };
const offered: RescueEvent = { type: "promptFinished", operationId: "offer", ok: true };
const types = (commands: { type: string }[]) => commands.map((c) => c.type);

describe("the rescue call's flow", () => {
  it("answered: tones first, then the offer; it waits for the audio", () => {
    const early = rescueStep(initialRescueState(), { type: "established", audioActive: false });
    expect(early).toMatchObject({ state: { step: "dialing", established: true }, commands: [] });
    const { state, commands } = runRescue([up]);
    expect(state.step).toBe("offering");
    expect(commands).toEqual([{ type: "subscribeToTone" }, { type: "play", prompt: "rescueOffer" }]);
  });

  it("1: says so, then joins the meeting; the call it replaced ends as JOINED", () => {
    const { state, commands } = runRescue([
      up,
      offer,
      { type: "tone", key: "1" },
      { type: "playStarted", operationId: "joining" },
      { type: "promptFinished", operationId: "joining", ok: true },
      { type: "joinStarted", operationId: "invite-1" },
      { type: "terminated", resultCode: 200, resultSubcode: 5000 },
    ]);
    expect(types(commands)).toEqual(["subscribeToTone", "play", "stopPrompts", "play", "join", "finish"]);
    expect(commands[3]).toEqual({ type: "play", prompt: "rescueJoining" });
    expect(commands.at(-1)).toEqual({ type: "finish", outcome: "JOINED", reason: "moved-into-meeting" });
    expect(state).toMatchObject({ step: "done", outcome: "JOINED", joinOperation: "invite-1" });
    expect(rescueStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it("1 but the invitation is refused: reception takes the call", () => {
    const { state, commands } = runRescue([
      up,
      offer,
      { type: "tone", key: "1" },
      { type: "playStarted", operationId: "joining" },
      { type: "promptFinished", operationId: "joining", ok: true },
      { type: "joinFailed" },
      { type: "playStarted", operationId: "transferring" },
      { type: "promptFinished", operationId: "transferring", ok: true },
      { type: "terminated", resultCode: 0, resultSubcode: 7015 },
    ]);
    expect(types(commands).slice(-3)).toEqual(["play", "transfer", "finish"]);
    expect(state.outcome).toBe("RECEPTION");
  });

  it("2: reception; 3: the visit flagged for rescheduling, said, and the bot hangs up", () => {
    const reception = runRescue([
      up,
      offer,
      { type: "tone", key: "2" },
      { type: "playStarted", operationId: "t" },
      { type: "promptFinished", operationId: "t", ok: true },
      { type: "terminated", resultCode: 0, resultSubcode: 7015 },
    ]);
    expect(reception.commands.at(-1)).toEqual({ type: "finish", outcome: "RECEPTION", reason: "transferred" });

    const later = runRescue([
      up,
      offer,
      { type: "tone", key: "3" },
      { type: "rescheduleMarked" },
      { type: "playStarted", operationId: "bye" },
      { type: "promptFinished", operationId: "bye", ok: true },
      { type: "terminated", resultCode: 200, resultSubcode: 7000 },
    ]);
    expect(types(later.commands)).toEqual([
      "subscribeToTone",
      "play",
      "stopPrompts",
      "markReschedule",
      "play",
      "hangUp",
      "finish",
    ]);
    expect(later.commands[4]).toEqual({ type: "play", prompt: "rescueReschedule" });
    expect(later.state.outcome).toBe("RESCHEDULE");
  });

  it("silence: the offer again, then goodbye (NO_RESPONSE); other keys are ignored", () => {
    const { state, commands } = runRescue([
      up,
      offer,
      { type: "tone", key: "7" },
      offered,
      { type: "playStarted", operationId: "offer-2" },
      { type: "promptFinished", operationId: "offer-2", ok: true },
      { type: "playStarted", operationId: "bye" },
      { type: "promptFinished", operationId: "bye", ok: true },
      { type: "terminated", resultCode: 200, resultSubcode: 7000 },
    ]);
    expect(types(commands)).toEqual(["subscribeToTone", "play", "play", "play", "hangUp", "finish"]);
    expect(commands.at(-1)).toEqual({ type: "finish", outcome: "NO_RESPONSE", reason: "completed" });
    expect(state.plays).toBe(2);
  });

  it("never answered: busy, declined and no answer are recorded as such", () => {
    const ended = (code: number, subcode: number) =>
      runRescue([{ type: "terminated", resultCode: code, resultSubcode: subcode }]).commands.at(-1);
    expect(ended(486, 0)).toEqual({ type: "finish", outcome: "BUSY", reason: "busy" });
    expect(ended(603, 0)).toEqual({ type: "finish", outcome: "DECLINED", reason: "declined" });
    expect(ended(408, 10057)).toEqual({ type: "finish", outcome: "NO_ANSWER", reason: "no-answer" });
  });

  it("the patient hangs up during the offer: NO_RESPONSE; a stalled call is hung up", () => {
    const hungUp = runRescue([up, offer, { type: "terminated", resultCode: 200, resultSubcode: 540000 }]);
    expect(hungUp.commands.at(-1)).toEqual({ type: "finish", outcome: "NO_RESPONSE", reason: "hung-up" });
    const stalled = runRescue([up, offer, { type: "stalled" }]);
    expect(stalled.commands.at(-1)).toEqual({ type: "hangUp" });
  });
});
