import { expect, request as playwrightRequest, test } from "@playwright/test";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// Rafaela Gomes' phone in the seed; the emulator plays her: she answers and presses 1 after the prompt.
const RAFAELA_PHONE = "+5511987650010";

test("a reminder call rings the patient, who presses 1, and staff see the appointment confirmed", async ({ page }) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  const behaviour = await emulator.put(`/_emulator/endpoints/${encodeURIComponent(RAFAELA_PHONE)}`, {
    data: { mode: "answer", ringDelayMs: 300, script: [{ type: "press", keys: "1", afterPrompts: 1 }] },
  });
  expect(behaviour.ok()).toBe(true);

  await signIn(page, "staff");
  await bookFor(page, "Rafaela", "Rafaela Gomes");
  await page.getByRole("button", { name: "Ligar agora para o paciente com o lembrete" }).click();
  await expect(page.getByText("Ligação de lembrete na fila.")).toBeVisible();
  // no reload: the page follows the call it asked for until the outcome is in
  await expect(page.getByTestId("reminder-state")).toContainText("Paciente confirmou por telefone", {
    timeout: 60_000,
  });
  await expect(page.getByText("Confirmada").first()).toBeVisible();
  // what her phone heard: the reminder says the day, her time and the clinician; so does the confirmation
  const calls = (await (await emulator.get("/_emulator/calls")).json()) as {
    value: { createdAt: string; heard: string[]; legs: { endpoint: string }[] }[];
  };
  const hers = calls.value
    .filter((c) => c.legs.some((l) => l.endpoint.includes(RAFAELA_PHONE)))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .at(-1)!;
  const when = String.raw`sua consulta em [^,]+, \d{1,2} de \S+ de \d{4} às \d{2}:\d{2} com \S`;
  expect(hers.heard[0]).toMatch(
    new RegExp(`^Olá\\. Aqui é a .+, ligando para lembrar ${when}.+\\. Para confirmar, tecle 1`),
  );
  expect(hers.heard.at(-1)).toMatch(new RegExp(`^Confirmamos ${when}`));
  // the history in words, not "reminder.remind-now · staff" or "reminder.outcome · reminder-call"
  const history = page.getByRole("region", { name: "Histórico" });
  await expect(history).toContainText("Carla Mendes (Recepção) pediu que a ligação de lembrete fosse feita agora.");
  await expect(history).toContainText("A ligação de lembrete terminou: o paciente confirmou.");
  await expect(history).not.toContainText("reminder.");
  // the call log shows what she chose, not "Concluída"
  await page.goto("/calls");
  const row = page.getByTestId("call-row").filter({ hasText: "Lembrete" }).filter({ hasText: "0010" }).first();
  await expect(row).toContainText("Confirmada pelo paciente");
  await emulator.dispose();
});
