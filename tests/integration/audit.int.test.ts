// The audit log: append-only through the app's own client, searchable by person, action, subject and
// local dates with keyset pages, and reads recorded once per person, record and address per window.
import { describe, expect, it } from "vitest";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { appointmentHistory } from "@/lib/appointments/data";
import { appointmentForViewer } from "@/lib/appointments/views";
import { searchAuditLog } from "@/lib/audit/data";
import { READ_AUDIT_WINDOW_MS, recordAudit, recordRead } from "@/lib/audit/mutations";
import { auditSearchSchema, decodeCursor } from "@/lib/audit/schema";
import { databasePerFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";

const database = databasePerFile();
const { db } = database;

const search = (raw: Record<string, string>) => auditSearchSchema.parse(raw);
const row = (data: { at: string; action?: string; actorId?: string | null; entityType?: string; entityId?: string }) =>
  db.auditLog.create({
    data: {
      at: new Date(data.at),
      actorId: data.actorId ?? null,
      actorLabel: data.actorId ? "someone" : "system job",
      action: data.action ?? "test.write",
      entityType: data.entityType ?? "Test",
      entityId: data.entityId ?? null,
    },
  });

describe("append-only", () => {
  it("refuses every update and delete the Prisma client can send, and the row stays as written", async () => {
    const written = await row({ at: "2031-01-01T00:00:00Z", action: "test.original" });
    const countBefore = await db.auditLog.count();
    const attempts: [string, () => Promise<unknown>][] = [
      ["update", () => db.auditLog.update({ where: { id: written.id }, data: { action: "rewritten" } })],
      ["updateMany", () => db.auditLog.updateMany({ where: { id: written.id }, data: { ip: "198.51.100.1" } })],
      [
        "upsert",
        () =>
          db.auditLog.upsert({
            where: { id: written.id },
            create: { actorLabel: "x", action: "x", entityType: "x" },
            update: { actorLabel: "nobody" },
          }),
      ],
      ["delete", () => db.auditLog.delete({ where: { id: written.id } })],
      ["deleteMany", () => db.auditLog.deleteMany({ where: { id: written.id } })],
      ["deleteMany (all)", () => db.auditLog.deleteMany({})],
      ["raw UPDATE", () => db.$executeRaw`UPDATE "AuditLog" SET action = 'raw' WHERE id = ${written.id}`],
      ["raw DELETE", () => db.$executeRaw`DELETE FROM "AuditLog" WHERE id = ${written.id}`],
      [
        "inside a transaction",
        () =>
          db.$transaction(async (tx) => {
            await tx.auditLog.update({ where: { id: written.id }, data: { action: "in-tx" } });
          }),
      ],
    ];
    const accepted: string[] = [];
    for (const [name, attempt] of attempts) {
      const outcome = await attempt().then(
        () => "accepted",
        (error: unknown) => String((error as Error).message),
      );
      if (outcome === "accepted") accepted.push(name);
      else expect(outcome, name).toMatch(/cannot be changed or deleted|insufficient_privilege|42501/i);
    }
    expect(accepted).toEqual([]);
    expect(await db.auditLog.count()).toBe(countBefore);
    expect(await db.auditLog.findUniqueOrThrow({ where: { id: written.id } })).toEqual(written);
  });
});

describe("search", () => {
  it("filters by person, the system, exact action and action family, newest first", async () => {
    const alice = await createUser(db, { role: "STAFF", name: "Alice Search" });
    const bob = await createUser(db, { role: "ADMIN", name: "Bob Search" });
    await row({ at: "2032-03-01T10:00:00Z", actorId: alice.id, action: "searchtest.book" });
    await row({ at: "2032-03-01T11:00:00Z", actorId: alice.id, action: "searchtest.cancel" });
    await row({ at: "2032-03-01T12:00:00Z", actorId: bob.id, action: "searchtest.book" });
    await row({ at: "2032-03-01T13:00:00Z", action: "searchtest.sweep" });

    const byAlice = await searchAuditLog(db, search({ actor: alice.id, action: "searchtest.*" }), "UTC");
    expect(byAlice.entries.map((e) => e.action)).toEqual(["searchtest.cancel", "searchtest.book"]);
    expect(byAlice.entries[0]!.actor).toEqual({ name: "Alice Search", role: "STAFF" });

    const books = await searchAuditLog(db, search({ action: "searchtest.book" }), "UTC");
    expect(books.entries.map((e) => e.actorId)).toEqual([bob.id, alice.id]);

    const system = await searchAuditLog(db, search({ actor: "system", action: "searchtest.*" }), "UTC");
    expect(system.entries.map((e) => [e.action, e.actorLabel, e.actor])).toEqual([
      ["searchtest.sweep", "system job", null],
    ]);
  });

  it("takes dates as whole local days in the viewer's zone", async () => {
    // 2033-05-10 in Asia/Kathmandu (UTC+5:45) is [2033-05-09T18:15Z, 2033-05-10T18:15Z)
    for (const at of [
      "2033-05-09T18:14:59.999Z",
      "2033-05-09T18:15:00Z",
      "2033-05-10T18:14:59.999Z",
      "2033-05-10T18:15:00Z",
    ])
      await row({ at, action: "zonetest.tick" });
    const kathmandu = await searchAuditLog(
      db,
      search({ action: "zonetest.tick", from: "2033-05-10", to: "2033-05-10" }),
      "Asia/Kathmandu",
    );
    expect(kathmandu.entries.map((e) => e.at.toISOString())).toEqual([
      "2033-05-10T18:14:59.999Z",
      "2033-05-09T18:15:00.000Z",
    ]);
    // the same day in St. John's (UTC−2:30) is a different span of instants
    const stJohns = await searchAuditLog(
      db,
      search({ action: "zonetest.tick", from: "2033-05-10", to: "2033-05-10" }),
      "America/St_Johns",
    );
    // [2033-05-10T02:30Z, 2033-05-11T02:30Z): the two instants of the 10th in UTC, not the 9th's
    expect(stJohns.entries.map((e) => e.at.toISOString())).toEqual([
      "2033-05-10T18:15:00.000Z",
      "2033-05-10T18:14:59.999Z",
    ]);
  });

  it("pages with a keyset over (at, id): every row once, in order, even when instants tie", async () => {
    const same = "2034-01-01T00:00:00Z";
    const written = [];
    for (let i = 0; i < 5; i++) written.push(await row({ at: same, action: "pagetest.tie" }));
    written.push(await row({ at: "2034-01-01T00:00:01Z", action: "pagetest.tie" }));
    written.push(await row({ at: "2033-12-31T23:59:59Z", action: "pagetest.tie" }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchAuditLog(
        db,
        search({ action: "pagetest.tie", ...(cursor ? { cursor } : {}) }),
        "UTC",
        2,
      );
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.next ?? undefined;
      pages++;
      // a row added at the top meanwhile does not shift the pages already being read
      if (pages === 1) await row({ at: "2034-06-01T00:00:00Z", action: "pagetest.tie" });
    } while (cursor);
    expect(pages).toBe(4);
    const expected = [...written]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id - a.id))
      .map((r) => r.id.toString());
    expect(seen).toEqual(expected);
    expect(decodeCursor("2034-01-01T00:00:00.000Z_99999999999999999999")).toBeNull();
  });

  it("finds an appointment's rows with those of its meeting and calls, by id or Teams call id; names only for patients", async () => {
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id);
    const staff = await createUser(db, { role: "STAFF" });
    const patient = await createPatient(db, { firstName: "Subjecta" });
    const { appointmentId } = await bookAppointment(
      db,
      { id: staff.id, label: staff.name, ip: "203.0.113.9" },
      {
        clinicianId: clinician.id,
        appointmentTypeId: type.id,
        patientId: patient.id,
        startsAt: new Date("2035-06-04T13:00:00Z"),
        idempotencyKey: "audit-subject-0001",
      },
      new Date("2035-06-01T12:00:00Z"),
    );
    const meeting = await db.onlineMeeting.create({
      data: {
        appointmentId,
        externalId: appointmentId,
        organizerId: clinician.id,
        tokenKind: "APPLICATION",
        subject: "Consulta",
        startsAt: new Date("2035-06-04T13:00:00Z"),
        endsAt: new Date("2035-06-04T13:30:00Z"),
      },
    });
    const call = await db.call.create({
      data: {
        graphCallId: "4a1f00aa0b1c4d2e8f3a5b6c7d8e9f01",
        direction: "OUTGOING",
        purpose: "MEETING_JOIN",
        state: "established",
        appointmentId,
      },
    });
    const actor = { id: staff.id, label: staff.name, ip: "203.0.113.9" };
    await recordAudit(db, actor, "graph.meeting.read", { type: "OnlineMeeting", id: meeting.id });
    await recordAudit(db, actor, "graph.call.join", { type: "Call", id: call.id });
    await recordAudit(db, actor, "patient.read", { type: "Patient", id: patient.id });

    const about = await searchAuditLog(db, search({ subject: appointmentId }), "UTC");
    expect(about.entries.map((e) => e.action).sort()).toEqual([
      "appointment.book",
      "graph.call.join",
      "graph.meeting.read",
    ]);
    expect(about.entries.every((e) => e.patientName === null)).toBe(true);
    expect(about.entries.find((e) => e.action === "appointment.book")).toMatchObject({
      actorId: staff.id,
      ip: "203.0.113.9",
      details: { clinicianId: clinician.id, startsAt: "2035-06-04T13:00:00.000Z" },
    });

    const byTeamsId = await searchAuditLog(db, search({ subject: "4A1F00AA-0B1C-4D2E-8F3A-5B6C7D8E9F01" }), "UTC");
    expect(byTeamsId.entries.map((e) => e.action)).toEqual(["graph.call.join"]);

    const patientRows = await searchAuditLog(db, search({ subject: patient.id }), "UTC");
    expect(patientRows.entries.map((e) => [e.action, e.patientName])).toEqual([["patient.read", "Subjecta Teste"]]);
  });
});

