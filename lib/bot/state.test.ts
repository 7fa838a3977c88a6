import { describe, expect, it } from "vitest";
import { exampleBody } from "@/tests/helpers/graph-examples";
import { parseNotifications, type CallNotification } from "./schema";
import {
  applyCallEvent,
  mergeRoster,
  initialSnapshot,
  nextOperationStatus,
  operationStatusFrom,
  outcomeFor,
  replay,
  type CallEvent,
} from "./state";

const at = new Date("2030-01-01T10:00:00Z");

/** The call notifications of recorded example files, in the order given. */
function events(...files: string[]): CallEvent[] {
  return files.flatMap((f) =>
    parseNotifications(exampleBody(f))
      .map((item) => item.notification)
      .filter((n): n is CallNotification => n.kind === "call"),
  );
}

const ESTABLISHING = "create-call-ex01-p2p-service-media.notification-1-establishing.json";
const ESTABLISHED = "create-call-ex01-p2p-service-media.notification-2-established.json";
const TRANSFER = "call-transfer-ex1-p2p";

describe("call state machine, from the recorded sequences", () => {
  it("establishing → established in order", () => {
    const s = replay(initialSnapshot(), events(ESTABLISHING, ESTABLISHED), at);
    expect(s.state).toBe("established");
    expect(s.establishedAt).toEqual(at);
  });

  it("established overtaking establishing stays established", () => {
    const s = replay(initialSnapshot(), events(ESTABLISHED, ESTABLISHING), at);
    expect(s.state).toBe("established");
    expect(s.establishedAt).toEqual(at);
  });

  it("duplicates change nothing", () => {
    const once = replay(initialSnapshot(), events(ESTABLISHING, ESTABLISHED), at);
    const [established] = events(ESTABLISHED);
    const again = applyCallEvent(once, established!, new Date("2030-01-01T10:05:00Z"));
    expect(again.changed).toBe(false);
    expect(again.next).toEqual(once);
  });

  it("meeting join: establishing → established", () => {
    const s = replay(
      initialSnapshot(),
      events(
        "create-call-ex05-join-meeting-service-media.notification-1-establishing.json",
        "create-call-ex05-join-meeting-service-media.notification-2-established.json",
      ),
      at,
    );
    expect(s.state).toBe("established");
  });

  it("transfer completed: transferring → transferAccepted → terminated 0/7015", () => {
    const s = replay(
      initialSnapshot("established"),
      events(
        `${TRANSFER}.notification-1-transferring.json`,
        `${TRANSFER}.notification-2-transferaccepted.json`,
        `${TRANSFER}.notification-3-transfercompleted.json`,
      ),
      at,
    );
    expect(s).toMatchObject({ state: "terminated", resultSubcode: 7015, outcome: "transferred" });
  });

  it("transfer failed goes back to established with the failure (doc spelling subCode)", () => {
    const s = replay(
      initialSnapshot("established"),
      events(
        `${TRANSFER}.notification-1-transferring.json`,
        `${TRANSFER}.notification-2-transferaccepted.json`,
        `${TRANSFER}.notification-4-transferfailed.json`,
      ),
      at,
    );
    expect(s).toMatchObject({ state: "established", resultCode: 500, resultSubcode: 7000, outcome: "transfer-failed" });
  });

  it("a stale established does not undo a transfer in progress", () => {
    const [transferring] = events(`${TRANSFER}.notification-1-transferring.json`);
    const [established] = events(ESTABLISHED);
    const s = replay(initialSnapshot("established"), [transferring!, established!], at);
    expect(s.state).toBe("transferring");
  });

  it("hang up: terminating → terminated with string codes; terminated is final", () => {
    const s = replay(
      { ...initialSnapshot("established"), establishedAt: at },
      events("call-delete.notification-1-terminating.json", "call-delete.notification-2-terminated.json"),
      at,
    );
    expect(s).toMatchObject({ state: "terminated", resultCode: 200, resultSubcode: 5001, outcome: "completed" });
    expect(s.endedAt).toEqual(at);
    const late = replay(s, events(ESTABLISHED, ESTABLISHING, "call-delete.notification-1-terminating.json"), at);
    expect(late).toEqual(s);
  });

  it("a call that never connected failed, whatever success code it ends with", () => {
    // the bot hangs up while the call still rings: terminating, then terminated 200/5001
    const hungUpRinging = replay(
      initialSnapshot(),
      events(ESTABLISHING, "call-delete.notification-1-terminating.json", "call-delete.notification-2-terminated.json"),
      at,
    );
    expect(hungUpRinging).toMatchObject({ state: "terminated", resultCode: 200, outcome: "failed" });
    const connected = replay(
      initialSnapshot(),
      events(ESTABLISHING, ESTABLISHED, "call-delete.notification-2-terminated.json"),
      at,
    );
    expect(connected.outcome).toBe("completed");
  });

  it("terminated overtaking established: final, established never recorded afterwards", () => {
    const s = replay(initialSnapshot(), events("call-delete.notification-2-terminated.json", ESTABLISHED), at);
    expect(s.state).toBe("terminated");
    expect(s.establishedAt).toBeNull();
  });

  it("incoming then rejected: a deleted call without a state is terminated", () => {
    const s = replay(
      initialSnapshot("incoming"),
      events("call-reject-ex2-none.notification-1-incoming.json", "call-reject-ex2-none.notification-2-deleted.json"),
      at,
    );
    expect(s).toMatchObject({ state: "terminated", outcome: "ended" });
  });

  it("redirected incoming call ends terminated", () => {
    const s = replay(
      initialSnapshot("incoming"),
      events(
        "call-redirect-ex1-single.notification-1-incoming.json",
        "call-redirect-ex1-single.notification-2-terminated.json",
      ),
      at,
    );
    expect(s.state).toBe("terminated");
  });

  it("a tone notification keeps the call established", () => {
    const s = replay(initialSnapshot("established"), events("call-subscribetotone.notification-1-tone.json"), at);
    expect(s.state).toBe("established");
  });

  it("unknown states are ignored", () => {
    const t = applyCallEvent(initialSnapshot(), { changeType: "updated", state: "dancing", resultInfo: null }, at);
    expect(t).toMatchObject({ changed: false, ignored: "unknown-state" });
  });
});

