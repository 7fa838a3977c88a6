// Test data builders: each returns a saved row with sensible defaults that a test can override.
import crypto from "node:crypto";
import type { PrismaClient, Role } from "@/lib/generated/prisma/client";

const unique = () => crypto.randomUUID().slice(0, 8);

export async function createUser(
  db: PrismaClient,
  overrides: { role?: Role; timeZone?: string; name?: string; entraObjectId?: string } = {},
) {
  const id = unique();
  return db.user.create({
    data: {
      email: `user-${id}@aurora.example`,
      name: overrides.name ?? `User ${id}`,
      entraObjectId: overrides.entraObjectId ?? crypto.randomUUID(),
      role: overrides.role ?? "CLINICIAN",
      timeZone: overrides.timeZone ?? "America/Sao_Paulo",
    },
  });
}

export async function createPatient(db: PrismaClient, overrides: { firstName?: string; phone?: string } = {}) {
  const id = unique();
  return db.patient.create({
    data: {
      firstName: overrides.firstName ?? `Paciente${id}`,
      lastName: "Teste",
      email: `patient-${id}@mail.example`,
      phone: overrides.phone ?? null,
    },
  });
}

export async function createAppointmentType(
  db: PrismaClient,
  overrides: Partial<{ durationMinutes: number; bufferBeforeMinutes: number; bufferAfterMinutes: number }> = {},
) {
  const id = unique();
  return db.appointmentType.create({
    data: {
      slug: `type-${id}`,
      name: `Consulta ${id}`,
      durationMinutes: overrides.durationMinutes ?? 30,
      bufferBeforeMinutes: overrides.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: overrides.bufferAfterMinutes ?? 0,
    },
  });
}

/** A clinician who offers `typeId` every day of the week from 08:00 to 18:00 in their zone. */
export async function createBookableClinician(
  db: PrismaClient,
  typeId: string,
  timeZone = "America/Sao_Paulo",
  entraObjectId?: string,
) {
  const clinician = await createUser(db, { role: "CLINICIAN", timeZone, entraObjectId });
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

/** An appointment row as booking writes it: blocked exactly for its own time (no buffers), BOOKED by default. */
export function createAppointment(
  db: PrismaClient,
  input: {
    clinicianId: string;
    patientId: string;
    appointmentTypeId: string;
    startsAt: Date;
    minutes?: number;
    status?: "BOOKED" | "CONFIRMED" | "CANCELLED";
  },
) {
  const endsAt = new Date(input.startsAt.getTime() + (input.minutes ?? 30) * 60_000);
  return db.appointment.create({
    data: {
      clinicianId: input.clinicianId,
      patientId: input.patientId,
      appointmentTypeId: input.appointmentTypeId,
      startsAt: input.startsAt,
      endsAt,
      blockedFrom: input.startsAt,
      blockedUntil: endsAt,
      status: input.status ?? "BOOKED",
    },
  });
}
