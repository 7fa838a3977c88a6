import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { bookFor, signIn } from "./fixtures";

// An admin creates an appointment type with its rules in both languages; the clinician offers it; the
// desk books it; removed while it has an appointment, it is retired and no longer offered.
test("a type created by an admin is offered by a clinician and booked; removed with an appointment, it is retired", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  await signIn(page, "admin");
  await page.goto("/availability");
  await page.getByRole("link", { name: /Tipos de consulta: crie, edite e desative/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Tipos de consulta" })).toBeVisible();
  await page.getByRole("link", { name: "Novo tipo de consulta" }).click();

  await page.getByLabel("Nome em português").fill("Avaliação nutricional");
  await page.getByLabel("Nome em inglês").fill("Nutrition assessment");
  await page.getByLabel("Duração (minutos)").fill("42");
  await page.getByLabel(/Limite diário/).fill("4");
  await page.getByLabel("Fazer uma ligação de lembrete antes de cada consulta").uncheck();
  await page.getByRole("button", { name: "Criar o tipo" }).click();
  // steps of 5 minutes: said next to the field, and nothing is created
  await expect(page.getByText("Use múltiplos de 5 minutos.")).toBeVisible();
  await expect(page.getByLabel("Duração (minutos)")).toHaveAttribute("aria-invalid", "true");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await page.getByLabel("Duração (minutos)").fill("45");
  await page.getByRole("button", { name: "Criar o tipo" }).click();
  await expect(page.getByText(/Tipo de consulta criado/)).toBeVisible();
  const row = page.getByTestId("type-row").filter({ hasText: "Avaliação nutricional" });
  await expect(row).toContainText("45 min");
  await expect(row).toContainText("no máximo 4 por dia");
  await expect(row).toContainText("Nenhuma");
  await expect(row).toContainText("Agendável");
  await expect(row).toContainText("en: Nutrition assessment");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the clinician adds it to what she offers
  const clinicianContext = await browser.newContext();
  const clinician = await clinicianContext.newPage();
  await signIn(clinician, "clinician");
  await clinician.goto("/availability");
  await clinician.getByRole("checkbox", { name: /Avaliação nutricional/ }).check();
  await clinician.getByRole("button", { name: "Salvar tipos de consulta" }).click();
  await expect(clinician.getByText("Tipos de consulta salvos.")).toBeVisible();
  await clinicianContext.close();

  // the desk books it
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff, "staff");
  await bookFor(staff, "Juliana", "Juliana Alves", 0, "Avaliação nutricional");
  await expect(staff.getByRole("heading", { level: 1 })).toContainText("Avaliação nutricional");

  // removing a type with an appointment retires it
  await row.getByRole("link", { name: "Avaliação nutricional" }).click();
  await page.getByRole("button", { name: "Remover (tem consultas: será desativado)" }).click();
  await expect(page.getByText("Este tipo tem consultas, por isso foi desativado em vez de excluído.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Reativar" })).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // and the booking page no longer offers it
  await staff.goto("/appointments/new");
  await staff.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dra. Ana Ribeiro" });
  await expect(staff.getByLabel("Tipo de consulta", { exact: true }).getByRole("option")).not.toContainText([
    "Avaliação nutricional",
  ]);
  await staffContext.close();
});
