// Data the HTTP benchmarks start from, written straight to the benchmark database: a clinic that can be
// booked at any hour with a signed-in staff member, and an appointment with a patient link.
import crypto from "node:crypto";
import { hashJoinToken, newJoinToken } from "@/lib/appointments/join-token";
import { hashSessionToken } from "@/lib/auth/session-store";
import type { PrismaClient } from "@/lib/generated/prisma/client";

const DAY_MS = 86_400_000;

/**
 * `clinicianCount` clinicians open every hour of every day for one 15-minute appointment type (no notice,
 * no buffers: every grid start bookable), a staff member with a database session (the cookie's value), and
 * one patient to book for.
 */
export async function alwaysOpenClinic(db: PrismaClient, clinicianCount: number) {
  const type = await db.appointmentType.create({
    data: { slug: "bench", name: "Bench", durationMinutes: 15, minimumNoticeMinutes: 0, bookingHorizonDays: 30 },
  });
  const clinicians = await Promise.all(
    Array.from({ length: clinicianCount }, (_, i) =>
      db.user.create({
        data: {
          email: `clinician-${i}@bench.example`,
          name: `Bench clinician ${i}`,
          role: "CLINICIAN",
          timeZone: "UTC",
          appointmentTypes: { connect: { id: type.id } },
          weeklyAvailability: {
            create: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 })),
          },
        },
      }),
    ),
  );
  const staff = await db.user.create({ data: { email: "staff@bench.example", name: "Bench staff", role: "STAFF" } });
  const sessionToken = crypto.randomBytes(32).toString("hex");
  // the database keeps the token's hash, the cookie the token (lib/auth/session-store.ts)
  await db.session.create({
    data: { sessionToken: hashSessionToken(sessionToken), userId: staff.id, expires: new Date(Date.now() + DAY_MS) },
  });
  const patient = await db.patient.create({
    data: { firstName: "Ana", lastName: "Bench", locale: "pt-BR", timeZone: "America/Sao_Paulo" },
  });
  return { type, clinicians, sessionToken, patient };
}

/**
 * A BOOKED appointment on the hour two days from now, with a live patient link; returns the link's
 * token (what the patient's URL carries) and the appointment.
 */
export async function appointmentWithLink(
  db: PrismaClient,
  booking: { clinicianId: string; patientId: string; appointmentTypeId: string; durationMinutes: number },
) {
  const link = newJoinToken();
  const startsAt = new Date(Math.ceil((Date.now() + 2 * DAY_MS) / 3_600_000) * 3_600_000);
  const endsAt = new Date(startsAt.getTime() + booking.durationMinutes * 60_000);
  const appointment = await db.appointment.create({
    data: {
      clinicianId: booking.clinicianId,
      patientId: booking.patientId,
      appointmentTypeId: booking.appointmentTypeId,
      startsAt,
      endsAt,
      blockedFrom: startsAt,
      blockedUntil: endsAt,
      joinTokenHash: hashJoinToken(link.token),
      joinTokenExpiresAt: new Date(endsAt.getTime() + DAY_MS),
    },
  });
  return { token: link.token, appointment };
}
