import { describe, expect, it } from "vitest";
import {
  findByJoinTokenHash,
  findFreeSlots,
  firstAvailableSlot,
  loadSchedule,
  loadSchedulesForType,
} from "@/lib/appointments/data";
import { hashJoinToken, openJoinToken } from "@/lib/appointments/join-token";
import { bookAppointment, rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { cancelAppointment } from "@/lib/appointments/mutations";
import { AppError } from "@/lib/errors";
import { findSlots } from "@/lib/scheduling";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();

// 2030-06-03 is a Monday; 13:00Z is 10:00 in São Paulo, inside the test clinician's hours
const now = new Date("2030-06-01T12:00:00Z");
const at = (iso: string) => new Date(iso);

async function setup() {
  const { db } = database;
  const type = await createAppointmentType(db, { durationMinutes: 30, bufferAfterMinutes: 10 });
  const clinician = await createBookableClinician(db, type.id);
  const staff = await createUser(db, { role: "STAFF" });
  const actor = { id: staff.id, label: staff.name };
  /** A booking request by this setup's staff for its clinician and type; `startsAt` in ISO. */
  const bookingInput = (patientId: string, startsAt: string, idempotencyKey: string) => ({
    clinicianId: clinician.id,
    appointmentTypeId: type.id,
    patientId,
    startsAt: at(startsAt),
    idempotencyKey,
  });
  const book = (patientId: string, startsAt: string, idempotencyKey: string) =>
    bookAppointment(db, actor, bookingInput(patientId, startsAt, idempotencyKey), now);
  return { db, type, clinician, actor, bookingInput, book };
}

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected a failure");
};

