// POST /api/appointments called as Next calls it, with a Request: body and header validation, the session's
// refusals, the booking rules of lib/appointments/booking-service.ts (real), and the status codes. Replaced: the
// session lookup, the database, the booking's write and the job announcement.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Viewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";

const session = vi.hoisted(() => ({ viewer: null as Viewer | null }));
vi.mock("@/lib/auth/session", () => ({
  ALL_ROLES: ["CLINICIAN", "STAFF", "ADMIN"],
  requireViewer: async (roles?: readonly string[]) => {
    if (!session.viewer) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
    if (roles && !roles.includes(session.viewer.role)) throw new AppError("FORBIDDEN", "No access.");
    return session.viewer;
  },
}));
vi.mock("@/lib/db", () => ({ getDb: () => ({ fake: "database" }) }));
vi.mock("@/lib/appointments/booking-mutations", () => ({ bookAppointment: vi.fn() }));
vi.mock("@/lib/appointments/jobs", () => ({ announceAppointmentChange: vi.fn() }));

import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { bookAppointment } from "@/lib/appointments/booking-mutations";
import { POST } from "@/app/api/appointments/route";

const book = vi.mocked(bookAppointment);
const announce = vi.mocked(announceAppointmentChange);

const BASE = "https://consulta.example";
const CLINICIAN = "6f1c2a4e-0000-4000-8000-000000000001";
const OTHER_CLINICIAN = "6f1c2a4e-0000-4000-8000-000000000002";
const APPOINTMENT = "6f1c2a4e-0000-4000-8000-0000000000aa";
const TOKEN = "A".repeat(43);
const body = {
  clinicianId: CLINICIAN,
  appointmentTypeId: "6f1c2a4e-0000-4000-8000-000000000003",
  patientId: "6f1c2a4e-0000-4000-8000-000000000004",
  startsAt: "2030-06-03T13:00:00Z",
};
const staff: Viewer = { id: "staff-1", role: "STAFF", name: "Ana", timeZone: "UTC", locale: "en", ip: "203.0.113.9" };
const clinician: Viewer = { ...staff, id: CLINICIAN, role: "CLINICIAN", name: "Dr. Bo" };

function post(
  payload: unknown,
  headers: Record<string, string> = { "idempotency-key": "key-0001-abcdef" },
  origin: string | null = BASE,
): Request {
  return new Request(`${BASE}/api/appointments`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(origin ? { origin } : {}), ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

async function errorOf(response: Response): Promise<{ code: string; message: string; details?: unknown }> {
  return ((await response.json()) as { error: { code: string; message: string; details?: unknown } }).error;
}

beforeAll(() => {
  // the patient's link and the allowed origin come from lib/env, which validates the whole configuration
  vi.stubEnv("DATABASE_URL", "postgresql://localhost/unused");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ID", "test-client");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_SECRET", "test-secret");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.example/00000000-0000-0000-0000-000000000001/v2.0");
  vi.stubEnv("PUBLIC_BASE_URL", BASE);
});
beforeEach(() => {
  session.viewer = staff;
  book.mockReset();
  announce.mockReset();
  book.mockResolvedValue({ appointmentId: APPOINTMENT, joinToken: TOKEN, replayed: false });
});

describe("POST /api/appointments", () => {
  it("books: 201 with the appointment and the patient's link, the key from the header, the change announced", async () => {
    const response = await POST(post(body));
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(await response.json()).toEqual({
      appointmentId: APPOINTMENT,
      joinUrl: `${BASE}/j/${TOKEN}`,
      replayed: false,
    });
    expect(book).toHaveBeenCalledOnce();
    const [, actor, input] = book.mock.calls[0]!;
    expect(actor).toEqual({ id: "staff-1", label: "Ana (staff)", ip: "203.0.113.9" });
    expect(input).toMatchObject({ clinicianId: CLINICIAN, idempotencyKey: "key-0001-abcdef", note: null });
    expect(input.startsAt.toISOString()).toBe("2030-06-03T13:00:00.000Z");
    expect(announce).toHaveBeenCalledWith({ appointmentId: APPOINTMENT, kind: "booked", replayed: false });
  });

  it("answers a replayed key with 200 and the first booking, announced as a replay", async () => {
    book.mockResolvedValue({ appointmentId: APPOINTMENT, joinToken: null, replayed: true });
    const response = await POST(post(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ appointmentId: APPOINTMENT, joinUrl: null, replayed: true });
    expect(announce).toHaveBeenCalledWith({ appointmentId: APPOINTMENT, kind: "booked", replayed: true });
  });

  it.each([
    ["a body that is not JSON", "{not json", "The body is not JSON."],
    ["a missing patient", { ...body, patientId: undefined }, "patientId"],
    ["a clinician id that is no id", { ...body, clinicianId: "dr-bo" }, "clinicianId"],
    ["a time without an offset", { ...body, startsAt: "2030-06-03 13:00" }, "startsAt"],
  ])("refuses %s with 400 before booking", async (_case, payload, mentions) => {
    const response = await POST(post(payload));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain(mentions);
    expect(book).not.toHaveBeenCalled();
  });

  it.each([
    ["no Idempotency-Key", {}],
    ["a key under 8 characters", { "idempotency-key": "short" }],
    ["a key over 100 characters", { "idempotency-key": "k".repeat(101) }],
  ])("refuses %s with 400", async (_case, headers) => {
    const response = await POST(post(body, headers));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/Idempotency-Key/);
    expect(book).not.toHaveBeenCalled();
  });

  it("refuses a request without a session with 401", async () => {
    session.viewer = null;
    const response = await POST(post(body));
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("UNAUTHENTICATED");
    expect(book).not.toHaveBeenCalled();
  });

  it("lets a clinician book in their own calendar only: another's is 403", async () => {
    session.viewer = clinician;
    const refused = await POST(post({ ...body, clinicianId: OTHER_CLINICIAN }));
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("FORBIDDEN");
    expect(book).not.toHaveBeenCalled();

    const own = await POST(post(body));
    expect(own.status).toBe(201);
    expect(book).toHaveBeenCalledOnce();
  });

  it("refuses a cross-site request with 403 before reading it", async () => {
    const response = await POST(post(body, undefined, "https://elsewhere.example"));
    expect(response.status).toBe(403);
    expect(book).not.toHaveBeenCalled();
  });

  it("maps a taken slot to 409 with the nearest free times, and a time never offered to 422 with its reason", async () => {
    const suggestions = ["2030-06-03T13:30:00.000Z"];
    book.mockRejectedValueOnce(new AppError("SLOT_TAKEN", "That time was just taken.", { suggestions }));
    const taken = await POST(post(body));
    expect(taken.status).toBe(409);
    expect(await errorOf(taken)).toMatchObject({ code: "SLOT_TAKEN", details: { suggestions } });

    book.mockRejectedValueOnce(new AppError("UNPROCESSABLE", "Off the grid.", { reason: "offGrid", suggestions }));
    const offGrid = await POST(post(body));
    expect(offGrid.status).toBe(422);
    expect(await errorOf(offGrid)).toMatchObject({ code: "UNPROCESSABLE", details: { reason: "offGrid" } });
    expect(announce).not.toHaveBeenCalled();
  });
});
