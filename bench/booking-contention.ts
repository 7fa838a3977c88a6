// Booking under contention over HTTP, against the built app on a PostgreSQL server. 64 clients for
// BENCH_SECONDS (default 60): half the requests aim at 10 hot slots of one clinician, the other half at
// random slots of 20 clinicians over 13 days, and 10 % are resent with the same Idempotency-Key.
// Baselines in the same run: a no-op route handler (/api/ping) under the same load, in rounds that
// alternate with the bookings, and pgbench inserting single rows into a table with the same exclusion
// constraint.
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import { createPrismaClient } from "@/lib/db/create-client";
import { closedLoop, freshDatabase, machine, ms, pgbenchRate, startApp, summary } from "./lib";
import { alwaysOpenClinic } from "./seed";

const CLIENTS = 64;
const CLINICIANS = 20;
const ROUNDS = 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const PORT = Number(process.env.BENCH_PORT ?? 3500);
const BASE = `http://localhost:${PORT}`;
const DAY_MS = 86_400_000;

const load = (seconds: number, request: () => Promise<void>) => closedLoop(CLIENTS, seconds, request);

const database = await freshDatabase("booking");
const db = createPrismaClient(database.url, { max: 4 });
let app: ChildProcess | undefined;
try {
  // clinicians open every hour of every day, 15-minute visits, no buffers: every grid start bookable.
  // The hot slots belong to the first clinician; the other half of the requests spread over all of
  // them, so the supply of free slots (CLINICIANS × 13 days × 96) outlasts any run and the figure
  // measures the app, not a calendar that has filled up (with one clinician a 20-s run would run out
  // of cold slots at 63 bookings/s).
  const { type, clinicians, sessionToken, patient } = await alwaysOpenClinic(db, CLINICIANS);
  const clinician = clinicians[0]!;

  app = await startApp(database.url, PORT);
  const headers = {
    "content-type": "application/json",
    origin: BASE,
    cookie: `authjs.session-token=${sessionToken}`,
  };
  const firstDay = Math.ceil((Date.now() + DAY_MS) / DAY_MS) * DAY_MS;
  const hotSlots = Array.from({ length: 10 }, (_, i) => new Date(firstDay + 10 * 3_600_000 + i * 15 * 60_000));
  const coldSlot = () => new Date(firstDay + DAY_MS + Math.floor(Math.random() * 13 * 96) * 15 * 60_000);

  const sent: { key: string; body: string; appointmentId: string }[] = [];
  const loserLatency: number[] = [];
  let committed = 0;
  let serverErrors = 0;
  let replayMismatches = 0;
  let replays = 0;
  const book = async () => {
    let key: string = crypto.randomUUID();
    let body: string;
    let expected: string | undefined;
    if (sent.length > 0 && Math.random() < 0.1) {
      const previous = sent[Math.floor(Math.random() * sent.length)]!;
      ({ key, body } = previous);
      expected = previous.appointmentId;
      replays++;
    } else {
      const hot = Math.random() < 0.5;
      const startsAt = (hot ? hotSlots[Math.floor(Math.random() * 10)]! : coldSlot()).toISOString();
      const clinicianId = hot ? clinician.id : clinicians[Math.floor(Math.random() * CLINICIANS)]!.id;
      body = JSON.stringify({ clinicianId, appointmentTypeId: type.id, patientId: patient.id, startsAt });
    }
    const t0 = performance.now();
    const response = await fetch(`${BASE}/api/appointments`, {
      method: "POST",
      headers: { ...headers, "idempotency-key": key },
      body,
    });
    const elapsed = performance.now() - t0;
    const json = (await response.json().catch(() => ({}))) as { appointmentId?: string };
    if (response.status >= 500) serverErrors++;
    if (expected !== undefined) {
      if (json.appointmentId !== expected) replayMismatches++;
    } else if (response.status === 201 && json.appointmentId) {
      committed++;
      sent.push({ key, body, appointmentId: json.appointmentId });
    } else if (response.status === 409) {
      loserLatency.push(elapsed);
    }
  };

  // The baseline and the bookings alternate in ROUNDS so that load from elsewhere on a shared machine
  // falls on both alike; rates are totals over all rounds.
  const ping = async () => {
    await (await fetch(`${BASE}/api/ping`)).arrayBuffer();
  };
  await load(2, ping); // warm the route and the connections
  let pingSeconds = 0;
  let pingRequests = 0;
  let bookingSeconds = 0;
  let bookingRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const pingSlice = Math.min(15, SECONDS) / ROUNDS;
    pingRequests += (await load(pingSlice, ping)) * pingSlice;
    pingSeconds += pingSlice;
    const t0 = performance.now();
    const done = (await load(SECONDS / ROUNDS, book)) * (SECONDS / ROUNDS);
    bookingSeconds += (performance.now() - t0) / 1000;
    bookingRequests += done;
  }
  const pingRate = pingRequests / pingSeconds;
  const requestRate = bookingRequests / bookingSeconds;
  const elapsedSeconds = bookingSeconds;
  const overlaps = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM "Appointment" a JOIN "Appointment" b
      ON a."clinicianId" = b."clinicianId" AND a.id < b.id
     AND tstzrange(a."blockedFrom", a."blockedUntil") && tstzrange(b."blockedFrom", b."blockedUntil")
     AND a.status IN ('BOOKED', 'CONFIRMED') AND b.status IN ('BOOKED', 'CONFIRMED')`;
  // pgbench inserting into a table with the same exclusion constraint as appointments
  const pgbenchTps = pgbenchRate(database.url, {
    clients: CLIENTS,
    createTable:
      "CREATE TABLE bench_slots (clinician int, span tstzrange, EXCLUDE USING gist (clinician WITH =, span WITH &&))",
    insert:
      "\\set s random(1, 9000000000000)\nINSERT INTO bench_slots (clinician, span) VALUES (1, tstzrange(to_timestamp(:s), to_timestamp(:s + 1)));",
  });
  const bookingsPerSecond = committed / elapsedSeconds;
  const losers = summary(loserLatency);

  console.info(
    `booking under contention — ${machine()}, ${CLIENTS} clients, ${SECONDS} s of bookings in ${ROUNDS} rounds alternating with the baseline`,
  );
  console.info(`  clinicians: ${CLINICIANS}, free cold slots at the start: ${CLINICIANS * 13 * 96}`);
  console.info(`  requests/s (all booking requests):     ${requestRate.toFixed(1)}`);
  console.info(`  committed bookings/s:                  ${bookingsPerSecond.toFixed(1)}  (${committed} in total)`);
  console.info(`  baseline no-op route requests/s:       ${pingRate.toFixed(1)}`);
  console.info(
    `  ratio bookings/s ÷ no-op requests/s:   ${(bookingsPerSecond / pingRate).toFixed(3)}  (target ≥ 0.25)`,
  );
  console.info(`  baseline pgbench single-row inserts/s: ${pgbenchTps.toFixed(1)}`);
  console.info(
    `  losers answered 409: ${losers.n}, latency p50 ${ms(losers.p50)}  p99 ${ms(losers.p99)}  (target p99 ≤ 150 ms)`,
  );
  console.info(`  overlapping live appointments afterwards: ${overlaps[0]?.n ?? "?"}  (must be 0)`);
  console.info(`  5xx answers: ${serverErrors}  (must be 0)`);
  console.info(`  replays: ${replays}, not returning the original booking: ${replayMismatches}  (must be 0)`);
} finally {
  app?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1000));
  await db.$disconnect();
  await database.drop().catch(() => undefined);
}
// the embedded PostgreSQL server of bench/lib keeps the event loop alive
process.exit(0);
