import { describe, expect, it } from "vitest";
import { lineStep, runLine } from "./clinic-line";
import { intentOf } from "./clinic-line-speech";
import { initialLineState, lineStateSchema, screeningLineState, type LineEvent } from "./clinic-line-state";

const est: LineEvent = { type: "established" };
const menuOp: LineEvent = { type: "playStarted", operationId: "menu" };
const types = (commands: { type: string }[]) => commands.map((c) => c.type);

describe("clinic line IVR", () => {
  it("answers into the menu: tones first, then the menu prompt", () => {
    const { state, commands } = runLine([est]);
    expect(state.step).toBe("menu");
    expect(commands).toEqual([{ type: "subscribeToTone" }, { type: "play", prompt: "lineMenu" }]);
  });

  it("the menu waits until the call's audio is active", () => {
    const answered = lineStep(initialLineState(), { type: "established", audioActive: false });
    expect(answered).toMatchObject({ state: { step: "answering", established: true }, commands: [] });
    const audio = lineStep(answered.state, { type: "established", audioActive: true });
    expect(audio.state.step).toBe("menu");
    expect(audio.commands).toEqual([{ type: "subscribeToTone" }, { type: "play", prompt: "lineMenu" }]);
  });

  it("1 confirms the next appointment, says so and hangs up", () => {
    const { state, commands } = runLine([
      est,
      menuOp,
      { type: "tone", key: "1" },
      { type: "actionDone", action: "confirm" },
      { type: "playStarted", operationId: "ok" },
      { type: "promptFinished", operationId: "ok", ok: true },
      { type: "terminated", resultCode: 200, resultSubcode: 7000 },
    ]);
    expect(types(commands)).toEqual(["subscribeToTone", "play", "stopPrompts", "confirm", "play", "hangUp", "finish"]);
    expect(commands.at(-1)).toEqual({ type: "finish", outcome: "CONFIRMED", reason: "completed" });
    expect(state.step).toBe("done");
  });

  it("the answer names the appointment (day, time, clinician), which the flow forgets when it ends", () => {
    const about = {
      startsAt: "2030-03-12T13:00:00.000Z",
      zone: "America/Sao_Paulo",
      clinicianName: "Dra. Ana Ribeiro",
    };
    const answered = runLine([
      est,
      menuOp,
      { type: "tone", key: "1" },
      { type: "actionDone", action: "confirm", about },
    ]);
    expect(answered.commands.at(-1)).toEqual({ type: "play", prompt: "confirmed", about });
    expect(lineStateSchema.parse(JSON.parse(JSON.stringify(answered.state)))).toEqual(answered.state);
    const ended = runLine(
      [
        { type: "playStarted", operationId: "ok" },
        { type: "promptFinished", operationId: "ok", ok: true },
        { type: "terminated", resultCode: 200, resultSubcode: 7000 },
      ],
      answered.state,
    );
    expect(ended.state).toMatchObject({ step: "done", outcome: "CONFIRMED", about: null, patientId: null });
    // a document stored before prompts named the appointment is still read
    const { about: _about, ...older } = initialLineState();
    expect(lineStateSchema.parse(older)).toEqual(initialLineState());
  });

  const next = { startsAt: "2030-03-12T13:00:00.000Z", zone: "America/Sao_Paulo", clinicianName: "Dr. Bruno Lima" };
  const asked: LineEvent[] = [
    est,
    menuOp,
    { type: "tone", key: "2" },
    { type: "found", about: next },
    { type: "playStarted", operationId: "check" },
  ];

  it("2 asks first, naming the appointment; 2 again cancels it", () => {
    const question = runLine(asked);
    expect(types(question.commands)).toEqual(["subscribeToTone", "play", "stopPrompts", "lookUp", "play"]);
    expect(question.commands.at(-1)).toEqual({ type: "play", prompt: "cancelCheck", about: next });
    expect(question.state).toMatchObject({ step: "checking", outcome: null });
    const cancelled = runLine(
      [
        { type: "tone", key: "2" },
        { type: "actionDone", action: "cancel", about: next },
      ],
      question.state,
    );
    expect(types(cancelled.commands)).toEqual(["stopPrompts", "cancel", "play"]);
    expect(cancelled.commands.at(-1)).toEqual({ type: "play", prompt: "cancelled", about: next });
    expect(cancelled.state.outcome).toBe("CANCELLED");
  });

  it("2 then 1 keeps and confirms; 2 then silence keeps it (KEPT); hanging up at the question cancels nothing", () => {
    const kept = runLine([{ type: "tone", key: "1" }], runLine(asked).state);
    expect(types(kept.commands)).toEqual(["stopPrompts", "confirm"]);
    const silence = runLine(
      [
        { type: "promptFinished", operationId: "check", ok: true },
        { type: "playStarted", operationId: "check2" },
        { type: "promptFinished", operationId: "check2", ok: true },
        { type: "playStarted", operationId: "kept" },
        { type: "tone", key: "2" }, // too late: nothing is cancelled
        { type: "promptFinished", operationId: "kept", ok: true },
        { type: "terminated", resultCode: 200, resultSubcode: 7000 },
      ],
      runLine(asked).state,
    );
    expect(types(silence.commands)).toEqual(["play", "play", "hangUp", "finish"]);
    expect(silence.commands.slice(0, 2)).toEqual([
      { type: "play", prompt: "cancelCheck", about: next },
      { type: "play", prompt: "kept", about: next },
    ]);
    expect(silence.commands.at(-1)).toEqual({ type: "finish", outcome: "KEPT", reason: "completed" });
    expect(silence.state).toMatchObject({ outcome: "KEPT", about: null, patientId: null });
    const hungUp = runLine([{ type: "terminated", resultCode: 200, resultSubcode: 540000 }], runLine(asked).state);
    expect(hungUp.commands).toEqual([{ type: "finish", outcome: "ABANDONED", reason: "cancel-not-confirmed" }]);
  });

  it("no appointment to confirm or cancel → reception", () => {
    const none = runLine([est, menuOp, { type: "tone", key: "1" }, { type: "noAppointment", action: "confirm" }]);
    expect(none.state.step).toBe("handing-over");
    expect(none.commands.at(-1)).toEqual({ type: "play", prompt: "transferring" });
    const nothingToCancel = runLine([
      est,
      menuOp,
      { type: "tone", key: "2" },
      { type: "noAppointment", action: "cancel" },
    ]);
    expect(nothingToCancel.state.step).toBe("handing-over");
    expect(nothingToCancel.commands.at(-1)).toEqual({ type: "play", prompt: "transferring" });
  });

  it("0 transfers to reception; 7015 is TRANSFERRED", () => {
    const { commands } = runLine([
      est,
      menuOp,
      { type: "tone", key: "0" },
      { type: "playStarted", operationId: "t" },
      { type: "promptFinished", operationId: "t", ok: true },
      { type: "terminated", resultCode: 0, resultSubcode: 7015 },
    ]);
    expect(types(commands)).toEqual(["subscribeToTone", "play", "stopPrompts", "play", "transfer", "finish"]);
    expect(commands.at(-1)).toMatchObject({ outcome: "TRANSFERRED" });
  });

  it("a key stops what is playing; a prompt asked for before the key does not stand for the action's", () => {
    // 1 while the menu's request is still in flight: its playStarted and failed end come after the key
    const { state, commands } = runLine([
      est,
      { type: "tone", key: "1" },
      { type: "playStarted", operationId: "menu" },
      { type: "promptFinished", operationId: "menu", ok: false },
      { type: "actionDone", action: "confirm", about: next },
    ]);
    expect(types(commands)).toEqual(["subscribeToTone", "play", "stopPrompts", "confirm", "play"]);
    expect(state).toMatchObject({ step: "closing", outcome: "CONFIRMED" });
    // a key where none is awaited stops nothing
    expect(runLine([{ type: "tone", key: "1" }], state).commands).toEqual([]);
  });

  /** the menu heard to the end, and the caller's answer recorded */
  const spokenAnswer: LineEvent[] = [
    est,
    menuOp,
    { type: "promptFinished", operationId: "menu", ok: true },
    { type: "recordStarted", operationId: "rec" },
    { type: "recordFinished", operationId: "rec", ok: true, hasRecording: true },
  ];

  it("no key: records and understands the spoken request; a spoken confirmation acts at once", () => {
    const confirmed = runLine([...spokenAnswer, { type: "understood", intent: "confirm" }]);
    expect(confirmed.commands.slice(2)).toEqual([
      { type: "record", prompt: "lineSpeak" },
      { type: "understand", operationId: "rec" },
      { type: "confirm" },
    ]);
    expect(confirmed.state.step).toBe("acting");
  });

  it("a spoken cancel never cancels on its own: the caller is asked, naming the appointment, and 2 cancels", () => {
    const spoken: LineEvent[] = [...spokenAnswer, { type: "understood", intent: "cancel" }];
    const asked = runLine(spoken);
    expect(asked.state.step).toBe("looking");
    expect(asked.commands.at(-1)).toEqual({ type: "lookUp" });
    expect(asked.commands.some((c) => c.type === "cancel")).toBe(false);

    const checking: LineEvent[] = [
      ...spoken,
      { type: "found", about: next },
      { type: "playStarted", operationId: "check" },
    ];
    const cancelled = runLine([...checking, { type: "tone", key: "2" }]);
    expect(cancelled.commands.at(-1)).toEqual({ type: "cancel" });
    // silence after the question, asked twice: nothing is cancelled
    const kept = runLine([
      ...checking,
      { type: "promptFinished", operationId: "check", ok: true },
      { type: "playStarted", operationId: "check2" },
      { type: "promptFinished", operationId: "check2", ok: true },
    ]);
    expect(kept.state.outcome).toBe("KEPT");
    expect(kept.commands.some((c) => c.type === "cancel")).toBe(false);
  });

  it("silence (timeout), unsure or reschedule → reception", () => {
    const base: LineEvent[] = [
      est,
      menuOp,
      { type: "promptFinished", operationId: "menu", ok: true },
      { type: "recordStarted", operationId: "rec" },
    ];
    const silent = runLine([...base, { type: "recordFinished", operationId: "rec", ok: true, hasRecording: false }]);
    expect(silent.state.step).toBe("handing-over");
    const unsure = runLine([
      ...base,
      { type: "recordFinished", operationId: "rec", ok: true, hasRecording: true },
      { type: "understood", intent: null },
    ]);
    expect(unsure.state.step).toBe("handing-over");
    const failed = runLine([...base, { type: "recordFailed" }]);
    expect(failed.state.step).toBe("handing-over");
  });

  it("failed operations: transfer failure says goodbye (FAILED); a failed action goes to reception", () => {
    const t = runLine([
      est,
      menuOp,
      { type: "tone", key: "0" },
      { type: "playStarted", operationId: "t" },
      { type: "promptFinished", operationId: "t", ok: true },
      { type: "transferFailed" },
      { type: "playStarted", operationId: "bye" },
      { type: "promptFinished", operationId: "bye", ok: true },
    ]);
    expect(t.state).toMatchObject({ step: "ending", outcome: "FAILED" });
    expect(types(t.commands).slice(-2)).toEqual(["play", "hangUp"]);
    const a = runLine([est, menuOp, { type: "tone", key: "2" }, { type: "actionFailed", action: "cancel" }]);
    expect(a.state.step).toBe("handing-over");
    const p = runLine([est, { type: "playFailed" }]);
    expect(types(p.commands).at(-1)).toBe("transfer");
  });

  it("ignores stale operations and keys outside the menu", () => {
    const s = runLine([est, menuOp]).state;
    expect(lineStep(s, { type: "promptFinished", operationId: "other", ok: true }).state).toBe(s);
    const closing = runLine([est, menuOp, { type: "tone", key: "1" }, { type: "actionDone", action: "confirm" }]).state;
    expect(lineStep(closing, { type: "tone", key: "2" }).commands).toEqual([]);
  });

  it("hang-ups: during the menu ABANDONED; during an action the action decides", () => {
    const menu = runLine([est, menuOp, { type: "terminated", resultCode: 200, resultSubcode: 540000 }]);
    expect(menu.commands.at(-1)).toEqual({ type: "finish", outcome: "ABANDONED", reason: "hung-up" });
    const acting = runLine([
      est,
      menuOp,
      { type: "tone", key: "1" },
      { type: "terminated", resultCode: 200, resultSubcode: 540000 },
      { type: "actionDone", action: "confirm" },
    ]);
    expect(acting.commands.at(-1)).toEqual({ type: "finish", outcome: "CONFIRMED", reason: "hung-up" });
    const never = runLine([{ type: "terminated", resultCode: 408, resultSubcode: 1106 }]);
    expect(never.commands).toEqual([{ type: "finish", outcome: "FAILED", reason: "not-established" }]);
    expect(initialLineState().step).toBe("answering");
  });

  it("keywords in both languages", () => {
    expect(intentOf("Quero cancelar minha consulta")).toBe("cancel");
    expect(intentOf("I'd like to cancel")).toBe("cancel");
    expect(intentOf("Quero confirmar")).toBe("confirm");
    expect(intentOf("confirm please")).toBe("confirm");
    expect(intentOf("preciso remarcar")).toBe("reception");
    expect(intentOf("can I reschedule")).toBe("reception");
    expect(intentOf("Recepção, por favor")).toBe("reception");
    expect(intentOf("confirmar ou cancelar")).toBeNull();
    expect(intentOf("bom dia")).toBeNull();
    expect(intentOf("")).toBeNull();
  });

  it("a new call is screened by the rules first: answered into the IVR with the caller's languages, or over", () => {
    const screening = screeningLineState();
    expect(lineStep(screening, { type: "incoming" }).commands).toEqual([{ type: "screen" }]);
    // a repeated `created` changes nothing once screened
    const patientId = "0a1c2e30-1111-4a00-8000-0000000000aa";
    const answered = lineStep(screening, {
      type: "screened",
      action: "answer",
      locale: "en",
      speechLanguage: "en-US",
      patientId,
    }).state;
    expect(answered).toMatchObject({ step: "answering", locale: "en", speechLanguage: "en-US", patientId });
    expect(lineStep(answered, { type: "incoming" }).commands).toEqual([]);
    // rejected or redirected: the screening wrote the outcome, nothing more to do
    expect(lineStep(screening, { type: "screened", action: "reject" })).toEqual({
      state: { ...screening, step: "done", outcome: "REJECTED" },
      commands: [],
    });
    // the caller hung up before the call was answered
    expect(lineStep(screening, { type: "terminated", resultCode: 487, resultSubcode: 0 }).commands).toEqual([
      { type: "finish", outcome: "FAILED", reason: "not-established" },
    ]);
    expect(lineStateSchema.parse(JSON.parse(JSON.stringify(answered)))).toEqual(answered);
  });

  it("stalled: hangs up as FAILED unless decided; the patient is forgotten when the flow ends", () => {
    const menu = { ...runLine([est, menuOp]).state, patientId: "0a1c2e30-1111-4a00-8000-0000000000aa" };
    const stalled = lineStep(menu, { type: "stalled" });
    expect(stalled).toMatchObject({ state: { step: "ending", outcome: "FAILED" }, commands: [{ type: "hangUp" }] });
    const ended = lineStep(stalled.state, { type: "terminated", resultCode: null, resultSubcode: null });
    expect(ended.commands).toEqual([{ type: "finish", outcome: "FAILED", reason: "completed" }]);
    expect(ended.state).toMatchObject({ step: "done", patientId: null });
    // a flow that waited for an action's result that never came
    const acting = runLine([
      est,
      menuOp,
      { type: "tone", key: "1" },
      { type: "terminated", resultCode: 200, resultSubcode: 0 },
    ]);
    expect(lineStep(acting.state, { type: "stalled" }).commands).toEqual([
      { type: "finish", outcome: "FAILED", reason: "stalled" },
    ]);
  });
});

