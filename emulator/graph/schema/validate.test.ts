// The schema checks (emulator/graph/schema/validate.ts) against Microsoft's own request examples and the rules of
// Graph v1.0's CSDL as vendored in emulator/contract/metadata.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { notificationSchemaIssues } from "../../test/shapes";
import { graphSchema } from "./model";
import { checkActionBody, checkStructured, checkValue } from "./validate";

const EXAMPLES = path.resolve(import.meta.dirname, "../../contract/examples");
const readExample = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), "utf8")) as { path: string; body: unknown };

/** Request examples that carry something v1.0's schema does not declare: the emulator refuses them as Graph does. */
const UNDECLARED: Record<string, string> = {
  "call-redirect-ex2-simulring.request.json": "routingPolicies",
  "call-transfer-ex3-pstn.request.json": "clientContext",
  "call-transfer-ex4-consultative-pstn.request.json": "clientContext",
  "create-call-ex03-group-service-media.request.json": "mediaConfig.removeFromDefaultAudioGroup",
  "create-call-ex04-group-app-media.request.json": "mediaConfig.removeFromDefaultAudioGroup",
};

const BINDINGS: Record<string, string> = {
  invite: "Collection(graph.participant)",
  mute: "graph.participant",
  createOrGet: "Collection(graph.onlineMeeting)",
};

/** What a documented request body is read as: a bound action's parameters or the entity it creates or updates. */
function check(path: string, body: unknown) {
  const action = /\/(\w+)$/.exec(path)?.[1] ?? "";
  const binding = BINDINGS[action] ?? "graph.call";
  if (graphSchema().action(binding, action)) return checkActionBody(binding, action, body);
  return checkStructured(path.includes("onlineMeetings") ? "onlineMeeting" : "call", body);
}

describe("Microsoft's request examples", () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => /\.(invite-)?request(-alt)?\.json$/.test(f));
  it.each(files)("%s", (file) => {
    const example = readExample(file);
    if (!example.body || typeof example.body !== "object") return;
    const issues = check(example.path, example.body);
    if (UNDECLARED[file]) expect(issues.map((i) => i.path)).toEqual([UNDECLARED[file]]);
    else expect(issues).toEqual([]);
  });
});

describe("reading a body as its type", () => {
  const serviceMedia = { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" };
  const call = (extra: object) =>
    checkStructured("call", {
      callbackUri: "https://bot.example/cb",
      requestedModalities: ["audio"],
      mediaConfig: serviceMedia,
      ...extra,
    });

  it("refuses a property a closed type does not declare, and takes any on an open type", () => {
    const [issue] = checkStructured("resultInfo", { code: 500, subCode: 7000 });
    expect(issue).toMatchObject({ path: "subCode", code: "RequestBodyRead" });
    expect(issue!.message).toContain("The property 'subCode' does not exist on type 'microsoft.graph.resultInfo'.");
    // call is open: a dynamic property is accepted
    expect(call({ somethingNew: 1 })).toEqual([]);
    // participantInfo is closed, its identitySet open
    expect(call({ source: { identity: { applicationInstance: { id: "x" } }, hidden: true } })[0]?.path).toBe(
      "source.hidden",
    );
  });

  it("checks primitive types, enumeration members and null", () => {
    expect(call({ subject: 5 })[0]).toMatchObject({ path: "subject", code: "RequestBodyRead" });
    expect(call({ requestedModalities: ["audio", "smell"] })[0]?.path).toBe("requestedModalities[1]");
    expect(call({ callbackUri: null })[0]?.message).toContain("does not allow null");
    expect(checkValue("Edm.Int32", 2 ** 31)).toHaveLength(1);
    expect(checkValue("Edm.Int64", 2 ** 40)).toEqual([]);
    expect(checkValue("Edm.DateTimeOffset", "2030-01-01T10:00:00")).toHaveLength(1); // the offset is required
    expect(checkValue("Edm.DateTimeOffset", "2030-01-01T10:00:00.1234567-03:00")).toEqual([]);
    expect(checkValue("graph.onlineMeetingVideoDisabledReason", "watermarkProtection, unknownFutureValue")).toEqual([]);
    expect(
      checkValue("Collection(graph.participant)", [{ id: "p", info: { identity: {} }, isMuted: "no" }])[0],
    ).toMatchObject({ path: "[0].isMuted" });
  });

  it("takes a derived type named with @odata.type, and needs one where the type is abstract", () => {
    expect(call({ mediaConfig: {} })[0]?.message).toContain("'microsoft.graph.mediaConfig' is abstract");
    expect(call({ mediaConfig: { "@odata.type": "#microsoft.graph.chatInfo" } })[0]?.path).toBe(
      "mediaConfig.@odata.type",
    );
    expect(
      call({
        meetingInfo: {
          "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
          joinMeetingId: "123",
          passcode: null,
        },
      }),
    ).toEqual([]);
    // joinMeetingIdMeetingInfo needs its joinMeetingId
    expect(
      call({ meetingInfo: { "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo", joinMeetingId: null } }),
    ).toHaveLength(1);
  });
});

describe("a bound action's parameters", () => {
  const prompt = { "@odata.type": "#microsoft.graph.mediaPrompt", mediaInfo: { uri: "https://x/a.wav" } };

  it("refuses a parameter the action does not declare, and one the schema requires left out (BadRequest)", () => {
    expect(checkActionBody("graph.call", "keepAlive", { clientContext: "x" })[0]).toMatchObject({
      code: "BadRequest",
      message:
        "The parameter 'clientContext' in the request payload is not a valid parameter for the operation 'keepAlive'.",
    });
    const [missing] = checkActionBody("graph.call", "playPrompt", { clientContext: "x" });
    expect(missing).toMatchObject({ code: "BadRequest" });
    expect(missing!.message).toContain("'prompts'");
    // answer's callbackUri is non-nullable without Core.OptionalParameter: required by the schema
    expect(
      checkActionBody("graph.call", "answer", {
        mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
      })[0]?.message,
    ).toContain("'callbackUri'");
    // transfer's transferee is non-nullable but marked optional
    expect(checkActionBody("graph.call", "transfer", { transferTarget: { identity: { user: { id: "u" } } } })).toEqual(
      [],
    );
  });

  it("reads each parameter as its type (RequestBodyRead)", () => {
    expect(checkActionBody("graph.call", "playPrompt", { prompts: [prompt] })).toEqual([]);
    expect(checkActionBody("graph.call", "playPrompt", { prompts: [{ mediaInfo: { uri: "x" } }] })[0]).toMatchObject({
      path: "prompts[0]",
      code: "RequestBodyRead",
    });
    expect(checkActionBody("graph.call", "reject", { reason: "later" })[0]?.path).toBe("reason");
    expect(checkActionBody("graph.call", "recordResponse", { maxRecordDurationInSeconds: "5" })[0]?.path).toBe(
      "maxRecordDurationInSeconds",
    );
  });
});

describe("what Graph writes", () => {
  it("catches the docs' notifications that break the schema: subCode and codes as strings", () => {
    const issues = (file: string) => notificationSchemaIssues(readExample(file).body).map((i) => i.path);
    expect(issues("call-transfer-ex1-p2p.notification-4-transferfailed.json")).toEqual([
      "value[0].resourceData.resultInfo.subCode",
    ]);
    expect(issues("call-delete.notification-2-terminated.json")).toEqual([
      "value[0].resourceData.resultInfo.code",
      "value[0].resourceData.resultInfo.subcode",
    ]);
    expect(issues("call-playprompt.notification-1-completed.json")).toEqual([]);
  });
});
