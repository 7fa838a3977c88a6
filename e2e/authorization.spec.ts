// Every page and route handler × every kind of visitor → the status in e2e/routes.ts. A page.tsx or
// route.ts under app/ without an entry in the table fails the suite.
import fs from "node:fs";
import path from "node:path";
import { type APIRequestContext, expect, request, test } from "@playwright/test";
import { routeTable, visitors, type Visitor, type World } from "./routes";
import { makeWorld, sessionsFor } from "./world";

function appRoutes(dir = "app"): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return appRoutes(full);
    return entry.name === "page.tsx" || entry.name === "route.ts" ? [full] : [];
  });
}

test("every page and route handler has an entry in the route table", () => {
  const routes = appRoutes();
  const covered = new Set(routeTable.map((c) => c.file));
  expect(
    routes.filter((file) => !covered.has(file)),
    "routes missing from e2e/routes.ts",
  ).toEqual([]);
  expect(
    [...covered].filter((file) => !routes.includes(file)),
    "entries for files that do not exist",
  ).toEqual([]);
});

test.describe("authorization matrix", () => {
  let world: World;
  const clients = {} as Record<Visitor, APIRequestContext>;

  test.beforeAll(async ({ browser, baseURL }) => {
    test.setTimeout(180_000);
    const sessions = sessionsFor();
    world = await makeWorld(browser, sessions.clinician!);
    for (const [index, visitor] of visitors.entries()) {
      clients[visitor] = await request.newContext({
        baseURL,
        storageState: sessions[visitor],
        // each visitor is its own client address, so the patient-link budget is not shared
        extraHTTPHeaders: { "x-forwarded-for": `198.51.100.${10 + index}` },
      });
    }
  });

  test.afterAll(async () => {
    await Promise.all(Object.values(clients).map((c) => c.dispose()));
  });

  for (const visitor of visitors) {
    test(`${visitor} gets the expected status everywhere`, async ({ baseURL }) => {
      const problems: string[] = [];
      for (const route of routeTable) {
        const url = route.path(world);
        const response = await clients[visitor].fetch(url, {
          method: route.method,
          maxRedirects: 0,
          headers: { ...(route.method === "POST" ? { origin: baseURL! } : {}), ...route.headers },
          data: route.body ? JSON.stringify(route.body(world)) : undefined,
        });
        const expected = route.expect[visitor];
        const status = response.status();
        const name = `${route.method} ${route.file}${route.label ? ` (${route.label})` : ""}`;
        if (expected === "→/") {
          const location = response.headers()["location"] ?? "";
          const ok = [302, 303, 307].includes(status) && new URL(location, baseURL).pathname === "/";
          if (!ok) problems.push(`${name}: expected a redirect to /, got ${status} ${location}`);
        } else if (status !== expected) {
          problems.push(`${name}: expected ${expected}, got ${status}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
