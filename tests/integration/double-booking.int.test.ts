import { describe, expect, it } from "vitest";
import { isExclusionViolation, isRetryableConflict } from "@/lib/db/errors";
import { databasePerFile } from "../helpers/per-file";
import { createAppointment, createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();

describe("the database refuses double booking", () => {
  it("lets exactly one of 50 concurrent inserts of the same slot through", async () => {
    const { db } = database;
    const clinician = await createUser(db);
    const type = await createAppointmentType(db);
    const patients = await Promise.all(Array.from({ length: 50 }, () => createPatient(db)));
    const startsAt = new Date("2030-03-04T13:00:00Z");

    const results = await Promise.allSettled(
      patients.map((patient) =>
        createAppointment(db, {
          clinicianId: clinician.id,
          patientId: patient.id,
          appointmentTypeId: type.id,
          startsAt,
        }),
      ),
    );

    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(rejected).toHaveLength(49);
    // every refusal is the exclusion constraint's, or a deadlock between two inserts that each waited for
    // the other's uncommitted row (PostgreSQL aborts one, the other goes on); anything else is listed
    // so a failure says what it was
    const otherFailures = rejected
      .filter((r) => !isExclusionViolation(r.reason) && !isRetryableConflict(r.reason))
      .map((r) => String((r.reason as Error)?.message ?? r.reason).slice(-300));
    expect(otherFailures).toEqual([]);
    expect(await db.appointment.count({ where: { clinicianId: clinician.id } })).toBe(1);
  });

  it("guards buffers, allows back-to-back spans and ignores cancelled appointments", async () => {
    const { db } = database;
    const clinician = await createUser(db);
    const type = await createAppointmentType(db);
    const patient = await createPatient(db);
    const at = (hhmm: string) => new Date(`2030-03-05T${hhmm}:00Z`);
    const book = (from: string, start: string, end: string, until: string) =>
      db.appointment.create({
        data: {
          clinicianId: clinician.id,
          patientId: patient.id,
          appointmentTypeId: type.id,
          startsAt: at(start),
          endsAt: at(end),
          blockedFrom: at(from),
          blockedUntil: at(until),
        },
      });

    const first = await book("09:00", "09:00", "09:30", "09:40");
    // its after-buffer runs to 09:40, so an appointment at 09:35 collides
    await expect(book("09:35", "09:35", "10:05", "10:05")).rejects.toSatisfy(isExclusionViolation);
    // half-open ranges: starting exactly when the blocked span ends is fine
    await expect(book("09:40", "09:40", "10:10", "10:10")).resolves.toBeTruthy();
    await db.appointment.update({ where: { id: first.id }, data: { status: "CANCELLED" } });
    await expect(book("09:00", "09:00", "09:30", "09:40")).resolves.toBeTruthy();
  });

  it("keeps the audit log append-only", async () => {
    const { db } = database;
    const row = await db.auditLog.create({ data: { actorLabel: "test", action: "test.write", entityType: "Test" } });
    await expect(db.auditLog.update({ where: { id: row.id }, data: { action: "rewritten" } })).rejects.toThrow();
    await expect(db.auditLog.delete({ where: { id: row.id } })).rejects.toThrow();
    expect((await db.auditLog.findUniqueOrThrow({ where: { id: row.id } })).action).toBe("test.write");
  });
});
