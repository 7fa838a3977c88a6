// Several instances on one PostgreSQL (issue 23): the built app with one web instance and one worker process,
// then two of each, behind a round-robin load balancer (tests/scale), against the emulator. Each topology runs
// bookings (16 clients for BENCH_SECONDS, default 10, cold slots of 20 clinicians through the load balancer),
// then BENCH_SCALE_REMINDERS (default 200) reminder calls due at once under a cap of 40 (ring, answer, press 1,
// goodbye: about 8 notifications each, which the load balancer spreads over the web instances). Printed:
// bookings/s, reminders/s, notifications applied/s, CPU per booking and per reminder call by process group
// (web, workers, PostgreSQL), and the correctness figures (overlaps, calls placed twice, the cap, lost).
// On 2 cores the point is that throughput and correctness hold with more instances, not that they double.
import crypto from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { request, startTestEmulator } from "@/emulator/test/helpers";
import { createPrismaClient } from "@/lib/db/create-client";
import { appEnvFor, testQueue } from "@/tests/faults/helpers";
import { startLoadBalancer } from "@/tests/scale/load-balancer";
import { killAll, startWeb, startWorker, type Instance } from "@/tests/scale/processes";
import { closedLoop, cpuMeter, freshDatabase, machine, parentPid, postgresServing, type ProcessGroups } from "./lib";
import { alwaysOpenClinic } from "./seed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REMINDERS = Number(process.env.BENCH_SCALE_REMINDERS ?? 200);
const CAP = 40;
const CLINICIANS = 20;
const BALANCER_PORT = Number(process.env.BENCH_PORT ?? 3450);
const DAY_MS = 86_400_000;

/** The processes a child started (itself and its direct children): another run's servers are not counted. */
const ownedBy = (children: Instance[]) => (_cmdline: string, pid: number) => {
  const pids = new Set(children.map((c) => c.child.pid));
  return pids.has(pid) || pids.has(parentPid(pid) ?? -1);
};

async function seedReminders(db: ReturnType<typeof createPrismaClient>, count: number) {
  const type = await db.appointmentType.create({
    data: { slug: "bench-reminder", name: "Bench reminder", durationMinutes: 30, reminderLeadMinutes: 24 * 60 },
  });
  const due = new Date();
  const out: { reminderId: string; appointmentId: string; phone: string }[] = [];
  for (let start = 0; start < count; start += 100) {
    const clinician = await db.user.create({
      data: {
        email: `r${start}@bench.example`,
        name: `R${start}`,
        entraObjectId: crypto.randomUUID(),
        role: "CLINICIAN",
      },
    });
    for (let i = start; i < Math.min(count, start + 100); i++) {
      const phone = `+5521${String(i).padStart(8, "0")}`;
      const patient = await db.patient.create({ data: { firstName: "P", lastName: String(i), phone } });
      const startsAt = new Date(due.getTime() + DAY_MS + (i - start) * 3_600_000);
      const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
      const appointment = await db.appointment.create({
        data: {
          clinicianId: clinician.id,
          patientId: patient.id,
          appointmentTypeId: type.id,
          startsAt,
          endsAt,
          blockedFrom: startsAt,
          blockedUntil: endsAt,
        },
      });
      // the meeting exists already: the meeting sweep stays out of the measurement
      await db.onlineMeeting.create({
        data: {
          appointmentId: appointment.id,
          externalId: appointment.id,
          organizerId: clinician.id,
          tokenKind: "APPLICATION",
          state: "READY",
          graphMeetingId: `bench-${i}`,
          subject: "Bench",
          startsAt,
          endsAt,
        },
      });
      const reminder = await db.reminder.create({
        data: { appointmentId: appointment.id, appointmentVersion: appointment.version, dueAt: due },
      });
      out.push({ reminderId: reminder.id, appointmentId: appointment.id, phone });
    }
  }
  return out;
}

