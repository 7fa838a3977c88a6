import fs from "node:fs";
import path from "node:path";
import { expect, type Locator, type Page } from "@playwright/test";
import { e2eDataDir } from "../playwright.config";

export const demoUsers = {
  clinician: { upn: "ana.ribeiro@aurora.example", name: "Dra. Ana Ribeiro" },
  otherClinician: { upn: "emily.carter@aurora.example", name: "Dr. Emily Carter" },
  staff: { upn: "carla.mendes@aurora.example", name: "Carla Mendes" },
  admin: { upn: "marta.oliveira@aurora.example", name: "Marta Oliveira" },
} as const;

export type DemoRole = keyof typeof demoUsers;

/** Where the setup project (e2e/sign-in.setup.ts) keeps each role's signed-in browser state for the run. */
export function signedInStatePath(who: DemoRole): string {
  return path.join(e2eDataDir, "signed-in", `${who}.json`);
}

/**
 * Starts `page` signed in as `who`, on the page a sign-in lands on, with the session the setup project
 * opened through the sign-in page once for the whole run (each test still gets its own browser context).
 */
export async function signIn(page: Page, who: DemoRole): Promise<void> {
  const state = JSON.parse(fs.readFileSync(signedInStatePath(who), "utf8")) as {
    cookies: Parameters<ReturnType<Page["context"]>["addCookies"]>[0];
  };
  await page.context().addCookies(state.cookies);
  await page.goto("/appointments");
  await expect(page.getByText(demoUsers[who].name, { exact: false }).first()).toBeVisible();
}

/**
 * Signs in through the local Entra ID's own sign-in page, as a person would: for the tests of signing in
 * and out themselves, and for the setup project.
 */
export async function signInThroughPage(page: Page, who: DemoRole): Promise<void> {
  const user = demoUsers[who];
  await page.goto("/");
  await page.getByRole("button", { name: /Entrar com a Microsoft|Sign in with Microsoft/ }).click();
  await page.getByRole("textbox", { name: /Email/ }).fill(user.upn);
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText(user.name, { exact: false }).first()).toBeVisible();
}

export const emulatorUrl = `https://localhost:${process.env.E2E_EMULATOR_PORT ?? 4543}`;

/**
 * Follows a link and waits for the page it leads to, by that link's own address. Waiting for "another
 * address than before" is not enough: read while the previous navigation (choosing the patient, say) was
 * still under way, the address changes when that one lands, and the old page is taken for the new. The App
 * Router moves the address together with the new page's content.
 */
export async function follow(page: Page, link: Locator): Promise<void> {
  const href = await link.getAttribute("href");
  if (!href) throw new Error("the link has no address");
  const target = new URL(href, page.url()).href;
  await link.click();
  await page.waitForURL((url) => url.href === target);
}

/** Follows the slot list's "next week" link and waits for that week before anything is picked from it. */
export async function showNextWeek(page: Page): Promise<void> {
  await follow(page, page.getByRole("link", { name: "Próxima semana" }));
}

/**
 * The last day shown in the slot list. The page also offers the first free times (today, often), so the
 * first "Agendar às" button on the page can be today's — late in the day inside the cancellation cutoff.
 */
export function lastDayOfSlots(page: Page) {
  return page
    .getByRole("group")
    .filter({ has: page.getByRole("button", { name: /^Agendar às/ }) })
    .last();
}

/**
 * Books a free slot (the `slotIndex`-th) on the last day of next week with Dra. Ana Ribeiro for a seeded
 * patient, through the booking page, and opens the appointment. Returns the patient's link (shown once)
 * and the appointment's URL.
 */
export async function bookFor(
  page: Page,
  patientQuery: string,
  patientName: string,
  slotIndex = 0,
  typeLabel = "Consulta",
): Promise<{ link: string; appointmentUrl: string; appointmentId: string }> {
  await page.goto("/appointments/new");
  await page.getByLabel("Profissional", { exact: true }).selectOption({ label: "Dra. Ana Ribeiro" });
  await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: typeLabel });
  await page.getByRole("button", { name: "Continuar" }).click();
  await page.getByLabel(/Buscar paciente/).fill(patientQuery);
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await page.getByRole("link", { name: `Escolher ${patientName}` }).click();
  await showNextWeek(page);
  await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .nth(slotIndex)
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta agendada.")).toBeVisible();
  const link = await page.getByLabel(/Link do paciente/).inputValue();
  await page.getByRole("link", { name: "Abrir a consulta" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(patientName);
  const appointmentUrl = page.url();
  return { link, appointmentUrl, appointmentId: new URL(appointmentUrl).pathname.split("/").pop()! };
}

/**
 * The review step after a time is chosen (booking or moving): optionally a note for the clinician, the
 * patient's agreement when the time is at night for them, then the confirmation.
 */
export async function confirmReview(page: Page, options: { note?: string } = {}): Promise<void> {
  const review = page.getByRole("region", { name: /^Confira (antes de agendar|o novo horário)$/ });
  await expect(review).toBeVisible();
  if (options.note) await review.getByLabel(/Motivo da consulta ou nota para o profissional/).fill(options.note);
  const night = review.getByLabel("O paciente concordou com este horário");
  if (await night.count()) await night.check();
  await review.getByRole("button", { name: /^(Confirmar o agendamento|Remarcar para este horário)$/ }).click();
}
