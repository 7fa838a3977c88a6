// The admin's audit search: a booking made in this test is found by who made it and what it was
// about, with when and from where; the page is for admins only and passes axe.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { bookFor, demoUsers, signIn } from "./fixtures";
import { routeTable } from "./routes";

test("an admin finds the audit row of a booking by its actor and subject", async ({ browser }) => {
  test.setTimeout(120_000);
  const staff = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "203.0.113.45" } });
  const staffPage = await staff.newPage();
  await signIn(staffPage, "staff");
  const { appointmentId } = await bookFor(staffPage, "Lucas", "Lucas Barbosa", 2);
  await staff.close();

  const admin = await browser.newContext();
  const page = await admin.newPage();
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Auditoria" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Auditoria" })).toBeVisible();

  await page.getByLabel("Pessoa").selectOption({ label: `${demoUsers.staff.name} (Recepção)` });
  await page.getByLabel("Assunto", { exact: true }).fill(appointmentId);
  await page.getByRole("button", { name: "Buscar" }).click();
  await expect(page).toHaveURL(new RegExp(`subject=${appointmentId}`));

  const rows = page.getByTestId("audit-row");
  const booking = rows.filter({ hasText: "appointment.book" });
  await expect(booking).toHaveCount(1);
  await expect(booking).toContainText(demoUsers.staff.name);
  // the action as a sentence, the code under it for the filter
  await expect(booking).toContainText(`${demoUsers.staff.name} (Recepção) agendou a consulta.`);
  await expect(booking).toContainText(appointmentId);
  // from where: the address the trusted proxy (here, the test) appended
  await expect(booking).toContainText("203.0.113.45");
  await expect(booking.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  // staff also opened the appointment afterwards: the read is in the trail too
  await expect(rows.filter({ hasText: "appointment.read" })).toHaveCount(1);
  // every row shown is by that person and about that appointment
  for (const row of await rows.all()) await expect(row).toContainText(demoUsers.staff.name);

  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // a broken link gets a message, not an error page
  const response = await page.goto("/admin/audit?from=2026-13-01&to=2026-01-01&actor=someone");
  expect(response?.status()).toBe(200);
  const problem = page.getByRole("alert").filter({ hasText: "Esta busca não pode ser feita" });
  await expect(problem).toContainText("As datas são datas do calendário");
  await expect(problem).toContainText("Escolha uma pessoa da lista.");
  await expect(page.getByLabel("Pessoa")).toHaveAttribute("aria-invalid", "true");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await admin.close();
});

test("other roles get the route table's answer for the audit page", async ({ browser, baseURL }) => {
  const entry = routeTable.find((c) => c.file === "app/(app)/admin/audit/page.tsx")!;
  for (const who of ["clinician", "staff"] as const) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, who);
    const response = await page.request.get(`${baseURL}/admin/audit`, { maxRedirects: 0 });
    expect(response.status()).toBe(entry.expect[who]);
    await expect(page.getByRole("link", { name: "Auditoria" })).toHaveCount(0);
    await context.close();
  }
});
