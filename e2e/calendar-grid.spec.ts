import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { bookFor, confirmReview, lastDayOfSlots, showNextWeek, signIn } from "./fixtures";

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

  // next week holds the new visit, placed in the grid; "Hoje" comes back
  await page.getByRole("link", { name: "Próxima", exact: true }).click();
  const visit = page.locator(`a[href="/appointments/${appointmentId}"]`);
  await expect(visit).toContainText("Fernanda Ribeiro");
  await expect(page.getByTestId("today-column")).toHaveCount(0);
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
  await expect(list.getByRole("link", { name: /Consulta com Dra\. Ana Ribeiro/ })).toHaveAttribute(
    "href",
    `/appointments/${appointmentId}`,
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
