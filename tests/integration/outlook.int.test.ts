// The clinicians' Outlook against the emulator: the visit's event (created once, moved, removed), busy times
// kept by calendarView delta woken by change notifications (validation handshake, clientState, lifecycle),
// the safety-net delta, the 410 resync, renewal, and busy times honoured by the slot search and the booking.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as emulatorRequest } from "@/emulator/test/helpers";
import { findFreeSlots } from "@/lib/appointments/data";
import { bookAppointment, rescheduleAppointment } from "@/lib/appointments/booking-mutations";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import { isExclusionViolation } from "@/lib/db/errors";
import { createAppGraph, type AppGraph } from "@/lib/graph/gateway";
import { APPOINTMENT_PROPERTY_ID } from "@/lib/graph/calendar";
import { cliniciansDueForDelta, syncClinicianBusy } from "@/lib/outlook/busy-sync";
import { syncAppointmentMeeting } from "@/lib/meetings/sync";
import { appointmentsNeedingEventSync, syncAppointmentEvent, type CalendarEventDeps } from "@/lib/outlook/event-sync";
import { handleOutlookNotification } from "@/lib/outlook/intake";
import { subscriptionsDueForRenewal } from "@/lib/outlook/subscription-sync";
import { syncOutlook, type OutlookSyncDeps } from "@/lib/outlook/sync";
import { databasePerFile, perFile } from "../helpers/per-file";
import { createAppointmentType, createBookableClinician, createPatient, createUser } from "../helpers/factories";
import { addFault, clearFaults, startGraphTestEnv } from "./graph-helpers";

// directory users: each test takes a mailbox of its own, so the tests share one emulator and database
const MAILBOX = {
  ana: "0a1c2e30-1111-4a00-8000-000000000001",
  rafael: "0a1c2e30-1111-4a00-8000-000000000002",
  ines: "0a1c2e30-1111-4a00-8000-000000000003",
  emily: "0a1c2e30-1111-4a00-8000-000000000004",
  carla: "0a1c2e30-2222-4a00-8000-000000000001",
  lucas: "0a1c2e30-2222-4a00-8000-000000000002",
  marta: "0a1c2e30-3333-4a00-8000-000000000001",
  sofia: "0a1c2e30-4444-4a00-8000-000000000001",
  reception: "0a1c2e30-4444-4a00-8000-000000000002",
};

const database = databasePerFile();
const graph = perFile(() => startGraphTestEnv({ retry: { maxTotalMs: 15_000 } }));
let app: AppGraph;
let hook: Awaited<ReturnType<typeof startNotificationEndpoint>>;
const pending = new Set<Promise<unknown>>();
const chains = new Map<string, Promise<unknown>>();

const DAY = 24 * 60 * 60 * 1000;
// real time: Graph (the emulator) judges subscription expiry on its own clock
const now = () => new Date();
/** 15:00 UTC (12:00 in São Paulo) some days ahead: inside the clinicians' hours, past the notice */
const at = (daysAhead: number, hourUtc = 15, minute = 0) => {
  const d = new Date(Date.now() + daysAhead * DAY);
  d.setUTCHours(hourUtc, minute, 0, 0);
  return d;
};

function syncDeps(overrides: Partial<OutlookSyncDeps> = {}): OutlookSyncDeps {
  return {
    calendar: (oid) => app.calendarFor(oid),
    subscriptions: app.subscriptions,
    urls: { notificationUrl: hook.url, lifecycleNotificationUrl: `${hook.url}?lifecycle=1` },
    syncDays: 30,
    blocking: ["busy", "oof"],
    pageSize: 3,
    ...overrides,
  };
}

const eventDeps = (): CalendarEventDeps => ({
  calendar: (oid) => app.calendarFor(oid),
  appBaseUrl: "https://consulta.example",
  subject: "type",
});

