// The patient record's appointments: newest first, every clinician's for staff, a clinician's own only.
import { describe, expect, it } from "vitest";
import { listPatientAppointments } from "@/lib/appointments/data";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

describe("listPatientAppointments", () => {
  it("lists a patient's visits newest first, every clinician's or one's own", async () => {
    const type = await createAppointmentType(db);
    const patient = await createPatient(db);
    const [ana, emily] = [await createUser(db), await createUser(db)];
    const book = (clinicianId: string, startsAt: string, status: "BOOKED" | "CANCELLED" = "BOOKED") => {
      const start = new Date(startsAt);
      const end = new Date(start.getTime() + 30 * 60_000);
      return db.appointment.create({
        data: {
          clinicianId,
          patientId: patient.id,
          appointmentTypeId: type.id,
          startsAt: start,
          endsAt: end,
          blockedFrom: start,
          blockedUntil: end,
          status,
        },
      });
    };
    const first = await book(ana.id, "2030-06-03T13:00:00Z", "CANCELLED");
    const second = await book(emily.id, "2030-06-04T13:00:00Z");
    const third = await book(ana.id, "2030-06-05T13:00:00Z");
    const all = await listPatientAppointments(db, { patientId: patient.id, clinicianId: null });
    expect(all.map((a) => a.id)).toEqual([third.id, second.id, first.id]);
    expect(all[0]).toMatchObject({
      status: "BOOKED",
      clinician: { name: ana.name },
      appointmentType: { name: type.name },
    });
    const own = await listPatientAppointments(db, { patientId: patient.id, clinicianId: ana.id });
    expect(own.map((a) => a.id)).toEqual([third.id, first.id]);
  });
});
