// The attendance section (lib/attendance, components/attendance): once a visit has ended, its page says what
// Teams' attendance report found. The visit's clinician reads it; staff may correct how the visit ended, which
// the page shows at once and the audit log keeps; another clinician does not see the visit at all. The test
// puts the visit back as the seed left it, so it can run again on the same data.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { withDb } from "./db";
import { signIn } from "./fixtures";

// the seed's visit of the working day before (prisma/seed.ts): Leonor Carvalho with Dra. Ana Ribeiro, held
const PAST_VISIT = "5eed0000-0000-4000-b000-000000000007";

test("a past visit shows Teams' attendance; staff correct how it ended, audited; its clinician only reads it", async ({
  browser,
  page,
}) => {
  const clinicianContext = await browser.newContext();
  const clinician = await clinicianContext.newPage();
  await signIn(clinician, "clinician");
  await clinician.goto(`/appointments/${PAST_VISIT}`);
  const read = clinician.getByTestId("attendance");
  await expect(read.getByRole("heading", { name: "Presença" })).toBeVisible();
  await expect(read.getByTestId("attendance-decision")).toHaveText("Paciente e profissional participaram");
  await expect(read.getByTestId("attendance-patient-minutes")).toContainText("27 minutos");
  await expect(read.getByRole("button")).toHaveCount(0);
  expect((await new AxeBuilder({ page: clinician }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await clinicianContext.close();

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, "otherClinician");
  const response = await other.goto(`/appointments/${PAST_VISIT}`);
  expect(response?.status()).toBe(404);
  await expect(other.getByTestId("attendance")).toHaveCount(0);
  await otherContext.close();

  // staff: the report said held, but the patient was not there after all; then back again, as it was
  const since = new Date();
  await signIn(page, "staff");
  await page.goto(`/appointments/${PAST_VISIT}`);
  const section = page.getByTestId("attendance");
  await expect(page.getByText("Realizada", { exact: true }).first()).toBeVisible();
  await section.getByRole("button", { name: "Marcar como falta" }).click();
  await expect(section.getByRole("status")).toHaveText("Salvo. A alteração está no registro de auditoria.");
  await expect(section.getByTestId("attendance-corrected")).toContainText("Carla Mendes");
  await expect(page.getByText("Não compareceu", { exact: true }).first()).toBeVisible();
  // the way back is offered, the one just taken is not
  await expect(section.getByRole("button", { name: "Marcar como falta" })).toHaveCount(0);
  await section.getByRole("button", { name: "Marcar como realizada" }).click();
  await expect(page.getByText("Realizada", { exact: true }).first()).toBeVisible();
  await expect(section.getByRole("button", { name: "Marcar como falta" })).toBeVisible();

  const audited = await withDb(async (db) => {
    const { rows } = await db.query<{ actor: string; to: string }>(
      `select "actorLabel" as actor, details->>'to' as to from "AuditLog"
        where action = 'appointment.attendance-corrected' and "entityId" = $1 and at >= $2 order by at, id`,
      [PAST_VISIT, since],
    );
    return rows;
  });
  expect(audited).toEqual([
    { actor: expect.stringContaining("Carla Mendes"), to: "NO_SHOW" },
    { actor: expect.stringContaining("Carla Mendes"), to: "COMPLETED" },
  ]);
});
