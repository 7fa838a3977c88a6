import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { withDb } from "./db";
import { bookFor, signIn } from "./fixtures";

// A clinician takes time off over a visit already booked: adding it says so, and the visit is listed under
// the time off with a way to move it and a way to cancel it.
test("time off over a booked visit lists it, to reschedule or cancel", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "clinician");
  const { appointmentId } = await bookFor(page, "Rafaela", "Rafaela Gomes", 1);
  // the visit's local date and hour (the clinician is in São Paulo)
  const startsAt = await withDb(async (db) => {
    const { rows } = await db.query<{ startsAt: Date }>(`select "startsAt" from "Appointment" where id = $1`, [
      appointmentId,
    ]);
    return rows[0]!.startsAt;
  });
  const local = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo", ...options }).format(startsAt);
  const date = local({});
  const hour = Number(local({ hour: "2-digit", hourCycle: "h23" }));

  await page.goto("/availability");
  const exceptions = page.getByRole("region", { name: "Folgas e horários extras" });
  await exceptions.getByLabel("Data", { exact: true }).fill(date);
  await exceptions.getByLabel("Folga", { exact: true }).check();
  await exceptions.getByLabel(/^Das/).fill(`${String(hour).padStart(2, "0")}:00`);
  await exceptions.getByLabel(/^Até/).fill(`${String(hour + 1).padStart(2, "0")}:00`);
  await exceptions.getByLabel(/^Observação/).fill("Congresso");
  await exceptions.getByRole("button", { name: "Adicionar exceção" }).click();
  await expect(exceptions.getByText(/Folga adicionada\. Uma consulta marcada cai nela/)).toBeVisible();

  const affected = exceptions.getByRole("group", { name: /Uma consulta marcada cai nesta folga/ });
  const visit = affected.getByTestId("affected-visit").filter({ hasText: "Rafaela Gomes" });
  await expect(visit).toBeVisible();
  await expect(visit.getByRole("link", { name: /Remarcar a consulta de Rafaela Gomes/ })).toHaveAttribute(
    "href",
    `/appointments/${appointmentId}/reschedule`,
  );
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the reschedule page opens from there
  await visit.getByRole("link", { name: /Remarcar a consulta de Rafaela Gomes/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Remarcar a consulta" })).toBeVisible();
  await page.goBack();

  // cancelled from the list, it leaves the list
  await visit.getByLabel("Sim, cancelar esta consulta").check();
  await visit.getByRole("button", { name: "Cancelar consulta" }).click();
  await expect(exceptions.getByTestId("affected-visit").filter({ hasText: "Rafaela Gomes" })).toHaveCount(0, {
    timeout: 10_000,
  });
  const status = await withDb(async (db) => {
    const { rows } = await db.query<{ status: string }>(`select status from "Appointment" where id = $1`, [
      appointmentId,
    ]);
    return rows[0]!.status;
  });
  expect(status).toBe("CANCELLED");

  // the time off goes again, so other tests find that week as the seed made it
  await exceptions
    .getByRole("button", { name: /^Excluir Folga em/ })
    .first()
    .click();
  await expect(exceptions.getByText("Exceção excluída.")).toBeVisible();
});
