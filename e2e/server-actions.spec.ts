// Every server action in the build, called by someone without a session with generated form fields,
// the way a no-JavaScript form post reaches it: nothing is written and no internals come back. The list
// comes from the build's manifest, so a new action is covered without touching this file.
import crypto from "node:crypto";
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import fc from "fast-check";
import { rowCounts } from "./db";

interface ManifestEntry {
  exportedName?: string;
  filename?: string;
  workers: Record<string, unknown>;
}

const manifest = JSON.parse(fs.readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
  node: Record<string, ManifestEntry>;
};

/** A real path for a page of the manifest: route groups dropped, dynamic segments filled. */
function pathOf(page: string): string {
  const segments = page
    .replace(/^app\//, "")
    .replace(/\/page$/, "")
    .split("/")
    .filter((s) => s && !s.startsWith("("))
    .map((s) =>
      s === "[token]" ? crypto.randomBytes(32).toString("base64url") : s.startsWith("[") ? crypto.randomUUID() : s,
    );
  return `/${segments.join("/")}`;
}

const internals = /\n\s+at \S|node_modules|\/work\/|\.tsx?:\d+|prisma/i;
const fieldValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.uuid(),
  fc.constantFrom("", "__proto__", "ADMIN", "2020-01-01T00:00", "+5511999999999", "x".repeat(5000)),
);
const form = fc.dictionary(
  fc.constantFrom(
    "id",
    "token",
    "patientId",
    "clinicianId",
    "startsAt",
    "firstName",
    "phone",
    "locale",
    "version",
    "weekday",
    "key",
    "text",
    "intent",
    "kind",
    "caller",
    "__proto__",
    "constructor",
  ),
  fieldValue,
  { maxKeys: 6 },
);

// React calls an action with its arguments encoded as a multipart reply: "0" holds the argument list and
// "$K1" refers to the form's fields, sent as "1_<name>". A form action takes (formData), an action of
// useActionState takes (previousState, formData); each is called both ways, and its own way must work.
const shapes = { "(formData)": '["$K1"]', "(state, formData)": '[null,"$K1"]' };

test("no server action writes or leaks for a visitor without a session", async ({ request, baseURL }) => {
  test.setTimeout(180_000);
  const actions = Object.entries(manifest.node);
  expect(actions.length).toBeGreaterThan(10);
  const before = await rowCounts();
  const leaks: string[] = [];
  const failing: string[] = [];
  for (const [index, [id, entry]] of actions.entries()) {
    const name = entry.exportedName ?? id;
    const statusByShape: Record<string, number[]> = {};
    for (const [shape, args] of Object.entries(shapes)) {
      for (const fields of fc.sample(form, 6)) {
        const response = await request.post(pathOf(Object.keys(entry.workers)[0]!), {
          maxRedirects: 0,
          headers: { origin: baseURL!, "next-action": id, "x-forwarded-for": `192.0.2.${100 + index}` },
          multipart: { "0": args, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [`1_${k}`, v])) },
        });
        const body = await response.text();
        if (internals.test(body)) leaks.push(`${name} ${shape}: internals in the answer`);
        (statusByShape[shape] ??= []).push(response.status());
      }
    }
    const worksOneWay = Object.values(statusByShape).some((statuses) => statuses.every((s) => s < 500));
    if (!worksOneWay) failing.push(`${name}: ${JSON.stringify(statusByShape)}`);
  }
  expect(await rowCounts()).toEqual(before);
  expect(leaks).toEqual([]);
  expect(failing).toEqual([]);
});
