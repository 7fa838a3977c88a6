import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signInThroughPage } from "./fixtures";

test.describe("sign-in with Microsoft Entra ID", () => {
  test("a clinician signs in through the tenant's sign-in page and lands on their appointments", async ({
    page,
    context,
  }) => {
    await signInThroughPage(page, "clinician");
    await expect(page).toHaveURL(/\/appointments$/);
    await expect(page.getByRole("heading", { level: 1, name: "Consultas" })).toBeVisible();
    // the session cookie is httpOnly and the Entra tokens never reach the browser
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name.includes("authjs.session-token"));
    expect(session?.httpOnly).toBe(true);
    expect(cookies.some((c) => c.value.startsWith("eyJ"))).toBe(false);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  test("signing out ends the session", async ({ page }) => {
    await signInThroughPage(page, "staff");
    await page.getByRole("button", { name: "Sair" }).click();
    await expect(page.getByRole("button", { name: "Entrar com a Microsoft" })).toBeVisible();
    await page.goto("/appointments");
    await expect(page).toHaveURL(/\/$/);
  });

  test("anonymous visitors are sent to the landing page", async ({ page }) => {
    await page.goto("/patients");
    await expect(page.getByRole("button", { name: "Entrar com a Microsoft" })).toBeVisible();
  });
});