describe("outcomes, operations and rosters", () => {
  it("maps result codes to outcomes by code, never message", () => {
    expect(outcomeFor({ code: 603, subcode: 0 })).toBe("declined");
    expect(outcomeFor({ code: 486, subcode: 0 })).toBe("busy");
    expect(outcomeFor({ code: 408, subcode: 10057 })).toBe("no-answer");
    expect(outcomeFor({ code: 480, subcode: 10037 })).toBe("unreachable");
    expect(outcomeFor({ code: 200, subcode: 4521 })).toBe("completed");
    expect(outcomeFor({ code: 500, subcode: 1005 })).toBe("failed");
    expect(outcomeFor(null)).toBe("ended");
  });

  it("operations only move forward and a finished one is final", () => {
    expect(operationStatusFrom("Running")).toBe("RUNNING");
    expect(nextOperationStatus("RUNNING", "COMPLETED")).toBe("COMPLETED");
    expect(nextOperationStatus("COMPLETED", "RUNNING")).toBe("COMPLETED");
    expect(nextOperationStatus("FAILED", "COMPLETED")).toBe("FAILED");
    expect(nextOperationStatus("NOT_STARTED", null)).toBe("NOT_STARTED");
  });

  it("a roster update is merged by id: who it lists joined or changed, only who it names as removed left", () => {
    // the mute example lists the muted person alone: the others stay
    const delta = mergeRoster(["a", "b", "c"], { participants: [{ graphParticipantId: "b" }], removed: [] });
    expect(delta).toEqual({ upsert: [{ graphParticipantId: "b" }], gone: [] });
    const left = mergeRoster(["a", "b", "c"], {
      participants: [{ graphParticipantId: "a" }, { graphParticipantId: "d" }],
      removed: ["c", "x"],
    });
    expect(left).toEqual({ upsert: [{ graphParticipantId: "a" }, { graphParticipantId: "d" }], gone: ["c"] });
  });
});
