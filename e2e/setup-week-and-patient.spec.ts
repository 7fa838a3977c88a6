import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test("a clinician adds Saturday mornings to their weekly hours", async ({ page }) => {
  await signIn(page, "clinician");
  await page.goto("/availability");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sua disponibilidade");
  const saturday = page.getByRole("group", { name: "Sábado" });
  await saturday.getByLabel("Das").first().fill("09:00");
  await saturday.getByLabel("Até").first().fill("12:00");
  await page.getByRole("button", { name: "Salvar horário semanal" }).click();
  await expect(page.getByRole("status").filter({ hasText: /salv/i }).first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole("group", { name: "Sábado" }).getByLabel("Das").first()).toHaveValue("09:00");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
});

test("staff register a patient whose phone is normalised to E.164", async ({ page }) => {
  await signIn(page, "staff");
  await page.goto("/patients/new");
  await page.getByLabel("Nome", { exact: true }).fill("Helena");
  await page.getByLabel("Sobrenome").fill("Prado");
  await page.getByLabel(/Celular ou telefone/).fill("(11) 98765-4321");
  await page.getByRole("button", { name: "Cadastrar paciente" }).click();
  await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}/);
  await expect(page.getByText("+55 11 98765 4321").first()).toBeVisible();
  await expect(page.getByLabel(/Celular ou telefone/)).toHaveValue("+5511987654321");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await page.goto("/patients?q=Helena");
  await expect(page.getByRole("link", { name: /Helena Prado/ })).toBeVisible();
});
