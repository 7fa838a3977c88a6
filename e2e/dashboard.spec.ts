// The admins' dashboard (issue 21 item 4): per week and clinician, visits held, no-shows and confirmations by
// reminder call, with a chart; the figures are the database's own for the week, the page passes axe and
// breaks no CSP rule (the chart is an SVG island drawn with visx).
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { withDb } from "./db";
import { signIn } from "./fixtures";

test("an admin sees the week's visits per clinician, as a chart and a table, in Portuguese and English", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Painel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Painel de consultas" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Consultas realizadas e faltas por semana/ })).toBeVisible();

  // the figures of the last 4 weeks, as the database has them (the clinic's clock, weeks from Monday)
  await page.getByLabel("Semanas mostradas").selectOption("4");
  await page.getByRole("button", { name: "Mostrar" }).click();
  await expect(page).toHaveURL(/weeks=4/);
  const expected = await withDb(async (db) => {
    const { rows } = await db.query<{ name: string; held: number; no_shows: number; confirmed: number }>(
      `select u.name,
              count(*) filter (where a.status = 'COMPLETED')::int as held,
              count(*) filter (where a.status = 'NO_SHOW')::int as no_shows,
              count(*) filter (where exists (select 1 from "Reminder" m
                 where m."appointmentId" = a.id and m.outcome = 'CONFIRMED'))::int as confirmed
         from "Appointment" a join "User" u on u.id = a."clinicianId"
        where a."startsAt" >= (date_trunc('week', now() at time zone 'America/Sao_Paulo') - interval '3 weeks')
                                at time zone 'America/Sao_Paulo'
          and a."startsAt" < (date_trunc('week', now() at time zone 'America/Sao_Paulo') + interval '1 week')
                                at time zone 'America/Sao_Paulo'
        group by u.name`,
    );
    return rows.filter((r) => r.held + r.no_shows + r.confirmed > 0);
  });
  const table = page.getByTestId("dashboard-table");
  if (expected.length === 0) await expect(page.getByText("Nenhuma consulta terminou nestas semanas.")).toBeVisible();
  for (const row of expected) {
    const lines = table.getByRole("row").filter({ hasText: row.name });
    const cells = await lines.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => Number(td.textContent))),
    );
    // summed over the weeks: [clinician name cell is NaN, held, no-shows, (rescued), confirmed]
    const sum = (index: number) => cells.reduce((s, c) => s + (c.at(index) ?? 0), 0);
    expect(sum(1)).toBe(row.held);
    expect(sum(2)).toBe(row.no_shows);
    expect(sum(-1)).toBe(row.confirmed);
  }
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);

  // in English too
  await page.getByLabel("Idioma", { exact: true }).selectOption("en");
  await page.getByRole("button", { name: "Mudar idioma" }).click();
  await expect(page.getByRole("button", { name: "Change language" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Visits dashboard" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Visits held and no-shows per week/ })).toBeVisible();
  expect(violations).toEqual([]);
  // back to Portuguese for the other journeys of this person
  await page.getByLabel("Language", { exact: true }).selectOption("pt-BR");
  await page.getByRole("button", { name: "Change language" }).click();
  await expect(page.getByRole("button", { name: "Mudar idioma" })).toBeVisible();
});
