// Slot search benchmark (issue: scheduling core). Clinicians in Europe/Lisbon and America/New_York,
// a 14-day window that contains both zones' spring-forward days, 15-minute grid, 30-minute visits
// with 5-minute buffers, about 30 % of working time booked. Each request loads every clinician's
// schedule in one database round trip and computes all free slots. Baseline, in the same run: the
// same SQL read alone. With Outlook: the same 50 clinicians, each with 200 busy events from their Outlook
// calendar in the window (OutlookBusy, read by the same query), next to the same search with none.
import crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import { loadSchedulesForType } from "@/lib/appointments/data";
import { createPrismaClient } from "@/lib/db/create-client";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { expandAvailability, findSlots } from "@/lib/scheduling";
import { freshDatabase, machine, ms, summary } from "./lib";

const FROM = new Date("2027-03-13T00:00:00Z");
const TO = new Date("2027-03-29T00:00:00Z"); // 14 days + the edges: NY changes 03-14, Lisbon 03-28
const NOW = new Date("2027-03-12T12:00:00Z");
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);

async function seed(db: PrismaClient, clinicians: number): Promise<string> {
  const type = await db.appointmentType.create({
    data: {
      slug: `bench-${crypto.randomUUID()}`,
      name: "Bench",
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 5,
      minimumNoticeMinutes: 60,
      bookingHorizonDays: 90,
    },
  });
  const patient = await db.patient.create({ data: { firstName: "Bench", lastName: "Patient" } });
  let rng = 42;
  const random = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < clinicians; i++) {
    const zone = i % 2 === 0 ? "Europe/Lisbon" : "America/New_York";
    const weekly = [1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, startMinute: 8 * 60, endMinute: 12 * 60 },
      { weekday, startMinute: 13 * 60, endMinute: 18 * 60 },
    ]);
    const user = await db.user.create({
      data: {
        email: `bench-${i}-${crypto.randomUUID()}@bench.example`,
        name: `Clinician ${i}`,
        role: "CLINICIAN",
        timeZone: zone,
        appointmentTypes: { connect: { id: type.id } },
        weeklyAvailability: { create: weekly },
      },
    });
    // book random free slots until 30 % of working minutes are taken
    const workMinutes =
      expandAvailability({ clinicianZone: zone, weekly, exceptions: [], from: FROM, to: TO }).reduce(
        (sum, interval) => sum + (interval.end.getTime() - interval.start.getTime()) / 60_000,
        0,
      ) * 0.3;
    const candidates = findSlots({
      clinicianZone: zone,
      weekly,
      exceptions: [],
      rules: type,
      busy: [],
      from: FROM,
      to: TO,
      now: NOW,
    }).sort(() => random() - 0.5);
    const taken: { start: number; end: number }[] = [];
    let booked = 0;
    const rows = [];
    for (const slot of candidates) {
      if (booked >= workMinutes) break;
      const from = slot.blockedFrom.getTime();
      const until = slot.blockedUntil.getTime();
      if (taken.some((t) => t.start < until && from < t.end)) continue;
      taken.push({ start: from, end: until });
      booked += 30;
      rows.push({
        clinicianId: user.id,
        patientId: patient.id,
        appointmentTypeId: type.id,
        startsAt: slot.start,
        endsAt: slot.end,
        blockedFrom: slot.blockedFrom,
        blockedUntil: slot.blockedUntil,
      });
    }
    await db.appointment.createMany({ data: rows });
  }
  return type.id;
}

async function measure(db: PrismaClient, typeId: string) {
  const request: number[] = [];
  const baseline: number[] = [];
  let slots = 0;
  for (let i = 0; i < REQUESTS + 5; i++) {
    // alternate so that neither side always runs on a warmer cache
    const t0 = performance.now();
    const schedules = await loadSchedulesForType(db, { appointmentTypeId: typeId, from: FROM, to: TO });
    slots = schedules.reduce((sum, s) => sum + findSlots({ ...s, from: FROM, to: TO, now: NOW }).length, 0);
    const t1 = performance.now();
    await loadSchedulesForType(db, { appointmentTypeId: typeId, from: FROM, to: TO });
    const t2 = performance.now();
    if (i >= 5) {
      request.push(t1 - t0);
      baseline.push(t2 - t1);
    }
  }
  return { request: summary(request), baseline: summary(baseline), slots };
}

/** `perClinician` Outlook busy events of 15 to 90 minutes each in the window, per clinician (some overlap). */
async function seedOutlook(db: PrismaClient, typeId: string, perClinician: number): Promise<number> {
  let rng = 7;
  const random = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const clinicians = await db.user.findMany({
    where: { appointmentTypes: { some: { id: typeId } } },
    select: { id: true },
  });
  const span = TO.getTime() - FROM.getTime();
  for (const { id } of clinicians) {
    await db.outlookBusy.createMany({
      data: Array.from({ length: perClinician }, (_, i) => {
        const start = FROM.getTime() + Math.floor((random() * span) / 300_000) * 300_000;
        return {
          clinicianId: id,
          graphEventId: `bench-${i}`,
          startsAt: new Date(start),
          endsAt: new Date(start + (15 + Math.floor(random() * 6) * 15) * 60_000),
          showAs: random() < 0.9 ? "busy" : "oof",
          subject: null,
        };
      }),
    });
  }
  return clinicians.length * perClinician;
}

async function scenario(clinicians: number, outlookEventsPerClinician = 0) {
  const database = await freshDatabase(`slots${clinicians}${outlookEventsPerClinician ? "o" : ""}`);
  const db = createPrismaClient(database.url, { max: 4 });
  try {
    const typeId = await seed(db, clinicians);
    if (outlookEventsPerClinician) await seedOutlook(db, typeId, outlookEventsPerClinician);
    return await measure(db, typeId);
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

const small = await scenario(50);
const large = await scenario(100);
const outlook = await scenario(50, 200);
console.info(`slot search — ${machine()}`);
console.info(
  `requests per scenario: ${REQUESTS}; window 14 days (2027-03-14…03-28, NY and Lisbon DST), 15-min grid, 30 % booked`,
);
for (const [label, r] of [
  ["50 clinicians × 14 days", small],
  ["100 clinicians × 14 days", large],
  ["50 clinicians × 14 days + Outlook (200 busy events each, 10,000 rows)", outlook],
] as const) {
  console.info(`\n${label}: ${r.slots} free slots per request`);
  console.info(
    `  request  (1 SQL read + slot computation): p50 ${ms(r.request.p50)}  p95 ${ms(r.request.p95)}  p99 ${ms(r.request.p99)}`,
  );
  console.info(
    `  baseline (the same SQL read alone):        p50 ${ms(r.baseline.p50)}  p95 ${ms(r.baseline.p95)}  p99 ${ms(r.baseline.p99)}`,
  );
  console.info(`  ratio request/baseline at p50: ${(r.request.p50 / r.baseline.p50).toFixed(2)}×`);
}
console.info(
  `\ndoubling clinicians × days costs ${(large.request.p50 / small.request.p50).toFixed(2)}× at p50 (target ≤ 2.2×)`,
);
console.info(
  `Outlook busy time (50 × 200 events) against the same search with none: ${(outlook.request.p50 / small.request.p50).toFixed(2)}× at p50, ${(outlook.request.p95 / small.request.p95).toFixed(2)}× at p95`,
);
// the embedded PostgreSQL server of bench/lib keeps the event loop alive
process.exit(0);