async function run(webCount: number, workerCount: number) {
  const label = `${webCount} web + ${workerCount} worker${workerCount > 1 ? "s" : ""}`;
  const database = await freshDatabase(`scale_${webCount}x${workerCount}`);
  const db = createPrismaClient(database.url, { max: 4 });
  process.env.EMULATOR_SPEECH_SYNTHESIS ??= "timed";
  const emu = await startTestEmulator({
    limits: { maxConcurrentCalls: 100, defaultRingDelayMs: 0, mediaSpeedFactor: 0.001, noAnswerTimeoutMs: 30_000 },
  });
  const webPorts = Array.from({ length: webCount }, (_, i) => BALANCER_PORT + 1 + i);
  const balancer = await startLoadBalancer(BALANCER_PORT, webPorts);
  const env = appEnvFor(emu, database.url, BALANCER_PORT, {
    AUTH_URL: balancer.url,
    REMINDER_MAX_CONCURRENT_CALLS: String(CAP),
    LOG_LEVEL: "warn",
  });
  const webs: Instance[] = [];
  const workers: Instance[] = [];
  try {
    for (const [i, port] of webPorts.entries()) webs.push(await startWeb(`web ${i + 1}`, port, env));
    for (let i = 0; i < workerCount; i++) workers.push(await startWorker(`worker ${i + 1}`, env));
    const groups: ProcessGroups = {
      web: ownedBy(webs),
      workers: ownedBy(workers),
      PostgreSQL: postgresServing(database.url),
    };

    // --- bookings through the load balancer ---
    const clinic = await alwaysOpenClinic(db, CLINICIANS);
    const firstDay = Math.ceil((Date.now() + DAY_MS) / DAY_MS) * DAY_MS;
    let booked = 0;
    let bookingErrors = 0;
    const book = async () => {
      const startsAt = new Date(firstDay + Math.floor(Math.random() * 13 * 96) * 15 * 60_000);
      const clinician = clinic.clinicians[Math.floor(Math.random() * CLINICIANS)]!;
      const response = await fetch(`${balancer.url}/api/appointments`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: balancer.url,
          cookie: `authjs.session-token=${clinic.sessionToken}`,
          "idempotency-key": crypto.randomUUID(),
        },
        body: JSON.stringify({
          clinicianId: clinician.id,
          appointmentTypeId: clinic.type.id,
          patientId: clinic.patient.id,
          startsAt: startsAt.toISOString(),
        }),
      });
      await response.arrayBuffer();
      if (response.status === 201) booked++;
      else if (response.status >= 500) bookingErrors++;
    };
    await closedLoop(4, 2, book); // warm the routes and the connections
    booked = 0;
    const bookingCpu = cpuMeter(groups);
    const bookingStarted = performance.now();
    await closedLoop(16, SECONDS, book);
    const bookingSeconds = (performance.now() - bookingStarted) / 1000;
    const bookingUsed = bookingCpu.stop();
    const [overlaps] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "Appointment" a JOIN "Appointment" b
        ON a."clinicianId" = b."clinicianId" AND a.id < b.id
       AND tstzrange(a."blockedFrom", a."blockedUntil") && tstzrange(b."blockedFrom", b."blockedUntil")
       AND a.status IN ('BOOKED', 'CONFIRMED') AND b.status IN ('BOOKED', 'CONFIRMED')`;

    // --- reminder calls due at once, dispatched by every worker ---
    const due = await seedReminders(db, REMINDERS);
    for (const r of due)
      await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(r.phone)}`, {
        body: { mode: "answer", ringDelayMs: 0, script: [{ type: "press", keys: "1", afterPrompts: 1 }] },
      });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const health = await request(emu, "GET", "/_emulator/health").catch(() => undefined);
        peak = Math.max(peak, Number(health?.json?.activeCalls ?? 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const boss = await testQueue(database.url);
    const notificationsBefore = await db.inboundNotification.count();
    const reminderCpu = cpuMeter(groups);
    const reminderStarted = performance.now();
    await boss.insert(
      due.map((r) => ({
        name: "reminder-dispatch",
        data: { reminderId: r.reminderId, attempt: 0 },
        singletonKey: `${r.appointmentId}:1:0`,
      })),
    );
    const deadline = Date.now() + 10 * 60_000;
    while ((await db.reminder.count({ where: { status: "DONE" } })) < REMINDERS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const reminderSeconds = (performance.now() - reminderStarted) / 1000;
    const reminderUsed = reminderCpu.stop();
    sampling = false;
    await sampler;
    await boss.stop({ graceful: false, close: true });
    const notifications = (await db.inboundNotification.count()) - notificationsBefore;
    const confirmed = await db.reminder.count({ where: { status: "DONE", outcome: "CONFIRMED" } });
    const outcomes = await db.reminder.groupBy({ by: ["outcome", "detail"], _count: true });
    const calls = (await request(emu, "GET", "/_emulator/calls")).json.value as { legs: { endpoint: string }[] }[];
    const perPhone = new Map<string, number>();
    for (const call of calls)
      for (const leg of call.legs) perPhone.set(leg.endpoint, (perPhone.get(leg.endpoint) ?? 0) + 1);
    const placedTwice = due.filter((r) => [...perPhone].some(([e, n]) => e.includes(r.phone) && n > 1)).length;
    const servedBy = new Map<number, number>();
    for (const s of balancer.served.filter((x) => x.path === "/api/calls/notifications"))
      servedBy.set(s.backend, (servedBy.get(s.backend) ?? 0) + 1);

    const per = (used: Record<string, number>, units: number) =>
      ["web", "workers", "PostgreSQL"]
        .map((g) => `${g} ${((used[g] ?? 0) / Math.max(1, units)).toFixed(1)}`)
        .join(" · ");
    const total = (used: Record<string, number>, units: number) =>
      (["web", "workers", "PostgreSQL"].reduce((sum, g) => sum + (used[g] ?? 0), 0) / Math.max(1, units)).toFixed(1);
    console.info(`\n${label}`);
    console.info(
      `  bookings committed/s (16 clients, ${SECONDS} s):   ${(booked / bookingSeconds).toFixed(1)}  (${booked})`,
    );
    console.info(`  CPU ms per booking: ${per(bookingUsed, booked)}  = ${total(bookingUsed, booked)}`);
    console.info(
      `  overlapping live appointments: ${overlaps?.n ?? "?"} (must be 0) · 5xx: ${bookingErrors} (must be 0)`,
    );
    console.info(
      `  reminder calls/s (${REMINDERS} due at once, cap ${CAP}): ${(REMINDERS / reminderSeconds).toFixed(1)}  (${reminderSeconds.toFixed(1)} s)`,
    );
    console.info(
      `  notifications applied/s during them:   ${(notifications / reminderSeconds).toFixed(1)}  (${notifications})`,
    );
    console.info(
      `  notifications per web instance:        ${[...servedBy.entries()].map(([port, n]) => `${port}: ${n}`).join(", ")}`,
    );
    console.info(`  CPU ms per reminder call: ${per(reminderUsed, REMINDERS)}  = ${total(reminderUsed, REMINDERS)}`);
    console.info(`  CPU ms per notification (all processes): ${total(reminderUsed, notifications)}`);
    console.info(
      `  confirmed: ${confirmed} of ${REMINDERS} · placed twice: ${placedTwice} (must be 0) · most calls at once: ${peak} (cap ${CAP})`,
    );
    console.info(
      `  outcomes: ${outcomes.map((o) => `${o.outcome ?? "none"}${o.detail ? ` (${o.detail})` : ""} ${o._count}`).join(", ")}`,
    );
  } finally {
    await killAll();
    await balancer.close();
    await db.$disconnect();
    await emu.close();
    await database.drop().catch(() => undefined);
  }
}

console.info(`Several instances on one PostgreSQL — ${machine()}, ${os.cpus().length} CPUs, built app (next start)`);
const topologies = (process.env.BENCH_TOPOLOGIES ?? "1x1,2x2").split(",").map((t) => t.split("x").map(Number));
for (const [webs, workers] of topologies) await run(webs!, workers!);
process.exit(0);
