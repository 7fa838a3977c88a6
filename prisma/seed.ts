// Demo clinic: the directory's users (config/demo-directory.json), appointment types, weekly hours,
// 20 patients, a few appointments in the coming days and one that took place the working day before.
// Idempotent: rows have fixed keys and are upserted; appointments already present are left alone.
import fs from "node:fs";
import path from "node:path";
import { DateTime } from "luxon";
import { createPrismaClient } from "../lib/db/create-client";
import type { Role } from "../lib/generated/prisma/enums";

interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  appRole: "Clinician" | "Staff" | "Admin" | null;
  timeZone: string;
  locale: string;
}

const directory = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "../config/demo-directory.json"), "utf8"),
) as {
  users: DirectoryUser[];
};

const roleOf: Record<NonNullable<DirectoryUser["appRole"]>, Role> = {
  Clinician: "CLINICIAN",
  Staff: "STAFF",
  Admin: "ADMIN",
};

const appointmentTypes = [
  {
    slug: "consultation",
    name: "Consulta",
    nameEn: "Consultation",
    durationMinutes: 30,
    bufferAfterMinutes: 10,
    reminderLeadMinutes: 24 * 60,
  },
  {
    slug: "follow-up",
    name: "Retorno",
    nameEn: "Follow-up",
    durationMinutes: 20,
    bufferAfterMinutes: 5,
    reminderLeadMinutes: 24 * 60,
  },
  {
    slug: "first-visit",
    name: "Primeira consulta",
    nameEn: "First visit",
    durationMinutes: 60,
    bufferBeforeMinutes: 10,
    bufferAfterMinutes: 10,
    reminderLeadMinutes: 48 * 60,
  },
];

// Mon–Fri mornings and afternoons; Inês (Lisbon) also works Saturday mornings.
const weeklyHours = (clinicianIndex: number) => {
  const rows: { weekday: number; startMinute: number; endMinute: number }[] = [];
  for (let weekday = 1; weekday <= 5; weekday++) {
    rows.push({ weekday, startMinute: 8 * 60, endMinute: 12 * 60 });
    rows.push({ weekday, startMinute: 13 * 60 + 30, endMinute: 18 * 60 });
  }
  if (clinicianIndex === 2) rows.push({ weekday: 6, startMinute: 9 * 60, endMinute: 13 * 60 });
  return rows;
};

const patients = [
  ["Maria", "Silva", "pt-BR", "America/Sao_Paulo", "+5511987650001"],
  ["José", "Santos", "pt-BR", "America/Sao_Paulo", "+5511987650002"],
  ["Francisca", "Oliveira", "pt-BR", "America/Sao_Paulo", "+5521987650003"],
  ["Antônio", "Souza", "pt-BR", "America/Sao_Paulo", "+5531987650004"],
  ["Adriana", "Rodrigues", "pt-BR", "America/Sao_Paulo", "+5541987650005"],
  ["Carlos", "Ferreira", "pt-BR", "America/Sao_Paulo", "+5551987650006"],
  ["Juliana", "Alves", "pt-BR", "America/Manaus", "+5592987650007"],
  ["Paulo", "Pereira", "pt-BR", "America/Recife", "+5581987650008"],
  ["Beatriz", "Lima", "pt-BR", "America/Sao_Paulo", "+5511987650009"],
  ["Rafaela", "Gomes", "pt-BR", "America/Sao_Paulo", "+5511987650010"],
  ["Tiago", "Martins", "pt-BR", "Europe/Lisbon", "+351912345011"],
  ["Leonor", "Carvalho", "pt-BR", "Europe/Lisbon", "+351912345012"],
  ["Fernanda", "Ribeiro", "pt-BR", "America/Sao_Paulo", "+5511987650013"],
  ["Lucas", "Barbosa", "pt-BR", "America/Sao_Paulo", "+5511987650014"],
  ["Emma", "Johnson", "en", "America/New_York", "+12125550115"],
  ["Liam", "Williams", "en", "America/New_York", "+12125550116"],
  ["Olivia", "Brown", "en", "America/Chicago", "+13125550117"],
  ["Noah", "Davis", "en", "Europe/London", "+447700900118"],
  ["Ava", "Miller", "en", "America/Los_Angeles", "+13105550119"],
  ["Ethan", "Wilson", "en", "America/New_York", "+12125550120"],
] as const;

