import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./fixtures";

// The front desk registers the same person twice: the second time it is warned (same name and birth
// date, however the name is typed) and offered the record that exists; registered anyway, the two records
// are merged from the patient page, and the merged record's address leads to the one kept.

async function register(page: Page, fields: { first: string; last: string; phone?: string; birthDate?: string }) {
  await page.goto("/patients/new");
  await page.getByLabel("Nome", { exact: true }).fill(fields.first);
  await page.getByLabel("Sobrenome", { exact: true }).fill(fields.last);
  if (fields.phone) await page.getByLabel(/Celular ou telefone/).fill(fields.phone);
  if (fields.birthDate) await page.getByLabel(/Data de nascimento/).fill(fields.birthDate);
  await page.getByRole("button", { name: "Cadastrar paciente" }).click();
}

test("a likely duplicate is offered before a second record is made, and two records are merged", async ({ page }) => {
  await signIn(page, "staff");

  await register(page, { first: "Renata", last: "Conceição Duplo", phone: "(11) 98888-7001", birthDate: "1985-07-14" });
  await expect(page.getByText("Paciente cadastrado.")).toBeVisible();
  const keptUrl = page.url().replace(/\?.*$/, "");

  // the same person, typed without accents and in capitals, with the same birth date and no phone
  await register(page, { first: "RENATA", last: "conceicao duplo", birthDate: "1985-07-14" });
  await expect(page.getByText("Já existe um paciente parecido cadastrado.")).toBeVisible();
  const warning = page.getByRole("region", { name: "Já existe um paciente parecido cadastrado." });
  await expect(warning.getByText("Mesmo nome e data de nascimento.")).toBeVisible();
  await expect(warning.getByText(/telefone terminado em 7001/)).toBeVisible();
  // the number is never shown whole in the warning
  await expect(warning).not.toContainText("98888");
  await expect(warning.getByRole("link", { name: "Abrir Renata Conceição Duplo" })).toHaveAttribute(
    "href",
    new URL(keptUrl).pathname,
  );
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  // nothing was saved: what was typed is still there
  await expect(page.getByLabel("Nome", { exact: true })).toHaveValue("RENATA");

  // a different person after all (as far as the desk knows): registered anyway
  await warning.getByRole("button", { name: "Cadastrar como novo paciente assim mesmo" }).click();
  await expect(page.getByText("Paciente cadastrado.")).toBeVisible();
  const duplicateUrl = page.url().replace(/\?.*$/, "");
  expect(duplicateUrl).not.toBe(keptUrl);

  // the record page lists the likely duplicate; the two are compared and merged into the first
  const duplicates = page.getByRole("region", { name: "Possíveis duplicados" });
  await duplicates.getByRole("link", { name: "Comparar e unificar com Renata Conceição Duplo" }).click();
  await expect(page.getByRole("heading", { name: "Compare os dois cadastros" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Data de nascimento/ })).toContainText("14 de jul. de 1985");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await page.getByLabel("Manter Renata Conceição Duplo (O outro cadastro)").check();
  // not without the confirmation
  await page.getByRole("button", { name: "Unificar os cadastros" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Marque a caixa" })).toBeVisible();
  await page.getByLabel("Conferi que os dois cadastros são da mesma pessoa").check();
  await page.getByRole("button", { name: "Unificar os cadastros" }).click();
  await page.waitForURL((url) => url.href.startsWith(keptUrl));
  await expect(page.getByText(/Os dois cadastros foram unificados neste/)).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Renata Conceição Duplo");

  // the merged record's address leads to the kept one
  await page.goto(duplicateUrl);
  await page.waitForURL(keptUrl);

  // search results tell namesakes apart: masked phone, birth date, next appointment
  await page.goto("/patients?q=Renata+Duplo");
  const row = page.getByRole("row", { name: /Renata Conceição Duplo/ });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("14 de jul. de 1985");
  await expect(row).toContainText("7001");
  await expect(row).not.toContainText("98888");
  await expect(row).toContainText("Nenhuma agendada");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
});
