import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

test.describe("landing page", () => {
  test("speaks Brazilian Portuguese by default and has no accessibility violations", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "pt-BR");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("As consultas da sua clínica, no Teams");
    await expect(page.getByRole("button", { name: "Entrar com a Microsoft" })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  test("switches to English and remembers the choice", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("Idioma").selectOption("en");
    await page.getByRole("button", { name: "Mudar idioma" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your clinic's appointments, on Teams");
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  test("follows the browser's language when nothing was chosen", async ({ browser }) => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
    await context.close();
  });
});
