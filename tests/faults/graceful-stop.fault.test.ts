// Issue #8 "Operation": SIGTERM while a reminder call is being placed (Graph answers slowly) — the process
// stops taking jobs, finishes the one in hand (the call is placed and recorded), and exits 0. The jobs it
// did not start stay queued and run in the next process; nothing is placed twice.
import { expect, it } from "vitest";
import {
  appEnvFor,
  callsPerReminder,
  confirmingPhone,
  emulatorCall,
  everyReminderDone,
  faultScene,
  queueDispatch,
  seedDueReminders,
  startAppInstance,
  testQueue,
  waitFor,
} from "./helpers";

const PORT = 3342;
const scene = faultScene();

it("SIGTERM finishes the call being placed, then exits 0; the rest runs after restart", async () => {
  const { emu, database } = scene;
  const { db } = database;
  // one dispatcher: while it places the first call, the other two jobs wait in the queue
  const env = appEnvFor(emu, database.url, PORT, {
    CONSULTA_SHUTDOWN_TIMEOUT_MS: "20000",
    REMINDER_DISPATCH_WORKERS: "1",
  });
  scene.app = await startAppInstance(env);
  scene.boss = await testQueue(database.url);
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
  await queueDispatch(scene.boss, due);
  const inFlight = await waitFor(
    "a call being placed",
    () => db.reminder.findFirst({ where: { status: "CALLING", graphCallId: null } }),
    60_000,
  );

  scene.app.child.kill("SIGTERM");
  expect(await scene.app.exited).toEqual({ code: 0, signal: null });
  expect(scene.app.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  // the job in hand finished: its call is placed and recorded, nothing else was started
  const placed = await db.reminder.findUniqueOrThrow({ where: { id: inFlight.id } });
  expect(placed.status).toBe("CALLING");
  expect(placed.graphCallId).not.toBeNull();
  expect(await db.call.count({ where: { graphCallId: placed.graphCallId! } })).toBe(1);
  expect(await db.reminder.count({ where: { status: "SCHEDULED", attempts: 0 } })).toBe(2);
  expect(await db.reminder.count({ where: { status: "CALLING", graphCallId: null } })).toBe(0);

  await emulatorCall(emu, "DELETE", "/_emulator/faults");
  scene.app = await startAppInstance(env);
  await everyReminderDone(db, 120_000);
  for (const row of await db.reminder.findMany())
    expect(row).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
  expect(await callsPerReminder(emu, due)).toEqual([1, 1, 1]);
});
