import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// The clinic's bot in an appointment's Teams meeting, driven from the appointment page. The far end
// (the patient as a lobby guest, an interpreter's phone) is simulated through the emulator's control API.

async function emulatorMeetingFor(emulator: APIRequestContext, appointmentId: string): Promise<string> {
  const response = await emulator.get("/_emulator/meetings");
  expect(response.ok()).toBe(true);
  const { value } = (await response.json()) as { value: { id: string; externalId: string | null }[] };
  const meeting = value.find((m) => m.externalId === appointmentId);
  expect(meeting, "the appointment's meeting exists in the emulator").toBeTruthy();
  return meeting!.id;
}

async function setEndpoint(emulator: APIRequestContext, e164: string, mode: "answer" | "decline") {
  const response = await emulator.put(`/_emulator/endpoints/${encodeURIComponent(e164)}`, {
    data: { mode, ringDelayMs: 300 },
  });
  expect(response.ok()).toBe(true);
}

test("staff follow the bot in an appointment's meeting: lobby, interpreter by phone, mute, remove, decline", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });

  await signIn(page, "staff");
  const { appointmentUrl } = await bookFor(page, "Adriana", "Adriana Rodrigues");
  const appointmentId = new URL(appointmentUrl).pathname.split("/").pop()!;
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });

  const live = page.getByRole("region", { name: "Reunião ao vivo" });
  await expect(live).toBeVisible();
  await live.getByRole("button", { name: "Robô entra na reunião" }).click();
  await expect(live.getByTestId("call-state")).toHaveText("Na chamada", { timeout: 15_000 });
  const inMeeting = live.getByRole("region", { name: /^Na reunião/ });
  const lobby = live.getByRole("region", { name: /^Esperando no lobby/ });
  // the bot itself is in the roster, marked as the bot, with no controls
  await expect(inMeeting.getByText("Robô", { exact: true })).toBeVisible();

  // the patient opens the link and waits in the lobby
  const meetingId = await emulatorMeetingFor(emulator, appointmentId);
  const guest = await emulator.post(`/_emulator/meetings/${encodeURIComponent(meetingId)}/guests`, {
    data: { name: "Adriana Rodrigues" },
  });
  expect(guest.status()).toBe(201);
  await expect(lobby.getByRole("listitem").filter({ hasText: "Adriana Rodrigues" })).toBeVisible({ timeout: 5_000 });
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "Adriana Rodrigues" })).toHaveCount(0);

  // a number that is not E.164 is refused before anything is sent
  const phone = live.getByLabel("Número de telefone");
  await phone.fill("11 9555-0001");
  await live.getByRole("button", { name: "Ligar e convidar" }).click();
  await expect(live.getByText(/Digite o número no formato internacional/)).toBeVisible();
  await expect(phone).toHaveAttribute("aria-invalid", "true");

  // the interpreter answers
  await setEndpoint(emulator, "+5511955550001", "answer");
  await phone.fill("+55 11 95555-0001");
  await live.getByRole("button", { name: "Ligar e convidar" }).click();
  const interpreter = inMeeting.getByRole("listitem").filter({ hasText: "•••• 0001" });
  await expect(interpreter).toBeVisible({ timeout: 10_000 });
  await expect(live.getByTestId("invitations")).toContainText(/•••• 0001 — atendeu/);
  // the status under the form follows the invitation: no "Convidando…" once it was answered
  await expect(live.getByText("•••• 0001: atendeu.")).toBeVisible();
  await expect(live.getByText("Convidando •••• 0001…")).toHaveCount(0);

  await interpreter.getByRole("button", { name: "Silenciar •••• 0001" }).click();
  await expect(interpreter.getByText("Sem áudio")).toBeVisible({ timeout: 5_000 });
  await expect(interpreter.getByRole("button", { name: "Silenciar •••• 0001" })).toBeDisabled();

  await interpreter.getByRole("button", { name: "Remover •••• 0001" }).click();
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "•••• 0001" })).toHaveCount(0, { timeout: 5_000 });

  // a second number declines
  await setEndpoint(emulator, "+5511955550002", "decline");
  await phone.fill("+5511955550002");
  await live.getByRole("button", { name: "Ligar e convidar" }).click();
  await expect(live.getByTestId("invitations")).toContainText(/•••• 0002 — recusou/, { timeout: 10_000 });
  // in words: no "(código 603/0)", and no lasting "Convidando •••• 0002…"
  await expect(live.getByTestId("invitations")).not.toContainText(/código|603/);
  await expect(live.getByText("•••• 0002: recusou.")).toBeVisible();
  await expect(live.getByText("Convidando •••• 0002…")).toHaveCount(0);
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "•••• 0002" })).toHaveCount(0);

  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the call log lists the call, with people as names or masked numbers, and links to the appointment
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Chamadas" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Chamadas" })).toBeVisible();
  const row = page.getByTestId("call-row").filter({ hasText: "Reunião da consulta" }).first();
  await expect(row).toContainText("Adriana Rodrigues");
  await expect(row).toContainText("•••• 0002");
  await expect(row).not.toContainText("5511955550002");
  await expect(row.getByRole("link", { name: "Consulta" })).toHaveAttribute("href", `/appointments/${appointmentId}`);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // back on the appointment the bot leaves
  await page.goto(appointmentUrl);
  await live.getByRole("button", { name: "Robô sai da reunião" }).click();
  await expect(live.getByText("O robô não está na reunião.")).toBeVisible({ timeout: 10_000 });
  await expect(live.getByRole("button", { name: "Robô entra na reunião" })).toBeVisible();

  await emulator.dispose();
});

test("staff start a case-conference group call and see who answered", async ({ page }) => {
  await signIn(page, "staff");
  await page.goto("/calls/group");
  await page.getByRole("button", { name: "Iniciar chamada em grupo" }).click();
  await expect(page.getByText("Escolha de 2 a 5 pessoas.").first()).toBeVisible();
  await page.getByRole("checkbox", { name: /Dra\. Ana Ribeiro/ }).check();
  await page.getByRole("checkbox", { name: /Dr\. Rafael Souza/ }).check();
  await page.getByRole("button", { name: "Iniciar chamada em grupo" }).click();
  await expect(page).toHaveURL(/\/calls\/group\?call=[0-9a-f-]{36}$/);
  const inCall = page.getByRole("region", { name: /^Na chamada \(/ });
  await expect(inCall.getByRole("listitem").filter({ hasText: "Dra. Ana Ribeiro" })).toBeVisible({ timeout: 15_000 });
  await expect(inCall.getByRole("listitem").filter({ hasText: "Dr. Rafael Souza" })).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await page.getByRole("button", { name: "Robô sai da chamada" }).click();
  await expect(page.getByText("Esta chamada terminou.")).toBeVisible({ timeout: 10_000 });
});
