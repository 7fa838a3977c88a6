// Confirming an appointment (the reminder call's 1, the clinic line, the patient's link) is one statement:
// the update and its audit row together, once, whatever the race; what cannot be confirmed says why.
import { describe, expect, it } from "vitest";
import { confirmAppointment } from "@/lib/appointments/mutations";
import { createAppointment, createAppointmentType, createPatient, createUser } from "../helpers/factories";
import { databasePerFile } from "../helpers/per-file";

const database = databasePerFile();

const HOUR = 3_600_000;
const actor = { id: null, label: "reminder call", ip: "203.0.113.7" };

async function appointment(status: "BOOKED" | "CANCELLED" = "BOOKED", startsInHours = 24) {
  const { db } = database;
  const [type, clinician, patient] = [await createAppointmentType(db), await createUser(db), await createPatient(db)];
  return createAppointment(db, {
    clinicianId: clinician.id,
    patientId: patient.id,
    appointmentTypeId: type.id,
    startsAt: new Date(Date.now() + startsInHours * HOUR),
    status,
  });
}

const confirmations = (appointmentId: string) =>
  database.db.auditLog.findMany({ where: { action: "appointment.confirm", entityId: appointmentId } });

describe("confirmAppointment", () => {
  it("confirms a booked appointment once, with one audit row that says who and from where", async () => {
    const booked = await appointment();
    const now = new Date();
    expect(await confirmAppointment(database.db, actor, booked.id, now)).toEqual({ confirmed: true });
    const row = await database.db.appointment.findUniqueOrThrow({ where: { id: booked.id } });
    expect(row).toMatchObject({ status: "CONFIRMED", confirmedAt: now, updatedAt: now, version: booked.version });
    const audit = await confirmations(booked.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: null, actorLabel: "reminder call", ip: "203.0.113.7" });

    // a second press of 1 is an answer too, and writes nothing more
    expect(await confirmAppointment(database.db, actor, booked.id, new Date())).toEqual({ confirmed: true });
    expect(await confirmations(booked.id)).toHaveLength(1);
  });

  it("of eight confirmations at once, one writes the change and its audit row", async () => {
    const booked = await appointment();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => confirmAppointment(database.db, actor, booked.id, new Date())),
    );
    expect(answers).toEqual(Array.from({ length: 8 }, () => ({ confirmed: true })));
    expect(await confirmations(booked.id)).toHaveLength(1);
  });

  it("refuses a cancelled or finished appointment and an unknown one, and writes nothing", async () => {
    const cancelled = await appointment("CANCELLED");
    await expect(confirmAppointment(database.db, actor, cancelled.id, new Date())).rejects.toMatchObject({
      code: "UNPROCESSABLE",
    });
    const over = await appointment("BOOKED", -2);
    await expect(confirmAppointment(database.db, actor, over.id, new Date())).rejects.toMatchObject({
      code: "UNPROCESSABLE",
    });
    expect((await database.db.appointment.findUniqueOrThrow({ where: { id: over.id } })).status).toBe("BOOKED");
    await expect(confirmAppointment(database.db, actor, crypto.randomUUID(), new Date())).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect([...(await confirmations(cancelled.id)), ...(await confirmations(over.id))]).toEqual([]);
  });
});
