import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test("a clinician creates an ad-hoc Teams meeting, reads its details from Graph and finds it by its join link", async ({
  page,
}) => {
  await signIn(page, "clinician");
  await page.goto("/meetings");
  await page.getByLabel("Assunto").fill("Reunião de equipe");
  await page.getByLabel("Duração").selectOption("45");
  await page.getByRole("button", { name: "Criar reunião" }).click();
  await expect(page).toHaveURL(/\/meetings\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reunião de equipe");
  const joinLink = page.getByRole("link", { name: /meetup-join/ });
  await expect(joinLink).toBeVisible();
  await expect(page.getByText(/^\d{9,}$/).first()).toBeVisible(); // the meeting id from joinMeetingIdSettings
  await expect(page.getByText("Pessoas da organização")).toBeVisible(); // lobby: patients wait
  // Graph's values are shown in words, never raw ("organizer")
  await expect(page.getByTestId("meeting-lobby")).toHaveText("Pessoas da organização");
  await expect(page.getByTestId("meeting-presenters")).toHaveText("Só o organizador");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  const detailsUrl = page.url();
  const joinWebUrl = (await joinLink.getAttribute("href"))!;

  await page.goto("/meetings");
  await expect(page.getByRole("link", { name: "Reunião de equipe" })).toBeVisible();
  await page.getByLabel("Link de acesso do Teams").fill(joinWebUrl);
  await page.getByRole("button", { name: "Encontrar" }).click();
  await expect(page).toHaveURL(detailsUrl);
});
