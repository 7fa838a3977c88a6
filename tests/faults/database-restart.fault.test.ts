// Issue #8 item 3: the database stops for a few seconds while reminder calls, meeting syncs and a booking
// are under way, then comes back. The app reports the outage (health 503), a booking attempted during it
// fails without a partial write and succeeds when repeated, and afterwards — with no one restarting the
// app — every reminder is placed exactly once with its outcome, and every meeting exists once.
import { afterAll, beforeAll, expect, it } from "vitest";
import type PgBoss from "pg-boss";
import type { RunningEmulator } from "@/emulator/server";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { createPrismaClient } from "@/lib/db/create-client";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createPatient, createUser } from "../helpers/factories";
import {
  appEnvFor,
  callsPerReminder,
  confirmingPhone,
  emulatorCall,
  faultEmulator,
  queueDispatch,
  seedDueReminders,
  sleep,
  startAppInstance,
  stopStarted,
  testQueue,
  waitFor,
  type AppInstance,
} from "./helpers";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres";

const PORT = 3343;
const PG_PORT = 4786;
// a clinician of the emulator's demo directory, so the application may create meetings for them
const ANA_OID = "0a1c2e30-1111-4a00-8000-000000000001";
let emu: RunningEmulator;
let server: PrivatePostgres;
let db: PrismaClient;
let app: AppInstance | undefined;
let boss: PgBoss | undefined;

beforeAll(async () => {
  server = await startPrivatePostgres(PG_PORT);
  db = createPrismaClient(server.url);
  emu = await faultEmulator();
});
afterAll(async () => {
  await stopStarted({ app, boss });
  await db?.$disconnect();
  await server?.destroy();
  await emu?.close();
});

async function healthStatus(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${PORT}/api/health`)).status;
}

// jobs whose completion was lost with the connection run again when they expire (2 minutes, checked every 30 s)
// (its private server is initialised in the tests' zone, Asia/Kathmandu: every client's session says UTC — see
// lib/db/create-client.ts — or Prisma's appointment times and the call runtime's SQL disagree by 5 h 45)
it(
  "survives a database restart mid-run: nothing lost, nothing placed twice, 503 meanwhile",
  { timeout: 420_000 },
  async () => {
    app = await startAppInstance(appEnvFor(emu, server.url, PORT));
    boss = await testQueue(server.url);
    expect(await healthStatus()).toBe(200);

    const due = await seedDueReminders(db, 4, ANA_OID);
    for (const r of due) await confirmingPhone(emu, r.phone, 1_500);
    const staff = await createUser(db, { role: "STAFF" });
    const patient = await createPatient(db);
    const { clinicianId, appointmentTypeId } = await db.appointment.findUniqueOrThrow({
      where: { id: due[0]!.appointmentId },
    });
    // three days ahead at 13:00 UTC (10:00 in São Paulo, inside the clinician's hours), clear of the others
    const startsAt = new Date(Math.floor(Date.now() / 86_400_000 + 3) * 86_400_000 + 13 * 3_600_000);
    const booking = {
      clinicianId,
      appointmentTypeId,
      patientId: patient.id,
      startsAt,
      idempotencyKey: "outage-key-0001",
    };

    await queueDispatch(boss, due);
    for (const r of due)
      await boss.send("meeting-sync", { appointmentId: r.appointmentId }, { singletonKey: r.appointmentId });
    await waitFor(
      "a call in progress",
      async () => (await db.reminder.count({ where: { graphCallId: { not: null }, status: "CALLING" } })) > 0,
      60_000,
    );

    await server.stop();
    await waitFor("health reporting the outage", async () => (await healthStatus()) === 503, 30_000).catch((e) => {
      throw new Error(`${String(e)} exit=${app?.child.exitCode}\n${app?.lines.slice(-20).join("\n")}`);
    });
    await expect(bookAppointment(db, { id: staff.id, label: "staff" }, booking, new Date())).rejects.toThrow();
    await sleep(3_000);
    await server.start();

    await waitFor("health back to normal", async () => (await healthStatus()) === 200, 60_000);
    // the same request again (the form keeps its idempotency key): booked once, nothing left from the failure
    const booked = await bookAppointment(db, { id: staff.id, label: "staff" }, booking, new Date());
    expect(booked.replayed).toBe(false);
    expect(await db.appointment.count({ where: { patientId: patient.id } })).toBe(1);

    await waitFor(
      "every reminder finished and every meeting ready",
      async () =>
        (await db.reminder.count({ where: { status: { not: "DONE" } } })) === 0 &&
        // the booking made after the outage gets its meeting from the sweep
        (await db.onlineMeeting.count({ where: { state: "READY" } })) === due.length + 1,
      300_000,
    ).catch(async (e) => {
      const reminders = await db.reminder.findMany({
        select: { status: true, outcome: true, detail: true, attempts: true, graphCallId: true },
      });
      const meetings = await db.onlineMeeting.findMany({ select: { state: true } });
      const jobs = await db.$queryRawUnsafe(
        `SELECT name, state, singleton_key, retry_count, started_on, created_on, expire_in::text, now()::text AS now FROM pgboss.job WHERE name NOT IN ('bot-notification') ORDER BY created_on`,
      );
      throw new Error(
        `${String(e)}\n${JSON.stringify({ reminders, meetings, jobs })}\n${app?.lines
          .filter((l) => !l.includes('"level":30'))
          .slice(-40)
          .join("\n")}`,
      );
    });
    expect(app.child.exitCode).toBeNull(); // it resumed on its own
    for (const row of await db.reminder.findMany())
      expect(row).toMatchObject({ status: "DONE", outcome: "CONFIRMED", attempts: 1 });
    expect(await callsPerReminder(emu, due)).toEqual([1, 1, 1, 1]);
    expect(await db.call.count({ where: { purpose: "REMINDER" } })).toBe(due.length);
    const meetings = (await emulatorCall(emu, "GET", "/_emulator/meetings")).value as unknown[];
    expect(meetings).toHaveLength(due.length + 1);
  },
);
