// POST /api/calls/notifications (the bot's webhook) called with a Request: it refuses what is not the
// platform's before reading the body, refuses what is not a commsNotifications, and acknowledges the rest
// with 202 once recorded. Replaced: the wiring to the environment (the token verifier and the database).
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { IntakeDeps } from "@/lib/bot/intake";
import { NotificationAuthError } from "@/lib/bot/intake/verify";
import { exampleBody } from "../helpers/graph-examples";

const GOOD_TOKEN = "Bearer platform-token";
const statements = vi.hoisted(() => ({ prepared: [] as { name: string; values: unknown[] }[], queries: 0 }));

vi.mock("@/lib/bot/wiring", () => ({
  intakeDeps: (): IntakeDeps => ({
    verify: async (authorization) => {
      if (authorization !== GOOD_TOKEN) throw new NotificationAuthError(authorization ? "bad signature" : "no token");
      return { appId: "bot", tenantId: "tenant", issuer: "https://api.botframework.com" } as never;
    },
    // the recording statement answers with every row as new
    sql: {
      prepared: async (name: string, _text: string, values: unknown[]) => {
        statements.prepared.push({ name, values });
        const keys = values[1] as string[];
        return keys.map((dedupeKey) => ({ id: crypto.randomUUID(), dedupeKey }));
      },
      query: async () => {
        statements.queries++;
        return [];
      },
    } as unknown as IntakeDeps["sql"],
  }),
}));

import { POST } from "@/app/api/calls/notifications/route";

const terminated = exampleBody("call-delete.notification-2-terminated.json");

function post(body: unknown, headers: Record<string, string> = { authorization: GOOD_TOKEN }): Request {
  return new Request("https://consulta.example/api/calls/notifications", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

beforeEach(() => {
  statements.prepared.length = 0;
  statements.queries = 0;
});

describe("POST /api/calls/notifications", () => {
  it.each([
    ["no Authorization header", {}],
    ["a token the verifier refuses", { authorization: "Bearer forged" }],
  ])("refuses %s with 401 and records nothing", async (_case, headers) => {
    const response = await POST(post(terminated, headers));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: "UNAUTHENTICATED", message: "The notification is not authenticated." },
    });
    expect(statements.prepared).toEqual([]);
  });

  it("refuses a body that is not JSON with 400", async () => {
    const response = await POST(post("{value: ["));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    expect(statements.prepared).toEqual([]);
  });

  it("refuses JSON that is not a commsNotifications with 400 naming the problem", async () => {
    const response = await POST(post({ notifications: [] }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^value: /);
    expect(statements.prepared).toEqual([]);
  });

  it("refuses a body declared over the limit with 413 before verifying", async () => {
    const response = await POST(post(terminated, { authorization: "Bearer forged", "content-length": "999999999" }));
    expect(response.status).toBe(413);
  });

  it("records a verified delivery once and acknowledges it with 202", async () => {
    const response = await POST(post(terminated));
    expect(response.status).toBe(202);
    expect(statements.prepared).toHaveLength(1);
    const [ids, keys, calls, , changes] = statements.prepared[0]!.values as string[][];
    expect(ids).toHaveLength(1);
    expect(keys).toHaveLength(1);
    expect(calls).toEqual(["57dab8b1894c409ab240bd8beae78896"]);
    expect(changes).toEqual(["deleted"]);
  });
});
