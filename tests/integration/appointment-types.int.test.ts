// Appointment types managed by admins: created with rules the booking uses at once, edited against the
// version shown, retired (no new bookings; their appointments keep them and can still move), and removed —
// deleted when nobody ever booked one, retired when someone did, even when the booking races the removal.
import { beforeAll, describe, expect, it } from "vitest";
import { findFreeSlots, listClinicians } from "@/lib/appointments/data";
import { bookAppointment, rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { createType, removeType, setTypeActive, updateType } from "@/lib/appointment-types/mutations";
import { listTypesForAdmin } from "@/lib/appointment-types/data";
import type { AuditActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import { databasePerFile } from "../helpers/per-file";
import { createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;
let admin: AuditActor & { id: string };

beforeAll(async () => {
  const user = await createUser(db, { role: "ADMIN", name: "Marta" });
  admin = { id: user.id, label: user.name, ip: null };
});

// 2030-06-03 is a Monday; 13:00Z is 10:00 in São Paulo
const now = new Date("2030-06-01T12:00:00Z");

const form = (overrides: Record<string, string> = {}) => ({
  name: "Avaliação",
  nameEn: "Assessment",
  durationMinutes: "45",
  bufferBeforeMinutes: "0",
  bufferAfterMinutes: "15",
  minimumNoticeMinutes: "60",
  bookingHorizonDays: "30",
  maxPerDay: "1",
  cancellationCutoffMinutes: "120",
  reminderCall: "",
  reminderLeadHours: "",
  ...overrides,
});

/** A clinician offering the type, Monday to Sunday 08:00–18:00 in São Paulo. */
async function clinicianOffering(typeId: string) {
  const clinician = await createUser(db, { role: "CLINICIAN" });
  await db.user.update({
    where: { id: clinician.id },
    data: {
      appointmentTypes: { connect: { id: typeId } },
      weeklyAvailability: {
        create: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 8 * 60, endMinute: 18 * 60 })),
      },
    },
  });
  return clinician;
}

const book = (clinicianId: string, typeId: string, patientId: string, startsAt: string) =>
  bookAppointment(
    db,
    admin,
    {
      clinicianId,
      appointmentTypeId: typeId,
      patientId,
      startsAt: new Date(startsAt),
      idempotencyKey: crypto.randomUUID(),
    },
    now,
  );

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("creating and editing", () => {
  it("creates a type whose rules the booking applies at once, and audits it", async () => {
    const type = await createType(admin, form());
    expect(type).toMatchObject({ slug: "assessment", nameEn: "Assessment", reminderLeadMinutes: null, active: true });
    const clinician = await clinicianOffering(type.id);
    const slots = await findFreeSlots(db, {
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      from: new Date("2030-06-03T11:00:00Z"),
      to: new Date("2030-06-04T03:00:00Z"),
      now,
    });
    expect(slots[0]!.end.getTime() - slots[0]!.start.getTime()).toBe(45 * 60_000);
    // the daily cap of one: once booked, that day offers nothing more of this type
    const patient = await createPatient(db);
    await book(clinician.id, type.id, patient.id, slots[0]!.start.toISOString());
    const after = await findFreeSlots(db, {
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      from: new Date("2030-06-03T11:00:00Z"),
      to: new Date("2030-06-04T03:00:00Z"),
      now,
    });
    expect(after).toEqual([]);
    const audit = await db.auditLog.findMany({ where: { entityType: "AppointmentType", entityId: type.id } });
    expect(audit.map((row) => row.action)).toEqual(["appointment-type.create"]);
  });

  it("gives a second type of the same name a key of its own", async () => {
    const first = await createType(admin, form({ nameEn: "Group session" }));
    const second = await createType(admin, form({ nameEn: "Group session" }));
    expect(first.slug).toBe("group-session");
    expect(second.slug).toMatch(/^group-session-[0-9a-f]{6}$/);
  });

  it("saves an edit made on the current version, refuses one made on an older one", async () => {
    const type = await createType(admin, form({ nameEn: "Edited" }));
    const edited = await updateType(admin, {
      id: type.id,
      type: form({ nameEn: "Edited", durationMinutes: "60", reminderCall: "yes", reminderLeadHours: "24" }),
      expectedUpdatedAt: type.updatedAt.toISOString(),
    });
    expect(edited).toMatchObject({ durationMinutes: 60, reminderLeadMinutes: 24 * 60 });
    const stale = await errorOf(
      updateType(admin, {
        id: type.id,
        type: form({ nameEn: "Edited", durationMinutes: "30" }),
        expectedUpdatedAt: type.updatedAt.toISOString(),
      }),
    );
    expect(stale.code).toBe("CONFLICT");
    expect((await db.appointmentType.findUniqueOrThrow({ where: { id: type.id } })).durationMinutes).toBe(60);
    const audit = await db.auditLog.findMany({ where: { action: "appointment-type.update", entityId: type.id } });
    expect(audit.map((row) => row.details)).toEqual([{ changed: ["durationMinutes", "reminderLeadMinutes"] }]);
  });

  it("refuses invalid rules with a key per field and writes nothing", async () => {
    const count = await db.appointmentType.count();
    const error = await errorOf(createType(admin, form({ durationMinutes: "0", bookingHorizonDays: "x" })));
    expect(error.details).toEqual({
      fieldErrors: { durationMinutes: "outOfRange", bookingHorizonDays: "wholeNumber" },
    });
    expect(await db.appointmentType.count()).toBe(count);
  });
});

