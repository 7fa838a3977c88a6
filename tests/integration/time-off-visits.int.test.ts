// Time off over booked visits: the editor lists, under each time off, the clinician's live visits it
// covers (even partly, on the clinician's own clock), and adding the time off says how many.
import { describe, expect, it } from "vitest";
import { getAvailabilityEditorData, visitsDuringTimeOff } from "@/lib/availability/data";
import { addAvailabilityException } from "@/lib/availability/mutations";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

async function visit(clinicianId: string, startsAt: string, minutes = 30, status: "BOOKED" | "CANCELLED" = "BOOKED") {
  const type = await createAppointmentType(db);
  const patient = await createPatient(db, { firstName: `P${startsAt.slice(11, 16)}` });
  const start = new Date(startsAt);
  const end = new Date(start.getTime() + minutes * 60_000);
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
}

describe("visits during time off", () => {
  it("lists the live visits each time off covers, on the clinician's clock", async () => {
    // Kathmandu is UTC+5:45: 14:00–15:00 there is 08:15–09:15Z
    const clinician = await createUser(db, { role: "CLINICIAN", timeZone: "Asia/Kathmandu" });
    const actor = { id: clinician.id, label: clinician.name };
    const inside = await visit(clinician.id, "2030-06-03T08:15:00Z");
    const partly = await visit(clinician.id, "2030-06-03T09:00:00Z");
    const touching = await visit(clinician.id, "2030-06-03T07:45:00Z");
    await visit(clinician.id, "2030-06-03T08:30:00Z", 30, "CANCELLED");
    const nextDay = await visit(clinician.id, "2030-06-04T04:00:00Z");

    const afternoon = await addAvailabilityException(actor, {
      clinicianId: clinician.id,
      date: "2030-06-03",
      kind: "TIME_OFF",
      start: "14:00",
      end: "15:00",
    });
    const wholeDay = await addAvailabilityException(actor, {
      clinicianId: clinician.id,
      date: "2030-06-04",
      kind: "TIME_OFF",
    });
    const extra = await addAvailabilityException(actor, {
      clinicianId: clinician.id,
      date: "2030-06-03",
      kind: "EXTRA_HOURS",
      start: "18:00",
      end: "20:00",
    });
    const affected = await visitsDuringTimeOff(clinician, [afternoon, wholeDay, extra]);
    expect(affected.get(afternoon.id)?.map((v) => v.id)).toEqual([inside.id, partly.id]);
    expect(affected.get(wholeDay.id)?.map((v) => v.id)).toEqual([nextDay.id]);
    expect(affected.get(extra.id)).toEqual([]);
    expect(affected.get(afternoon.id)?.[0]).toMatchObject({ patientName: "P08:15 Teste" });
    expect(affected.get(afternoon.id)?.map((v) => v.id)).not.toContain(touching.id);

    // the editor shows them under each exception
    const data = await getAvailabilityEditorData(clinician.id, new Date("2030-06-01T00:00:00Z"));
    const listed = Object.fromEntries(data!.upcomingExceptions.map((e) => [e.id, e.affected.map((v) => v.id)]));
    expect(listed[afternoon.id]).toEqual([inside.id, partly.id]);
    expect(listed[wholeDay.id]).toEqual([nextDay.id]);
  });

  it("keeps to the clinician's own visits", async () => {
    const clinician = await createUser(db, { role: "CLINICIAN" });
    const other = await createUser(db, { role: "CLINICIAN" });
    await visit(other.id, "2030-06-05T13:00:00Z");
    const off = await addAvailabilityException(
      { id: clinician.id, label: clinician.name },
      { clinicianId: clinician.id, date: "2030-06-05", kind: "TIME_OFF" },
    );
    expect((await visitsDuringTimeOff(clinician, [off])).get(off.id)).toEqual([]);
  });
});
