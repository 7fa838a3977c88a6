// The admins' dashboard (issue 21 item 4): per week and clinician, visits held, no-shows and confirmations by
// reminder call, with a chart. A patient confirms by a reminder call in this test; the dashboard then shows this
// week's figures as the database has them; the page passes axe and breaks no CSP rule (the chart is an SVG
// island drawn with visx), in Portuguese and English.
import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { withDb } from "./db";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// Paulo Pereira's phone in the seed; the emulator plays him: he answers and presses 1 after the prompt.
const PAULO_PHONE = "+5581987650008";

interface Figures {
  week: string;
  name: string;
  held: number;
  no_shows: number;
  confirmed: number;
}

/** This week's figures per clinician, straight from the database (weeks from Monday on the clinic's clock). */
function thisWeek(): Promise<Figures[]> {
  return withDb(async (db) => {
    const week = `date_trunc('week', now() at time zone 'America/Sao_Paulo') at time zone 'America/Sao_Paulo'`;
    const next = `(date_trunc('week', now() at time zone 'America/Sao_Paulo') + interval '1 week') at time zone 'America/Sao_Paulo'`;
    const { rows } = await db.query<Figures>(
      `select to_char(date_trunc('week', now() at time zone 'America/Sao_Paulo'), 'YYYY-MM-DD') as week, u.name,
              (select count(*) from "Appointment" a where a."clinicianId" = u.id and a.status = 'COMPLETED'
                 and a."startsAt" >= ${week} and a."startsAt" < ${next})::int as held,
              (select count(*) from "Appointment" a where a."clinicianId" = u.id and a.status = 'NO_SHOW'
                 and a."startsAt" >= ${week} and a."startsAt" < ${next})::int as no_shows,
              (select count(*) from "Reminder" m join "Appointment" a on a.id = m."appointmentId"
                where a."clinicianId" = u.id and m.outcome = 'CONFIRMED'
                  and m."finishedAt" >= ${week} and m."finishedAt" < ${next})::int as confirmed
         from "User" u`,
    );
    return rows.filter((r) => r.held + r.no_shows + r.confirmed > 0);
  });
}

test("an admin sees this week's visits and confirmations per clinician, as a chart and a table", async ({
  page,
  browser,
}) => {
  test.setTimeout(150_000);
  // a confirmation by reminder call this week, made as staff make one
  const emulator = await playwrightRequest.newContext({
    baseURL: emulatorUrl,
    ignoreHTTPSErrors: true,
  });
  const behaviour = await emulator.put(`/_emulator/endpoints/${encodeURIComponent(PAULO_PHONE)}`, {
    data: {
      mode: "answer",
      ringDelayMs: 300,
      script: [{ type: "press", keys: "1", afterPrompts: 1 }],
    },
  });
  expect(behaviour.ok()).toBe(true);
  const staff = await browser.newContext();
  const staffPage = await staff.newPage();
  await signIn(staffPage, "staff");
  await bookFor(staffPage, "Paulo", "Paulo Pereira");
  await staffPage.getByRole("button", { name: "Ligar agora para o paciente com o lembrete" }).click();
  await expect(staffPage.getByTestId("reminder-state")).toContainText("Paciente confirmou por telefone", {
    timeout: 60_000,
  });
  await staff.close();
  await emulator.dispose();

  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Painel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Painel de consultas" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Consultas por semana/ })).toBeVisible();
  await page.getByLabel("Semanas mostradas").selectOption("4");
  await page.getByRole("button", { name: "Mostrar" }).click();
  await expect(page).toHaveURL(/weeks=4/);

  // this week's rows are the database's figures; Dra. Ana Ribeiro has at least Paulo's confirmation
  const expected = await thisWeek();
  const ana = expected.find((r) => r.name === "Dra. Ana Ribeiro");
  expect(ana?.confirmed ?? 0).toBeGreaterThanOrEqual(1);
  const table = page.getByTestId("dashboard-table");
  for (const row of expected) {
    const line = table.locator(`tr[data-week="${row.week}"]`).filter({ hasText: row.name });
    await expect(line).toHaveCount(1);
    await expect(line.getByTestId("held")).toHaveText(String(row.held));
    await expect(line.getByTestId("no-shows")).toHaveText(String(row.no_shows));
    await expect(line.getByTestId("confirmed-by-call")).toHaveText(String(row.confirmed));
  }
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);

  // in English too
  await page.getByLabel("Idioma", { exact: true }).selectOption("en");
  await page.getByRole("button", { name: "Mudar idioma" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Visits dashboard" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Visits per week/ })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Confirmed by reminder call" })).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  expect(violations).toEqual([]);
  // back to Portuguese for this person's other journeys
  await page.getByLabel("Language", { exact: true }).selectOption("pt-BR");
  await page.getByRole("button", { name: "Change language" }).click();
  await expect(page.getByRole("button", { name: "Mudar idioma" })).toBeVisible();
});
