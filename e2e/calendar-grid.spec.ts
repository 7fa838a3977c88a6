import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { withDb } from "./db";
import { bookFor, confirmReview, follow, lastDayOfSlots, showNextWeek, signIn } from "./fixtures";

/** Days since 1970-01-01 of a calendar date's Monday (the grid's weeks run Monday to Sunday). */
function mondayOf(date: string): number {
  const day = Date.parse(`${date}T00:00:00Z`) / 86_400_000;
  return day - ((new Date(day * 86_400_000).getUTCDay() + 6) % 7);
}

// The clinician's day and week as a time grid with today marked and a way back to it; the patient record
// lists the patient's appointments and books the next one with the patient already chosen.
test("a clinician's week and day as a time grid; the patient record lists visits and books for the patient", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await signIn(page, "clinician");
  const { appointmentId } = await bookFor(page, "Fernanda", "Fernanda Ribeiro", 2);

  await page.goto("/appointments");
  // this week: seven days, today's marked
  await expect(page.getByRole("heading", { level: 2 })).toHaveCount(7);
  const today = page.getByTestId("today-column");
  await expect(today).toHaveCount(1);
  await expect(today.getByRole("heading", { level: 2 })).toHaveAttribute("aria-current", "date");
  await expect(today.getByText("hoje", { exact: true })).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the visit is on the booking page's next week, 7 to 13 days from today: in the grid's next week, or in
  // the one after when today is late in its week (the visit's date on the clinician's clock, São Paulo)
  const visitDate = await withDb(async (db) => {
    const { rows } = await db.query<{ day: string }>(
      `select to_char("startsAt" at time zone 'America/Sao_Paulo', 'YYYY-MM-DD') as day
         from "Appointment" where id = $1`,
      [appointmentId],
    );
    return rows[0]!.day;
  });
  const todayDate = new URL(
    (await page.getByRole("link", { name: "Hoje", exact: true }).getAttribute("href"))!,
    page.url(),
  ).searchParams.get("date")!;
  const weeksAhead = (mondayOf(visitDate) - mondayOf(todayDate)) / 7;
  expect([1, 2]).toContain(weeksAhead);

  // "Próxima" leaves today's week; the visit's week holds the new visit, placed in the grid; "Hoje" comes back
  const next = page.getByRole("link", { name: "Próxima", exact: true });
  await follow(page, next);
  await expect(page.getByRole("heading", { level: 2 })).toHaveCount(7);
  await expect(page.getByTestId("today-column")).toHaveCount(0);
  for (let week = 1; week < weeksAhead; week++) await follow(page, next);
  const visit = page.locator(`a[href="/appointments/${appointmentId}"]`);
  await expect(visit).toContainText("Fernanda Ribeiro");
  await page.getByRole("link", { name: "Hoje", exact: true }).click();
  await expect(page.getByTestId("today-column")).toHaveCount(1);

  // the day view: one column
  await page.getByRole("link", { name: "Dia", exact: true }).click();
  await expect(page.getByRole("heading", { level: 2 })).toHaveCount(1);
  await expect(page.getByTestId("today-column")).toHaveCount(1);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the patient record: her appointments, and a booking with her already chosen
  await page.goto(`/appointments/${appointmentId}`);
  await page.getByRole("link", { name: "Fernanda Ribeiro" }).click();
  const list = page.getByRole("region", { name: "Consultas", exact: true });
  // other journeys book Fernanda too: this visit is the link to its page
  await expect(list.locator(`a[href="/appointments/${appointmentId}"]`)).toHaveAccessibleName(
    /: Consulta com Dra\. Ana Ribeiro$/,
  );
  await expect(list.getByText("Apenas as suas consultas com este paciente aparecem aqui.")).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await list.getByRole("link", { name: "Agendar para este paciente" }).click();
  await expect(page.getByText("Fernanda Ribeiro", { exact: true })).toBeVisible();
  await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: "Retorno" });
  await page.getByRole("button", { name: "Continuar" }).click();
  await showNextWeek(page);
  await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .nth(4)
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta agendada.")).toBeVisible();
});
