// Graph conformance of the bot's webhook: every notification Microsoft documents (emulator/contract/examples/
// *notification*) goes, signed as the emulator signs it, through the app's real route handler
// (app/api/calls/notifications/route.ts) and then through the call runtime's pass that applies pending
// notifications (lib/bot/runtime/engine.ts runPending), and the call's state in the database is checked: its
// state and result, its roster, its operations. The documented sequences run in their documented order, from the
// state a call is in when the first of them arrives; a transfer's two endings (completed, failed) each from the
// start. Then the emulator's own documented forms (emulator/variants.ts) reach the app the same way.
//
// The route is the real one; only the wiring it reads (lib/bot/wiring.ts intakeDeps) is replaced, so the intake
// records into this file's database. The runtime runs with no call flows: notifications are applied, nothing is
// decided (no Graph commands).
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/calls/notifications/route";
import { request as emulatorRequest, startTestEmulator } from "@/emulator/test/helpers";
import type { IntakeDeps } from "@/lib/bot/intake";
import { callRuntime, type CallRuntime } from "@/lib/bot/runtime/engine";
import type { CommandRunner } from "@/lib/bot/runtime/runner";
import { createCallSql, type CallSql } from "@/lib/bot/runtime/sql";
import { keyOfTone, type ToneEvent } from "@/lib/bot/schema";
import { createNotificationVerifier } from "@/lib/bot/intake/verify";
import { normaliseGraphId } from "@/lib/graph/ids";
import { databasePerFile, perFile } from "../helpers/per-file";
import { fetchTrusting } from "./graph-helpers";

const wiring = vi.hoisted(() => ({ deps: null as IntakeDeps | null }));
vi.mock("@/lib/bot/wiring", () => ({ intakeDeps: () => wiring.deps! }));

const EXAMPLES = path.resolve(import.meta.dirname, "../../emulator/contract/examples");
const NOTIFICATIONS = fs.readdirSync(EXAMPLES).filter((f) => /\.notification-\d+-[\w-]+\.json$/.test(f));
const readBody = (file: string): { value: Array<Record<string, unknown>> } =>
  JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), "utf8")).body;

const database = databasePerFile();
const emu = perFile(startTestEmulator);
let sql: CallSql;
let runtime: CallRuntime;
const tones: Array<[string, ToneEvent]> = [];
const delivered: Promise<void>[] = [];

beforeAll(async () => {
  sql = createCallSql(database.url, { max: 2 });
  wiring.deps = {
    sql,
    verify: createNotificationVerifier({
      metadataUrl: emu.botOpenIdConfigUrl,
      audience: emu.registration.clientId,
      tenantId: emu.registration.tenantId,
      fetch: fetchTrusting(emu.ca),
    }),
    // handed to the runtime as the app does: the notification that brought a key or a recording waits for it
    onTone: (graphCallId, tone) => {
      tones.push([graphCallId, tone]);
      const key = keyOfTone(tone.tone);
      const after = tone.sequenceId === null ? null : `tone:${tone.sequenceId}`;
      if (key) delivered.push(runtime.deliver(normaliseGraphId(graphCallId), { type: "tone", key }, {}, after));
    },
    onRecording: (graphCallId, recording) => {
      const event = {
        type: "recordFinished" as const,
        operationId: recording.operationId,
        ok: recording.ok,
        hasRecording: Boolean(recording.location && recording.accessToken),
      };
      const key = `record:${recording.operationId}`;
      delivered.push(runtime.deliver(normaliseGraphId(graphCallId), event, { recording }, key));
    },
  };
  // no flows: a call's notifications are applied and nothing is asked of Graph
  runtime = callRuntime({ sql, runner: {} as CommandRunner, flows: {} });
});
afterAll(async () => {
  await sql?.close();
});
beforeEach(() => {
  tones.length = 0;
});

