// Duplicate patients: the desk is warned of a likely duplicate (the same phone, or the same folded name and
// birth date), and two records are merged in one transaction — appointments with their reminders, the
// audit trail and old links follow the kept record; a merge that cannot finish changes nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { searchAuditLog } from "@/lib/audit/data";
import type { AuditActor } from "@/lib/audit/mutations";
import { auditSearchSchema } from "@/lib/audit/schema";
import { AppError } from "@/lib/errors";
import { findDuplicatePatients, mergedInto, searchPatients } from "@/lib/patients/data";
import { createPatient, mergePatients, readPatientForViewer } from "@/lib/patients/mutations";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;
let actor: AuditActor & { id: string };

beforeAll(async () => {
  const staff = await createUser(db, { role: "STAFF", name: "Recepção" });
  actor = { id: staff.id, label: staff.name, ip: "203.0.113.9" };
});

// 2030-06-03 is a Monday; 13:00Z is 10:00 in São Paulo
const now = new Date("2030-06-01T12:00:00Z");
let counter = 0;
const uniquePhone = () => `+55119876${String(5000 + ++counter).padStart(5, "0")}`;

async function bookFor(patientId: string, startsAt: string) {
  const type = await createAppointmentType(db, { durationMinutes: 30 });
  const clinician = await createBookableClinician(db, type.id);
  const { appointmentId } = await bookAppointment(
    db,
    actor,
    {
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      patientId,
      startsAt: new Date(startsAt),
      idempotencyKey: `merge-${crypto.randomUUID()}`,
    },
    now,
  );
  return appointmentId;
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("likely duplicates", () => {
  it("finds the same phone, and the same name and birth date however they are typed", async () => {
    const phone = uniquePhone();
    const first = await createPatient(actor, {
      firstName: "Conceição",
      lastName: "Araújo",
      phone,
      birthDate: "1975-03-09",
    });
    const byPhone = await findDuplicatePatients({
      firstName: "Outra",
      lastName: "Pessoa",
      phone,
      birthDate: null,
    });
    expect(byPhone).toEqual([expect.objectContaining({ id: first.id, reasons: ["phone"] })]);
    // a list shows the phone masked, never whole
    expect(byPhone[0]!.phoneMasked).not.toContain(phone.slice(1, 8));
    const byName = await findDuplicatePatients({
      firstName: "CONCEICAO",
      lastName: " araujo ",
      phone: null,
      birthDate: "1975-03-09",
    });
    expect(byName.map((d) => [d.id, d.reasons])).toEqual([[first.id, ["nameAndBirthDate"]]]);
    // the same name born another day is someone else; the record itself is not its own duplicate
    expect(
      await findDuplicatePatients({ firstName: "Conceição", lastName: "Araújo", phone: null, birthDate: "1975-03-10" }),
    ).toEqual([]);
    expect(await findDuplicatePatients(first, first.id)).toEqual([]);
  });

  it("shows the birth date and the next appointment in search results", async () => {
    const patient = await createPatient(actor, { firstName: "Benedita", lastName: "Quintal", birthDate: "1990-12-01" });
    const appointmentId = await bookFor(patient.id, "2030-06-04T13:00:00Z");
    const [found] = await searchPatients({ query: "benedita quintal" }, now);
    expect(found).toMatchObject({ id: patient.id, birthDate: "1990-12-01" });
    expect(found!.nextAppointment?.startsAt.toISOString()).toBe("2030-06-04T13:00:00.000Z");
    // once it is over, there is no next appointment
    const [later] = await searchPatients({ query: "benedita quintal" }, new Date("2030-06-05T00:00:00Z"));
    expect(later!.nextAppointment).toBeNull();
    expect(appointmentId).toBeTruthy();
  });
});

describe("merging two records", () => {
  it("moves appointments (with their reminders), fills missing details, keeps the old id's trail and link", async () => {
    const keep = await createPatient(actor, { firstName: "Maria", lastName: "Silva", phone: uniquePhone() });
    const merge = await createPatient(actor, {
      firstName: "Maria",
      lastName: "da Silva",
      email: "maria.merge@mail.example",
      phone: uniquePhone(),
      birthDate: "1980-05-04",
    });
    const appointmentId = await bookFor(merge.id, "2030-06-03T13:00:00Z");
    const reminder = await db.reminder.create({
      data: { appointmentId, appointmentVersion: 1, dueAt: new Date("2030-06-02T13:00:00Z") },
    });
    await readPatientForViewer(actor, merge.id);

    const result = await mergePatients(actor, { keepId: keep.id, mergeId: merge.id, confirm: "yes" });
    expect(result).toEqual({ keptId: keep.id, appointmentsMoved: 1 });

    expect(await db.patient.findUnique({ where: { id: merge.id } })).toBeNull();
    const kept = await db.patient.findUniqueOrThrow({ where: { id: keep.id } });
    // the kept record's own phone stays; what it lacked comes from the other
    expect(kept.phone).toBe(keep.phone);
    expect(kept.email).toBe("maria.merge@mail.example");
    expect(kept.birthDate?.toISOString().slice(0, 10)).toBe("1980-05-04");
    const appointment = await db.appointment.findUniqueOrThrow({
      where: { id: appointmentId },
      include: { reminders: true },
    });
    expect(appointment.patientId).toBe(keep.id);
    expect(appointment.reminders.map((r) => r.id)).toEqual([reminder.id]);
    expect(await mergedInto(merge.id)).toBe(keep.id);

    // one audit row on the kept record, with ids and counts only
    const rows = await db.auditLog.findMany({ where: { action: "patient.merge", entityId: keep.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toEqual({
      mergedPatientId: merge.id,
      appointmentsMoved: 1,
      filled: ["email", "birthDate"],
    });
    expect(JSON.stringify(rows[0]!.details)).not.toMatch(/Maria|Silva|mail\.example|1980/);
    // searching the kept record's trail finds what was written about the merged one
    const trail = await searchAuditLog(db, auditSearchSchema.parse({ subject: keep.id }), "America/Sao_Paulo");
    expect(trail.entries.map((e) => [e.action, e.entityId])).toEqual(
      expect.arrayContaining([
        ["patient.merge", keep.id],
        ["patient.read", merge.id],
        ["patient.create", merge.id],
      ]),
    );
  });

  it("follows a chain: a record merged into one that is merged later leads to the last", async () => {
    const a = await createPatient(actor, { firstName: "Cadeia", lastName: "Um" });
    const b = await createPatient(actor, { firstName: "Cadeia", lastName: "Dois" });
    const c = await createPatient(actor, { firstName: "Cadeia", lastName: "Três" });
    await mergePatients(actor, { keepId: b.id, mergeId: a.id, confirm: "yes" });
    await mergePatients(actor, { keepId: c.id, mergeId: b.id, confirm: "yes" });
    expect(await mergedInto(a.id)).toBe(c.id);
    expect(await mergedInto(b.id)).toBe(c.id);
  });

  it("refuses without confirmation, with the same record twice, or when one is gone — and changes nothing", async () => {
    const one = await createPatient(actor, { firstName: "Recusa", lastName: "Um" });
    const two = await createPatient(actor, { firstName: "Recusa", lastName: "Dois" });
    const audit = await db.auditLog.count();
    expect((await errorOf(mergePatients(actor, { keepId: one.id, mergeId: two.id, confirm: "" }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await errorOf(mergePatients(actor, { keepId: one.id, mergeId: one.id, confirm: "yes" }))).details).toEqual({
      reason: "mergeSame",
    });
    expect(
      (await errorOf(mergePatients(actor, { keepId: one.id, mergeId: crypto.randomUUID(), confirm: "yes" }))).code,
    ).toBe("NOT_FOUND");
    expect(await db.patient.count({ where: { id: { in: [one.id, two.id] } } })).toBe(2);
    expect(await db.auditLog.count()).toBe(audit);
  });

  it("is one transaction: a row that cannot follow undoes the whole merge", async () => {
    // a table of another feature that points at patients, with a key of its own that the merge would break
    await db.$executeRawUnsafe(
      `CREATE TABLE "TestPatientTag" ("patientId" uuid NOT NULL REFERENCES "Patient"(id), tag text NOT NULL,
         UNIQUE ("patientId", tag))`,
    );
    const keep = await createPatient(actor, { firstName: "Rollback", lastName: "Keep" });
    const merge = await createPatient(actor, { firstName: "Rollback", lastName: "Merge" });
    const appointmentId = await bookFor(merge.id, "2030-06-05T13:00:00Z");
    await db.$executeRawUnsafe(
      `INSERT INTO "TestPatientTag" VALUES ($1::uuid, 'vip'), ($2::uuid, 'vip')`,
      keep.id,
      merge.id,
    );
    const audit = await db.auditLog.count();
    await expect(mergePatients(actor, { keepId: keep.id, mergeId: merge.id, confirm: "yes" })).rejects.toThrow();
    expect(await db.patient.findUnique({ where: { id: merge.id } })).not.toBeNull();
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).patientId).toBe(merge.id);
    expect(await mergedInto(merge.id)).toBeNull();
    expect(await db.auditLog.count()).toBe(audit);

    // without the conflict, the other feature's rows follow the merge too
    await db.$executeRawUnsafe(`DELETE FROM "TestPatientTag" WHERE "patientId" = $1::uuid`, keep.id);
    await mergePatients(actor, { keepId: keep.id, mergeId: merge.id, confirm: "yes" });
    const tags = await db.$queryRawUnsafe<{ patientId: string }[]>(`SELECT "patientId"::text FROM "TestPatientTag"`);
    expect(tags).toEqual([{ patientId: keep.id }]);
    await db.$executeRawUnsafe(`DROP TABLE "TestPatientTag"`);
  });

  it("lets one of two opposite merges of the same pair win; the other finds a record gone", async () => {
    const x = await createPatient(actor, { firstName: "Corrida", lastName: "X" });
    const y = await createPatient(actor, { firstName: "Corrida", lastName: "Y" });
    const results = await Promise.allSettled([
      mergePatients(actor, { keepId: x.id, mergeId: y.id, confirm: "yes" }),
      mergePatients(actor, { keepId: y.id, mergeId: x.id, confirm: "yes" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((failed.reason as AppError).code).toBe("NOT_FOUND");
    expect(await db.patient.count({ where: { id: { in: [x.id, y.id] } } })).toBe(1);
  });
});
