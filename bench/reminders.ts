// Reminder dispatch at scale: BENCH_REMINDERS (default 10,000) reminder jobs due at once, against the
// emulator with far ends that answer at once and press 1, drained by one app instance (webhook + workers,
// tests/faults/app-instance.ts) on a PostgreSQL server. Run twice: undisturbed, and with the app killed
// (SIGKILL) when half are done and started again. Printed: jobs completed per second, start lag (due →
// claimed) p50/p99, the most calls the emulator held at once against the cap, the 429 answers and whether
// each retry waited its Retry-After, calls placed twice, reminders lost, and the cost of one reminder call
// (ring, answer, press 1, goodbye, hang up): database transactions and CPU summed over the processes
// (targets ≤ 30 and ≤ 40 ms). Baseline in the same run: pgbench inserting single rows.
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { request, startTestEmulator } from "@/emulator/test/helpers";
import { createPrismaClient } from "@/lib/db/create-client";
import { appEnvFor, startAppInstance, stopAppInstance, testQueue } from "@/tests/faults/helpers";
import { cpuMeter, freshDatabase, machine, ms, pgbenchRate, postgresServing, summary, type ProcessGroups } from "./lib";

const COUNT = Number(process.env.BENCH_REMINDERS ?? 10_000);
const CAP = 90;
const PORT = Number(process.env.BENCH_PORT ?? 3345);
const THROTTLED = Math.max(10, Math.round(COUNT / 100)); // 1 % of call creations answered 429 + Retry-After: 1
// BENCH_RUNS=undisturbed|killed limits the run to one of the two; BENCH_PROFILE_DIR writes a V8 CPU profile of
// the app instance of the undisturbed run there (it is stopped with SIGTERM instead of SIGKILL to write it)
const RUNS = process.env.BENCH_RUNS ?? "both";
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
// how long one run may take before it reports what was done by then (10,000 take ~25 min on 2 cores)
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MINUTES ?? 60) * 60_000;
// where the CPU goes: the app instance (webhook + workers), PostgreSQL (the benchmark's server only), and this
// process (the emulator)
const processGroupsFor = (databaseUrl: string): ProcessGroups => ({
  app: (c) => c.includes("tests/faults/app-instance.ts"),
  PostgreSQL: postgresServing(databaseUrl),
});