describe("retiring and removing", () => {
  it("retires a type: no new bookings or offers, its appointments stay and can still move", async () => {
    const type = await createType(admin, form({ nameEn: "Retiring", maxPerDay: "" }));
    const clinician = await clinicianOffering(type.id);
    const patient = await createPatient(db);
    const { appointmentId } = await book(clinician.id, type.id, patient.id, "2030-06-03T13:00:00Z");

    await setTypeActive(admin, type.id, false);
    const refused = await errorOf(book(clinician.id, type.id, patient.id, "2030-06-04T13:00:00Z"));
    expect(refused.code).toBe("UNPROCESSABLE");
    const offered = (await listClinicians(db)).find((c) => c.id === clinician.id)!;
    expect(offered.appointmentTypes.map((t) => t.id)).not.toContain(type.id);
    // the booked visit keeps its type and may still be moved
    await rescheduleAppointment(
      db,
      admin,
      { appointmentId, startsAt: new Date("2030-06-03T15:00:00Z"), idempotencyKey: crypto.randomUUID() },
      now,
    );
    expect((await db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).appointmentTypeId).toBe(type.id);

    await setTypeActive(admin, type.id, true);
    await book(clinician.id, type.id, patient.id, "2030-06-04T13:00:00Z");
    const audit = await db.auditLog.findMany({ where: { entityType: "AppointmentType", entityId: type.id } });
    expect(audit.map((row) => row.action)).toEqual([
      "appointment-type.create",
      "appointment-type.retire",
      "appointment-type.reinstate",
    ]);
  });

  it("deletes a type nobody booked, and retires one with appointments instead of deleting it", async () => {
    const unused = await createType(admin, form({ nameEn: "Unused" }));
    await clinicianOffering(unused.id);
    expect(await removeType(admin, unused.id)).toBe("deleted");
    expect(await db.appointmentType.findUnique({ where: { id: unused.id } })).toBeNull();

    const used = await createType(admin, form({ nameEn: "Used" }));
    const clinician = await clinicianOffering(used.id);
    const patient = await createPatient(db);
    const { appointmentId } = await book(clinician.id, used.id, patient.id, "2030-06-05T13:00:00Z");
    // even a cancelled appointment keeps its type
    await db.appointment.update({ where: { id: appointmentId }, data: { status: "CANCELLED" } });
    expect(await removeType(admin, used.id)).toBe("retired");
    expect(await db.appointmentType.findUniqueOrThrow({ where: { id: used.id } })).toMatchObject({ active: false });
    const listed = (await listTypesForAdmin()).find((t) => t.id === used.id);
    expect(listed).toMatchObject({ active: false, appointmentCount: 1, clinicianCount: 1 });
  });

  it("never loses a booking that races the removal: either the booking is refused or the type is retired", async () => {
    for (let round = 0; round < 5; round++) {
      const type = await createType(admin, form({ nameEn: `Race ${round}`, maxPerDay: "" }));
      const clinician = await clinicianOffering(type.id);
      const patient = await createPatient(db);
      const [booking, removal] = await Promise.allSettled([
        book(clinician.id, type.id, patient.id, "2030-06-06T13:00:00Z"),
        removeType(admin, type.id),
      ]);
      const row = await db.appointmentType.findUnique({ where: { id: type.id } });
      if (booking.status === "fulfilled") {
        expect(removal).toEqual({ status: "fulfilled", value: "retired" });
        expect(row).toMatchObject({ active: false });
      } else {
        expect(removal).toEqual({ status: "fulfilled", value: "deleted" });
        expect(row).toBeNull();
      }
    }
  });

  it("answers NOT_FOUND for unknown and malformed ids", async () => {
    expect((await errorOf(removeType(admin, crypto.randomUUID()))).code).toBe("NOT_FOUND");
    expect((await errorOf(setTypeActive(admin, "nope", false))).code).toBe("NOT_FOUND");
  });
});
