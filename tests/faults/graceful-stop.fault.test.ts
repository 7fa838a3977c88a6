// Issue #8 "Operation": SIGTERM while a reminder call is being placed (Graph answers slowly) — the process
// stops taking jobs, finishes the one in hand (the call is placed and recorded), and exits 0. The jobs it
// did not start stay queued and run in the next process; nothing is placed twice.
import { afterAll, beforeAll, expect, it } from "vitest";
import type PgBoss from "pg-boss";
import type { RunningEmulator } from "@/emulator/server";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import {
  appEnvFor,
  callsByPhone,
  confirmingPhone,
  emulatorCall,
  faultEmulator,
  queueDispatch,
  seedDueReminders,
  startAppInstance,
  stopAppInstance,
  testQueue,
  waitFor,
  type AppInstance,
} from "./helpers";

const PORT = 3342;
let emu: RunningEmulator;
let database: TestDatabase;
let app: AppInstance | undefined;
let boss: PgBoss | undefined;

beforeAll(async () => {
  [emu, database] = await Promise.all([faultEmulator(), createTestDatabase()]);
});
afterAll(async () => {
  await stopAppInstance(app);
  await boss?.stop({ graceful: false, close: true }).catch(() => undefined);
  await Promise.all([database?.close(), emu?.close()]);
});

it("SIGTERM finishes the call being placed, then exits 0; the rest runs after restart", async () => {
  const { db } = database;
  // one dispatcher: while it places the first call, the other two jobs wait in the queue
  const env = appEnvFor(emu, database.url, PORT, {
    CONSULTA_SHUTDOWN_TIMEOUT_MS: "20000",
    REMINDER_DISPATCH_WORKERS: "1",
  });
  app = await startAppInstance(env);
  boss = await testQueue(database.url);
  const due = await seedDueReminders(db, 3);
  for (const r of due) await confirmingPhone(emu, r.phone);
  // every call creation takes 3 s at the emulator: the first dispatch is in flight when the signal comes
  await emulatorCall(emu, "POST", "/_emulator/faults", {
    target: "request",
    method: "POST",
    path: "/v1.0/communications/calls",
    count: 0,
    action: { type: "latency", ms: 3_000 },
  });
  await queueDispatch(boss, due);
  const inFlight = await waitFor(
    "a call being placed",
    () => db.reminder.findFirst({ where: { status: "CALLING", graphCallId: null } }),
    60_000,
  );

  app.child.kill("SIGTERM");
  expect(await app.exited).toEqual({ code: 0, signal: null });
  expect(app.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  // the job in hand finished: its call is placed and recorded, nothing else was started
  const placed = await db.reminder.findUniqueOrThrow({ where: { id: inFlight.id } });
  expect(placed.status).toBe("CALLING");
  expect(placed.graphCallId).not.toBeNull();
  expect(await db.call.count({ where: { graphCallId: placed.graphCallId! } })).toBe(1);
  expect(await db.reminder.count({ where: { status: "SCHEDULED", attempts: 0 } })).toBe(2);
  expect(await db.reminder.count({ where: { status: "CALLING", graphCallId: null } })).toBe(0);

  await emulatorCall(emu, "DELETE", "/_emulator/faults");
  app = await startAppInstance(env);
  await waitFor(
    "every reminder finished",
    async () => (await db.reminder.count({ where: { status: { not: "DONE" } } })) === 0,
    120_000,
  );
  for (const row of await db.reminder.findMany())
    expect(row).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
  expect([
    ...(
      await callsByPhone(
        emu,
        due.map((r) => r.phone),
      )
    ).values(),
  ]).toEqual([1, 1, 1]);
});
