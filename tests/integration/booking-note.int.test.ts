// The booking's review step: the reason for the visit (a note for the clinician) is stored with the
// appointment and nowhere else — not in the audit row, not in the replay record — and the facts the
// waking-hours question needs come from the patient and the type.
import { describe, expect, it } from "vitest";
import { patientClockFacts } from "@/lib/appointments/data";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { bookInput } from "@/lib/appointments/schema";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

const now = new Date("2030-06-01T12:00:00Z");

describe("the note for the clinician", () => {
  it("is stored with the appointment only", async () => {
    const type = await createAppointmentType(db, { durationMinutes: 30 });
    const clinician = await createBookableClinician(db, type.id);
    const staff = await createUser(db, { role: "STAFF" });
    const patient = await createPatient(db);
    const input = bookInput.parse({
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      patientId: patient.id,
      startsAt: "2030-06-03T13:00:00Z",
      idempotencyKey: "note-0001-abcdef",
      note: "Dor lombar há três semanas",
    });
    const { appointmentId } = await bookAppointment(db, { id: staff.id, label: "staff" }, input, now);
    const appointment = await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
    expect(appointment.note).toBe("Dor lombar há três semanas");
    const audit = await db.auditLog.findMany({ where: { entityId: appointmentId } });
    const records = await db.idempotencyRecord.findMany({ where: { actorId: staff.id } });
    expect(JSON.stringify([audit.map((row) => row.details), records])).not.toMatch(/lombar/);
    // a resend of the same request is the same booking
    const again = await bookAppointment(db, { id: staff.id, label: "staff" }, input, now);
    expect(again).toMatchObject({ appointmentId, replayed: true });
  });

  it("reads the patient's zone and the visit's length for a booking and for a move", async () => {
    const type = await createAppointmentType(db, { durationMinutes: 50 });
    const clinician = await createBookableClinician(db, type.id);
    const patient = await createPatient(db);
    await db.patient.update({ where: { id: patient.id }, data: { timeZone: "Europe/Lisbon" } });
    expect(await patientClockFacts(db, { patientId: patient.id, appointmentTypeId: type.id })).toEqual({
      timeZone: "Europe/Lisbon",
      durationMinutes: 50,
    });
    const { appointmentId } = await bookAppointment(
      db,
      { id: clinician.id, label: "clinician" },
      {
        clinicianId: clinician.id,
        appointmentTypeId: type.id,
        patientId: patient.id,
        startsAt: new Date("2030-06-03T13:00:00Z"),
        idempotencyKey: "note-0002-abcdef",
      },
      now,
    );
    expect(await patientClockFacts(db, { appointmentId })).toEqual({ timeZone: "Europe/Lisbon", durationMinutes: 50 });
    expect(await patientClockFacts(db, { appointmentId: crypto.randomUUID() })).toBeNull();
  });
});
