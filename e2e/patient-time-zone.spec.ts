import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { withDb } from "./db";
import { showNextWeek, signIn } from "./fixtures";

// A patient in Los Angeles (the seed's Ava Miller) booked from São Paulo: every time shows her clock too,
// a morning slot is night for her and is booked only once the desk confirms she agreed; the review says
// who, when on both clocks and what, and takes a note for the clinician that stays inside the clinic.
test("a patient in another zone: both clocks, a night time confirmed, and a note for the clinician", async ({
  page,
}) => {
  await signIn(page, "staff");
  await page.goto("/appointments/new");
  await page.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dra. Ana Ribeiro" });
  await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: "Consulta" });
  await page.getByRole("button", { name: "Continuar" }).click();
  await page.getByLabel(/Buscar paciente/).fill("Ava");
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await page.getByRole("link", { name: "Escolher Ava Miller" }).click();
  await showNextWeek(page);
  await expect(page.getByText(/Abaixo de cada horário, o do paciente \(America\/Los Angeles/)).toBeVisible();

  // the first day of the week with free times: the other journeys book on the last one, whose morning is
  // taken by the time this runs
  const day = page
    .getByRole("group")
    .filter({ has: page.getByRole("button", { name: /^Agendar às/ }) })
    .first();
  const slots = day.getByRole("button", { name: /^Agendar às/ });
  // 08:00 in São Paulo is 03:00 or 04:00 in Los Angeles; the last slot of the day is early afternoon there
  await expect(slots.first()).toHaveAccessibleName(/ \d\d:\d\d, \d\d:\d\d para o paciente — de noite para o paciente$/);
  await expect(slots.last()).toHaveAccessibleName(/ \d\d:\d\d, \d\d:\d\d para o paciente$/);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  await slots.first().click();
  const review = page.getByRole("region", { name: "Confira antes de agendar" });
  await expect(review).toBeFocused();
  await expect(review.getByText("Ava Miller")).toBeVisible();
  await expect(review.getByText("Dra. Ana Ribeiro")).toBeVisible();
  await expect(review.getByText("Consulta", { exact: true })).toBeVisible();
  await expect(review.getByTestId("review-when")).toContainText("America/Sao Paulo");
  await expect(review.getByTestId("review-patient-when")).toContainText("America/Los Angeles");
  await expect(review.getByText(/onde o paciente mora: fora do horário das 07:00 às 22:00/)).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // not without her agreement: the box is required, nothing is booked
  await review.getByRole("button", { name: "Confirmar o agendamento" }).click();
  await expect(review).toBeVisible();
  await expect(page.getByText("Consulta agendada.")).toHaveCount(0);

  await review.getByLabel("O paciente concordou com este horário").check();
  await review.getByLabel(/Motivo da consulta ou nota para o profissional/).fill("Retorno de exames de sangue");
  await review.getByRole("button", { name: "Confirmar o agendamento" }).click();
  await expect(page.getByText("Consulta agendada.")).toBeVisible();
  await page.getByRole("link", { name: "Abrir a consulta" }).click();

  // the appointment shows both clocks, and the note for the clinician
  await expect(page.getByTestId("patient-time")).toContainText(/para o paciente \(America\/Los Angeles/);
  await expect(page.getByText("Retorno de exames de sangue")).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  const appointmentId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
  // the note never reaches the Teams meeting
  const subject = await withDb(async (db) => {
    const { rows } = await db.query<{ subject: string }>(
      `select subject from "OnlineMeeting" where "appointmentId" = $1`,
      [appointmentId],
    );
    return rows[0]?.subject ?? "";
  });
  expect(subject).not.toContain("exames");
});
