// Every change to an appointment queues its work through one subscriber (lib/appointments/jobs.ts): the
// booking doors' shared functions (lib/appointments/booking-service.ts) on a real database, with only the job queue
// replaced by a recorder. A replay queues nothing; each change queues the meeting sync once and the jobs of
// its own version's messages once.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const queued = vi.hoisted(() => ({ meetingSyncs: [] as string[], messages: [] as string[] }));
vi.mock("@/lib/jobs/boss", () => ({
  enqueueMeetingSync: async (appointmentId: string) => {
    queued.meetingSyncs.push(appointmentId);
  },
  enqueuePatientMessage: async (message: { id: string }) => {
    queued.messages.push(message.id);
  },
}));

import { bookForViewer, cancelForViewer, rescheduleForViewer } from "@/lib/appointments/booking-service";
import { cancelByPatient } from "@/lib/appointments/patient-link-service";
import type { Viewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
beforeAll(async () => {
  // the patient's link is built under lib/env's PUBLIC_BASE_URL; the configuration must validate
  vi.stubEnv("DATABASE_URL", database.url);
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ID", "test-client");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_SECRET", "test-secret");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.example/00000000-0000-0000-0000-000000000001/v2.0");
  vi.stubEnv("PUBLIC_BASE_URL", "https://consulta.example");
});
afterAll(async () => {
  vi.unstubAllEnvs();
});
beforeEach(() => {
  queued.meetingSyncs.length = 0;
  queued.messages.length = 0;
});

// 2030-06-03 is a Monday; 13:00Z is 10:00 in São Paulo, inside the clinician's hours and the patient's day
const now = new Date("2030-06-01T12:00:00Z");
const daytime = { patientAgreedToNightTime: false };

async function setup() {
  const { db } = database;
  const type = await createAppointmentType(db);
  const clinician = await createBookableClinician(db, type.id);
  const staff = await createUser(db, { role: "STAFF" });
  const patient = await createPatient(db);
  const viewer: Viewer = { id: staff.id, role: "STAFF", name: staff.name, timeZone: "UTC", locale: "en", ip: null };
  const booking = (idempotencyKey: string) => ({
    clinicianId: clinician.id,
    appointmentTypeId: type.id,
    patientId: patient.id,
    startsAt: new Date("2030-06-03T13:00:00Z"),
    idempotencyKey,
  });
  return { db, clinician, patient, viewer, booking };
}

/** The ids of the appointment's message rows of one version, sorted. */
async function messageIds(appointmentId: string, appointmentVersion: number): Promise<string[]> {
  const rows = await database.db.patientMessage.findMany({
    where: { appointmentId, appointmentVersion },
    select: { id: true },
  });
  return rows.map((row) => row.id).sort();
}

describe("appointment changes queue their work once", () => {
  it("a booking queues its meeting and its two messages; the same request again queues nothing", async () => {
    const { viewer, booking } = await setup();
    const first = await bookForViewer(viewer, booking("changes-key-0001"), daytime, now);
    expect(first.replayed).toBe(false);
    expect(first.joinUrl).toMatch(/^https:\/\/consulta\.example\/j\/[A-Za-z0-9_-]{43}$/);
    expect(queued.meetingSyncs).toEqual([first.appointmentId]);
    const booked = await messageIds(first.appointmentId, 1);
    expect(booked).toHaveLength(2);
    expect([...queued.messages].sort()).toEqual(booked);

    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;
    const replay = await bookForViewer(viewer, booking("changes-key-0001"), daytime, now);
    expect(replay).toEqual({ appointmentId: first.appointmentId, joinUrl: null, replayed: true });
    expect(queued.meetingSyncs).toEqual([]);
    expect(queued.messages).toEqual([]);
  });

  it("a reschedule queues the meeting once and only the new version's messages; its replay queues nothing", async () => {
    const { viewer, booking } = await setup();
    const { appointmentId } = await bookForViewer(viewer, booking("changes-key-0002"), daytime, now);
    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;

    const move = { appointmentId, startsAt: new Date("2030-06-03T15:00:00Z"), idempotencyKey: "changes-move-0002" };
    const moved = await rescheduleForViewer(viewer, move, daytime, now);
    expect(moved.replayed).toBe(false);
    expect(queued.meetingSyncs).toEqual([appointmentId]);
    // the booking's rows are still waiting (no worker here), but they are superseded: not queued again
    const rescheduled = await messageIds(appointmentId, 2);
    expect(rescheduled).toHaveLength(2);
    expect([...queued.messages].sort()).toEqual(rescheduled);

    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;
    const again = await rescheduleForViewer(viewer, move, daytime, now);
    expect(again).toMatchObject({ appointmentId, replayed: true });
    expect(queued.meetingSyncs).toEqual([]);
    expect(queued.messages).toEqual([]);
  });

  it("a cancel queues the meeting's deletion and the cancellation messages; cancelling again queues nothing", async () => {
    const { viewer, booking } = await setup();
    const { appointmentId } = await bookForViewer(viewer, booking("changes-key-0003"), daytime, now);
    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;

    await cancelForViewer(viewer, appointmentId, now);
    expect(queued.meetingSyncs).toEqual([appointmentId]);
    expect([...queued.messages].sort()).toEqual(await messageIds(appointmentId, 2));

    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;
    await cancelForViewer(viewer, appointmentId, now);
    expect(queued.meetingSyncs).toEqual([]);
    expect(queued.messages).toEqual([]);
  });

  it("the patient's own cancel on their link queues the same work once; sending it again queues nothing", async () => {
    const { viewer, booking } = await setup();
    const first = await bookForViewer(viewer, booking("changes-key-0005"), daytime, now);
    const token = new URL(first.joinUrl!).pathname.split("/").pop()!;
    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;

    await cancelByPatient(token, now);
    expect(queued.meetingSyncs).toEqual([first.appointmentId]);
    expect([...queued.messages].sort()).toEqual(await messageIds(first.appointmentId, 2));

    queued.meetingSyncs.length = 0;
    queued.messages.length = 0;
    await cancelByPatient(token, now);
    expect(queued.meetingSyncs).toEqual([]);
    expect(queued.messages).toEqual([]);
  });

  it("a clinician booking in another's calendar is refused before anything is written or queued", async () => {
    const { db, booking } = await setup();
    const other = await createUser(db, { role: "CLINICIAN" });
    const clinicianViewer: Viewer = {
      id: other.id,
      role: "CLINICIAN",
      name: other.name,
      timeZone: "UTC",
      locale: "en",
      ip: null,
    };
    const refusal = await bookForViewer(clinicianViewer, booking("changes-key-0004"), daytime, now).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe("FORBIDDEN");
    expect(queued.meetingSyncs).toEqual([]);
    expect(queued.messages).toEqual([]);
  });
});
