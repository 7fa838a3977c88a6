import { describe, expect, it } from "vitest";
import { attendanceStep, initialAttendance } from "./attendance";

const terminated = { type: "terminated", resultCode: 200, resultSubcode: 7000 } as const;

describe("the bot's attendance of a meeting", () => {
  it("leaves when signalled: hangs up, records it once the hang-up is taken, then ends with the call", () => {
    const leaving = attendanceStep(initialAttendance(), { type: "leave", reason: "appointment ended" });
    expect(leaving).toEqual({
      state: { step: "leaving", reason: "appointment ended" },
      commands: [{ type: "hangUp" }],
    });
    // a second signal (a duplicate job) while leaving changes nothing
    expect(attendanceStep(leaving.state, { type: "leave", reason: "appointment ended" }).commands).toEqual([]);
    const left = attendanceStep(leaving.state, { type: "hungUp" });
    expect(left.commands).toEqual([{ type: "recordLeave", reason: "appointment ended", outcome: "requested" }]);
    expect(attendanceStep(left.state, terminated)).toEqual({ state: { ...left.state, step: "done" }, commands: [] });
  });

  it("a refused hang-up is recorded and the next signal tries again; a call already gone counts as left", () => {
    const leaving = attendanceStep(initialAttendance(), { type: "leave", reason: "appointment cancelled" }).state;
    const refused = attendanceStep(leaving, { type: "hangUpFailed" });
    expect(refused).toEqual({
      state: initialAttendance(),
      commands: [{ type: "recordLeave", reason: "appointment cancelled", outcome: "failed" }],
    });
    expect(attendanceStep(leaving, terminated).commands).toEqual([
      { type: "recordLeave", reason: "appointment cancelled", outcome: "requested" },
    ]);
    // the call ended on its own: nothing to do, and nothing afterwards
    const done = attendanceStep(initialAttendance(), terminated).state;
    expect(attendanceStep(done, { type: "leave", reason: "appointment ended" }).commands).toEqual([]);
  });
});
