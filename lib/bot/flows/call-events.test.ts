import { describe, expect, it } from "vitest";
import { exampleBody } from "@/tests/helpers/graph-examples";
import { parseNotifications } from "@/lib/bot/schema";
import { lifecycleEventOf } from "./call-events";

const eventsOf = (example: string) =>
  parseNotifications(exampleBody(example)).map(({ notification }) => lifecycleEventOf(notification));

describe("lifecycleEventOf, on the contract's recorded notifications", () => {
  it("reads established and the end of a call", () => {
    // established, its audio not reported yet: prompts wait for the update that says it is active
    expect(eventsOf("create-call-ex01-p2p-service-media.notification-2-established.json")).toEqual([
      { type: "established", audioActive: false },
    ]);
    const [withAudio] = parseNotifications({
      value: [
        {
          changeType: "updated",
          resourceUrl: "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896",
          resourceData: {
            "@odata.type": "#microsoft.graph.call",
            state: "established",
            mediaState: { audio: "active" },
          },
        },
      ],
    });
    expect(lifecycleEventOf(withAudio!.notification)).toEqual({ type: "established", audioActive: true });
    expect(eventsOf("call-delete.notification-2-terminated.json")[0]).toMatchObject({ type: "terminated" });
  });
  it("reads a finished prompt with its operation id", () => {
    const [event] = eventsOf("call-playprompt.notification-1-completed.json");
    // operation ids are compared in their one stored form (lib/graph/ids.ts)
    expect(event).toMatchObject({ type: "promptFinished", ok: true, operationId: "0fe0623fd62842edb4bd8ac290072cc5" });
  });
  it("tells a failed transfer from an established call", () => {
    expect(eventsOf("call-transfer-ex1-p2p.notification-4-transferfailed.json")).toEqual([{ type: "transferFailed" }]);
  });
  it("reads a call someone places to the bot", () => {
    expect(eventsOf("call-answer-ex1-service-media.notification-1-incoming.json")).toEqual([{ type: "incoming" }]);
  });
  it("ignores what flows do not act on", () => {
    expect(eventsOf("participant-mute.notification-1-roster-muted.json")).toEqual([null]);
    expect(eventsOf("call-transfer-ex1-p2p.notification-1-transferring.json")).toEqual([null]);
  });
});
