import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

// An admin changes what the calls say: the new text gets a new audio URL (the cache is keyed by the text),
// the audio is served for it, and "reset" goes back to the default text and its URL.
test("an admin edits a prompt text, listens to it and resets it", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Mensagens de voz" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mensagens de voz");
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);

  const form = page.getByTestId("prompt-goodbye-pt-BR");
  const field = form.getByLabel("Despedida (sem resposta) — Português (Brasil)");
  const listen = form.getByRole("link", { name: "Ouvir Despedida (sem resposta) (Português (Brasil))" });
  const defaultHref = await listen.getAttribute("href");
  expect(defaultHref).toMatch(/^\/api\/prompts\/pt-BR\/goodbye\.wav\?v=[0-9a-f]{16}$/);
  await expect(form.getByText("Texto padrão.", { exact: true })).toBeVisible();

  // empty is refused
  await field.fill("   ");
  await form.getByRole("button", { name: "Salvar Despedida (sem resposta) (Português (Brasil))" }).click();
  await expect(form.getByRole("alert")).toHaveText("Escreva o texto que quem liga deve ouvir.");
  await expect(field).toHaveAttribute("aria-invalid", "true");

  await field.fill("Obrigado por ligar para a Clínica Aurora. Até logo!");
  await form.getByRole("button", { name: "Salvar Despedida (sem resposta) (Português (Brasil))" }).click();
  await expect(form.getByRole("status")).toHaveText("Salvo. As próximas ligações usam o novo texto.");
  await expect(form.getByText("Texto editado (substitui o padrão).", { exact: true })).toBeVisible();
  const editedHref = await listen.getAttribute("href");
  expect(editedHref).toMatch(/\?v=[0-9a-f]{16}$/);
  expect(editedHref).not.toBe(defaultHref);
  const audio = await page.request.get(editedHref!);
  expect(audio.status()).toBe(200);
  expect(audio.headers()["content-type"]).toBe("audio/wav");
  expect(audio.headers()["etag"]).toBe(`"${new URL(editedHref!, "http://x").searchParams.get("v")}"`);

  // after a reload the edited text is what the form shows
  await page.reload();
  await expect(field).toHaveValue("Obrigado por ligar para a Clínica Aurora. Até logo!");

  await form.getByRole("button", { name: "Voltar Despedida (sem resposta) (Português (Brasil)) ao padrão" }).click();
  await expect(form.getByRole("status")).toHaveText("De volta ao texto padrão.");
  await expect(form.getByText("Texto padrão.", { exact: true })).toBeVisible();
  await expect(listen).toHaveAttribute("href", defaultHref!);
  await expect(field).toHaveValue(/Não recebemos sua resposta/);
});
