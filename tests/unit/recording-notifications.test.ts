import { describe, expect, it } from "vitest";
import { parseNotifications } from "@/lib/bot/schema";

const envelope = (resourceData: Record<string, unknown>, changeType = "deleted") => ({
  value: [
    {
      changeType,
      resourceUrl:
        "/communications/calls/421f0a00-aaaa-4bbb-8ccc-000000000001/operations/0fe0623f-d628-42ed-b4bd-8ac290072cc5",
      resourceData,
    },
  ],
});

describe("recordResponse results at the boundary", () => {
  it("split the location and token off for memory; the notification carries neither", () => {
    const [item] = parseNotifications(
      envelope({
        "@odata.type": "#microsoft.graph.recordOperation",
        status: "completed",
        resultInfo: { code: 200, subcode: 8515 },
        recordingLocation: "https://media.example/recordings/abc",
        recordingAccessToken: "secret-token",
      }),
    );
    expect(item!.recording).toEqual({
      operationId: "0fe0623fd62842edb4bd8ac290072cc5",
      ok: true,
      location: "https://media.example/recordings/abc",
      accessToken: "secret-token",
    });
    expect(item!.notification).toMatchObject({ kind: "operation", operationKind: "record" });
    expect(JSON.stringify(item!.notification)).not.toMatch(/secret-token|media\.example/);
  });

  it("a failed recording has no location; other operations carry no recording", () => {
    const [failed] = parseNotifications(
      envelope({
        "@odata.type": "#microsoft.graph.recordOperation",
        status: "failed",
        resultInfo: { code: 400, subcode: 8508 },
      }),
    );
    expect(failed!.recording).toMatchObject({ ok: false, location: null, accessToken: null });
    const [play] = parseNotifications(
      envelope({ "@odata.type": "#microsoft.graph.playPromptOperation", status: "completed" }),
    );
    expect(play!.recording).toBeUndefined();
    const [running] = parseNotifications(
      envelope({ "@odata.type": "#microsoft.graph.recordOperation", status: "running" }, "updated"),
    );
    expect(running!.recording).toBeUndefined();
  });
});
