// Patient data must not reach the browser's bundles or the server's logs. Its project depends on every
// other spec's (playwright.config.ts), so it runs last and the log holds the whole run: bookings, patient
// pages, calls. scripts/start.ts tees the server's output to CONSULTA_LOG_FILE.
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { e2eDataDir } from "../playwright.config";

/** The seeded patients' names, e-mails and phone numbers, read from prisma/seed.ts itself. */
function seededPatientData(): string[] {
  const seed = fs.readFileSync("prisma/seed.ts", "utf8");
  const rows = [...seed.matchAll(/\["([^"]+)", "([^"]+)", "(?:pt-BR|en)", "[^"]+", "(\+\d+)"\]/g)];
  return rows.flatMap(([, first, last, phone]) => {
    const email = `${first}.${last}`
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
    const names = [`${first} ${last}`, `${last}, ${first}`];
    // bundles may write non-ASCII letters as \uXXXX escapes
    const escaped = names.map((n) =>
      JSON.stringify(n)
        .slice(1, -1)
        .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    );
    return [...new Set([...names, ...escaped, `${email}@mail.example`, phone!, phone!.slice(1)])];
  });
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

function hits(text: string, needles: string[]): string[] {
  const lower = text.toLowerCase();
  return needles.filter((n) => lower.includes(n.toLowerCase()));
}

const needles = seededPatientData();

test("the scan knows every seeded patient", () => {
  expect(needles.length).toBeGreaterThanOrEqual(20 * 5);
  expect(needles).toEqual(expect.arrayContaining(["José Santos", "Jos\\u00e9 Santos", "+5511987650001"]));
});

test("no seeded patient's name, e-mail or phone is in the client bundle", () => {
  const files = filesUnder(".next/static");
  expect(files.filter((f) => f.endsWith(".js")).length).toBeGreaterThan(5);
  const found = files.flatMap((file) => hits(fs.readFileSync(file, "utf8"), needles).map((n) => `${file}: ${n}`));
  expect(found).toEqual([]);
});

test("no seeded patient's name, e-mail or phone is in the server's log of this run", () => {
  const log = fs.readFileSync(path.join(e2eDataDir, "server.log"), "utf8");
  // the log is real: the app's structured lines are there
  expect(log).toContain('"service":"consulta"');
  const found = log.split("\n").flatMap((line) => hits(line, needles).map((n) => `${n} in: ${line.slice(0, 300)}`));
  expect(found).toEqual([]);
});
