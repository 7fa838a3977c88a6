// Sessions for every kind of visitor and the records the authorization matrix opens: an appointment
// of the clinician's with its meeting and patient link, made through the UI as a person would.
import crypto from "node:crypto";
import fs from "node:fs";
import { type Browser, type BrowserContext, expect } from "@playwright/test";
import { withDb } from "./db";
import { confirmReview, type DemoRole, demoUsers, showNextWeek, signedInStatePath } from "./fixtures";
import type { Visitor, World } from "./routes";

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * Every staff role's session, as the sign-in project opened them for the run; anonymous visitors and
 * patient-link holders have none.
 */
export function sessionsFor(
  who: DemoRole[] = Object.keys(demoUsers) as DemoRole[],
): Record<Visitor, StorageState | undefined> {
  const states: Partial<Record<Visitor, StorageState>> = {};
  for (const role of who) states[role] = JSON.parse(fs.readFileSync(signedInStatePath(role), "utf8")) as StorageState;
  return { anonymous: undefined, patientLink: undefined, ...states } as Record<Visitor, StorageState | undefined>;
}

/** The clinician books an appointment in her own calendar; waits for its Teams meeting. */
export async function makeWorld(browser: Browser, clinicianState: StorageState): Promise<World> {
  const context = await browser.newContext({ storageState: clinicianState });
  const page = await context.newPage();
  await page.goto("/appointments/new");
  await page.getByLabel("Profissional", { exact: true }).selectOption({ label: demoUsers.clinician.name });
  await page.getByLabel("Tipo de consulta", { exact: true }).selectOption({ label: "Consulta" });
  await page.getByRole("button", { name: "Continuar" }).click();
  await page.getByLabel(/Buscar paciente/).fill("Tiago");
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await page.getByRole("link", { name: "Escolher Tiago Martins" }).click();
  await showNextWeek(page);
  await page
    .getByRole("button", { name: /^Agendar às/ })
    .last()
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta agendada.")).toBeVisible();
  const link = await page.getByLabel(/Link do paciente/).inputValue();
  await page.getByRole("link", { name: "Abrir a consulta" }).click();
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
  const appointment = new URL(page.url()).pathname.split("/").pop()!;
  await context.close();

  const ids = await withDb(async (db) => {
    const { rows } = await db.query<{ patient: string; meeting: string; clinician: string }>(
      `select a."patientId" as patient, m.id as meeting, a."clinicianId" as clinician
         from "Appointment" a join "OnlineMeeting" m on m."appointmentId" = a.id where a.id = $1`,
      [appointment],
    );
    return rows[0]!;
  });
  return {
    appointment,
    ...ids,
    token: link.split("/j/")[1]!,
    unknown: crypto.randomUUID(),
    unknownToken: crypto.randomBytes(32).toString("base64url"),
  };
}
