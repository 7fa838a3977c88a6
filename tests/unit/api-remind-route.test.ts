// POST /api/appointments/{id}/remind called with a Request: staff only, an id that is no id is not found,
// a cross-site post is refused, and a reminder placed is 202 with its state. Replaced: the session lookup
// and the reminder service.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Viewer } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";

const session = vi.hoisted(() => ({ viewer: null as Viewer | null }));
vi.mock("@/lib/auth/session", () => ({
  ALL_ROLES: ["CLINICIAN", "STAFF", "ADMIN"],
  STAFF_ROLES: ["STAFF", "ADMIN"],
  requireViewer: async (roles?: readonly string[]) => {
    if (!session.viewer) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
    if (roles && !roles.includes(session.viewer.role)) throw new AppError("FORBIDDEN", "No access.");
    return session.viewer;
  },
}));
vi.mock("@/lib/reminders", () => ({ remindNow: vi.fn() }));

import { remindNow } from "@/lib/reminders";
import { POST } from "@/app/api/appointments/[id]/remind/route";

const remind = vi.mocked(remindNow);
const BASE = "https://consulta.example";
const APPOINTMENT = "6f1c2a4e-0000-4000-8000-0000000000aa";
const staff: Viewer = { id: "staff-1", role: "STAFF", name: "Ana", timeZone: "UTC", locale: "en", ip: null };

function post(id: string, origin = BASE) {
  const request = new Request(`${BASE}/api/appointments/${id}/remind`, { method: "POST", headers: { origin } });
  return POST(request, { params: Promise.resolve({ id }) });
}

beforeAll(() => {
  vi.stubEnv("DATABASE_URL", "postgresql://localhost/unused");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ID", "test-client");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_SECRET", "test-secret");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.example/00000000-0000-0000-0000-000000000001/v2.0");
  vi.stubEnv("PUBLIC_BASE_URL", BASE);
});
beforeEach(() => {
  session.viewer = staff;
  remind.mockReset();
  remind.mockResolvedValue({
    id: "reminder-1",
    status: "SCHEDULED",
    dueAt: new Date("2030-06-03T12:00:00Z"),
  } as Awaited<ReturnType<typeof remindNow>>);
});

describe("POST /api/appointments/{id}/remind", () => {
  it("places the reminder for staff: 202 with its id, state and time, audited as the staff member", async () => {
    const response = await post(APPOINTMENT);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      reminder: { id: "reminder-1", status: "SCHEDULED", dueAt: "2030-06-03T12:00:00.000Z" },
    });
    // the label's wording is lib/audit's; who acted is what this route decides
    expect(remind).toHaveBeenCalledWith(APPOINTMENT, expect.objectContaining({ id: "staff-1" }));
  });

  it("answers an id that is no id with 404 without asking anyone", async () => {
    const response = await post("not-an-id");
    expect(response.status).toBe(404);
    expect(remind).not.toHaveBeenCalled();
  });

  it("refuses a clinician with 403 and a visitor with 401", async () => {
    session.viewer = { ...staff, role: "CLINICIAN" };
    expect((await post(APPOINTMENT)).status).toBe(403);
    session.viewer = null;
    expect((await post(APPOINTMENT)).status).toBe(401);
    expect(remind).not.toHaveBeenCalled();
  });

  it("refuses a post from another site with 403", async () => {
    expect((await post(APPOINTMENT, "https://elsewhere.example")).status).toBe(403);
    expect(remind).not.toHaveBeenCalled();
  });

  it("passes the service's refusals on with their status", async () => {
    remind.mockRejectedValueOnce(new AppError("CONFLICT", "A reminder call is already in progress."));
    const response = await post(APPOINTMENT);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: "CONFLICT" } });
  });
});
