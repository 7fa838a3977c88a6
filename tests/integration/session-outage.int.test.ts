// A database outage must not sign anyone out: while sessions cannot be read, a signed-in request is
// answered 503 with Retry-After (not 401), the cookie is left alone, and the same cookie works again as
// soon as the database answers. The route handler runs for real with a real Request; only Next's
// request scope is stood in for: `headers()`, and `auth()` as next-auth builds it (Auth.js's session
// endpoint over Consulta's own configuration, read as next-auth's auth() reads it).
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as bookOverHttp } from "@/app/api/appointments/route";
import { requireViewer } from "@/lib/auth/session";
import { hashSessionToken } from "@/lib/auth/session-store";
import { createPrismaClient } from "@/lib/db/create-client";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { databasePerFile } from "../helpers/per-file";
import { createUser } from "../helpers/factories";

const request = vi.hoisted(() => ({ cookie: "", sessionDb: null as PrismaClient | null }));

vi.mock("next/headers", () => ({
  headers: async () => new Headers({ cookie: request.cookie }),
}));

vi.mock("@/lib/auth", async () => {
  const { Auth } = await import("@auth/core");
  const { authConfig } = await import("@/lib/auth/config");
  return {
    async auth() {
      const config = authConfig(request.sessionDb!);
      const response = await Auth(
        new Request("http://localhost:3000/api/auth/session", { headers: { cookie: request.cookie } }),
        { ...config, secret: "a-test-secret-of-enough-length-0123456789", basePath: "/api/auth" },
      );
      // as next-auth's auth(): anything but 200 is no session
      return response.ok ? response.json() : null;
    },
  };
});

const database = databasePerFile();
// nothing listens on the discard port: every query fails to connect, as while PostgreSQL is stopped
let unreachable: PrismaClient;
let sessionToken: string;

beforeAll(async () => {
  // the route reads its allowed origin from the validated configuration (lib/env.ts)
  vi.stubEnv("DATABASE_URL", database.url);
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ID", "test-client");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_SECRET", "test-secret");
  vi.stubEnv("AUTH_MICROSOFT_ENTRA_ID_ISSUER", "https://login.example/00000000-0000-0000-0000-000000000001/v2.0");
  // not Microsoft's cloud: the app's own address may then be plain http (as this test's requests are)
  vi.stubEnv("GRAPH_BASE_URL", "https://graph.emulator.example");
  unreachable = createPrismaClient("postgresql://postgres@127.0.0.1:9/consulta", { max: 1 });
  const user = await createUser(database.db, { role: "STAFF" });
  sessionToken = crypto.randomBytes(32).toString("hex");
  await database.db.session.create({
    data: { sessionToken: hashSessionToken(sessionToken), userId: user.id, expires: new Date(Date.now() + 3_600_000) },
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await unreachable.$disconnect();
});

function booking(): Request {
  return new Request("http://localhost:3000/api/appointments", {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://localhost:3000" },
    body: JSON.stringify({
      clinicianId: crypto.randomUUID(),
      appointmentTypeId: crypto.randomUUID(),
      patientId: crypto.randomUUID(),
      startsAt: "2030-01-07T13:00:00.000Z",
    }),
  });
}

describe("while sessions cannot be read", () => {
  it("a signed-in API call gets 503 with Retry-After and a clear message, and keeps its cookie", async () => {
    request.cookie = `authjs.session-token=${sessionToken}`;
    request.sessionDb = unreachable;
    const response = await bookOverHttp(booking());
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("set-cookie")).toBeNull();
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.message).toMatch(/briefly unavailable/i);
    await expect(requireViewer()).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE", digest: expect.any(String) });
  });

  it("a visitor without a session cookie is still simply not signed in (401)", async () => {
    request.cookie = "";
    request.sessionDb = unreachable;
    expect((await bookOverHttp(booking())).status).toBe(401);
  });

  it("the same cookie works again once the database answers, without signing in", async () => {
    request.cookie = `authjs.session-token=${sessionToken}`;
    request.sessionDb = unreachable;
    expect((await bookOverHttp(booking())).status).toBe(503);
    request.sessionDb = database.db;
    // past authentication: the booking itself is refused for its missing Idempotency-Key
    const response = await bookOverHttp(booking());
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/Idempotency-Key/);
    expect((await requireViewer()).role).toBe("STAFF");
  });

  it("an unknown cookie with the database up is not signed in (401), as before", async () => {
    request.cookie = `authjs.session-token=${crypto.randomBytes(32).toString("hex")}`;
    request.sessionDb = database.db;
    expect((await bookOverHttp(booking())).status).toBe(401);
  });
});