async function run(label: string, killHalfway: boolean, pgbenchTps: number) {
  const database = await freshDatabase(`reminders_${killHalfway ? "kill" : "plain"}`);
  const db = createPrismaClient(database.url, { max: 4 });
  // each reminder names its appointment, so each call's prompts are synthesized (by Azure AI Speech in
  // production): the emulator's stand-in answers with timed silence, its eSpeak NG voice is not what is measured
  process.env.EMULATOR_SPEECH_SYNTHESIS ??= "timed";
  const emu = await startTestEmulator({
    limits: { maxConcurrentCalls: 100, defaultRingDelayMs: 0, mediaSpeedFactor: 0.001, noAnswerTimeoutMs: 30_000 },
  });
  const env = appEnvFor(emu, database.url, PORT, {
    REMINDER_MAX_CONCURRENT_CALLS: String(CAP),
    REMINDER_DISPATCH_WORKERS: process.env.REMINDER_DISPATCH_WORKERS ?? "8",
    LOG_LEVEL: "warn",
  });
  const profile = PROFILE_DIR && !killHalfway ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : [];
  let app = await startAppInstance(env, profile);
  try {
    // the data: one clinician per 100 appointments, each patient with a number of their own
    const type = await db.appointmentType.create({
      data: { slug: "bench", name: "Bench", durationMinutes: 30, reminderLeadMinutes: 24 * 60 },
    });
    const phones: string[] = [];
    const dueAt = new Date();
    // ids are UUIDs in the schema: one per index, kept for the job payloads
    const ids = Array.from({ length: COUNT }, () => ({
      patient: crypto.randomUUID(),
      appointment: crypto.randomUUID(),
      reminder: crypto.randomUUID(),
    }));
    for (let start = 0; start < COUNT; start += 100) {
      const clinician = await db.user.create({
        data: {
          email: `c${start}@bench.example`,
          name: `C${start}`,
          entraObjectId: crypto.randomUUID(),
          role: "CLINICIAN",
        },
      });
      const batch = Array.from({ length: Math.min(100, COUNT - start) }, (_, i) => start + i);
      await db.patient.createMany({
        data: batch.map((n) => ({
          id: ids[n]!.patient,
          firstName: "P",
          lastName: String(n),
          phone: `+5511${String(n).padStart(8, "0")}`,
        })),
      });
      await db.appointment.createMany({
        data: batch.map((n, i) => {
          const startsAt = new Date(dueAt.getTime() + 86_400_000 + i * 3_600_000);
          const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
          return {
            id: ids[n]!.appointment,
            clinicianId: clinician.id,
            patientId: ids[n]!.patient,
            appointmentTypeId: type.id,
            startsAt,
            endsAt,
            blockedFrom: startsAt,
            blockedUntil: endsAt,
          };
        }),
      });
      // each appointment already has its meeting: the meeting sweep stays out of the measurement
      await db.onlineMeeting.createMany({
        data: batch.map((n, i) => {
          const startsAt = new Date(dueAt.getTime() + 86_400_000 + i * 3_600_000);
          return {
            appointmentId: ids[n]!.appointment,
            externalId: ids[n]!.appointment,
            organizerId: clinician.id,
            tokenKind: "APPLICATION" as const,
            state: "READY" as const,
            graphMeetingId: `bench-${n}`,
            subject: "Bench",
            startsAt,
            endsAt: new Date(startsAt.getTime() + 30 * 60_000),
          };
        }),
      });
      // and its clinician's Outlook event, and the patient's day-before messages already went out: the Outlook
      // and message sweeps find nothing to do, so what is measured is the reminder call alone
      await db.calendarEvent.createMany({
        data: batch.map((n, i) => {
          const startsAt = new Date(dueAt.getTime() + 86_400_000 + i * 3_600_000);
          return {
            appointmentId: ids[n]!.appointment,
            clinicianId: clinician.id,
            state: "READY" as const,
            graphEventId: `bench-event-${n}`,
            startsAt,
            endsAt: new Date(startsAt.getTime() + 30 * 60_000),
          };
        }),
      });
      await db.patientMessage.createMany({
        data: batch.flatMap((n) =>
          (["EMAIL", "SMS"] as const).map((channel) => ({
            appointmentId: ids[n]!.appointment,
            appointmentVersion: 1,
            template: "REMINDER" as const,
            channel,
            state: "SENT" as const,
            sentAt: dueAt,
          })),
        ),
      });
      await db.reminder.createMany({
        data: batch.map((n) => ({
          id: ids[n]!.reminder,
          appointmentId: ids[n]!.appointment,
          appointmentVersion: 1,
          dueAt,
        })),
      });
      phones.push(...batch.map((n) => `+5511${String(n).padStart(8, "0")}`));
    }
    for (const phone of phones) {
      await request(emu, "PUT", `/_emulator/endpoints/${encodeURIComponent(phone)}`, {
        body: { mode: "answer", ringDelayMs: 0, script: [{ type: "press", keys: "1", afterPrompts: 1 }] },
      });
    }
    await request(emu, "POST", "/_emulator/faults", {
      body: {
        target: "request",
        method: "POST",
        path: "/v1.0/communications/calls",
        count: THROTTLED,
        action: { type: "throttle", retryAfterSeconds: 1 },
      },
    });

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const health = await request(emu, "GET", "/_emulator/health").catch(() => undefined);
        const active = Number(health?.json?.activeCalls ?? 0);
        if (active > peak) peak = active;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const boss = await testQueue(database.url);
    // transactions the database committed (each statement outside a transaction is one): the cost of a call
    const committed = async () => {
      const [row] = await db.$queryRaw<{ n: bigint }[]>`
        SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`;
      return Number(row?.n ?? 0);
    };
    const transactionsBefore = await committed();
    // the CPU of the instance killed halfway is gone with it: the killed run counts only the restarted one
    const cpu = cpuMeter(processGroupsFor(database.url), "benchmark + emulator");
    const started = performance.now();
    for (let n = 0; n < COUNT; n += 500) {
      const jobs = Array.from({ length: Math.min(500, COUNT - n) }, (_, i) => n + i).map((k) => ({
        name: "reminder-dispatch",
        data: { reminderId: ids[k]!.reminder, attempt: 0 },
        singletonKey: `${ids[k]!.appointment}:1:0`,
      }));
      await boss.insert(jobs);
    }
    let killedAt: number | null = null;
    for (;;) {
      const done = await db.reminder.count({ where: { status: "DONE" } });
      if (done >= COUNT) break;
      if (killHalfway && killedAt === null && done >= COUNT / 2) {
        app.child.kill("SIGKILL");
        await app.exited;
        killedAt = done;
        app = await startAppInstance(env);
      }
      if (performance.now() - started > DEADLINE_MS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    // statistics reach pg_stat_database within about a second of each transaction
    await new Promise((r) => setTimeout(r, 1_500));
    const transactions = (await committed()) - transactionsBefore;
    const used = cpu.stop();
    const cpuPerReminder = Object.entries(used)
      .map(([name, ms]) => `${name} ${(ms / COUNT).toFixed(1)}`)
      .join(", ");
    // the product's own processes (webhook + workers, PostgreSQL), then with the emulator standing in for Microsoft
    const productCpu = ((used.app ?? 0) + (used.PostgreSQL ?? 0)) / COUNT;
    const allCpu = Object.values(used).reduce((sum, ms) => sum + ms, 0) / COUNT;
    const doneInTime = await db.reminder.count({ where: { status: "DONE" } });
    sampling = false;
    await sampler;
    await boss.stop({ graceful: false, close: true });

    const rows = await db.reminder.findMany({
      select: { dueAt: true, claimedAt: true, status: true, outcome: true, detail: true },
    });
    const outcomes = new Map<string, number>();
    for (const r of rows) {
      const key = `${r.outcome ?? r.status}${r.outcome && r.outcome !== "CONFIRMED" ? ` (${r.detail})` : ""}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const lags = rows.filter((r) => r.claimedAt).map((r) => r.claimedAt!.getTime() - r.dueAt.getTime());
    const calls = (await request(emu, "GET", "/_emulator/calls")).json.value as { legs: { endpoint: string }[] }[];
    const perPhone = new Map<string, number>();
    for (const c of calls)
      for (const l of c.legs) {
        const phone = /\+\d+/.exec(l.endpoint)?.[0];
        if (phone) perPhone.set(phone, (perPhone.get(phone) ?? 0) + 1);
      }
    const twice = [...perPhone.values()].filter((n) => n > 1).length;
    const lost = phones.filter((p) => !perPhone.has(p)).length;
    const confirmed = rows.filter((r) => r.outcome === "CONFIRMED").length;
    const [throttle] = (await request(emu, "GET", "/_emulator/faults")).json.value as {
      hits: number;
      retries: { honoured: number; early: number; shortestWaitMs: number | null };
    }[];
    const lag = summary(lags);
    const rate = COUNT / seconds;
    console.info(
      [
        `${label}${killedAt !== null ? ` (SIGKILL after ${killedAt} done, restarted)` : ""}`,
        `  ${COUNT} reminders in ${seconds.toFixed(1)} s: ${rate.toFixed(1)} jobs/s; ratio to pgbench ${(rate / pgbenchTps).toPrecision(2)} (target ≥ 0.10)`,
        `  start lag p50 ${ms(lag.p50)}, p99 ${ms(lag.p99)}`,
        `  most calls at once ${peak} (app cap ${CAP}, emulator cap 100)`,
        `  429 + Retry-After: 1 s answered ${throttle!.hits} times; retried (same client-request-id) after the wait ${throttle!.retries.honoured}, early ${throttle!.retries.early}, shortest wait ${throttle!.retries.shortestWaitMs ?? "—"} ms`,
        `  confirmed ${confirmed}/${COUNT}, placed twice ${twice}, lost ${lost}`,
        `  outcomes: ${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(", ")}`,
        ...(doneInTime < COUNT
          ? [`  DEADLINE PASSED (BENCH_DEADLINE_MINUTES): ${doneInTime} of ${COUNT} done; "lost" counts the rest`]
          : []),
        `  CPU ms per reminder: ${cpuPerReminder}`,
        `  CPU ms per reminder call, app + PostgreSQL: ${productCpu.toFixed(1)}; with the emulator and benchmark: ${allCpu.toFixed(1)} (target ≤ 40)`,
        `  database transactions per reminder call: ${(transactions / COUNT).toFixed(1)} (every process, the benchmark's polling included; target ≤ 30)`,
      ].join("\n"),
    );
  } finally {
    if (PROFILE_DIR && !killHalfway && app.child.exitCode === null) {
      app.child.kill("SIGTERM");
      await app.exited;
    }
    await stopAppInstance(app);
    await db.$disconnect();
    await emu.close();
    await database.drop();
  }
}

const pgbenchDb = await freshDatabase("reminders_pgbench");
const pgbenchTps = pgbenchRate(pgbenchDb.url, {
  clients: 8,
  createTable: "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v int)",
  insert: "INSERT INTO bench_rows (v) VALUES (1);",
});
await pgbenchDb.drop();
console.info(`Reminder dispatch benchmark — ${machine()}, ${os.cpus().length} CPUs`);
console.info(`baseline: pgbench single-row INSERT, 8 clients: ${pgbenchTps.toFixed(0)} tps`);
if (RUNS !== "killed") await run("undisturbed", false, pgbenchTps);
if (RUNS !== "undisturbed") await run("killed halfway", true, pgbenchTps);
process.exit(0);
