// The drain (lib/bot/drain.ts): a call's recorded notifications are applied in arrival order, once, by one
// drainer at a time — however many workers ask at once — and none is left behind by a drain turned away.
import crypto from "node:crypto";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainCall } from "@/lib/bot/drain";
import { recordNotifications } from "@/lib/bot/intake";
import { CallNotYetKnown, type DrainJob } from "@/lib/bot/process";
import { parseNotifications, type BotNotification } from "@/lib/bot/schema";
import { hangUpUnlessGone } from "@/lib/bot/meeting-calls";
import { handleBotNotificationJobs, NOT_YET_KNOWN_TRIES } from "@/lib/bot/worker";
import { GraphError } from "@/lib/graph/errors";
import { setDbForTests } from "@/lib/db";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const callNotification = (graphCallId: string, state: string, changeType = "updated", extra = {}) => ({
  "@odata.type": "#microsoft.graph.commsNotification",
  changeType,
  resourceUrl: `/communications/calls/${graphCallId}`,
  resourceData: { "@odata.type": "#microsoft.graph.call", state, ...extra },
});

const operation = (graphCallId: string, operationId: string, status: string) => ({
  "@odata.type": "#microsoft.graph.commsNotification",
  changeType: status === "completed" ? "deleted" : "updated",
  resourceUrl: `/communications/calls/${graphCallId}/operations/${operationId}`,
  resourceData: { "@odata.type": "#microsoft.graph.playPromptOperation", status, clientContext: "drain-test" },
});

/** Records notifications as the webhook does, without draining them (the queue is left to the test). */
async function record(...notifications: object[]) {
  const queued: string[][] = [];
  const items = parseNotifications({ "@odata.type": "#microsoft.graph.commsNotifications", value: notifications });
  await recordNotifications({ db: database.db, dispatch: async (ids) => void queued.push(ids) }, items);
  return queued;
}

async function seedCall() {
  const graphCallId = crypto.randomUUID().replace(/-/g, "");
  const call = await database.db.call.create({
    data: { graphCallId, direction: "OUTGOING", purpose: "GROUP_CALL", state: "establishing" },
  });
  return { graphCallId, call };
}

const describeApplied = (applied: BotNotification[]) =>
  applied.map((n) => (n.kind === "call" ? `call:${n.state}` : n.kind === "operation" ? `op:${n.status}` : n.kind));

