import { expect, type Page } from "@playwright/test";

export const demoUsers = {
  clinician: { upn: "ana.ribeiro@aurora.example", name: "Dra. Ana Ribeiro" },
  otherClinician: { upn: "emily.carter@aurora.example", name: "Dr. Emily Carter" },
  staff: { upn: "carla.mendes@aurora.example", name: "Carla Mendes" },
  admin: { upn: "marta.oliveira@aurora.example", name: "Marta Oliveira" },
} as const;

/** Signs in through the local Entra ID's own sign-in page, as a person would. */
export async function signIn(page: Page, who: keyof typeof demoUsers): Promise<void> {
  const user = demoUsers[who];
  await page.goto("/");
  await page.getByRole("button", { name: /Entrar com a Microsoft|Sign in with Microsoft/ }).click();
  await page.getByRole("textbox", { name: /Email/ }).fill(user.upn);
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText(user.name, { exact: false }).first()).toBeVisible();
}
