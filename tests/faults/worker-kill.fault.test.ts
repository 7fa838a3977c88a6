// Issue #7 item 3 / #8 item 3: the app process is killed with SIGKILL in the middle of dispatching reminder
// calls and started again. Every reminder is placed exactly once (the emulator's calls by number), none is
// lost, and each outcome is recorded.
import { expect, it } from "vitest";
import {
  appEnvFor,
  callsPerReminder,
  confirmingPhone,
  everyReminderDone,
  faultScene,
  queueDispatch,
  seedDueReminders,
  startAppInstance,
  testQueue,
  waitFor,
} from "./helpers";

const PORT = 3341;
const scene = faultScene();

it("a worker killed mid-dispatch and restarted places every reminder exactly once", async () => {
  const { emu, database } = scene;
  const { db } = database;
  // a cap of 2: once two calls ring, the other jobs wait for a free slot, so no call is half-placed
  // when the process dies (that window is covered by the sweep, docs/ARCHITECTURE.md)
  const env = appEnvFor(emu, database.url, PORT, { REMINDER_MAX_CONCURRENT_CALLS: "2" });
  scene.app = await startAppInstance(env);
  scene.boss = await testQueue(database.url);
  const due = await seedDueReminders(db, 5);
  // the phones ring for 1.5 s before answering: the kill lands while calls are in progress
  for (const r of due) await confirmingPhone(emu, r.phone, 1_500);
  await queueDispatch(scene.boss, due);

  await waitFor(
    "two calls placed",
    async () => (await db.reminder.count({ where: { status: "CALLING", graphCallId: { not: null } } })) === 2,
    60_000,
  );
  scene.app.child.kill("SIGKILL");
  expect(await scene.app.exited).toEqual({ code: null, signal: "SIGKILL" });
  const atKill = await db.reminder.groupBy({ by: ["status"], _count: true });
  // mid-dispatch: calls in progress and reminders not yet dialed
  expect(atKill.find((g) => g.status === "CALLING")?._count).toBe(2);
  expect(atKill.find((g) => g.status === "SCHEDULED")?._count).toBe(3);

  scene.app = await startAppInstance(env);
  await everyReminderDone(db, 200_000);

  const rows = await db.reminder.findMany({ include: { appointment: { select: { status: true } } } });
  expect(rows).toHaveLength(5);
  for (const row of rows) {
    expect(row).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
    expect(row.appointment.status).toBe("CONFIRMED");
  }
  // one call per patient at the emulator, and one Call row per reminder in the app
  expect(await callsPerReminder(emu, due)).toEqual([1, 1, 1, 1, 1]);
  expect(await db.call.count({ where: { purpose: "REMINDER" } })).toBe(5);
});
