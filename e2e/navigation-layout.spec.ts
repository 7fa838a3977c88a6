import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

// An admin sees every link; in Portuguese, on a 1440-px screen, they stay on one line with the name and
// "Sair" (the header once wrapped to two lines there).
test("the Portuguese navigation fits on one line at 1440 px", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, "admin");
  const links = page.getByRole("navigation", { name: "Principal" }).getByRole("link");
  await expect(links).toHaveCount(10);
  const tops = new Set<number>();
  for (const link of await links.all()) {
    const box = await link.boundingBox();
    expect(box).not.toBeNull();
    tops.add(Math.round(box!.y));
    // a label never breaks inside: one line of text is less than two lines high
    expect(box!.height).toBeLessThan(30);
  }
  expect([...tops]).toHaveLength(1);
  const signOut = await page.getByRole("button", { name: "Sair" }).boundingBox();
  const first = await links.first().boundingBox();
  expect(Math.abs(signOut!.y + signOut!.height / 2 - (first!.y + first!.height / 2))).toBeLessThan(12);
});
