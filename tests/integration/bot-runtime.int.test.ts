// The call runtime's queue and hold (lib/bot/runtime/engine.ts): a call's recorded notifications are applied
// in arrival order, once, by one holder at a time — however many processes claim at once — a worker woken by
// the webhook's NOTIFY applies them without being asked, none is left behind by a claim turned away, a dead
// holder's lease holds the call only until it expires, a turn that dies half-way changes nothing, and a call
// nobody recorded is hung up.
import crypto from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { recordNotifications } from "@/lib/bot/intake";
import { UNKNOWN_CALL_GIVE_UP_MS } from "@/lib/bot/runtime/engine";
import { defineFlow, type RuntimeEvent } from "@/lib/bot/runtime/flow";
import type { RunnerDeps } from "@/lib/bot/runtime/runner";
import { createCallSql } from "@/lib/bot/runtime/sql";
import { parseNotifications } from "@/lib/bot/schema";
import { createPrismaClient } from "@/lib/db/create-client";
import { GraphError } from "@/lib/graph/errors";
import type { CallsApi } from "@/lib/graph/gateway";
import { createPromptStore } from "@/lib/prompts/store";
import { z } from "zod";
import { databasePerFile } from "../helpers/per-file";
import { sleep, testProcess, waitFor, type TestProcess } from "./bot-helpers";

const database = databasePerFile();
const processes: TestProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.close()));
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
  resourceData: { "@odata.type": "#microsoft.graph.playPromptOperation", status, clientContext: "queue-test" },
});

/** A flow that writes down what it heard, in order; "slow" on `established` (a command that takes a while). */
const heard = new Map<string, string[]>();
let slowMs = 0;
let commitFailures = 0;
/** calls whose flow fails at every commit (a defect) */
const poisoned = new Set<string>();
const describeEvent = (e: RuntimeEvent) =>
  e.type === "promptFinished" ? `op:${e.operationId}` : e.type === "established" ? "call:established" : e.type;
const recorder = defineFlow<{ heard: string[] }, { type: "noted" }, { type: "slow" } | { type: "note" }>({
  schema: z.object({ heard: z.array(z.string()) }),
  initial: () => ({ heard: [] }),
  step(document, event) {
    const name = event.type === "noted" ? "noted" : describeEvent(event as RuntimeEvent);
    return {
      document: { heard: [...document.heard, name] },
      commands:
        event.type === "established" ? [{ type: "slow" }] : event.type === "terminated" ? [{ type: "note" }] : [],
    };
  },
  locale: () => "pt-BR",
  context: "test",
  commits: new Set(["note"]),
  async commit(_sql, call, document) {
    // a process dying at its last step: nothing of the turn (its notifications, this step) may stay
    if (commitFailures > 0) {
      commitFailures--;
      throw new Error("process gone");
    }
    if (poisoned.has(call.id)) throw new Error("a defect in this call's flow");
    heard.set(call.id, [...document.heard]);
    return [];
  },
  async act() {
    await sleep(slowMs);
    return [{ type: "noted" }];
  },
  finished: () => false,
});

const hungUp: string[] = [];
const fakeCalls = {
  hangUp: async (id: string) => {
    hungUp.push(id);
  },
} as unknown as CallsApi;
const runner: RunnerDeps = {
  calls: fakeCalls,
  publicBaseUrl: "http://127.0.0.1:9",
  prompts: createPromptStore({ cacheDir: null }),
  tenantId: "tenant",
  receptionUserId: null,
};

function process(options: { leaseSeconds?: number } = {}) {
  const p = testProcess(database, runner, { GROUP_CALL: recorder }, options);
  processes.push(p);
  return p;
}

/** Records notifications as the webhook does (NOTIFY included), without applying them. */
async function record(p: TestProcess, ...notifications: object[]) {
  const items = parseNotifications({ "@odata.type": "#microsoft.graph.commsNotifications", value: notifications });
  await recordNotifications({ sql: p.sql }, items);
}

async function seedCall() {
  const graphCallId = crypto.randomUUID().replace(/-/g, "");
  const call = await database.db.call.create({
    data: { graphCallId, direction: "OUTGOING", purpose: "GROUP_CALL", state: "establishing" },
  });
  return { graphCallId, call };
}

const documentOf = async (id: string) =>
  ((await database.db.call.findUniqueOrThrow({ where: { id } })).flow as { heard: string[] } | null)?.heard ?? [];
