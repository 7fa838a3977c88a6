// Who may act in a call (lib/bot/access.ts): staff on every call; a clinician — since issue 19 — joins,
// leaves, reads the roster, invites, mutes and removes in the calls of the visits they hold, and in no
// other: another clinician's visit, a group call, an ad-hoc meeting's call are "not found" for them.
import { describe, expect, it } from "vitest";
import { authorizeAppointmentCall, authorizeCall } from "@/lib/bot/access";
import { AppError } from "@/lib/errors";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

async function world() {
  const [own, other, staff, admin] = await Promise.all([
    createUser(db, { role: "CLINICIAN" }),
    createUser(db, { role: "CLINICIAN" }),
    createUser(db, { role: "STAFF" }),
    createUser(db, { role: "ADMIN" }),
  ]);
  const type = await createAppointmentType(db);
  const patient = await createPatient(db);
  const startsAt = new Date("2030-06-03T13:00:00Z");
  const endsAt = new Date("2030-06-03T13:30:00Z");
  const appointment = await db.appointment.create({
    data: {
      clinicianId: own.id,
      patientId: patient.id,
      appointmentTypeId: type.id,
      startsAt,
      endsAt,
      blockedFrom: startsAt,
      blockedUntil: endsAt,
    },
  });
  const call = (purpose: "MEETING_JOIN" | "GROUP_CALL", appointmentId: string | null) =>
    db.call.create({
      data: {
        graphCallId: crypto.randomUUID().replaceAll("-", ""),
        direction: "OUTGOING",
        purpose,
        state: "established",
        appointmentId,
      },
    });
  return {
    own,
    other,
    staff,
    admin,
    appointment,
    visitCall: await call("MEETING_JOIN", appointment.id),
    groupCall: await call("GROUP_CALL", null),
    adHocCall: await call("MEETING_JOIN", null),
  };
}

const viewerOf = (user: { id: string; role: "CLINICIAN" | "STAFF" | "ADMIN" }) => ({ id: user.id, role: user.role });

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).code;
}

describe("acting in a visit's call", () => {
  it("lets the visit's own clinician invite, mute and remove, as well as attend", async () => {
    const w = await world();
    await expect(authorizeCall(db, viewerOf(w.own), w.visitCall.id, "control")).resolves.toBeUndefined();
    await expect(authorizeCall(db, viewerOf(w.own), w.visitCall.id, "attend")).resolves.toBeUndefined();
    await expect(authorizeAppointmentCall(db, viewerOf(w.own), w.appointment.id)).resolves.toBeUndefined();
  });

  it("refuses another clinician in every way, as if the call did not exist", async () => {
    const w = await world();
    expect(await refusal(authorizeCall(db, viewerOf(w.other), w.visitCall.id, "control"))).toBe("NOT_FOUND");
    expect(await refusal(authorizeCall(db, viewerOf(w.other), w.visitCall.id, "attend"))).toBe("NOT_FOUND");
    expect(await refusal(authorizeAppointmentCall(db, viewerOf(w.other), w.appointment.id))).toBe("NOT_FOUND");
  });

  it("keeps group calls and calls without an appointment to staff", async () => {
    const w = await world();
    for (const call of [w.groupCall, w.adHocCall]) {
      expect(await refusal(authorizeCall(db, viewerOf(w.own), call.id, "control"))).toBe("NOT_FOUND");
      expect(await refusal(authorizeCall(db, viewerOf(w.own), call.id, "attend"))).toBe("NOT_FOUND");
      await expect(authorizeCall(db, viewerOf(w.staff), call.id, "control")).resolves.toBeUndefined();
    }
  });

  it("lets staff and admins act on every call, and nobody on one that does not exist", async () => {
    const w = await world();
    for (const user of [w.staff, w.admin]) {
      await expect(authorizeCall(db, viewerOf(user), w.visitCall.id, "control")).resolves.toBeUndefined();
    }
    for (const user of [w.own, w.staff]) {
      expect(await refusal(authorizeCall(db, viewerOf(user), crypto.randomUUID(), "control"))).toBe("NOT_FOUND");
    }
  });
});
