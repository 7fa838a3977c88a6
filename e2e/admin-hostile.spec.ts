// Hostile input to the admin pages' server actions from a signed-in admin (e2e/server-actions.spec.ts covers
// visitors without a session): generated form fields never get a 5xx or internals back, and since none of them
// is a valid prompt or rule, nothing is written — no prompt text, no rule, no audit row.
import fs from "node:fs";
import { expect, request, test } from "@playwright/test";
import fc from "fast-check";
import { rowCounts } from "./db";
import { sessionsFor } from "./world";

const manifest = JSON.parse(fs.readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
  node: Record<string, { exportedName?: string; workers: Record<string, unknown> }>;
};
const pageOf = (name: string): { id: string; path: string } => {
  const found = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === name);
  expect(found, `server action ${name} is in the build`).toBeTruthy();
  const page = Object.keys(found![1].workers).find((w) => w.includes("/admin/"))!;
  const path = page
    .replace(/^app\//, "/")
    .replace(/\/page$/, "")
    .replace(/\/\([^)]+\)/g, "")
    .replace(/\[id\]/, crypto.randomUUID());
  return { id: found![0], path };
};

const internals = /\n\s+at \S|node_modules|\/work\/|\.next\/server|\.tsx?:\d+|prisma/i;
const weird = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "__proto__", "constructor", "../../etc/passwd", "x".repeat(5000)),
  fc.uuid(),
);
// Valid-looking values where they cannot make a whole form valid: a prompt needs a known locale and key, a
// rule needs kind BLOCK or REDIRECT — those are never generated.
const promptForm = fc.record({
  locale: weird,
  key: fc.oneof(weird, fc.constantFrom("reminder", "goodbye")),
  text: fc.oneof(weird, fc.constant("Olá, tecle 1.")),
  updatedAt: fc.oneof(weird, fc.constant(new Date().toISOString())),
  intent: fc.oneof(weird, fc.constantFrom("save", "reset")),
});
const ruleForm = fc.record({
  id: weird,
  updatedAt: weird,
  label: weird,
  kind: weird,
  caller: fc.oneof(weird, fc.constantFrom("+5511955550999", "+5511*", "*")),
  weekdays: fc.oneof(weird, fc.constantFrom("1", "7", "8")),
  start: fc.oneof(weird, fc.constantFrom("18:00", "25:61")),
  end: weird,
  targetKind: fc.oneof(weird, fc.constantFrom("user", "phone")),
  targetUser: weird,
  targetPhone: weird,
  priority: fc.oneof(weird, fc.constantFrom("10", "-1", "1e9")),
  active: fc.oneof(weird, fc.constant("on")),
});
// the list's buttons on a rule that does not exist (or an id that is no id)
const rowForm = fc.record({
  id: weird,
  intent: fc.oneof(weird, fc.constantFrom("up", "down", "enable", "disable", "delete")),
});

test("an admin's generated form posts to the prompt and rule actions: no 5xx, no internals, no rows", async ({
  baseURL,
}) => {
  test.setTimeout(240_000);
  const { admin } = sessionsFor(["admin"]);
  const client = await request.newContext({ baseURL, storageState: admin });
  const before = await rowCounts();
  const cases: [string, fc.Arbitrary<Record<string, string>>][] = [
    ["promptFormAction", promptForm],
    ["createRuleAction", ruleForm],
    ["updateRuleAction", ruleForm],
    ["ruleRowAction", rowForm],
  ];
  for (const [name, fields] of cases) {
    const action = pageOf(name);
    await fc.assert(
      fc.asyncProperty(fields, async (form) => {
        const response = await client.post(action.path, {
          maxRedirects: 0,
          headers: { origin: baseURL!, "next-action": action.id },
          // (previousState, formData), as useActionState calls these actions
          multipart: {
            "0": '[null,"$K1"]',
            ...Object.fromEntries(Object.entries(form).map(([k, v]) => [`1_${k}`, v])),
          },
        });
        const body = await response.text();
        expect(response.status(), `${name} ${JSON.stringify(form).slice(0, 200)}`).toBeLessThan(500);
        expect(internals.test(body), `${name}: internals in the answer`).toBe(false);
      }),
      { numRuns: 40, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
  }
  expect(await rowCounts()).toEqual(before);
  await client.dispose();
});