describe("booking", () => {
  it("books once per idempotency key, keeps the patient link sealed and leaves one message per channel", async () => {
    const { db, clinician, actor, bookingInput } = await setup();
    const patient = await createPatient(db);
    const input = bookingInput(patient.id, "2030-06-03T13:00:00Z", "key-0001-abcdef");
    const first = await bookAppointment(db, actor, input, now);
    const again = await bookAppointment(db, actor, input, now);
    expect(first.replayed).toBe(false);
    expect(first.joinToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again).toEqual({ appointmentId: first.appointmentId, joinToken: null, replayed: true });
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(1);

    const stored = await db.appointment.findUniqueOrThrow({ where: { id: first.appointmentId } });
    expect(stored.joinTokenHash).toBe(hashJoinToken(first.joinToken!));
    // the token itself only sealed: staff and messages get the same link back, a copy of the table does not
    expect(stored.joinTokenSealed).not.toContain(first.joinToken!);
    expect(openJoinToken(stored.joinTokenSealed)).toBe(first.joinToken);
    const messages = await db.patientMessage.findMany({ where: { appointmentId: first.appointmentId } });
    expect(messages.map((m) => [m.appointmentVersion, m.template, m.channel, m.state]).sort()).toEqual([
      [1, "BOOKED", "EMAIL", "QUEUED"],
      [1, "BOOKED", "SMS", "QUEUED"],
    ]);
    expect(stored.blockedUntil.toISOString()).toBe("2030-06-03T13:40:00.000Z");
    const audit = await db.auditLog.findMany({ where: { entityId: first.appointmentId } });
    expect(audit.map((a) => a.action)).toEqual(["appointment.book"]);

    const reused = await errorOf(bookAppointment(db, actor, { ...input, startsAt: at("2030-06-03T15:00:00Z") }, now));
    expect(reused.code).toBe("CONFLICT");
  });

  it("lets one of many racing bookings win and offers the losers the nearest free times", async () => {
    const { db, book } = await setup();
    const patients = await Promise.all(Array.from({ length: 12 }, () => createPatient(db)));
    const results = await Promise.allSettled(
      patients.map((patient, i) => book(patient.id, "2030-06-04T14:00:00Z", `race-key-${i}-xxxxxxxx`)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
    expect(losers).toHaveLength(11);
    for (const loser of losers) {
      expect(loser).toBeInstanceOf(AppError);
      expect(loser.code).toBe("SLOT_TAKEN");
      const suggestions = (loser.details as { suggestions: string[] }).suggestions;
      expect(suggestions.length).toBeGreaterThan(0);
      expect(suggestions).not.toContain("2030-06-04T14:00:00.000Z");
    }
  });

  it("refuses times outside the rules and outside availability", async () => {
    const { db, clinician, book } = await setup();
    const patient = await createPatient(db);
    const tooSoon = await errorOf(book(patient.id, "2030-06-01T12:15:00Z", "soon-xxxxxxxx"));
    expect(tooSoon.code).toBe("UNPROCESSABLE");
    // 02:00 in São Paulo: the clinician does not work then. A time never on offer is not "just taken":
    // 422 with the reason, so nobody retries it
    const offHours = await errorOf(book(patient.id, "2030-06-03T05:00:00Z", "night-xxxxxxx"));
    expect(offHours.code).toBe("UNPROCESSABLE");
    expect(offHours.details).toMatchObject({ reason: "outsideHours" });
    // 10:07: not on the 15-minute grid
    const offGrid = await errorOf(book(patient.id, "2030-06-03T13:07:00Z", "offgrid-xxxxxx"));
    expect(offGrid.code).toBe("UNPROCESSABLE");
    expect(offGrid.details).toMatchObject({ reason: "offGrid" });
    expect((offGrid.details as { suggestions: string[] }).suggestions).toContain("2030-06-03T13:00:00.000Z");
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(0);
  });

  it("reschedules and cancels with the same patient link, each change leaving its messages", async () => {
    const { db, type, clinician, actor, book } = await setup();
    const patient = await createPatient(db);
    const booked = await book(patient.id, "2030-06-05T13:00:00Z", "move-me-xxxxxx");
    // moving by 15 minutes overlaps the old span: the appointment must not collide with itself
    const moved = await rescheduleAppointment(
      db,
      actor,
      { appointmentId: booked.appointmentId, startsAt: at("2030-06-05T13:15:00Z"), idempotencyKey: "moved-xxxxxxx" },
      now,
    );
    // one link for the appointment's whole life: the one the patient already has shows the new time
    expect(moved.joinToken).toBeNull();
    const link = await findByJoinTokenHash(db, hashJoinToken(booked.joinToken!), now);
    expect(link?.startsAt.toISOString()).toBe("2030-06-05T13:15:00.000Z");
    expect(link?.previousStartsAt?.toISOString()).toBe("2030-06-05T13:00:00.000Z");
    const row = await db.appointment.findUniqueOrThrow({ where: { id: booked.appointmentId } });
    expect(row.startsAt.toISOString()).toBe("2030-06-05T13:15:00.000Z");
    expect(row.version).toBe(2);
    expect(row.joinTokenExpiresAt?.toISOString()).toBe("2030-06-19T13:45:00.000Z");

    const freeStarts = async () =>
      (
        await findFreeSlots(db, {
          clinicianId: clinician.id,
          appointmentTypeId: type.id,
          from: at("2030-06-05T12:00:00Z"),
          to: at("2030-06-05T15:00:00Z"),
          now,
        })
      ).map((s) => s.start.toISOString());
    expect(await freeStarts()).not.toContain("2030-06-05T13:15:00.000Z");

    await cancelAppointment(db, actor, booked.appointmentId, now, { enforceCutoff: false });
    // the link now says "cancelled" instead of "not found"
    expect(await findByJoinTokenHash(db, hashJoinToken(booked.joinToken!), now)).toMatchObject({
      status: "CANCELLED",
      version: 3,
    });
    expect(await freeStarts()).toContain("2030-06-05T13:15:00.000Z");
    const messages = await db.patientMessage.findMany({ where: { appointmentId: booked.appointmentId } });
    expect(messages.map((m) => `${m.appointmentVersion} ${m.template} ${m.channel}`).sort()).toEqual([
      "1 BOOKED EMAIL",
      "1 BOOKED SMS",
      "2 RESCHEDULED EMAIL",
      "2 RESCHEDULED SMS",
      "3 CANCELLED EMAIL",
      "3 CANCELLED SMS",
    ]);
    // cancelling again changes nothing and writes no second message
    await cancelAppointment(db, actor, booked.appointmentId, now, { enforceCutoff: false });
    expect(await db.patientMessage.count({ where: { appointmentId: booked.appointmentId } })).toBe(6);
    const actions = (
      await db.auditLog.findMany({ where: { entityId: booked.appointmentId }, orderBy: { at: "asc" } })
    ).map((a) => a.action);
    expect(actions).toEqual(["appointment.book", "appointment.reschedule", "appointment.cancel"]);
  });
});

// Races that PostgreSQL settles by aborting a statement (a deadlock between inserts guarded by the
// exclusion constraint, or a serialization failure) are made to happen on demand: a trigger raises
// the SQLSTATE for the next N bookings of one clinician. A sequence counts them because it is not
// rolled back with the failed statement. Works the same on both engines.
async function injectFailures(db: typeof database.db, clinicianId: string, sqlState: string, times: number) {
  await db.$executeRawUnsafe(`CREATE SEQUENCE IF NOT EXISTS test_failure_seq`);
  await db.$executeRawUnsafe(
    `CREATE TABLE IF NOT EXISTS test_failure (clinician uuid PRIMARY KEY, state text NOT NULL, until bigint NOT NULL)`,
  );
  await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_failure() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE f test_failure;
    BEGIN
      SELECT * INTO f FROM test_failure WHERE clinician = NEW."clinicianId";
      IF FOUND AND nextval('test_failure_seq') <= f.until THEN
        RAISE EXCEPTION 'injected race' USING ERRCODE = f.state;
      END IF;
      RETURN NEW;
    END $$`);
  await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS test_failure ON "Appointment"`);
  await db.$executeRawUnsafe(
    `CREATE TRIGGER test_failure BEFORE INSERT OR UPDATE ON "Appointment" FOR EACH ROW EXECUTE FUNCTION test_failure()`,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO test_failure SELECT $1::uuid, $2, nextval('test_failure_seq') + $3
     ON CONFLICT (clinician) DO UPDATE SET state = EXCLUDED.state, until = EXCLUDED.until`,
    clinicianId,
    sqlState,
    times,
  );
}

describe("patient links", () => {
  it("reads what the patient page shows, and the Teams link only once the meeting is ready", async () => {
    const { db, type, clinician, book } = await setup();
    const patient = await createPatient(db, { firstName: "Joana" });
    const booked = await book(patient.id, "2030-06-07T16:00:00Z", "link-view-xxxxx");
    const hash = hashJoinToken(booked.joinToken!);
    const row = await findByJoinTokenHash(db, hash, now);
    expect(row).toMatchObject({
      id: booked.appointmentId,
      status: "BOOKED",
      firstName: "Joana",
      clinicianName: clinician.name,
      typeName: type.name,
      locale: patient.locale,
      timeZone: patient.timeZone,
      meetingState: null,
      joinWebUrl: null,
      rules: { durationMinutes: 30, bufferAfterMinutes: 10, cancellationCutoffMinutes: type.cancellationCutoffMinutes },
    });
    expect(row!.startsAt.toISOString()).toBe("2030-06-07T16:00:00.000Z");
    expect(row!.endsAt.toISOString()).toBe("2030-06-07T16:30:00.000Z");

    await db.onlineMeeting.create({
      data: {
        appointmentId: booked.appointmentId,
        externalId: booked.appointmentId,
        organizerId: clinician.id,
        tokenKind: "APPLICATION",
        state: "READY",
        joinWebUrl: "https://teams.example/join/1",
        subject: "Consulta",
        startsAt: row!.startsAt,
        endsAt: row!.endsAt,
      },
    });
    expect(await findByJoinTokenHash(db, hash, now)).toMatchObject({
      meetingState: "READY",
      joinWebUrl: "https://teams.example/join/1",
    });
    // two weeks after the end the link still answers (the page says the visit ended); past that, nothing
    expect(await findByJoinTokenHash(db, hash, at("2030-06-21T16:00:00Z"))).not.toBeNull();
    expect(await findByJoinTokenHash(db, hash, at("2030-06-21T16:31:00Z"))).toBeNull();
  });
});

describe("booking races", () => {
  it("lets exactly one of 50 concurrent bookings of a slot win; every other one is told the slot was taken", async () => {
    const { db, actor, book } = await setup();
    const patients = await Promise.all(Array.from({ length: 50 }, () => createPatient(db)));
    const results = await Promise.allSettled(
      patients.map((patient, i) => book(patient.id, "2030-06-06T14:00:00Z", `crowd-key-${i}-xxxxxxxx`)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const codes = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => (r.reason instanceof AppError ? r.reason.code : String(r.reason).slice(-300)));
    expect(codes).toEqual(Array.from({ length: 49 }, () => "SLOT_TAKEN"));
    const audit = await db.auditLog.count({ where: { action: "appointment.book", actorId: actor.id } });
    expect(audit).toBe(1);
  });

  it("runs a booking again when its insert lost a deadlock, and books it once", async () => {
    const { db, clinician, book } = await setup();
    const patient = await createPatient(db);
    await injectFailures(db, clinician.id, "40P01", 2);
    const booked = await book(patient.id, "2030-06-06T15:00:00Z", "deadlock-xxxxxx");
    expect(booked.replayed).toBe(false);
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(1);
    expect(await db.idempotencyRecord.count({ where: { key: "deadlock-xxxxxx" } })).toBe(1);
    expect(await db.auditLog.count({ where: { entityId: booked.appointmentId } })).toBe(1);
  });

  it("answers a booking that keeps losing races as a taken slot with the nearest free times", async () => {
    const { db, clinician, book } = await setup();
    const patient = await createPatient(db);
    await injectFailures(db, clinician.id, "40001", 10);
    const lost = await errorOf(book(patient.id, "2030-06-06T16:00:00Z", "serialize-xxxxx"));
    expect(lost).toBeInstanceOf(AppError);
    expect(lost.code).toBe("SLOT_TAKEN");
    expect((lost.details as { suggestions: string[] }).suggestions.length).toBeGreaterThan(0);
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(0);
  });

  it("retries a reschedule that lost a deadlock", async () => {
    const { db, clinician, actor, book } = await setup();
    const patient = await createPatient(db);
    const booked = await book(patient.id, "2030-06-07T13:00:00Z", "to-move-xxxxxx");
    await injectFailures(db, clinician.id, "40P01", 1);
    const moved = await rescheduleAppointment(
      db,
      actor,
      { appointmentId: booked.appointmentId, startsAt: at("2030-06-07T14:00:00Z"), idempotencyKey: "moved-dl-xxxx" },
      now,
    );
    expect(moved.replayed).toBe(false);
    const row = await db.appointment.findUniqueOrThrow({ where: { id: booked.appointmentId } });
    expect(row.startsAt.toISOString()).toBe("2030-06-07T14:00:00.000Z");
  });

  it("answers every one of many parallel reschedules with one key as that one move", async () => {
    const { db, clinician, actor, book } = await setup();
    const patient = await createPatient(db);
    const booked = await book(patient.id, "2030-06-10T13:00:00Z", "parallel-move-book");
    const request = {
      appointmentId: booked.appointmentId,
      startsAt: at("2030-06-10T15:00:00Z"),
      idempotencyKey: "parallel-move-key",
    };
    // a request that arrives after another committed the move sees the new time as "unchanged": it is a
    // replay of that move, not a request to move onto the time it already has
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => rescheduleAppointment(db, actor, request, now)),
    );
    const refusals = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason)));
    expect(refusals).toEqual([]);
    const answers = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof book>>>).value);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.appointmentId))).toEqual(new Set([booked.appointmentId]));
    const row = await db.appointment.findUniqueOrThrow({ where: { id: booked.appointmentId } });
    expect(row.startsAt.toISOString()).toBe("2030-06-10T15:00:00.000Z");
    expect(row.version).toBe(2);
    expect(
      await db.auditLog.count({ where: { entityId: booked.appointmentId, action: "appointment.reschedule" } }),
    ).toBe(1);
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(1);
  });

  it("answers a resend after the move as a replay, though the appointment already has the wanted time", async () => {
    const { db, actor, book } = await setup();
    const patient = await createPatient(db);
    const booked = await book(patient.id, "2030-06-11T13:00:00Z", "resend-move-book");
    const request = {
      appointmentId: booked.appointmentId,
      startsAt: at("2030-06-11T15:00:00Z"),
      idempotencyKey: "resend-move-key",
    };
    const first = await rescheduleAppointment(db, actor, request, now);
    const again = await rescheduleAppointment(db, actor, request, now);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ appointmentId: booked.appointmentId, joinToken: null, replayed: true });
    // another key asking for the time the appointment already has is refused, with the reason
    const unchanged = await errorOf(
      rescheduleAppointment(db, actor, { ...request, idempotencyKey: "other-key-xx" }, now),
    );
    expect(unchanged.code).toBe("UNPROCESSABLE");
    expect(unchanged.details).toMatchObject({ reason: "unchanged" });
  });

  it("answers a resent request with its booking even after the slot's time has passed", async () => {
    const { db, actor, bookingInput } = await setup();
    const patient = await createPatient(db);
    const input = bookingInput(patient.id, "2030-06-03T17:00:00Z", "late-resend-xxx");
    const first = await bookAppointment(db, actor, input, now);
    const later = await bookAppointment(db, actor, input, at("2030-06-03T18:00:00Z"));
    expect(later).toEqual({ appointmentId: first.appointmentId, joinToken: null, replayed: true });
  });

  it("refuses an unknown patient with 404 and books nothing", async () => {
    const { db, clinician, book } = await setup();
    const missing = await errorOf(
      book("00000000-0000-4000-8000-000000000000", "2030-06-06T17:00:00Z", "no-patient-xxxx"),
    );
    expect(missing.code).toBe("NOT_FOUND");
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(0);
    expect(await db.idempotencyRecord.count({ where: { key: "no-patient-xxxx" } })).toBe(0);
  });
});

describe("slot search across clinicians", () => {
  it("loads every clinician's schedule in one query, equal to loading them one by one", async () => {
    const { db } = database;
    const type = await createAppointmentType(db, {
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
    });
    const lisbon = await createBookableClinician(db, type.id, "Europe/Lisbon");
    const newYork = await createBookableClinician(db, type.id, "America/New_York");
    const staff = await createUser(db, { role: "STAFF" });
    const patient = await createPatient(db);
    await db.availabilityException.create({
      data: { clinicianId: lisbon.id, date: new Date("2030-06-04T00:00:00Z"), kind: "TIME_OFF" },
    });
    await bookAppointment(
      db,
      { id: staff.id, label: "staff" },
      {
        clinicianId: newYork.id,
        appointmentTypeId: type.id,
        patientId: patient.id,
        startsAt: at("2030-06-04T13:00:00Z"),
        idempotencyKey: "batch-load-1",
      },
      now,
    );
    const window = { appointmentTypeId: type.id, from: at("2030-06-03T00:00:00Z"), to: at("2030-06-06T00:00:00Z") };
    const batched = await loadSchedulesForType(db, window);
    expect(batched.map((s) => s.clinicianId).sort()).toEqual([lisbon.id, newYork.id].sort());
    for (const schedule of batched) {
      const single = await loadSchedule(db, { ...window, clinicianId: schedule.clinicianId });
      expect(findSlots({ ...schedule, ...window, now })).toEqual(findSlots({ ...single!, ...window, now }));
    }
    const first = await firstAvailableSlot(db, { ...window, now });
    expect(first).not.toBeNull();
    // Monday 08:00 in Lisbon (07:00Z) comes before 08:00 in New York (12:00Z)
    expect(first).toMatchObject({ clinicianId: lisbon.id });
    expect(first!.slot.start.toISOString()).toBe("2030-06-03T07:00:00.000Z");
  });
});
