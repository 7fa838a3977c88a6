import { beforeAll, describe, expect, it } from "vitest";
import { bookAppointment, rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { cancelAppointment } from "@/lib/appointments/mutations";
import { createAppGraph } from "@/lib/graph/gateway";
import type { MeetingGateways } from "@/lib/meetings/sync";
import { syncAppointmentMeeting } from "@/lib/meetings/sync";
import { appointmentsNeedingMeetingSync } from "@/lib/meetings/sweep";
import { databasePerFile, perFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";
import { addFault, clearFaults, emulatorMeetings, startGraphTestEnv } from "./graph-helpers";

// Dra. Ana Ribeiro in the demo directory: the emulator knows her as a Teams user
const ANA_OID = "0a1c2e30-1111-4a00-8000-000000000001";

const database = databasePerFile();
const graph = perFile(() => startGraphTestEnv({ retry: { maxTotalMs: 15_000 } }));
let gateways: MeetingGateways;

beforeAll(() => {
  const app = createAppGraph(graph.config);
  gateways = {
    application: (oid) => app.meetingsFor(oid),
    delegated: () => {
      throw new Error("this test books as staff: the application path is expected");
    },
  };
});

const now = new Date("2030-06-01T12:00:00Z");

let setup: Promise<{ typeId: string; clinicianId: string; staffId: string }> | undefined;
function clinic() {
  setup ??= (async () => {
    const { db } = database;
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id, "America/Sao_Paulo", ANA_OID);
    const staff = await createUser(db, { role: "STAFF" });
    return { typeId: type.id, clinicianId: clinician.id, staffId: staff.id };
  })();
  return setup;
}

async function bookAsStaff(startIso: string) {
  const { db } = database;
  const { typeId, clinicianId, staffId } = await clinic();
  const patient = await createPatient(db, { firstName: "Confidencial" });
  const actor = { id: staffId, label: "staff" };
  const booked = await bookAppointment(
    db,
    actor,
    {
      clinicianId,
      appointmentTypeId: typeId,
      patientId: patient.id,
      startsAt: new Date(startIso),
      idempotencyKey: `k-${crypto.randomUUID()}`,
    },
    now,
  );
  return { ...booked, actor };
}

describe("a Teams meeting per appointment", () => {
  it("creates exactly one meeting under duplicate jobs, with no patient data in its subject", async () => {
    const { db } = database;
    const { appointmentId } = await bookAsStaff("2030-06-03T13:00:00Z");
    const before = (await emulatorMeetings(graph.emu)).length;
    const outcomes = await Promise.all([1, 2, 3].map(() => syncAppointmentMeeting(db, gateways, appointmentId)));
    expect(outcomes).toContain("created");
    const meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    expect(meeting.state).toBe("READY");
    expect(meeting.tokenKind).toBe("APPLICATION");
    expect(meeting.joinWebUrl).toMatch(/^https:\/\/localhost:\d+\/l\/meetup-join\//);
    const all = await emulatorMeetings(graph.emu);
    expect(all.length).toBe(before + 1);
    expect(all.map((m) => m.subject).join(" ")).not.toContain("Confidencial");
    expect(await syncAppointmentMeeting(db, gateways, appointmentId)).toBe("unchanged");
    const audit = await db.auditLog.findMany({ where: { entityId: appointmentId, action: { startsWith: "graph." } } });
    expect(audit.map((a) => a.action)).toEqual(["graph.meeting.create"]);
  });

  it("moves the meeting with the appointment and deletes it on cancel", async () => {
    const { db } = database;
    const { appointmentId, actor } = await bookAsStaff("2030-06-04T13:00:00Z");
    await syncAppointmentMeeting(db, gateways, appointmentId);
    await rescheduleAppointment(
      db,
      { ...actor, id: actor.id },
      { appointmentId, startsAt: new Date("2030-06-04T15:00:00Z"), idempotencyKey: "move-it-123" },
      now,
    );
    expect(await appointmentsNeedingMeetingSync(db, now)).toContain(appointmentId);
    expect(await syncAppointmentMeeting(db, gateways, appointmentId)).toBe("updated");
    const meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    const remote = await createAppGraph(graph.config).meetingsFor(ANA_OID).get(meeting.graphMeetingId!);
    expect(new Date(remote.startDateTime!).toISOString()).toBe("2030-06-04T15:00:00.000Z");
    expect(await appointmentsNeedingMeetingSync(db, now)).not.toContain(appointmentId);

    await cancelAppointment(db, actor, appointmentId, now, { enforceCutoff: false });
    expect(await syncAppointmentMeeting(db, gateways, appointmentId)).toBe("deleted");
    await expect(createAppGraph(graph.config).meetingsFor(ANA_OID).get(meeting.graphMeetingId!)).rejects.toMatchObject({
      status: 404,
    });
    expect((await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } })).state).toBe("DELETED");
  });

  it("rides out a 429 storm without losing or duplicating the meeting", async () => {
    const { db } = database;
    const { appointmentId } = await bookAsStaff("2030-06-05T13:00:00Z");
    const before = (await emulatorMeetings(graph.emu)).length;
    await addFault(graph.emu, {
      method: "POST",
      path: "/v1.0/users/*/onlineMeetings/createOrGet",
      count: 3,
      action: { type: "throttle", retryAfterSeconds: 1 },
    });
    try {
      expect(await syncAppointmentMeeting(db, gateways, appointmentId)).toBe("created");
    } finally {
      await clearFaults(graph.emu);
    }
    expect((await emulatorMeetings(graph.emu)).length).toBe(before + 1);
    expect((await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } })).state).toBe("READY");
  });

  it("keeps the appointment pending through an outage and succeeds once Graph is back", async () => {
    const { db } = database;
    const { appointmentId } = await bookAsStaff("2030-06-06T13:00:00Z");
    const outage = createAppGraph({ ...graph.config, retry: { maxTotalMs: 1_500, maxAttempts: 3, baseDelayMs: 100 } });
    const flaky: MeetingGateways = { ...gateways, application: (oid) => outage.meetingsFor(oid) };
    await addFault(graph.emu, {
      path: "/v1.0/users/*/onlineMeetings/**",
      count: 0,
      action: { type: "unavailable" },
    });
    try {
      await expect(syncAppointmentMeeting(db, flaky, appointmentId)).rejects.toMatchObject({ status: 503 });
    } finally {
      await clearFaults(graph.emu);
    }
    const pending = await db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    expect(pending.state).toBe("PENDING");
    expect(pending.failureReason).toContain("503");
    expect(await appointmentsNeedingMeetingSync(db, now)).toContain(appointmentId);
    expect(await syncAppointmentMeeting(db, gateways, appointmentId)).toBe("created");
  });
});