const pendingOf = (graphCallId: string) =>
  database.db.inboundNotification.count({ where: { graphCallId, processedAt: null } });

describe("the notification queue", () => {
  it("applies a call's notifications in arrival order, its flow hears them in that order, payloads are dropped", async () => {
    const p = process();
    const { graphCallId, call } = await seedCall();
    await record(p, callNotification(graphCallId, "established"));
    await record(p, operation(graphCallId, "op-1", "running"), operation(graphCallId, "op-1", "completed"));
    await record(
      p,
      callNotification(graphCallId, "terminated", "deleted", { resultInfo: { code: 200, subcode: 7000 } }),
    );
    expect(await pendingOf(graphCallId)).toBe(4);

    await p.runtime.runPending();

    // the batch's events in arrival order; the commands they asked for run after them, with the lease held
    expect(await documentOf(call.id)).toEqual(["call:established", "op:op1", "terminated", "noted"]);
    expect(heard.get(call.id)).toEqual(["call:established", "op:op1", "terminated", "noted"]);
    expect(await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
      state: "terminated",
      resultSubcode: 7000,
      heldBy: null,
      heldUntil: null,
    });
    // stored as every Graph id is: lowercase, without dashes
    const op = await database.db.callOperation.findUniqueOrThrow({ where: { graphOperationId: "op1" } });
    expect(op.status).toBe("COMPLETED");
    const rows = await database.db.inboundNotification.findMany({ where: { graphCallId } });
    expect(rows.every((row) => row.processedAt !== null && row.payload === null)).toBe(true);
  });

  it("a key press held in memory is stepped in its arrival order, between the notifications around it", async () => {
    const p = process();
    const { graphCallId, call } = await seedCall();
    await record(
      p,
      operation(graphCallId, "op-before", "completed"),
      callNotification(graphCallId, "established", "updated", { toneInfo: { sequenceId: 1, tone: "tone1" } }),
      operation(graphCallId, "op-after", "completed"),
    );
    // the webhook hands the key to this process, naming the notification that brought it
    await p.runtime.deliver(graphCallId, { type: "tone", key: "1" }, {}, "tone:1");
    expect(await documentOf(call.id)).toEqual(["op:opbefore", "call:established", "tone", "op:opafter", "noted"]);
    expect(await pendingOf(graphCallId)).toBe(0);
  });

  it("a key press another process received: a worker claiming first leaves its notification and the rest to that process", async () => {
    const worker = process();
    const web = process();
    const { graphCallId, call } = await seedCall();
    await record(
      web,
      operation(graphCallId, "op-before", "completed"),
      callNotification(graphCallId, "established", "updated", { toneInfo: { sequenceId: 1, tone: "tone1" } }),
      operation(graphCallId, "op-after", "completed"),
    );
    // the worker is woken first: it applies what came before the key press, and not the key's notification
    // (the key is only in the web process's memory) nor what came after it
    await worker.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(2);
    expect((await documentOf(call.id)).filter((e) => e !== "noted")).toEqual(["op:opbefore"]);
    // the web process steps the key between the notifications around it, as if it had been alone
    await web.runtime.deliver(graphCallId, { type: "tone", key: "1" }, {}, "tone:1");
    expect((await documentOf(call.id)).filter((e) => e !== "noted")).toEqual([
      "op:opbefore",
      "call:established",
      "tone",
      "op:opafter",
    ]);
    expect(await pendingOf(graphCallId)).toBe(0);
  });

  it("a key press whose receiver never stepped it holds the call no longer than the receiver would have tried", async () => {
    const worker = process();
    const { graphCallId, call } = await seedCall();
    await record(
      worker,
      callNotification(graphCallId, "established", "updated", { toneInfo: { sequenceId: 1, tone: "tone1" } }),
      operation(graphCallId, "op-after", "completed"),
    );
    await worker.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(2);
    // as if the process that received it had died a minute ago
    await database.db.inboundNotification.updateMany({
      where: { graphCallId },
      data: { receivedAt: new Date(Date.now() - 60_000) },
    });
    await worker.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(0);
    expect((await documentOf(call.id)).filter((e) => e !== "noted")).toEqual(["call:established", "op:opafter"]);
  });

  it("a running worker is woken by the webhook's NOTIFY and applies what was recorded, without being asked", async () => {
    const worker = process();
    await worker.runtime.start();
    const webhook = process();
    const { graphCallId, call } = await seedCall();
    await record(webhook, callNotification(graphCallId, "established"));
    await waitFor("applied", async () => (await pendingOf(graphCallId)) === 0, 3_000);
    expect((await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("established");
    await worker.runtime.stop();
  });

  it("eight processes claiming one call at once: each notification applied once, in order", async () => {
    const { graphCallId, call } = await seedCall();
    const first = process();
    await record(first, callNotification(graphCallId, "established"));
    for (let i = 1; i <= 20; i++) await record(first, operation(graphCallId, `op-many-${i}`, "completed"));
    const claimers = [first, ...Array.from({ length: 7 }, () => process())];
    await Promise.all(claimers.map((p) => p.runtime.runPending()));
    // whoever held it last let go after looking again: nothing is left
    await waitFor("all applied", async () => (await pendingOf(graphCallId)) === 0, 3_000);
    await waitFor(
      "let go",
      async () => (await database.db.call.findUnique({ where: { id: call.id } }))?.heldBy === null,
    );
    expect(await documentOf(call.id)).toEqual([
      "call:established",
      ...Array.from({ length: 20 }, (_, i) => `op:opmany${i + 1}`),
      "noted",
    ]);
  });

  it("a notification recorded while a process holds the call is applied by that process before it lets go", async () => {
    const holder = process();
    await holder.runtime.start();
    const { graphCallId, call } = await seedCall();
    slowMs = 300;
    try {
      await record(holder, callNotification(graphCallId, "established"));
      // the holder runs its slow command: the call is held
      await waitFor("held", async () => (await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).heldBy);
      await record(holder, operation(graphCallId, "op-late", "completed"));
      // another process is turned away while the lease is held
      const other = process();
      await other.runtime.runPending();
      expect(await pendingOf(graphCallId)).toBe(1);
      await waitFor("applied by the holder", async () => (await pendingOf(graphCallId)) === 0, 3_000);
      expect(await documentOf(call.id)).toEqual(["call:established", "noted", "op:oplate"]);
    } finally {
      slowMs = 0;
      await holder.runtime.stop();
    }
  });

  it("a lease left by a dead holder holds the call until it expires, on the database's clock", async () => {
    const p = process();
    const { graphCallId, call } = await seedCall();
    await record(p, callNotification(graphCallId, "established"));
    await database.db.$executeRaw`
      UPDATE "Call" SET "heldBy" = ${crypto.randomUUID()}::uuid, "heldUntil" = now() + interval '1 minute'
      WHERE id = ${call.id}::uuid`;
    await p.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(1);
    await database.db
      .$executeRaw`UPDATE "Call" SET "heldUntil" = now() - interval '1 second' WHERE id = ${call.id}::uuid`;
    await p.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(0);
    expect(await documentOf(call.id)).toEqual(["call:established", "noted"]);
  });

  it("a turn that dies before it commits changes nothing: the next one applies everything once", async () => {
    const p = process();
    const { graphCallId, call } = await seedCall();
    await record(
      p,
      callNotification(graphCallId, "terminated", "deleted", { resultInfo: { code: 200, subcode: 4521 } }),
    );
    commitFailures = 1;
    await expect(p.runtime.runPending()).rejects.toThrow("process gone");
    expect(await pendingOf(graphCallId)).toBe(1);
    expect(await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
      state: "establishing",
      flow: null,
      heldBy: null,
    });
    await p.runtime.runPending();
    expect(await pendingOf(graphCallId)).toBe(0);
    expect(heard.get(call.id)).toEqual(["terminated"]);
    expect((await database.db.call.findUniqueOrThrow({ where: { id: call.id } })).state).toBe("terminated");
  });

  it("a call whose flow fails every time does not hold up the others claimed with it", async () => {
    const worker = process();
    const bad = await seedCall();
    const good = await seedCall();
    poisoned.add(bad.call.id);
    try {
      await worker.runtime.start();
      // recorded by one statement: woken together, claimed in one batch
      await record(
        worker,
        callNotification(bad.graphCallId, "terminated", "deleted"),
        callNotification(good.graphCallId, "terminated", "deleted"),
      );
      await waitFor("the good call applied", async () => (await pendingOf(good.graphCallId)) === 0, 5_000);
      expect(heard.get(good.call.id)).toEqual(["terminated"]);
      expect(await pendingOf(bad.graphCallId)).toBe(1);
    } finally {
      poisoned.clear();
      await worker.runtime.stop();
    }
  });

  it("a call not committed yet: nothing is applied; once its row is, a running worker applies everything", async () => {
    const worker = process();
    await worker.runtime.start();
    try {
      const graphCallId = crypto.randomUUID().replace(/-/g, "");
      await record(worker, callNotification(graphCallId, "establishing"), callNotification(graphCallId, "established"));
      await sleep(200);
      expect(await pendingOf(graphCallId)).toBe(2);
      // what the dialler does: the row and the wake-up in one transaction
      await database.db.$transaction(async (tx) => {
        await tx.call.create({
          data: { graphCallId, direction: "OUTGOING", purpose: "GROUP_CALL", state: "establishing" },
        });
        await tx.$queryRaw`SELECT pg_notify('consulta_calls', ${graphCallId})::text`;
      });
      await waitFor("applied", async () => (await pendingOf(graphCallId)) === 0, 3_000);
      expect((await database.db.call.findUniqueOrThrow({ where: { graphCallId } })).state).toBe("established");
    } finally {
      await worker.runtime.stop();
    }
  });
});