/** POSTs a body to the route as the emulator signs its deliveries; the route's status. */
async function deliver(body: unknown): Promise<number> {
  const response = await POST(
    new Request("https://consulta.example/api/calls/notifications", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await emu.notifier.signToken()}` },
      body: JSON.stringify(body),
    }),
  );
  return response.status;
}

/** Applies every call's pending notifications, as the runtime's workers do when the webhook wakes them. */
async function applyPending() {
  await Promise.all(delivered.splice(0));
  await runtime.runPending();
}

async function seedCall(docId: string, state: string, direction: "INCOMING" | "OUTGOING" = "OUTGOING") {
  await database.db.call.create({
    data: {
      graphCallId: normaliseGraphId(docId),
      direction,
      purpose: direction === "INCOMING" ? "CLINIC_LINE" : "MEETING_JOIN",
      state,
      ...(state === "established" && { establishedAt: new Date() }),
    },
  });
}

/** Forgets the calls a sequence used (the docs reuse ids across pages) and what was recorded for them. */
async function forget(docIds: string[]) {
  const ids = docIds.map(normaliseGraphId);
  await database.db.inboundNotification.deleteMany({ where: { graphCallId: { in: ids } } });
  await database.db.call.deleteMany({ where: { graphCallId: { in: ids } } });
}

/** The call as the app keeps it: state and result, who is present, its operations. */
async function view(docId: string) {
  const call = await database.db.call.findUnique({
    where: { graphCallId: normaliseGraphId(docId) },
    include: { participants: true, operations: true },
  });
  if (!call) return null;
  return {
    direction: call.direction,
    state: call.state,
    resultCode: call.resultCode,
    resultSubcode: call.resultSubcode,
    outcome: call.outcome,
    established: call.establishedAt !== null,
    present: Object.fromEntries(
      call.participants
        .filter((p) => p.leftAt === null)
        .map((p) => [p.graphParticipantId, { kind: p.identityKind, muted: p.isMuted, lobby: p.isInLobby }]),
    ),
    operations: Object.fromEntries(
      call.operations.map((o) => [
        o.graphOperationId,
        { kind: o.kind, status: o.status, code: o.resultCode, subcode: o.resultSubcode },
      ]),
    ),
  };
}

type View = NonNullable<Awaited<ReturnType<typeof view>>>;
/** What is expected of a call: some of its view, some fields of some operations. */
type Want = Partial<Omit<View, "operations">> & { operations?: Record<string, Partial<View["operations"][string]>> };
/** What a step leaves: each named call (by the id the doc writes) as expected. */
type Expected = Record<string, Want>;

interface Sequence {
  name: string;
  /** calls the app knows before the first notification, and their state */
  known?: Record<string, string>;
  steps: Array<[file: string, expected: Expected]>;
}

/** An incoming call's `created`: the webhook records the call itself, for the clinic line to decide about. */
const INCOMING: Want = { state: "incoming", direction: "INCOMING", established: false };
const ANSWERED = "57DAB8B1894C409AB240BD8BEAE78896";
const SHARING = "421f4c00-4436-4c3a-9d9a-c4924cf98e67";
const TRANSFERRED = "341a0500-d4bf-4224-8b19-1581168d328b";
const INVITING = "ab6233a5-20b7-4c5e-bea2-ce56c9776429";

/** A transfer page's four notifications: the transfer completing, and (from the start again) failing. */
function transfer(example: string, completed: Want, failed: Want): Sequence[] {
  const file = (n: number, what: string) => `call-transfer-${example}.notification-${n}-${what}.json`;
  const start: Sequence["steps"] = [
    [file(1, "transferring"), { [TRANSFERRED]: { state: "transferring" } }],
    [file(2, "transferaccepted"), { [TRANSFERRED]: { state: "transferAccepted" } }],
  ];
  return [
    {
      name: `${example}, completed`,
      known: { [TRANSFERRED]: "established" },
      steps: [...start, [file(3, "transfercompleted"), { [TRANSFERRED]: { state: "terminated", ...completed } }]],
    },
    {
      name: `${example}, failed`,
      known: { [TRANSFERRED]: "established" },
      steps: [
        ...start,
        [file(4, "transferfailed"), { [TRANSFERRED]: { state: "established", outcome: "transfer-failed", ...failed } }],
      ],
    },
  ];
}

const SEQUENCES: Sequence[] = [
  {
    name: "answering an incoming call (service-hosted media)",
    steps: [
      ["call-answer-ex1-service-media.notification-1-incoming.json", { [ANSWERED]: INCOMING }],
      ["call-answer-ex1-service-media.notification-2-establishing.json", { [ANSWERED]: { state: "establishing" } }],
      [
        "call-answer-ex1-service-media.notification-3-established.json",
        { [ANSWERED]: { state: "established", established: true } },
      ],
    ],
  },
  {
    name: "answering an incoming call (app-hosted media), with content sharing under another id",
    known: { [SHARING]: "established" },
    steps: [
      ["call-answer-ex2-app-media.notification-1-incoming.json", { [ANSWERED]: INCOMING }],
      ["call-answer-ex2-app-media.notification-2-establishing.json", { [ANSWERED]: { state: "establishing" } }],
      ["call-answer-ex2-app-media.notification-3-established.json", { [ANSWERED]: { state: "established" } }],
      // recorded, not acted on: a session's deletion does not end the call
      ["call-answer-ex2-app-media.notification-4-contentsharing-started.json", { [SHARING]: { state: "established" } }],
      ["call-answer-ex2-app-media.notification-5-contentsharing-ended.json", { [SHARING]: { state: "established" } }],
    ],
  },
  {
    name: "an invitation to record a call (policy-based recording)",
    steps: [
      [
        "call-answer-ex3-policy-recording.notification-1-incoming.json",
        { "e71f0300-9c1f-4d99-b5f4-2722e877d497": INCOMING },
      ],
    ],
  },
  {
    name: "hanging up",
    known: { [ANSWERED]: "established" },
    steps: [
      ["call-delete.notification-1-terminating.json", { [ANSWERED]: { state: "terminating" } }],
      // code and subcode are strings in this example
      [
        "call-delete.notification-2-terminated.json",
        { [ANSWERED]: { state: "terminated", resultCode: 200, resultSubcode: 5001, outcome: "completed" } },
      ],
    ],
  },
  {
    name: "a prompt played (ids as 32 hex digits)",
    known: { [ANSWERED]: "established" },
    steps: [
      [
        "call-playprompt.notification-1-completed.json",
        {
          [ANSWERED]: {
            operations: {
              "0fe0623fd62842edb4bd8ac290072cc5": { kind: "playPrompt", status: "COMPLETED", code: 200, subcode: 0 },
            },
          },
        },
      ],
    ],
  },
  {
    name: "an answer recorded",
    known: { [ANSWERED]: "established" },
    steps: [
      [
        "call-record.notification-1-completed.json",
        {
          [ANSWERED]: {
            operations: {
              "0fe0623fd62842edb4bd8ac290072cc5": { kind: "record", status: "COMPLETED", code: 200, subcode: 8515 },
            },
          },
        },
      ],
    ],
  },
  ...(["ex1-single", "ex3-pstn"] as const).map((example): Sequence => ({
    name: `redirecting an incoming call (${example})`,
    steps: [
      [`call-redirect-${example}.notification-1-incoming.json`, { "491f0b00-ffff-4bc9-a43e-b226498ec22a": INCOMING }],
      [
        `call-redirect-${example}.notification-2-terminated.json`,
        { "491f0b00-ffff-4bc9-a43e-b226498ec22a": { state: "terminated", established: false, outcome: "ended" } },
      ],
    ],
  })),
  {
    name: "redirecting to several targets (the doc ends the call under another id)",
    known: { "491f0b00-ffff-4bc9-a43e-b226498ec22a": "incoming" },
    steps: [
      [
        "call-redirect-ex2-simulring.notification-1-incoming.json",
        { "481f0b00-ffff-4ca1-8c67-a5f1e31e8e82": INCOMING },
      ],
      [
        "call-redirect-ex2-simulring.notification-2-terminated.json",
        {
          "491f0b00-ffff-4bc9-a43e-b226498ec22a": { state: "terminated" },
          "481f0b00-ffff-4ca1-8c67-a5f1e31e8e82": { state: "incoming" },
        },
      ],
    ],
  },
  {
    name: "rejecting an incoming call (a bare deleted)",
    steps: [
      ["call-reject-ex2-none.notification-1-incoming.json", { [ANSWERED]: INCOMING }],
      ["call-reject-ex2-none.notification-2-deleted.json", { [ANSWERED]: { state: "terminated", outcome: "ended" } }],
    ],
  },
  {
    name: "a key press",
    known: { [ANSWERED]: "established" },
    steps: [["call-subscribetotone.notification-1-tone.json", { [ANSWERED]: { state: "established" } }]],
  },
  ...transfer(
    "ex1-p2p",
    { resultCode: 0, resultSubcode: 7015, outcome: "transferred" },
    { resultCode: 500, resultSubcode: 7000 },
  ),
  // a consultative transfer ends with terminationReason AppTransferred and no resultInfo
  ...transfer("ex2-consultative", { resultCode: null }, { resultCode: 500, resultSubcode: 7700 }),
  ...transfer("ex3-pstn", { resultSubcode: 7015, outcome: "transferred" }, { resultCode: 500, resultSubcode: 7000 }),
  ...transfer("ex4-consultative-pstn", { resultCode: null }, { resultCode: 500, resultSubcode: 7700 }),
  ...transfer("ex5-group", { resultSubcode: 7015, outcome: "transferred" }, { resultCode: 500, resultSubcode: 7000 }),
  {
    name: "placing a call (the doc shows it under two ids), with content sharing",
    known: {
      "2e1a0b00-2db4-4022-9570-243709c565ab": "establishing",
      "2e1a0b00-b3c5-4b0f-99b3-c133bc1e6116": "establishing",
      [SHARING]: "established",
    },
    steps: [
      [
        "create-call-ex01-p2p-service-media.notification-1-establishing.json",
        { "2e1a0b00-2db4-4022-9570-243709c565ab": { state: "establishing" } },
      ],
      [
        "create-call-ex01-p2p-service-media.notification-2-established.json",
        { "2e1a0b00-b3c5-4b0f-99b3-c133bc1e6116": { state: "established" } },
      ],
      [
        "create-call-ex01-p2p-service-media.notification-3-contentsharing-started.json",
        { [SHARING]: { state: "established" } },
      ],
      [
        "create-call-ex01-p2p-service-media.notification-4-contentsharing-updated.json",
        { [SHARING]: { state: "established" } },
      ],
      [
        "create-call-ex01-p2p-service-media.notification-5-contentsharing-ended.json",
        { [SHARING]: { state: "established" } },
      ],
    ],
  },
  {
    name: "joining a meeting, and its roster",
    known: { "2f1a1100-b174-40a0-aba7-0b405e01ed92": "establishing" },
    steps: [
      [
        "create-call-ex05-join-meeting-service-media.notification-1-establishing.json",
        { "2f1a1100-b174-40a0-aba7-0b405e01ed92": { state: "establishing" } },
      ],
      [
        "create-call-ex05-join-meeting-service-media.notification-2-established.json",
        { "2f1a1100-b174-40a0-aba7-0b405e01ed92": { state: "established" } },
      ],
      [
        "create-call-ex05-join-meeting-service-media.notification-3-roster.json",
        {
          "2f1a1100-b174-40a0-aba7-0b405e01ed92": {
            present: {
              "0d7664b6643243ed8d27d9e7adec188c": { kind: "user", muted: true, lobby: false },
              "05491616385f44a8997418cc5f9933c1": { kind: "application", muted: false, lobby: false },
            },
          },
        },
      ],
    ],
  },
  ...(["ex1-one", "ex4-pstn"] as const).map((example): Sequence => ({
    name: `inviting (${example}): the invitee still rings (id null), so nobody joins yet`,
    known: { [INVITING]: "established" },
    steps: [
      [
        `participant-invite-${example}.notification-1-operation-completed.json`,
        { [INVITING]: { operations: { eec3812afdc34fb4825ca06c9f35414e: { kind: "invite", status: "COMPLETED" } } } },
      ],
      [`participant-invite-${example}.notification-2-roster.json`, { [INVITING]: { present: {} } }],
    ],
  })),
  {
    name: "inviting several (the doc writes the operation id as 'participants')",
    known: { "7531d31f-d10d-44de-802f-c569dbca451c": "established" },
    steps: [
      [
        "participant-invite-ex2-multiple.notification-1-operation-completed.json",
        {
          "7531d31f-d10d-44de-802f-c569dbca451c": {
            operations: { participants: { kind: "invite", status: "COMPLETED" } },
          },
        },
      ],
      [
        "participant-invite-ex2-multiple.notification-2-roster.json",
        {
          "7531d31f-d10d-44de-802f-c569dbca451c": {
            present: {},
            operations: { participants: { kind: "invite", status: "COMPLETED" } },
          },
        },
      ],
    ],
  },
  {
    name: "an invitation that replaces a peer-to-peer call (the roster under the new call's id)",
    known: { [INVITING]: "established", "a7ebfb2d-871e-419c-87af-27290b22e8db": "established" },
    steps: [
      [
        "participant-invite-ex3-replace-p2p.notification-1-operation-completed.json",
        { [INVITING]: { operations: { "278405a3f5684b3eb684009193463064": { kind: "invite", status: "COMPLETED" } } } },
      ],
      [
        "participant-invite-ex3-replace-p2p.notification-2-roster.json",
        { "a7ebfb2d-871e-419c-87af-27290b22e8db": { present: {} } },
      ],
    ],
  },
  {
    name: "muting (a roster that lists only the muted person)",
    known: { [ANSWERED]: "established" },
    steps: [
      [
        "participant-mute.notification-1-roster-muted.json",
        {
          [ANSWERED]: { present: { "2765eb1501f847c6b12bc32111a4a86f": { kind: "user", muted: true, lobby: false } } },
        },
      ],
    ],
  },
];

describe("every documented notification through the webhook route and the runtime", () => {
  it("covers each notification example", () => {
    const covered = SEQUENCES.flatMap((s) => s.steps.map(([file]) => file));
    expect([...new Set(covered)].sort()).toEqual([...NOTIFICATIONS].sort());
  });

  it.each(SEQUENCES.map((s) => [s.name, s] as const))("%s", async (_, sequence) => {
    const ids = [
      ...new Set([
        ...Object.keys(sequence.known ?? {}),
        ...sequence.steps.flatMap(([, expected]) => Object.keys(expected)),
      ]),
    ];
    await forget(ids);
    for (const [id, state] of Object.entries(sequence.known ?? {}))
      await seedCall(id, state, state === "incoming" ? "INCOMING" : "OUTGOING");

    for (const [file, expected] of sequence.steps) {
      const body = readBody(file);
      expect(await deliver(body), file).toBe(202);
      await applyPending();
      for (const [id, want] of Object.entries(expected)) expect(await view(id), file).toMatchObject(want);
      // applied and dropped: a notification's payload is not kept once applied
      expect(await database.db.inboundNotification.count({ where: { processedAt: null } }), file).toBe(0);
    }
    if (sequence.name === "a key press") {
      // the key went to the flows in memory, never to the database
      expect(tones).toEqual([[normaliseGraphId(ANSWERED), { sequenceId: 1, tone: "tone1" }]]);
      const rows = await database.db.inboundNotification.findMany({
        where: { graphCallId: normaliseGraphId(ANSWERED) },
        select: { dedupeKey: true, resourceUrl: true, payload: true },
      });
      expect(JSON.stringify(rows)).not.toContain("tone1");
    }
  });

  it("several documented notifications in one POST, with an item the bot does not know, are recorded and applied", async () => {
    await forget([TRANSFERRED]);
    await seedCall(TRANSFERRED, "established");
    const files = ["transferring", "transferaccepted", "transfercompleted"].map(
      (what, i) => `call-transfer-ex1-p2p.notification-${i + 1}-${what}.json`,
    );
    const value = files.flatMap((file) => readBody(file).value);
    // …with an item the bot does not know in the middle, which it skips
    value.splice(1, 0, {
      "@odata.type": "#microsoft.graph.commsNotification",
      changeType: "updated",
      resourceUrl: "/communications/presences/x",
    });
    expect(await deliver({ "@odata.type": "#microsoft.graph.commsNotifications", value })).toBe(202);
    await applyPending();
    expect(await view(TRANSFERRED)).toMatchObject({ state: "terminated", outcome: "transferred" });
    const rows = await database.db.inboundNotification.findMany({
      where: { graphCallId: normaliseGraphId(TRANSFERRED) },
    });
    expect(rows.map((r) => r.processedAt !== null)).toEqual([true, true, true]);
  });
});

describe("the emulator's documented forms reach the same state", () => {
  /** The app's webhook as Graph reaches it: a plain HTTP server handing every POST to the route. */
  async function webhook() {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        POST(new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }))
          .then((r) => res.writeHead(r.status).end())
          .catch(() => res.writeHead(500).end());
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/calls/notifications`,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  it("a meeting in the deltaParticipants form with departures as deleted changes, batched, hex ids and an unknown item", async () => {
    const hook = await webhook();
    const token = async () => {
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: emu.registration.clientId,
        client_secret: emu.registration.clientSecret,
        scope: "https://graph.microsoft.com/.default",
      });
      const res = await emulatorRequest(emu, "POST", `${emu.issuer}/token`, {
        rawBody: form.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      return res.json.access_token as string;
    };
    try {
      await emulatorRequest(emu, "PUT", "/_emulator/variants", {
        body: {
          force: {
            roster: "deltaParticipants",
            departures: "deleted",
            batched: true,
            idSpelling: "hex",
            unknownItem: true,
            endCode: 1,
          },
        },
      });
      const app = await token();
      const thread = "19:meeting_conformance@thread.v2";
      const created = await emulatorRequest(emu, "POST", "/v1.0/communications/calls", {
        token: app,
        body: {
          callbackUri: hook.url,
          requestedModalities: ["audio"],
          mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
          chatInfo: { threadId: thread, messageId: "0" },
          meetingInfo: {
            "@odata.type": "#microsoft.graph.organizerMeetingInfo",
            organizer: { user: { id: "0a1c2e30-1111-4a00-8000-000000000001" } },
          },
        },
      });
      expect(created.status).toBe(201);
      const callId = created.json.id as string;
      await seedCall(callId, "establishing");
      const settle = async (check: (v: View) => boolean) => {
        await expect
          .poll(async () => {
            await applyPending();
            const v = await view(callId);
            return v !== null && check(v);
          })
          .toBe(true);
      };
      await settle((v) => v.state === "established" && Object.keys(v.present).length === 1);
      const guest = await emulatorRequest(emu, "POST", `/_emulator/meetings/${encodeURIComponent(thread)}/guests`, {
        body: { name: "Patient", bypassLobby: false },
      });
      const guestId = normaliseGraphId(guest.json.participantId as string);
      await settle((v) => v.present[guestId]?.lobby === true);
      await emulatorRequest(
        emu,
        "POST",
        `/_emulator/meetings/${encodeURIComponent(thread)}/guests/${guest.json.participantId}/admit`,
      );
      await settle((v) => v.present[guestId]?.lobby === false);
      await emulatorRequest(
        emu,
        "POST",
        `/_emulator/meetings/${encodeURIComponent(thread)}/guests/${guest.json.participantId}/leave`,
      );
      await settle((v) => !(guestId in v.present));
      await emulatorRequest(emu, "DELETE", `/v1.0/communications/calls/${callId}`, { token: app });
      await settle((v) => v.state === "terminated");
      expect(await view(callId)).toMatchObject({ resultCode: 200, resultSubcode: 10550, outcome: "completed" });
    } finally {
      await emulatorRequest(emu, "PUT", "/_emulator/variants", { body: { force: {} } });
      await hook.close();
    }
  });
});
