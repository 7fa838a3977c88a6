import { expect, type Page, test } from "@playwright/test";
import { bookFor, signIn } from "./fixtures";

// Dates follow the language the page is shown in, not the one stored on the person's profile (pt-BR for
// every demo user): after switching to English, every screen with a date writes it in English, in the
// viewer's zone, and a time range is written with one formatter.
const portuguese =
  /feira|sábado|domingo|janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|\b(seg|ter|qua|qui|sex|sáb|dom)\./i;
const englishDay = /Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday/;
const englishShortDay = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), /;

/**
 * Picks the language and waits until the page is shown in it (the switcher's button in the new language): the
 * server action sets the cookie, and a navigation started before its answer would abort it.
 */
async function switchLanguage(page: Page, label: string, button: string, to: "en" | "pt-BR", nowButton: string) {
  await page.getByLabel(label, { exact: true }).selectOption(to);
  await page.getByRole("button", { name: button }).click();
  await expect(page.getByRole("button", { name: nowButton })).toBeVisible();
}

/** The value next to a term of a definition list ("When" → the appointment's time). */
const definition = (page: Page, term: string) =>
  page.locator("dt", { hasText: term }).locator("xpath=following-sibling::dd[1]");

test("after switching to English, appointments, slots, meetings, calls and history show English dates", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, "staff");
  const { appointmentUrl } = await bookFor(page, "Antônio", "Antônio Souza");
  await switchLanguage(page, "Idioma", "Mudar idioma", "en", "Change language");

  await page.goto(appointmentUrl);
  const when = definition(page, "When");
  await expect(when).toContainText(englishDay);
  await expect(when).not.toContainText(portuguese);
  // one range, one form: "Monday, June 15, 2026, 7:30 – 8:00 PM", never "7:30 PM–08:00 PM"
  await expect(when).toContainText(/\d{1,2}:\d{2}\s–\s\d{1,2}:\d{2}\s[AP]M/);
  await expect(when).not.toContainText(/\b0\d:\d{2}\s[AP]M/);
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText(englishDay);
  await expect(history).not.toContainText(portuguese);

  await page.getByRole("link", { name: "Reschedule" }).click();
  await expect(page.getByText(/^Now booked for/)).toContainText(englishDay);
  const before = page.url();
  await page.getByRole("link", { name: "Next week" }).click();
  await page.waitForURL((url) => url.href !== before);
  const day = page
    .getByRole("group")
    .filter({ has: page.getByRole("button", { name: /^Book at/ }) })
    .last();
  await expect(day.locator("legend")).toHaveText(englishShortDay);
  await expect(day.getByRole("button", { name: /^Book at/ }).first()).toHaveAccessibleName(englishDay);
  await expect(page.locator("main")).not.toContainText(portuguese);

  await page.goto("/appointments");
  await expect(page.getByRole("heading", { level: 2 }).first()).toHaveText(englishShortDay);
  await expect(page.locator("main")).not.toContainText(portuguese);

  await page.goto("/meetings");
  await expect(page.locator("main li").first()).toContainText(englishDay);
  await expect(page.locator("main")).not.toContainText(portuguese);

  await page.goto("/calls");
  await expect(page.locator("main")).not.toContainText(portuguese);

  // and back: the same screens in Portuguese
  await switchLanguage(page, "Language", "Change language", "pt-BR", "Mudar idioma");
  await page.goto(appointmentUrl);
  await expect(definition(page, "Quando")).toContainText(portuguese);
});
