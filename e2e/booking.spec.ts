import fs from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { bookFor, confirmReview, lastDayOfSlots, showNextWeek, signIn } from "./fixtures";

test.describe("booking, the patient link, rescheduling and cancelling", () => {
  test("staff book a patient; the patient confirms from a phone in their language", async ({ page, browser }) => {
    await signIn(page, "staff");
    const { link, appointmentUrl } = await bookFor(page, "Maria", "Maria Silva");
    expect(link).toMatch(/\/j\/[A-Za-z0-9_-]{43}$/);
    await expect(page.getByText("Agendada").first()).toBeVisible();
    // the Teams meeting is created by the job queue (staff booking → application permission)
    await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
    expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "en-US" });
    const patient = await phone.newPage();
    const response = await patient.goto(link);
    expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
    // the patient's own language (pt-BR in the seed), whatever the phone says
    await expect(patient.getByRole("heading", { name: "Olá, Maria" })).toBeVisible();
    await expect(patient.getByText("Consulta com Dra. Ana Ribeiro")).toBeVisible();
    await expect(patient.getByText(/America\/Sao Paulo/)).toBeVisible();
    const join = patient.getByRole("link", { name: "Entrar na teleconsulta (Microsoft Teams)" });
    await expect(join).toHaveAttribute("href", /\/l\/meetup-join\//);
    // nothing beyond the first name is shown
    await expect(patient.getByText("Silva")).toHaveCount(0);
    const scrollWidth = await patient.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(360);
    expect((await new AxeBuilder({ page: patient }).analyze()).violations.map((v) => v.id)).toEqual([]);

    const download = patient.waitForEvent("download");
    await patient.getByRole("link", { name: /Arquivo de agenda \(\.ics\)/ }).click();
    const ics = fs.readFileSync((await (await download).path())!, "utf8");
    expect(ics).toMatch(/BEGIN:VEVENT/);
    expect(ics).toMatch(/DTSTART:\d{8}T\d{6}Z/);
    expect(ics).toContain("Dra. Ana Ribeiro");

    await patient.getByRole("button", { name: "Confirmar presença" }).click();
    await expect(patient.getByText("Obrigado — sua presença está confirmada.")).toBeVisible();

    await page.goto(appointmentUrl);
    await expect(page.getByText("Confirmada").first()).toBeVisible();
    await phone.close();
  });

  test("rescheduling keeps the patient's link, which shows the new time; cancelling makes it say so", async ({
    page,
    browser,
  }) => {
    await signIn(page, "staff");
    const { link } = await bookFor(page, "José", "José Santos");
    await page.getByRole("link", { name: "Remarcar" }).click();
    await showNextWeek(page);
    await lastDayOfSlots(page)
      .getByRole("button", { name: /^Agendar às/ })
      .nth(3)
      .click();
    await confirmReview(page);
    // a move says so: not "Consulta agendada."
    await expect(page.getByText("Consulta remarcada para o novo horário.")).toBeVisible();
    await expect(page.getByText("Consulta agendada.")).toHaveCount(0);

    // one link for the appointment's whole life: the patient's says it moved
    const phone = await browser.newContext();
    const patient = await phone.newPage();
    expect((await patient.goto(link))?.status()).toBe(200);
    await expect(patient.getByTestId("moved")).toContainText("Esta consulta foi remarcada");

    await page.getByRole("link", { name: "Abrir a consulta" }).click();
    // the history says what happened, in words
    await expect(page.getByRole("region", { name: "Histórico" })).toContainText(
      "Carla Mendes (Recepção) remarcou a consulta para",
    );
    await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
    await expect(page.getByRole("button", { name: "Robô entra na reunião" })).toBeVisible();
    await page.getByLabel("Sim, cancelar esta consulta").check();
    await page.getByRole("button", { name: "Cancelar consulta" }).click();
    await expect(page.getByText("Cancelada").first()).toBeVisible();
    await expect(page.getByRole("link", { name: "Remarcar" })).toHaveCount(0);
    // without a reload: the meeting is no longer offered, and the page follows its removal
    await expect(page.getByRole("link", { name: "Abrir no Teams" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Robô entra na reunião" })).toHaveCount(0);
    await expect(page.getByTestId("meeting-state")).toHaveText("Excluída", { timeout: 30_000 });
    // the same link now says the appointment was cancelled, and how to book again; no way to join
    expect((await patient.goto(link))?.status()).toBe(200);
    await expect(patient.getByRole("heading", { name: "Esta consulta foi cancelada" })).toBeVisible();
    await expect(patient.getByText(/Para marcar um novo horário, ligue para Clínica Aurora/)).toBeVisible();
    await expect(patient.getByRole("link", { name: /Entrar na teleconsulta/ })).toHaveCount(0);
    await phone.close();
  });

  test("a time just taken elsewhere leaves the grid, with the times overlapping it", async ({ page, browser }) => {
    test.setTimeout(120_000);
    await signIn(page, "staff");
    // the grid of next week for Paulo, open before anyone else books
    await page.goto("/appointments/new");
    await page.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dra. Ana Ribeiro" });
    await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: "Consulta" });
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByLabel(/Buscar paciente/).fill("Paulo");
    await page.getByRole("button", { name: "Buscar", exact: true }).click();
    await page.getByRole("link", { name: "Escolher Paulo Pereira" }).click();
    await showNextWeek(page);
    const day = lastDayOfSlots(page);
    // late in the day, where earlier tests booked nothing: the times around it are all free
    const before = await day.getByRole("button", { name: /^Agendar às/ }).count();
    const index = before - 3;
    const wanted = day.getByRole("button", { name: /^Agendar às/ }).nth(index);
    const label = (await wanted.getAttribute("aria-label"))!;

    // someone else books that very time first
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signIn(otherPage, "staff");
    await bookFor(otherPage, "Fernanda", "Fernanda Ribeiro", index);
    await other.close();

    await wanted.click();
    await confirmReview(page);
    await expect(page.getByText(/Esse horário acabou de ser ocupado por outro agendamento/)).toBeVisible();
    // without a reload, the grid no longer offers it, nor the times whose visit would overlap it
    await expect(page.getByRole("button", { name: label, exact: true })).toHaveCount(0);
    await expect
      .poll(async () => before - (await day.getByRole("button", { name: /^Agendar às/ }).count()))
      .toBeGreaterThanOrEqual(2);
  });

  test("a clinician cannot open another clinician's appointment", async ({ page, browser }) => {
    await signIn(page, "staff");
    const { appointmentUrl } = await bookFor(page, "Francisca", "Francisca Oliveira");
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signIn(otherPage, "otherClinician");
    expect((await otherPage.goto(appointmentUrl))?.status()).toBe(404);
    await other.close();
  });
});

test("a clinician books in their own calendar and the meeting is made with their own Microsoft sign-in", async ({
  page,
  browser,
}) => {
  await signIn(page, "clinician");
  const { link } = await bookFor(page, "Beatriz", "Beatriz Lima");
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const patient = await phone.newPage();
  await patient.goto(link);
  await expect(patient.getByRole("link", { name: "Entrar na teleconsulta (Microsoft Teams)" })).toBeVisible();
  await phone.close();
});
