import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import { confirmReview, emulatorUrl, lastDayOfSlots, showNextWeek, signIn } from "./fixtures";

// The clinicians' Outlook (issue 20), through the app and the local Microsoft cloud: a busy time added to
// Dr. Rafael Souza's Outlook calendar leaves the slot picker; booking puts a private event in his calendar,
// rescheduling moves it, cancelling removes it.
const RAFAEL_OID = "0a1c2e30-1111-4a00-8000-000000000002";

interface OutlookEvent {
  id: string;
  subject: string;
  sensitivity: string;
  transactionId?: string;
  start: { dateTime: string };
}

async function emulatorApi() {
  return playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
}

async function mailbox(): Promise<OutlookEvent[]> {
  const emulator = await emulatorApi();
  const events = (await (await emulator.get(`/_emulator/mailboxes/${RAFAEL_OID}/events`)).json()).value;
  await emulator.dispose();
  return events;
}

/** The booking grid of next week for Dr. Rafael Souza and Carlos Ferreira. */
async function openGrid(page: Page) {
  await page.goto("/appointments/new");
  await page.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dr. Rafael Souza" });
  await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: "Consulta" });
  await page.getByRole("button", { name: "Continuar" }).click();
  await page.getByLabel(/Buscar paciente/).fill("Carlos");
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await page.getByRole("link", { name: "Escolher Carlos Ferreira" }).click();
  await showNextWeek(page);
}

/** The instant a slot button stands for: the review it opens carries it (nothing is booked). */
async function startOf(page: Page, index: number): Promise<{ start: string; label: string }> {
  const button = lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .nth(index);
  const label = (await button.getAttribute("aria-label"))!;
  await button.click();
  const start = await page.locator('input[name="startsAt"]').inputValue();
  return { start, label };
}

test("Outlook busy times leave the picker; the visit's event follows booking, rescheduling and cancelling", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const emulator = await emulatorApi();
  // the app subscribes to each clinician's events on its first sync (the sweep runs every minute)
  await expect
    .poll(
      async () =>
        (await (await emulator.get("/_emulator/subscriptions")).json()).value.some(
          (s: { mailboxId: string }) => s.mailboxId === RAFAEL_OID,
        ),
      { timeout: 120_000, intervals: [2_000] },
    )
    .toBe(true);

  await signIn(page, "staff");
  await openGrid(page);
  const count = await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .count();
  // a time late in the day, where the other journeys book nothing
  const busy = await startOf(page, count - 2);
  // Dr. Rafael Souza is busy then in Outlook (the emulator's calendar page does the same for a person)
  const added = await emulator.post(`/_emulator/mailboxes/${RAFAEL_OID}/events`, {
    data: {
      subject: "Reunião do conselho",
      start: busy.start,
      end: new Date(Date.parse(busy.start) + 30 * 60_000).toISOString(),
      showAs: "busy",
    },
  });
  expect(added.status()).toBe(201);
  // the change notification reaches the app, whose delta puts it in the busy table: the slot leaves the grid
  await expect
    .poll(
      async () => {
        await openGrid(page);
        return page.getByRole("button", { name: busy.label, exact: true }).count();
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBe(0);
  // his week in the calendar shows the time as busy in Outlook (no title: the viewer is staff, not him)
  const busyDate = busy.start.slice(0, 10);
  await page.goto(`/appointments?view=week&date=${busyDate}`);
  await page.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dr. Rafael Souza" });
  await page.getByRole("button", { name: "Mostrar", exact: true }).click();
  const blocks = page.getByRole("list", { name: "Ocupado no Outlook" }).getByTestId("outlook-busy");
  await expect(blocks.first()).toBeVisible();
  await expect(blocks.filter({ hasText: "Reunião do conselho" })).toHaveCount(0);

  // booking an earlier time puts a private event in his Outlook, with no patient data in its subject
  await openGrid(page);
  await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .first()
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta agendada.")).toBeVisible();
  await page.getByRole("link", { name: "Abrir a consulta" }).click();
  await page.waitForURL(/\/appointments\/[0-9a-f-]{36}$/);
  const appointmentId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("outlook-state")).toHaveText("Na agenda do Outlook de Dr. Rafael Souza (particular)", {
    timeout: 60_000,
  });
  const ours = async () => (await mailbox()).find((e) => e.transactionId === `consulta-${appointmentId}`);
  const event = (await ours())!;
  expect(event.sensitivity).toBe("private");
  expect(event.subject).not.toContain("Carlos");
  expect(event.subject).not.toContain("Ferreira");
  const bookedAt = event.start.dateTime;

  // rescheduling moves it
  await page.getByRole("link", { name: "Remarcar" }).click();
  await showNextWeek(page);
  await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .nth(2)
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta remarcada para o novo horário.")).toBeVisible();
  await expect.poll(async () => (await ours())?.start.dateTime, { timeout: 60_000 }).not.toBe(bookedAt);
  expect((await mailbox()).filter((e) => e.transactionId === `consulta-${appointmentId}`)).toHaveLength(1);

  // cancelling removes it
  await page.goto(`/appointments/${appointmentId}`);
  await page.getByLabel("Sim, cancelar esta consulta").check();
  await page.getByRole("button", { name: "Cancelar consulta" }).click();
  await expect(page.getByText("Cancelada").first()).toBeVisible();
  await expect.poll(async () => (await ours()) ?? null, { timeout: 60_000 }).toBeNull();
  await expect(page.getByTestId("outlook-state")).toHaveText("Removido da agenda do Outlook de Dr. Rafael Souza", {
    timeout: 30_000,
  });
  // the clinician's own busy time is still his
  expect((await mailbox()).some((e) => e.subject === "Reunião do conselho")).toBe(true);
  await emulator.dispose();
});