const patientId = (index: number) => `5eed0000-0000-4000-a000-${String(index + 1).padStart(12, "0")}`;
const appointmentId = (index: number) => `5eed0000-0000-4000-b000-${String(index + 1).padStart(12, "0")}`;

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (run through `npm run db:seed`)");
  const db = createPrismaClient(url, { max: 2 });
  try {
    const types = [];
    for (const type of appointmentTypes) {
      types.push(await db.appointmentType.upsert({ where: { slug: type.slug }, update: {}, create: type }));
    }

    const clinicians = [];
    for (const person of directory.users) {
      if (!person.appRole) continue;
      const user = await db.user.upsert({
        where: { entraObjectId: person.id },
        update: {},
        create: {
          entraObjectId: person.id,
          email: person.userPrincipalName,
          name: person.displayName,
          role: roleOf[person.appRole],
          timeZone: person.timeZone,
          locale: person.locale,
        },
      });
      if (user.role === "CLINICIAN") clinicians.push(user);
    }

    for (const [index, clinician] of clinicians.entries()) {
      await db.user.update({
        where: { id: clinician.id },
        data: { appointmentTypes: { connect: types.map((t) => ({ id: t.id })) } },
      });
      if ((await db.weeklyAvailability.count({ where: { clinicianId: clinician.id } })) === 0) {
        await db.weeklyAvailability.createMany({
          data: weeklyHours(index).map((row) => ({ ...row, clinicianId: clinician.id })),
        });
      }
    }

    for (const [index, [firstName, lastName, locale, timeZone, phone]] of patients.entries()) {
      const email = `${firstName}.${lastName}`
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase();
      await db.patient.upsert({
        where: { id: patientId(index) },
        update: {},
        create: {
          id: patientId(index),
          firstName,
          lastName,
          locale,
          timeZone,
          phone,
          email: `${email}@mail.example`,
          // the demo patients agreed to appointment messages, by e-mail and SMS (the emulator's outbox shows them)
          contactPreference: "BOTH",
          messageConsentAt: new Date("2026-01-01T12:00:00Z"),
          // a made-up birth date per patient, so the desk's lists show one
          birthDate: new Date(Date.UTC(1950 + index * 2, index % 12, 1 + ((index * 7) % 28))),
        },
      });
    }

    // a few appointments on the next working days, at times inside each clinician's hours
    const consultation = types[0]!;
    let created = 0;
    for (let i = 0; i < 6; i++) {
      const id = appointmentId(i);
      if (await db.appointment.findUnique({ where: { id } })) continue;
      const clinician = clinicians[i % clinicians.length]!;
      let day = DateTime.now()
        .setZone(clinician.timeZone)
        .plus({ days: 1 + Math.floor(i / 2) })
        .startOf("day");
      while (day.weekday > 5) day = day.plus({ days: 1 });
      const start = day.set({ hour: 9 + (i % 3), minute: 0 });
      const startsAt = start.toJSDate();
      const endsAt = start.plus({ minutes: consultation.durationMinutes }).toJSDate();
      await db.appointment.create({
        data: {
          id,
          clinicianId: clinician.id,
          patientId: patientId(i),
          appointmentTypeId: consultation.id,
          startsAt,
          endsAt,
          blockedFrom: start.minus({ minutes: consultation.bufferBeforeMinutes }).toJSDate(),
          blockedUntil: start
            .plus({ minutes: consultation.durationMinutes + consultation.bufferAfterMinutes })
            .toJSDate(),
        },
      });
      created++;
    }

    // one visit that already took place (the working day before), closed by Teams' attendance report: what the
    // appointment page shows once a visit has ended, and what staff may correct
    const pastId = appointmentId(6);
    if (!(await db.appointment.findUnique({ where: { id: pastId } }))) {
      const clinician = clinicians[0]!;
      let day = DateTime.now().setZone(clinician.timeZone).minus({ days: 1 }).startOf("day");
      while (day.weekday > 5) day = day.minus({ days: 1 });
      const start = day.set({ hour: 10, minute: 0 });
      const end = start.plus({ minutes: consultation.durationMinutes });
      await db.appointment.create({
        data: {
          id: pastId,
          clinicianId: clinician.id,
          patientId: patientId(11),
          appointmentTypeId: consultation.id,
          status: "COMPLETED",
          startsAt: start.toJSDate(),
          endsAt: end.toJSDate(),
          blockedFrom: start.toJSDate(),
          blockedUntil: end.plus({ minutes: consultation.bufferAfterMinutes }).toJSDate(),
          attendance: {
            create: {
              decision: "HELD",
              patientSeconds: 27 * 60,
              clinicianSeconds: 30 * 60,
              reportCount: 1,
              checks: 1,
              checkedAt: end.plus({ minutes: 10 }).toJSDate(),
            },
          },
        },
      });
      created++;
    }
    console.info(
      `seed: ${clinicians.length} clinicians, ${patients.length} patients, ${types.length} appointment types, ${created} new appointments`,
    );
  } finally {
    await db.$disconnect();
  }
}

await main();