describe("clinic line: joining the caller's visit by phone", () => {
  const visit = {
    appointmentId: "5b0c2a1e-9d3f-4e7a-8b6c-1d2e3f4a5b6c",
    about: { startsAt: "2030-06-03T13:00:00.000Z", zone: "America/Sao_Paulo", clinicianName: "Dra. Ana Ribeiro" },
  };
  const answered = (): LineEvent => ({ type: "screened", action: "answer", patientId: crypto.randomUUID(), visit });
  const offer = runLine([answered(), est], screeningLineState());

  it("a caller whose visit starts soon hears the offer, naming it, before the menu", () => {
    expect(offer.state.step).toBe("visit-offer");
    expect(offer.commands).toEqual([
      { type: "subscribeToTone" },
      { type: "play", prompt: "lineJoinVisit", about: visit.about },
    ]);
    const then = runLine(
      [
        { type: "playStarted", operationId: "offer" },
        { type: "promptFinished", operationId: "offer", ok: true },
      ],
      offer.state,
    );
    expect(then.state.step).toBe("menu");
    expect(then.commands).toEqual([{ type: "play", prompt: "lineMenu" }]);
  });

  it("2 moves the call into the meeting: JOINED when the call it replaced ends, and the visit is forgotten", () => {
    const { state, commands } = runLine(
      [
        { type: "playStarted", operationId: "offer" },
        { type: "tone", key: "2" },
        { type: "joinStarted", operationId: "invite-1" },
        { type: "terminated", resultCode: 200, resultSubcode: 5000 },
      ],
      offer.state,
    );
    expect(types(commands)).toEqual(["stopPrompts", "joinVisit", "finish"]);
    expect(commands.at(-1)).toEqual({ type: "finish", outcome: "JOINED", reason: "moved-into-meeting" });
    expect(state).toMatchObject({ step: "done", outcome: "JOINED", visit: null, patientId: null });
    expect(lineStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it("2 during the menu joins too; a refused invitation hands the caller to reception", () => {
    const menu = runLine(
      [
        { type: "playStarted", operationId: "offer" },
        { type: "promptFinished", operationId: "offer", ok: true },
      ],
      offer.state,
    );
    const refused = runLine([{ type: "tone", key: "2" }, { type: "joinFailed" }], menu.state);
    expect(types(refused.commands)).toEqual(["stopPrompts", "joinVisit", "play"]);
    expect(refused.state.step).toBe("handing-over");
  });

  it("without a visit to join, 2 still asks to cancel, and older stored documents read without one", () => {
    const { commands } = runLine([est, menuOp, { type: "tone", key: "2" }]);
    expect(types(commands).at(-1)).toBe("lookUp");
    const { visit: _visit, joinOperation: _op, ...older } = initialLineState();
    expect(lineStateSchema.parse(older)).toMatchObject({ visit: null, joinOperation: null });
  });
});