/** Our route as a plain HTTP server: what the emulator posts (handshakes included) reaches the real intake. */
async function startNotificationEndpoint() {
  const dispatched: string[][] = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: "POST",
        headers,
        body: Buffer.concat(chunks),
      });
      handleOutlookNotification(request, {
        db: database.db,
        // what the outlook-sync job does, run here at once
        dispatch: async (clinicianIds) => {
          dispatched.push(clinicianIds);
          // one run at a time per clinician, as the queue's singleton key keeps it
          for (const clinicianId of clinicianIds) {
            const previous = chains.get(clinicianId) ?? Promise.resolve();
            const run = previous
              .then(() => syncOutlook(database.db, syncDeps(), clinicianId, now()))
              .catch(() => undefined);
            chains.set(clinicianId, run);
            pending.add(run);
            void run.finally(() => pending.delete(run));
          }
        },
      })
        .then(async (response) => {
          statuses.push(response.status);
          res
            .writeHead(response.status, Object.fromEntries(response.headers.entries()))
            .end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/outlook/notifications`;
  return { url, dispatched, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

beforeAll(async () => {
  app = createAppGraph(graph.config);
  hook = await startNotificationEndpoint();
});
afterAll(async () => {
  await Promise.all([...pending]);
  await hook?.close();
});

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const emulator = (method: string, path: string, body?: unknown) => emulatorRequest(graph.emu, method, path, { body });
const ownerEvent = async (oid: string, start: Date, end: Date, extra: Record<string, unknown> = {}) => {
  const res = await emulator("POST", `/_emulator/mailboxes/${oid}/events`, {
    subject: "Dentista",
    start: start.toISOString(),
    end: end.toISOString(),
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
};
const busyRows = (clinicianId: string) =>
  database.db.outlookBusy.findMany({ where: { clinicianId }, orderBy: { startsAt: "asc" } });

async function clinic(oid: string) {
  const { db } = database;
  const type = await createAppointmentType(db);
  const clinician = await createBookableClinician(db, type.id, "America/Sao_Paulo", oid);
  const staff = await createUser(db, { role: "STAFF" });
  return { db, typeId: type.id, clinicianId: clinician.id, actor: { id: staff.id, label: "staff" } };
}

async function book(c: Awaited<ReturnType<typeof clinic>>, startsAt: Date, firstName = "Confidencial") {
  const patient = await createPatient(c.db, { firstName });
  return bookAppointment(
    c.db,
    c.actor,
    {
      clinicianId: c.clinicianId,
      appointmentTypeId: c.typeId,
      patientId: patient.id,
      startsAt,
      idempotencyKey: `k-${crypto.randomUUID()}`,
    },
    now(),
  );
}

/** What the queue does after a booking: the Teams meeting first, whose sync queues the Outlook event. */
async function meetingFor(appointmentId: string) {
  const outcome = await syncAppointmentMeeting(
    database.db,
    {
      application: (oid) => app.meetingsFor(oid),
      delegated: () => {
        throw new Error("staff book here: the application path is expected");
      },
    },
    appointmentId,
  );
  expect(outcome).toBe("created");
}

async function mailboxEvents(oid: string) {
  return (await emulator("GET", `/_emulator/mailboxes/${oid}/events`)).json.value as {
    id: string;
    subject: string;
    sensitivity: string;
    showAs: string;
    transactionId?: string;
    start: { dateTime: string };
    body: { content: string };
  }[];
}

describe("the visit's event in the clinician's Outlook", () => {
  it("is created once under duplicate jobs, private, with the links and no patient data; moved; removed", async () => {
    const c = await clinic(MAILBOX.ana);
    const { appointmentId } = await book(c, at(3));
    // the event waits for the meeting, whose join link it carries
    expect(await syncAppointmentEvent(c.db, eventDeps(), appointmentId)).toBe("waiting");
    expect(await appointmentsNeedingEventSync(c.db, now())).not.toContain(appointmentId);
    await meetingFor(appointmentId);
    // the sweep's safety net: the meeting is ready, the event is not there yet
    expect(await appointmentsNeedingEventSync(c.db, now())).toContain(appointmentId);
    const outcomes = await Promise.all([1, 2, 3].map(() => syncAppointmentEvent(c.db, eventDeps(), appointmentId)));
    expect(outcomes).toContain("created");
    const events = await mailboxEvents(MAILBOX.ana);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.sensitivity).toBe("private");
    expect(event!.showAs).toBe("busy");
    expect(event!.transactionId).toBe(`consulta-${appointmentId}`);
    expect(event!.subject).not.toContain("Confidencial");
    expect(event!.body.content).toContain(`https://consulta.example/appointments/${appointmentId}`);
    const meeting = await c.db.onlineMeeting.findUniqueOrThrow({ where: { appointmentId } });
    expect(event!.body.content).toContain(meeting.joinWebUrl!.replace(/&/g, "&amp;"));
    const row = await c.db.calendarEvent.findUniqueOrThrow({ where: { appointmentId } });
    expect(row).toMatchObject({ state: "READY", graphEventId: event!.id });
    expect(await appointmentsNeedingEventSync(c.db, now())).not.toContain(appointmentId);
    // Graph finds it by our extended property
    expect((await app.calendarFor(MAILBOX.ana).findVisitEvent(appointmentId))?.id).toBe(event!.id);
    expect(APPOINTMENT_PROPERTY_ID).toMatch(/^String \{[0-9a-f-]{36}\} Name /);

    await rescheduleAppointment(c.db, c.actor, { appointmentId, startsAt: at(3, 17), idempotencyKey: "move-1" }, now());
    expect(await appointmentsNeedingEventSync(c.db, now())).toContain(appointmentId);
    expect(await syncAppointmentEvent(c.db, eventDeps(), appointmentId)).toBe("updated");
    const moved = await mailboxEvents(MAILBOX.ana);
    expect(moved).toHaveLength(1);
    expect(new Date(`${moved[0]!.start.dateTime}Z`).toISOString()).toBe(at(3, 17).toISOString());

    await cancelAppointment(c.db, c.actor, appointmentId, now(), { enforceCutoff: false });
    expect(await appointmentsNeedingEventSync(c.db, now())).toContain(appointmentId);
    expect(await syncAppointmentEvent(c.db, eventDeps(), appointmentId)).toBe("deleted");
    expect(await appointmentsNeedingEventSync(c.db, now())).not.toContain(appointmentId);
    expect(await mailboxEvents(MAILBOX.ana)).toHaveLength(0);
    expect((await c.db.calendarEvent.findUniqueOrThrow({ where: { appointmentId } })).state).toBe("DELETED");
    const audit = await c.db.auditLog.findMany({
      where: { entityId: appointmentId, action: { startsWith: "graph.calendar" } },
    });
    expect(audit.map((a) => a.action).sort()).toEqual([
      "graph.calendar.create",
      "graph.calendar.delete",
      "graph.calendar.update",
    ]);
  });

  it("makes no second event when the create's answer was lost and the job runs again", async () => {
    const c = await clinic(MAILBOX.rafael);
    const { appointmentId } = await book(c, at(4));
    await meetingFor(appointmentId);
    await addFault(graph.emu, {
      method: "POST",
      path: `/v1.0/users/${MAILBOX.rafael}/events`,
      count: 1,
      action: { type: "failAfter", status: 503 },
    });
    try {
      // the 503 comes after Graph made the event; the gateway retries the POST, whose transactionId
      // Graph recognises, or the next run finds it by our property
      await syncAppointmentEvent(c.db, eventDeps(), appointmentId).catch(() => "retry");
      await syncAppointmentEvent(c.db, eventDeps(), appointmentId);
    } finally {
      await clearFaults(graph.emu);
    }
    expect(await mailboxEvents(MAILBOX.rafael)).toHaveLength(1);
    expect((await c.db.calendarEvent.findUniqueOrThrow({ where: { appointmentId } })).state).toBe("READY");
  });
});