describe("draining a call's notifications", () => {
  it("applies them in arrival order, hands them to the flows in that order and drops their payloads", async () => {
    const { graphCallId, call } = await seedCall();
    const queued = await record(callNotification(graphCallId, "established"));
    await record(operation(graphCallId, "op-1", "running"), operation(graphCallId, "op-1", "completed"));
    await record(callNotification(graphCallId, "terminated", "deleted", { resultInfo: { code: 200, subcode: 7000 } }));
    expect(queued).toEqual([[graphCallId]]);
    const pending = await database.db.inboundNotification.findMany({
      where: { graphCallId },
      orderBy: { sequence: "asc" },
    });
    expect(pending.map((row) => row.payload !== null)).toEqual([true, true, true, true]);

    const seen: string[] = [];
    const outcome = await drainCall(
      database.db,
      graphCallId,
      async (applied) => void seen.push(...describeApplied(applied)),
    );

    expect(outcome).toBe("drained");
    expect(seen).toEqual(["call:established", "op:running", "op:completed", "call:terminated"]);
    expect(await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
      state: "terminated",
      resultSubcode: 7000,
    });
    // stored as every Graph id is: lowercase, without dashes
    const op = await database.db.callOperation.findUniqueOrThrow({ where: { graphOperationId: "op1" } });
    expect(op.status).toBe("COMPLETED");
    const rows = await database.db.inboundNotification.findMany({ where: { graphCallId } });
    expect(rows.every((row) => row.processedAt !== null && row.payload === null)).toBe(true);
    expect(await database.db.callDrainLease.count({ where: { graphCallId } })).toBe(0);
  });

  it("many drains of one call at once: one applies, the others are turned away, each notification once", async () => {
    const { graphCallId } = await seedCall();
    await record(callNotification(graphCallId, "established"));
    for (let i = 1; i <= 20; i++) await record(operation(graphCallId, `op-many-${i}`, "completed"));
    const seen: string[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        drainCall(database.db, graphCallId, async (applied) => {
          seen.push(
            ...applied.map((n) => (n.kind === "operation" ? n.operationId : `call:${(n as { state?: string }).state}`)),
          );
        }),
      ),
    );
    expect(outcomes.filter((o) => o === "drained").length).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual(["call:established", ...Array.from({ length: 20 }, (_, i) => `opmany${i + 1}`)]);
    expect(await database.db.inboundNotification.count({ where: { graphCallId, processedAt: null } })).toBe(0);
  });

  it("a notification recorded while another drain holds the call is applied by that drain", async () => {
    const { graphCallId } = await seedCall();
    await record(callNotification(graphCallId, "established"));
    const seen: string[] = [];
    let turnedAway: string | null = null;
    await drainCall(database.db, graphCallId, async (applied) => {
      seen.push(...describeApplied(applied));
      if (turnedAway === null) {
        // a new delivery arrives now, and its own drain finds the call taken
        await record(callNotification(graphCallId, "terminated", "deleted"));
        turnedAway = await drainCall(database.db, graphCallId, async () => {});
      }
    });
    expect(turnedAway).toBe("busy");
    expect(seen).toEqual(["call:established", "call:terminated"]);
  });

  it("a lease left by a crashed drainer holds the call until it expires", async () => {
    const { graphCallId } = await seedCall();
    await record(callNotification(graphCallId, "established"));
    await database.db.callDrainLease.create({
      data: { graphCallId, holder: crypto.randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    });
    expect(await drainCall(database.db, graphCallId, async () => {})).toBe("busy");
    expect(await database.db.inboundNotification.count({ where: { graphCallId, processedAt: null } })).toBe(1);

    await database.db.callDrainLease.update({
      where: { graphCallId },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    expect(await drainCall(database.db, graphCallId, async () => {})).toBe("drained");
    expect(await database.db.inboundNotification.count({ where: { graphCallId, processedAt: null } })).toBe(0);
  });

  it("a call not committed yet: nothing is applied, the lease is freed, and a later drain applies everything", async () => {
    const graphCallId = crypto.randomUUID().replace(/-/g, "");
    await record(callNotification(graphCallId, "establishing"), callNotification(graphCallId, "established"));
    await expect(drainCall(database.db, graphCallId, async () => {})).rejects.toBeInstanceOf(CallNotYetKnown);
    expect(await database.db.callDrainLease.count({ where: { graphCallId } })).toBe(0);
    expect(await database.db.inboundNotification.count({ where: { graphCallId, processedAt: null } })).toBe(2);

    await database.db.call.create({
      data: { graphCallId, direction: "OUTGOING", purpose: "REMINDER", state: "establishing" },
    });
    const seen: string[] = [];
    expect(await drainCall(database.db, graphCallId, async (a) => void seen.push(...describeApplied(a)))).toBe(
      "drained",
    );
    expect(seen).toEqual(["call:establishing", "call:established"]);
    expect((await database.db.call.findUniqueOrThrow({ where: { graphCallId } })).state).toBe("established");
  });
});

describe("a call the app never recorded (the bot-notification worker)", () => {
  const unknownCall = async () => {
    const graphCallId = crypto.randomUUID().replace(/-/g, "");
    await record(callNotification(graphCallId, "established"));
    return graphCallId;
  };
  const job = (graphCallId: string, attempt: number) => ({ data: { graphCallId, attempt } }) as PgBoss.Job<DrainJob>;
  const worker = () => {
    const later: [DrainJob, number][] = [];
    const abandoned: string[] = [];
    const retry = {
      later: async (next: DrainJob, delaySeconds: number) => void later.push([next, delaySeconds]),
      abandon: async (graphCallId: string) => void abandoned.push(graphCallId),
    };
    return {
      later,
      abandoned,
      run: (jobs: PgBoss.Job<DrainJob>[]) => handleBotNotificationJobs(jobs, async () => {}, retry),
    };
  };

  it("is drained again later, with a growing delay, while its row may still be committed", async () => {
    setDbForTests(database.db);
    const graphCallId = await unknownCall();
    const { later, abandoned, run } = worker();
    await run([job(graphCallId, 0), job(graphCallId, 3)]);
    expect(later).toEqual([[{ graphCallId, attempt: 4 }, 8]]);
    expect(abandoned).toEqual([]);
  });

  it("is hung up after the last try: nobody drives it", async () => {
    setDbForTests(database.db);
    const graphCallId = await unknownCall();
    const { later, abandoned, run } = worker();
    await run([job(graphCallId, NOT_YET_KNOWN_TRIES - 1)]);
    expect(abandoned).toEqual([graphCallId]);
    expect(later).toEqual([]);
  });

  it("hanging up sends Graph the call's id in its request form; a call already gone is not an error", async () => {
    const hungUp: string[] = [];
    const status = { next: 0 };
    const calls = {
      hangUp: async (id: string) => {
        hungUp.push(id);
        if (status.next) throw new GraphError({ status: status.next, code: "test", message: "graph" });
      },
    };
    await expect(hangUpUnlessGone(calls, "6f0e5a3e00004000800000000000000a")).resolves.toBe(true);
    expect(hungUp).toEqual(["6f0e5a3e-0000-4000-8000-00000000000a"]);
    status.next = 404;
    await expect(hangUpUnlessGone(calls, "6f0e5a3e00004000800000000000000a")).resolves.toBe(false);
    status.next = 503;
    await expect(hangUpUnlessGone(calls, "6f0e5a3e00004000800000000000000a")).rejects.toMatchObject({
      status: 503,
    });
  });
});