describe("a call the app never recorded", () => {
  it("is left alone while its row may still be committed, and hung up once it is clear nobody will", async () => {
    const p = process();
    const graphCallId = crypto.randomUUID().replace(/-/g, "");
    await record(p, callNotification(graphCallId, "established"));
    hungUp.length = 0;
    expect(await p.runtime.sweep()).toMatchObject({ unknown: 0 });
    expect(hungUp).toEqual([]);
    // as long ago as the dialler's own retries of that write could take
    await database.db.$executeRaw`
      UPDATE "InboundNotification" SET "receivedAt" = now() - make_interval(secs => ${UNKNOWN_CALL_GIVE_UP_MS / 1000 + 1})
      WHERE "graphCallId" = ${graphCallId}`;
    expect(await p.runtime.sweep()).toMatchObject({ unknown: 1 });
    // the call's id in Graph's request form
    expect(hungUp).toEqual([graphCallId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5")]);
    expect(await pendingOf(graphCallId)).toBe(0);
    expect(await p.runtime.sweep()).toMatchObject({ unknown: 0 });
  });

  it("hanging up: a call already gone is not an error, any other failure is", async () => {
    const { commandRunner } = await import("@/lib/bot/runtime/runner");
    const status = { next: 0 };
    const run = commandRunner({
      ...runner,
      calls: {
        hangUp: async () => {
          if (status.next) throw new GraphError({ status: status.next, code: "test", message: "graph" });
        },
      } as unknown as CallsApi,
    });
    await expect(run.hangUpUnlessGone("6f0e5a3e00004000800000000000000a")).resolves.toBe(true);
    status.next = 404;
    await expect(run.hangUpUnlessGone("6f0e5a3e00004000800000000000000a")).resolves.toBe(false);
    status.next = 503;
    await expect(run.hangUpUnlessGone("6f0e5a3e00004000800000000000000a")).rejects.toMatchObject({ status: 503 });
  });
});

describe("a server whose default TimeZone is not UTC", () => {
  it("Prisma and the runtime's SQL read and write the same instants", async () => {
    // what an embedded server started in Kathmandu gets from initdb; new connections take it as their default
    const name = new URL(database.url).pathname.slice(1);
    await database.db.$executeRawUnsafe(`ALTER DATABASE "${name}" SET "TimeZone" TO 'Asia/Kathmandu'`);
    const db = createPrismaClient(database.url);
    const sql = createCallSql(database.url);
    try {
      const at = new Date(Date.now() + 3 * 3_600_000);
      const { graphCallId } = await seedCall();
      const written = await db.call.update({ where: { graphCallId }, data: { flowAt: at }, select: { id: true } });
      const [row] = await sql.query<{ flowAt: Date; ahead: number }>(
        `SELECT "flowAt", extract(epoch FROM "flowAt" - now())::float8 AS ahead FROM "Call" WHERE id = $1::uuid`,
        [written.id],
      );
      expect(row!.flowAt.getTime()).toBe(at.getTime());
      expect(Math.abs(row!.ahead - 3 * 3_600)).toBeLessThan(60);
      await sql.query(`UPDATE "Call" SET "heldUntil" = now() WHERE id = $1::uuid`, [written.id]);
      const held = await db.call.findUniqueOrThrow({ where: { id: written.id }, select: { heldUntil: true } });
      expect(Math.abs(held.heldUntil!.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await sql.close();
      await db.$disconnect();
      await database.db.$executeRawUnsafe(`ALTER DATABASE "${name}" RESET "TimeZone"`);
    }
  });
});