describe("Outlook busy times", () => {
  it("follow events added, moved and deleted within seconds of their notification, leaving our own event out", async () => {
    const c = await clinic(MAILBOX.ines);
    const first = await syncOutlook(c.db, syncDeps(), c.clinicianId, now());
    expect(first.subscription).toBe("created");
    expect(first.busy).toMatchObject({ kind: "synced", full: true });
    const sync = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
    expect(sync.subscriptionId).toBeTruthy();
    expect(sync.clientStateHash).toMatch(/^[0-9a-f]{64}$/);

    // our own visit event is not busy time
    const { appointmentId } = await book(c, at(5));
    await meetingFor(appointmentId);
    expect(await syncAppointmentEvent(c.db, eventDeps(), appointmentId)).toBe("created");

    const start = at(6, 13);
    const id = await ownerEvent(MAILBOX.ines, start, new Date(start.getTime() + 60 * 60_000));
    const added = await waitFor("the busy row", async () =>
      (await busyRows(c.clinicianId)).find((r) => r.graphEventId === id),
    );
    expect(added).toMatchObject({ showAs: "busy", subject: "Dentista", blocks: true });
    expect((await busyRows(c.clinicianId)).map((r) => r.graphEventId)).toEqual([id]);

    const later = at(6, 19);
    await emulator("PATCH", `/_emulator/mailboxes/${MAILBOX.ines}/events/${id}`, {
      start: later.toISOString(),
      end: new Date(later.getTime() + 30 * 60_000).toISOString(),
      sensitivity: "private",
    });
    await waitFor(
      "the row to move",
      async () => (await busyRows(c.clinicianId))[0]?.startsAt.getTime() === later.getTime(),
    );
    expect((await busyRows(c.clinicianId))[0]!.subject).toBeNull();

    await emulator("DELETE", `/_emulator/mailboxes/${MAILBOX.ines}/events/${id}`);
    await waitFor("the row to leave", async () => (await busyRows(c.clinicianId)).length === 0);
  });

  it("catch a lost notification with the periodic delta", async () => {
    const c = await clinic(MAILBOX.emily);
    await syncOutlook(c.db, syncDeps(), c.clinicianId, now());
    await addFault(graph.emu, {
      target: "notification",
      path: `Users/${MAILBOX.emily}/Events/*`,
      count: 1,
      action: { type: "drop" },
    });
    const start = at(7, 14);
    const id = await ownerEvent(MAILBOX.emily, start, new Date(start.getTime() + 30 * 60_000));
    await new Promise((r) => setTimeout(r, 300));
    expect(await busyRows(c.clinicianId)).toHaveLength(0);
    await clearFaults(graph.emu);
    // the sweep: every clinician whose delta is older than OUTLOOK_DELTA_MINUTES
    const due = await cliniciansDueForDelta(c.db, new Date(Date.now() + 16 * 60_000), 15);
    expect(due).toContain(c.clinicianId);
    await syncOutlook(c.db, syncDeps(), c.clinicianId, now());
    expect((await busyRows(c.clinicianId)).map((r) => r.graphEventId)).toEqual([id]);
  });

  it("resync fully when Graph no longer knows the delta token (410), removing what the round did not report", async () => {
    const c = await clinic(MAILBOX.carla);
    const start = at(8, 12);
    const kept = await ownerEvent(MAILBOX.carla, start, new Date(start.getTime() + 30 * 60_000));
    const gone = await ownerEvent(MAILBOX.carla, at(8, 15), at(8, 16));
    for (let i = 0; i < 4; i++) await ownerEvent(MAILBOX.carla, at(9, 11 + i), at(9, 11 + i, 30));
    await syncClinicianBusy(c.db, syncDeps(), c.clinicianId, now());
    expect(await busyRows(c.clinicianId)).toHaveLength(6);
    // the tokens are dropped, and a deletion goes unheard (no subscription in this test)
    await emulator("POST", `/_emulator/mailboxes/${MAILBOX.carla}/delta-tokens/expire`);
    await emulator("DELETE", `/_emulator/mailboxes/${MAILBOX.carla}/events/${gone}`);
    const result = await syncClinicianBusy(c.db, syncDeps(), c.clinicianId, now());
    expect(result).toMatchObject({ kind: "synced", full: true });
    const ids = (await busyRows(c.clinicianId)).map((r) => r.graphEventId);
    expect(ids).toHaveLength(5);
    expect(ids).toContain(kept);
    expect(ids).not.toContain(gone);
    const row = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
    expect(row).toMatchObject({ status: "OK", nextLink: null });
    expect(row.deltaLink).toMatch(/\$deltatoken=/);
  });

  it("renew a subscription about to expire, and answer reauthorizationRequired and subscriptionRemoved", async () => {
    const c = await clinic(MAILBOX.lucas);
    await syncOutlook(c.db, syncDeps(), c.clinicianId, now());
    const before = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
    // two and a half days on, less than a day is left: the sweep picks it, the sync renews it
    const later = new Date(Date.now() + 2.5 * DAY);
    expect(await subscriptionsDueForRenewal(c.db, now())).not.toContain(c.clinicianId);
    expect(await subscriptionsDueForRenewal(c.db, later)).toContain(c.clinicianId);
    expect((await syncOutlook(c.db, syncDeps(), c.clinicianId, later)).subscription).toBe("renewed");
    const renewed = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
    expect(renewed.subscriptionId).toBe(before.subscriptionId);
    expect(renewed.subscriptionExpiresAt!.getTime()).toBeGreaterThan(before.subscriptionExpiresAt!.getTime() + DAY);
    const remote = await emulator("GET", "/_emulator/subscriptions");
    const mine = remote.json.value.find((s: { id: string }) => s.id === before.subscriptionId);
    expect(Date.parse(mine.expirationDateTime)).toBe(renewed.subscriptionExpiresAt!.getTime());

    // Graph asks for reauthorization: the intake marks it due, the job renews it
    await emulator("POST", `/_emulator/subscriptions/${before.subscriptionId}/lifecycle`, {
      lifecycleEvent: "reauthorizationRequired",
    });
    await waitFor("the renewal", async () => {
      // renewed from now: three days ahead again (it was five and a half)
      const row = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
      return Math.abs(row.subscriptionExpiresAt!.getTime() - (Date.now() + 3 * DAY)) < 60_000;
    });

    // Graph removed it: a new one is made, and the delta catches up
    await emulator("POST", `/_emulator/subscriptions/${before.subscriptionId}/lifecycle`, {
      lifecycleEvent: "subscriptionRemoved",
    });
    await waitFor("a new subscription", async () => {
      const row = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
      return row.subscriptionId && row.subscriptionId !== before.subscriptionId;
    });
    await Promise.all([...pending]);
  });

  it("refuse a notification whose clientState is not ours", async () => {
    const c = await clinic(MAILBOX.marta);
    await syncOutlook(c.db, syncDeps(), c.clinicianId, now());
    const row = await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } });
    const dispatched: string[][] = [];
    const forged = new Request("http://localhost/api/outlook/notifications", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: row.subscriptionId,
            clientState: "guessed",
            changeType: "created",
            resource: `Users/${MAILBOX.marta}/Events/x`,
          },
        ],
      }),
    });
    const response = await handleOutlookNotification(forged, {
      db: c.db,
      dispatch: async (ids) => void dispatched.push(ids),
    });
    expect(response.status).toBe(403);
    expect(dispatched).toEqual([]);
    // the handshake is answered with the decoded token, as plain text
    const handshake = await handleOutlookNotification(
      new Request("http://localhost/api/outlook/notifications?validationToken=Validation%3A%20a%20b", {
        method: "POST",
      }),
      { db: c.db, dispatch: async () => undefined },
    );
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await handshake.text()).toBe("Validation: a b");
  });

  it("are never offered and refuse a booking or a move onto them, while confirming still works", async () => {
    const c = await clinic(MAILBOX.sofia);
    const earlier = await book(c, at(10, 13));
    const start = at(10, 15);
    await ownerEvent(MAILBOX.sofia, start, new Date(start.getTime() + 60 * 60_000), { showAs: "oof" });
    await ownerEvent(MAILBOX.sofia, at(10, 18), at(10, 19), { showAs: "tentative" });
    await ownerEvent(MAILBOX.sofia, at(10, 13), at(10, 14), { showAs: "busy" });
    await syncClinicianBusy(c.db, syncDeps(), c.clinicianId, now());
    const slots = await findFreeSlots(c.db, {
      clinicianId: c.clinicianId,
      appointmentTypeId: c.typeId,
      from: at(10, 11),
      to: at(10, 21),
      now: now(),
    });
    const starts = slots.map((s) => s.start.getTime());
    expect(starts).not.toContain(at(10, 15).getTime());
    expect(starts).not.toContain(at(10, 15, 30).getTime());
    expect(starts).toContain(at(10, 16).getTime());
    // tentative blocks only when configured
    expect(starts).toContain(at(10, 18).getTime());
    await expect(book(c, at(10, 15, 30))).rejects.toMatchObject({ code: "SLOT_TAKEN" });
    await expect(
      rescheduleAppointment(
        c.db,
        c.actor,
        { appointmentId: earlier.appointmentId, startsAt: at(10, 15), idempotencyKey: "onto-busy" },
        now(),
      ),
    ).rejects.toMatchObject({ code: "SLOT_TAKEN" });
    // the database refuses it too, in the write's own statement, as it refuses an overlapping appointment
    const patient = await createPatient(c.db);
    const error = await c.db.appointment
      .create({
        data: {
          clinicianId: c.clinicianId,
          patientId: patient.id,
          appointmentTypeId: c.typeId,
          startsAt: at(10, 15, 30),
          endsAt: at(10, 16),
          blockedFrom: at(10, 15, 30),
          blockedUntil: at(10, 16),
        },
      })
      .catch((e: unknown) => e);
    expect(isExclusionViolation(error)).toBe(true);
    // the earlier appointment now overlaps an Outlook event made after it: it can still be confirmed
    expect(await confirmAppointment(c.db, c.actor, earlier.appointmentId, now())).toEqual({ confirmed: true });
  });

  it("are cleared when the mailbox is refused, so slots come from Consulta's own data", async () => {
    const c = await clinic(MAILBOX.reception);
    await ownerEvent(MAILBOX.reception, at(11, 15), at(11, 16));
    await syncClinicianBusy(c.db, syncDeps(), c.clinicianId, now());
    expect((await busyRows(c.clinicianId)).length).toBeGreaterThan(0);
    await emulator("PUT", "/_emulator/mailbox-access-policy", { allowAll: false, userIds: [MAILBOX.ana] });
    try {
      expect(await syncClinicianBusy(c.db, syncDeps(), c.clinicianId, now())).toEqual({ kind: "accessDenied" });
    } finally {
      await emulator("PUT", "/_emulator/mailbox-access-policy", { allowAll: true });
    }
    expect(await busyRows(c.clinicianId)).toHaveLength(0);
    expect((await c.db.outlookSync.findUniqueOrThrow({ where: { clinicianId: c.clinicianId } })).status).toBe(
      "ACCESS_DENIED",
    );
  });
});