describe("reads", () => {
  it("records an appointment read with who and from where, once per window, and keeps reads out of its history", async () => {
    const type = await createAppointmentType(db);
    const clinician = await createBookableClinician(db, type.id);
    const patient = await createPatient(db);
    const { appointmentId } = await bookAppointment(
      db,
      { id: clinician.id, label: clinician.name },
      {
        clinicianId: clinician.id,
        appointmentTypeId: type.id,
        patientId: patient.id,
        startsAt: new Date("2036-06-04T13:00:00Z"),
        idempotencyKey: "audit-read-0001",
      },
      new Date("2036-06-01T12:00:00Z"),
    );
    const viewer = {
      id: clinician.id,
      role: "CLINICIAN" as const,
      name: clinician.name,
      timeZone: "America/Sao_Paulo",
      locale: "pt-BR",
      ip: "198.51.100.23",
    };
    expect(await appointmentForViewer(viewer, appointmentId)).not.toBeNull();
    expect(await appointmentForViewer(viewer, appointmentId)).not.toBeNull();
    expect(await appointmentForViewer({ ...viewer, ip: "198.51.100.24" }, appointmentId)).not.toBeNull();
    // someone who may not see it leaves no read behind
    const other = await createUser(db, { role: "CLINICIAN" });
    expect(await appointmentForViewer({ ...viewer, id: other.id, ip: "198.51.100.25" }, appointmentId)).toBeNull();

    const reads = await db.auditLog.findMany({
      where: { entityId: appointmentId, action: "appointment.read" },
      orderBy: { id: "asc" },
    });
    expect(reads.map((r) => [r.actorId, r.ip])).toEqual([
      [clinician.id, "198.51.100.23"],
      [clinician.id, "198.51.100.24"],
    ]);
    expect((await appointmentHistory(db, appointmentId)).map((h) => h.action)).toEqual(["appointment.book"]);
  });

  it("writes a repeat read again once the window has passed", async () => {
    const actor = { id: null, label: "patient link (test)", ip: "192.0.2.50" };
    const entity = { type: "Appointment", id: "read-window-subject" };
    const t0 = new Date();
    await recordRead(db, actor, "appointment.link.read", entity, t0);
    await recordRead(db, actor, "appointment.link.read", entity, new Date(t0.getTime() + 1000));
    expect(await db.auditLog.count({ where: { entityId: entity.id } })).toBe(1);
    await recordRead(db, actor, "appointment.link.read", entity, new Date(t0.getTime() + READ_AUDIT_WINDOW_MS + 1000));
    expect(await db.auditLog.count({ where: { entityId: entity.id } })).toBe(2);
  });
});
