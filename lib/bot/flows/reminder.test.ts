import { describe, expect, it } from "vitest";
import { keyOfTone } from "../schema";
import { CANCEL_NOT_CONFIRMED, unansweredReason } from "./fold";
import { flowStateSchema, initialFlowState, nextAttemptAt, run, step, type Command, type FlowEvent } from "./reminder";

// Recorded sequences, as the driver sees them: notifications (established, prompt finished, terminated),
// key presses, and the answers of the commands it ran (playStarted, actionDone, …).
const established: FlowEvent = { type: "established" };
const started = (op: string): FlowEvent => ({ type: "playStarted", operationId: op });
const finished = (op: string, ok = true): FlowEvent => ({ type: "promptFinished", operationId: op, ok });
const tone = (key: string): FlowEvent => ({ type: "tone", key });
const terminated = (code: number | null, subcode: number | null = 0): FlowEvent => ({
  type: "terminated",
  resultCode: code,
  resultSubcode: subcode,
});
const plays = (commands: Command[]) => commands.flatMap((c) => (c.type === "play" ? [c.prompt] : []));
const finishOf = (commands: Command[]) => commands.find((c) => c.type === "finish");

describe("reminder flow", () => {
  it("answered: the prompt waits until the call's audio is active", () => {
    const answered = step(initialFlowState(), { type: "established", audioActive: false });
    expect(answered).toMatchObject({ state: { step: "dialing", established: true }, commands: [] });
    const audio = step(answered.state, { type: "established", audioActive: true });
    expect(audio.state.step).toBe("prompting");
    expect(plays(audio.commands)).toEqual(["reminder"]);
    // the audio update repeats `established`; whichever comes second changes nothing
    expect(step(audio.state, { type: "established", audioActive: false }).commands).toEqual([]);
    // hung up before the audio came: answered, so no retry
    expect(finishOf(step(answered.state, terminated(200, 4521)).commands)).toMatchObject({ retry: false });
  });

  it("confirms on 1: subscribe, prompt, confirm, play confirmed, hang up", () => {
    const { state, commands } = run([
      established,
      started("op1"),
      tone("1"),
      { type: "actionDone", action: "confirm" },
      started("op2"),
      finished("op1"), // the interrupted reminder's completion arrives late: ignored
      finished("op2"),
      terminated(200, 7000),
    ]);
    // the key stops the reminder it answered, so the confirmation is said at once
    expect(commands.map((c) => c.type)).toEqual([
      "subscribeToTone",
      "play",
      "stopPrompts",
      "confirm",
      "play",
      "hangUp",
      "finish",
    ]);
    expect(plays(commands)).toEqual(["reminder", "confirmed"]);
    expect(finishOf(commands)).toMatchObject({ outcome: "CONFIRMED", retry: false });
    expect(state.step).toBe("done");
  });

  it("2 asks first; 2 again at the question cancels (a barge-in during the reminder)", () => {
    const asked = run([established, started("op1"), tone("2")]);
    expect(asked.state).toMatchObject({ step: "checking", waitingFor: null });
    expect(asked.commands.map((c) => c.type)).not.toContain("cancel");
    expect(plays(asked.commands)).toEqual(["reminder", "cancelCheck"]);
    const { commands } = run(
      [
        started("op2"),
        finished("op1"), // the interrupted reminder's completion: not the question's
        tone("2"),
        { type: "actionDone", action: "cancel" },
        started("op3"),
        finished("op3"),
        terminated(200, 7000),
      ],
      asked.state,
    );
    expect(commands.map((c) => c.type)).toEqual(["stopPrompts", "cancel", "play", "hangUp", "finish"]);
    expect(plays(commands)).toEqual(["cancelled"]);
    expect(finishOf(commands)).toMatchObject({ outcome: "CANCELLED", reason: "completed" });
  });

  it("a key between the reminder and its replay stops the replay being started; other keys do nothing", () => {
    const between = run([established, started("op1"), finished("op1"), tone("7"), tone("1")]);
    // op1 is over and its replay was asked for (its id not back yet): the stop comes after it, and stops it
    expect(between.commands.map((c) => c.type)).toEqual(["subscribeToTone", "play", "play", "stopPrompts", "confirm"]);
    const ignored = run([established, started("op1"), tone("7"), tone("star")]);
    expect(ignored.commands.map((c) => c.type)).toEqual(["subscribeToTone", "play"]);
  });

  it("a replay whose start is answered after the key is stopped, and its cancelled end changes nothing", () => {
    const { commands, state } = run([
      established,
      started("op1"),
      finished("op1"), // the replay is asked for
      tone("1"), // the key comes before Graph answered the replay's playPrompt
      started("op2"), // the replay's answer
      finished("op2", false), // stopped by the key: mediaOperationCanceled
      { type: "actionDone", action: "confirm" },
      started("op3"),
      finished("op3"),
      terminated(200, 7000),
    ]);
    expect(plays(commands)).toEqual(["reminder", "reminder", "confirmed"]);
    expect(commands.filter((c) => c.type === "hangUp")).toHaveLength(1);
    expect(finishOf(commands)).toMatchObject({ outcome: "CONFIRMED", reason: "completed" });
    expect(state.step).toBe("done");
  });

  it("2 then 1 keeps the appointment and confirms it", () => {
    const { commands } = run([
      established,
      started("op1"),
      tone("2"),
      started("op2"),
      tone("1"),
      { type: "actionDone", action: "confirm" },
      started("op3"),
      finished("op3"),
      terminated(200, 7000),
    ]);
    expect(commands.map((c) => c.type)).not.toContain("cancel");
    expect(plays(commands)).toEqual(["reminder", "cancelCheck", "confirmed"]);
    expect(finishOf(commands)).toMatchObject({ outcome: "CONFIRMED" });
  });

  it("2 then silence: the question is asked again, then the appointment is kept and that is recorded", () => {
    const { commands, state } = run([
      established,
      started("op1"),
      tone("2"),
      started("op2"),
      finished("op2"),
      started("op3"),
      tone("5"), // not an answer
      finished("op3"),
      started("op4"),
      tone("2"), // too late: the call is closing, nothing is cancelled
      finished("op4"),
      terminated(200, 7000),
    ]);
    expect(commands.map((c) => c.type)).not.toContain("cancel");
    expect(plays(commands)).toEqual(["reminder", "cancelCheck", "cancelCheck", "kept"]);
    expect(commands.filter((c) => c.type === "hangUp")).toHaveLength(1);
    expect(finishOf(commands)).toEqual({
      type: "finish",
      outcome: "NO_RESPONSE",
      retry: false,
      reason: CANCEL_NOT_CONFIRMED,
    });
    expect(state).toMatchObject({ step: "done", detail: CANCEL_NOT_CONFIRMED });
  });

  it("2 then hanging up keeps the appointment (recorded), and 0 at the question goes to reception", () => {
    const hungUp = run([established, started("op1"), tone("2"), started("op2"), terminated(200, 540000)]);
    expect(hungUp.commands.map((c) => c.type)).not.toContain("cancel");
    expect(finishOf(hungUp.commands)).toMatchObject({ outcome: "NO_RESPONSE", reason: CANCEL_NOT_CONFIRMED });
    const reception = run([established, started("op1"), tone("2"), started("op2"), tone("0")]);
    expect(plays(reception.commands)).toEqual(["reminder", "cancelCheck", "transferring"]);
    expect(reception.state.step).toBe("handing-over");
  });

  it("transfers to reception on 0 after the transferring prompt", () => {
    const { commands } = run([
      established,
      started("op1"),
      finished("op1"),
      started("op2"), // replay started
      tone("0"),
      started("op3"),
      finished("op2"), // stale
      finished("op3"),
      terminated(0, 7015),
    ]);
    expect(plays(commands)).toEqual(["reminder", "reminder", "transferring"]);
    const types = commands.map((c) => c.type);
    expect(types.indexOf("transfer")).toBeGreaterThan(types.lastIndexOf("play"));
    expect(finishOf(commands)).toMatchObject({ outcome: "TRANSFERRED", reason: "transferred" });
  });

  it("a failed transfer says goodbye and hangs up as FAILED", () => {
    const { commands } = run([
      established,
      started("op1"),
      tone("0"),
      started("op2"),
      finished("op2"),
      { type: "transferFailed" },
      started("op3"),
      finished("op3"),
      terminated(200, 7000),
    ]);
    expect(plays(commands)).toEqual(["reminder", "transferring", "goodbye"]);
    expect(finishOf(commands)).toMatchObject({ outcome: "FAILED" });
  });

  it("no key: replays once, then goodbye and hang up (NO_RESPONSE)", () => {
    const { commands } = run([
      established,
      started("op1"),
      finished("op1"),
      started("op2"),
      finished("op2"),
      started("op3"),
      finished("op3"),
      terminated(200, 7000),
    ]);
    expect(plays(commands)).toEqual(["reminder", "reminder", "goodbye"]);
    expect(commands.filter((c) => c.type === "hangUp")).toHaveLength(1);
    expect(finishOf(commands)).toMatchObject({ outcome: "NO_RESPONSE", retry: false });
  });

  it("busy, declined and not answered end before established and ask for a retry", () => {
    for (const [code, subcode, reason] of [
      [486, 0, "busy"],
      [603, 0, "declined"],
      [408, 10057, "no-answer"],
    ] as const) {
      const { commands } = run([terminated(code, subcode)]);
      expect(finishOf(commands)).toEqual({ type: "finish", outcome: "NO_ANSWER", retry: true, reason });
    }
    expect(unansweredReason(480, 10076)).toBe("unreachable");
  });

  it("a prompt that cannot be played (or fails) ends the call as FAILED", () => {
    const failedStart = run([established, { type: "playFailed" }, terminated(200, 7000)]);
    expect(failedStart.commands.map((c) => c.type)).toEqual(["subscribeToTone", "play", "hangUp", "finish"]);
    expect(finishOf(failedStart.commands)).toMatchObject({ outcome: "FAILED" });
    const failedPlay = run([established, started("op1"), finished("op1", false), terminated(200, 7000)]);
    expect(finishOf(failedPlay.commands)).toMatchObject({ outcome: "FAILED" });
  });

  it("a refused cancellation (too late) hands over to reception", () => {
    const { commands } = run([
      established,
      started("op1"),
      tone("2"),
      started("op2"),
      tone("2"),
      { type: "actionFailed", action: "cancel" },
      started("op3"),
      finished("op3"),
    ]);
    expect(plays(commands)).toEqual(["reminder", "cancelCheck", "transferring"]);
    expect(commands.at(-1)).toEqual({ type: "transfer" });
  });

  it("the patient hanging up mid-prompt is NO_RESPONSE; hanging up while we confirm still confirms", () => {
    expect(finishOf(run([established, started("op1"), terminated(200, 540000)]).commands)).toMatchObject({
      outcome: "NO_RESPONSE",
    });
    const { commands } = run([
      established,
      started("op1"),
      tone("1"),
      terminated(200, 540000),
      { type: "actionDone", action: "confirm" },
    ]);
    expect(finishOf(commands)).toMatchObject({ outcome: "CONFIRMED" });
  });

  it("ignores other keys, duplicates, repeated established and everything after the end", () => {
    const { commands, state } = run([
      tone("1"), // before the prompt: no subscription yet, nothing happens
      established,
      established,
      started("op1"),
      tone("5"),
      tone("star"),
      finished("unknown-op"),
    ]);
    expect(commands.map((c) => c.type)).toEqual(["subscribeToTone", "play"]);
    expect(state).toMatchObject({ step: "prompting", waitingFor: "op1" });
    const done = run([terminated(486)]).state;
    expect(step(done, established)).toEqual({ state: done, commands: [] });
    expect(step(done, terminated(200))).toEqual({ state: done, commands: [] });
  });

  it("stores no key in its state", () => {
    const { state } = run([established, started("op1"), tone("1")]);
    expect(JSON.stringify(state)).not.toMatch(/tone|"1"/);
    expect(Object.keys(initialFlowState()).sort()).toEqual([
      "detail",
      "established",
      "outcome",
      "plays",
      "step",
      "waitingFor",
    ]);
  });

  it("maps Graph tones to keys and spaces retries", () => {
    expect(keyOfTone("tone1")).toBe("1");
    expect(keyOfTone("pound")).toBe("pound");
    expect(keyOfTone("flash")).toBeNull();
    const now = new Date("2030-01-01T12:00:00Z");
    expect(nextAttemptAt(1, now, { maxAttempts: 3, delayMs: 60_000 })).toEqual(new Date("2030-01-01T12:01:00Z"));
    expect(nextAttemptAt(3, now, { maxAttempts: 3, delayMs: 60_000 })).toBeNull();
  });

  it("stalled: hangs up and ends with the outcome reached; an action whose result never came is FAILED", () => {
    const closing = run([
      established,
      started("op1"),
      tone("1"),
      { type: "actionDone", action: "confirm" },
      started("op2"),
    ]);
    const stalled = step(closing.state, { type: "stalled" });
    expect(stalled).toMatchObject({ state: { step: "ending", outcome: "CONFIRMED" }, commands: [{ type: "hangUp" }] });
    expect(finishOf(step(stalled.state, terminated(null, null)).commands)).toMatchObject({ outcome: "CONFIRMED" });
    // hung up while the confirmation ran, and the process running it died
    const waiting = run([established, started("op1"), tone("1"), terminated(200, 540000)]).state;
    expect(waiting).toMatchObject({ step: "done", outcome: null });
    expect(finishOf(step(waiting, { type: "stalled" }).commands)).toMatchObject({
      outcome: "FAILED",
      reason: "stalled",
    });
  });

  it("its stored state is read back with its schema, never cast", () => {
    const { state } = run([established, started("op1")]);
    expect(flowStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(flowStateSchema.safeParse({ ...state, step: "dancing" }).success).toBe(false);
    expect(flowStateSchema.safeParse({ step: "prompting" }).success).toBe(false);
    // a document stored before the cancellation check (no detail) is still read
    const { detail: _detail, ...older } = state;
    expect(flowStateSchema.parse(older)).toEqual({ ...older, detail: null });
  });
});
