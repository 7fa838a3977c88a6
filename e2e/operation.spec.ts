import { expect, test } from "@playwright/test";

test("health reports the database, the job queue and Microsoft's identity endpoint", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({
    ok: true,
    serving: true,
    checks: { database: { ok: true }, jobQueue: { ok: true }, microsoft: { ok: true } },
  });
});

test("liveness answers without touching anything", async ({ request }) => {
  const response = await request.get("/api/ping");
  expect(response.status()).toBe(204);
});
