import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { emulatorUrl, signIn } from "./fixtures";

// An admin blocklists a number on the clinic-line rules page; a call from that number is rejected by the
// bot and shows in the call log as rejected. Then the rule is edited, disabled and deleted from the list.
const SPAMMER = "+5511955550777";

test("an admin blocklists a number and a call from it is rejected", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Linha da clínica" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Regras da linha da clínica");
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);

  await page.getByRole("link", { name: "Nova regra" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Nova regra da linha da clínica");
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await page.getByLabel("Nome").fill("Spam");
  await page.getByRole("radio", { name: /Recusar a ligação/ }).check();
  // a number that is not a number is refused next to the field
  await page.getByLabel("Quem liga", { exact: true }).fill("123");
  await page.getByRole("button", { name: "Criar regra" }).click();
  await expect(page.getByText("Corrija os campos destacados.")).toBeVisible();
  const callerField = page.getByLabel("Quem liga", { exact: true });
  await expect(callerField).toHaveAttribute("aria-invalid", "true");
  await expect(callerField).toBeFocused();
  await callerField.fill("(11) 95555-0777");
  await page.getByRole("button", { name: "Criar regra" }).click();

  await expect(page.getByText("Regra criada.")).toBeVisible();
  const row = page.getByTestId("rule-row").filter({ hasText: "Spam" });
  await expect(row).toContainText(SPAMMER);
  await expect(row).toContainText("Recusar");
  await expect(row).toContainText("Ativa");

  // the spammer calls
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  const call = await emulator.post("/_emulator/incoming-calls", { data: { from: SPAMMER } });
  expect(call.status()).toBe(201);
  await expect(async () => {
    await page.goto("/calls");
    const logged = page.getByTestId("call-row").filter({ hasText: "•••• 0777" });
    await expect(logged.first()).toContainText("Linha da clínica", { timeout: 1_000 });
    await expect(logged.first()).toContainText("Recusada", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  // edit: an after-hours redirect to the reception instead
  await page.goto("/admin/clinic-line");
  await page.getByRole("link", { name: "Spam" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Editar regra da linha da clínica");
  await page.getByRole("radio", { name: /Redirecionar a ligação/ }).check();
  await page.getByLabel("De", { exact: true }).fill("18:00");
  await page.getByLabel("Até", { exact: true }).fill("08:00");
  await page.getByRole("radio", { name: "Um usuário do Teams" }).check();
  await page.getByLabel("Usuário do Teams", { exact: true }).selectOption({ label: "Recepção Aurora" });
  await page.getByRole("button", { name: "Salvar regra" }).click();
  await expect(page.getByText("Regra salva.")).toBeVisible();
  await page.getByRole("link", { name: "Voltar às regras" }).click();
  await expect(row).toContainText("Redirecionar para Recepção Aurora");
  await expect(row).toContainText("18:00–08:00");

  await row.getByRole("button", { name: "Desativar Spam" }).click();
  await expect(row).toContainText("Desativada");
  // deleting asks first; "Manter" keeps the rule
  await row.getByRole("button", { name: "Excluir Spam" }).click();
  await expect(row).toContainText("Excluir Spam? Não é possível desfazer.");
  await row.getByRole("button", { name: "Manter Spam" }).click();
  await expect(row.getByRole("button", { name: "Excluir Spam" })).toBeVisible();
  await row.getByRole("button", { name: "Excluir Spam" }).click();
  await row.getByRole("button", { name: "Sim, excluir Spam" }).click();
  await expect(page.getByTestId("rule-row").filter({ hasText: "Spam" })).toHaveCount(0);
  await emulator.dispose();
});

test("a blank rule is refused, and rejecting every caller needs the box ticked", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/admin/clinic-line/new");
  // every field left as it is: no condition, so not "reject every caller, all day"
  await page.getByRole("button", { name: "Criar regra" }).click();
  await expect(page.getByText("Corrija os campos destacados.")).toBeVisible();
  await expect(page.getByText(/Uma regra precisa de pelo menos uma condição/)).toBeVisible();
  await expect(page.getByLabel("Quem liga", { exact: true })).toHaveAttribute("aria-invalid", "true");
  const confirm = page.getByLabel(/Sim, recusar todas as ligações/);
  await expect(confirm).toHaveAttribute("aria-invalid", "true");

  // Sundays only, still everyone: saved once the admin confirms
  await page.getByLabel("Nome").fill("Domingo fechado");
  await page.getByRole("checkbox", { name: "dom", exact: true }).check();
  await page.getByRole("button", { name: "Criar regra" }).click();
  await expect(page.getByText(/marque a caixa para confirmar/)).toBeVisible();
  await page.getByLabel(/Sim, recusar todas as ligações/).check();
  await page.getByRole("button", { name: "Criar regra" }).click();
  await expect(page.getByText("Regra criada.")).toBeVisible();
  const row = page.getByTestId("rule-row").filter({ hasText: "Domingo fechado" });
  await expect(row).toContainText("Recusar");

  // a redirect for a given number never asks for the confirmation
  await page.goto("/admin/clinic-line/new");
  await page.getByRole("radio", { name: /Redirecionar a ligação/ }).check();
  await page.getByLabel("Quem liga", { exact: true }).fill("+5511955550123");
  await expect(page.getByLabel(/Sim, recusar todas as ligações/)).toHaveCount(0);

  await page.goto("/admin/clinic-line");
  await row.getByRole("button", { name: "Excluir Domingo fechado" }).click();
  await row.getByRole("button", { name: "Sim, excluir Domingo fechado" }).click();
  await expect(row).toHaveCount(0);
});

test("the rules pages are the administrators' alone", async ({ page }) => {
  await signIn(page, "staff");
  await expect(
    page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Linha da clínica" }),
  ).toHaveCount(0);
  const response = await page.goto("/admin/clinic-line");
  expect(response?.status()).toBe(404);
});
