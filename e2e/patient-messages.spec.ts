import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { bookFor, confirmReview, emulatorUrl, lastDayOfSlots, showNextWeek, signIn } from "./fixtures";

// The patient's whole journey by message and link, read where the patient would read it: the emulator's
// outbox (the clinic mailbox's e-mail, ACS's texts) and the link on a phone.

// seeded patients who agreed to messages: Carlos (pt-BR, São Paulo), Emma (en, New York)
const CARLOS = {
  query: "Carlos",
  name: "Carlos Ferreira",
  email: "carlos.ferreira@mail.example",
  phone: "+5551987650006",
};
const EMMA = { query: "Emma", name: "Emma Johnson", email: "emma.johnson@mail.example", phone: "+12125550115" };

interface OutboxMail {
  subject: string;
  body: string;
  attachments: { name: string; text?: string }[];
}
interface OutboxSms {
  direction: string;
  text: string;
  delivery: string;
}

// Every message about an appointment carries its one link, so the link tells this journey's messages from
// those other journeys sent the same seeded patient (the Outlook journey books Carlos too).
async function mailFor(emulator: APIRequestContext, address: string, link: string): Promise<OutboxMail[]> {
  const response = await emulator.get(`/_emulator/outbox/mail?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { value: OutboxMail[] }).value.filter((m) => m.body.includes(link));
}
async function smsFor(emulator: APIRequestContext, phone: string, link: string): Promise<OutboxSms[]> {
  const response = await emulator.get(`/_emulator/outbox/sms?with=${encodeURIComponent(phone)}`);
  return ((await response.json()) as { value: OutboxSms[] }).value.filter(
    (s) => s.direction === "outgoing" && s.text.includes(link),
  );
}

/** Waits for `count` e-mails and texts to the patient about the appointment of `link`; returns the newest of each. */
async function newest(emulator: APIRequestContext, who: { email: string; phone: string }, link: string, count: number) {
  await expect.poll(async () => (await mailFor(emulator, who.email, link)).length, { timeout: 30_000 }).toBe(count);
  await expect.poll(async () => (await smsFor(emulator, who.phone, link)).length, { timeout: 30_000 }).toBe(count);
  return {
    mail: (await mailFor(emulator, who.email, link)).at(-1)!,
    sms: (await smsFor(emulator, who.phone, link)).at(-1)!,
  };
}

test("staff book, move and cancel: the patient hears of each in Portuguese, and the one link follows", async ({
  page,
  browser,
}) => {
  test.setTimeout(150_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  await signIn(page, "staff");
  const { link } = await bookFor(page, CARLOS.query, CARLOS.name);

  // booked: an e-mail from the clinic's mailbox with the calendar invitation, and a text, both with the link
  const booked = await newest(emulator, CARLOS, link, 1);
  expect(booked.mail.subject).toMatch(/^Consulta agendada: /);
  expect(booked.mail.body).toContain(link);
  expect(booked.mail.body).toContain("Dra. Ana Ribeiro");
  expect(booked.mail.body).toContain("Clínica Aurora");
  const invitation = booked.mail.attachments.find((a) => a.name.endsWith(".ics"))?.text ?? "";
  expect(invitation).toContain("METHOD:REQUEST");
  expect(invitation).toContain("SEQUENCE:0");
  expect(booked.sms.text).toContain(link);
  expect(booked.sms.text).toMatch(/^Clinica Aurora: Carlos, sua consulta com Dra\. Ana Ribeiro foi agendada para /);
  // a person reads the same on the emulator's outbox page
  const outbox = await browser.newContext({ ignoreHTTPSErrors: true });
  const outboxPage = await outbox.newPage();
  await outboxPage.goto(`${emulatorUrl}/_emulator/outbox?to=${encodeURIComponent(CARLOS.email)}`);
  // newest first: the first card with this subject is this booking's (another journey's may share its time)
  const card = outboxPage
    .getByRole("article")
    .filter({ has: outboxPage.getByRole("heading", { name: `E-mail: ${booked.mail.subject}`, exact: true }) })
    .first();
  await expect(card).toBeVisible();
  await expect(card.getByRole("link", { name: /^Attachment: consulta\.ics/ })).toBeVisible();
  await outbox.close();
  // staff see each message's state, and the link to copy
  const messages = page.getByTestId("patient-messages");
  await expect(messages).toContainText("Agendamento");
  await expect(messages).toContainText(/Enviada|Entregue/, { timeout: 30_000 });
  await expect(page.getByTestId("patient-link")).toHaveValue(link);

  // moved: a new message, and the same link shows the new time and says it moved
  await page.getByRole("link", { name: "Remarcar" }).click();
  await showNextWeek(page);
  await lastDayOfSlots(page)
    .getByRole("button", { name: /^Agendar às/ })
    .nth(5)
    .click();
  await confirmReview(page);
  await expect(page.getByText("Consulta remarcada para o novo horário.")).toBeVisible();
  const moved = await newest(emulator, CARLOS, link, 2);
  expect(moved.mail.subject).toMatch(/^Consulta remarcada para /);
  expect(moved.mail.body).toContain(link);
  expect(moved.mail.attachments[0]?.text).toContain("SEQUENCE:1");
  expect(moved.sms.text).toContain("foi remarcada para");
  const newTime = moved.mail.subject.replace("Consulta remarcada para ", "");

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const patient = await phone.newPage();
  expect((await patient.goto(link))?.status()).toBe(200);
  await expect(patient.getByTestId("moved")).toContainText("Esta consulta foi remarcada");
  await expect(patient.getByText(newTime)).toBeVisible();
  expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  // cancelled by staff: a cancellation message, and the link says so
  await page.getByRole("link", { name: "Abrir a consulta" }).click();
  await page.getByLabel("Sim, cancelar esta consulta").check();
  await page.getByRole("button", { name: "Cancelar consulta" }).click();
  await expect(page.getByText("Cancelada").first()).toBeVisible();
  const cancelled = await newest(emulator, CARLOS, link, 3);
  expect(cancelled.mail.subject).toMatch(/^Consulta cancelada: /);
  expect(cancelled.mail.attachments[0]?.text).toContain("METHOD:CANCEL");
  expect(cancelled.sms.text).toContain("foi cancelada");
  await patient.reload();
  await expect(patient.getByRole("heading", { name: "Esta consulta foi cancelada" })).toBeVisible();
  await expect(patient.getByRole("link", { name: /Entrar na teleconsulta/ })).toHaveCount(0);
  await expect(patient.getByRole("link", { name: /Ligar para/ })).toHaveAttribute("href", "tel:+551130000000");

  await phone.close();
  await emulator.dispose();
});

test("a patient cancels from the link: asked first, then a done page in their language", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  await signIn(page, "staff");
  const { link } = await bookFor(page, EMMA.query, EMMA.name, 1);
  const booked = await newest(emulator, EMMA, link, 1);
  expect(booked.mail.subject).toMatch(/^Appointment booked: /);
  expect(booked.sms.text).toContain("your appointment with Dra. Ana Ribeiro is booked for");

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "pt-BR" });
  const patient = await phone.newPage();
  await patient.goto(link);
  // her own language, whatever the phone says; she may switch, and back
  await expect(patient.getByRole("heading", { name: "Hello, Emma" })).toBeVisible();
  await patient.getByRole("link", { name: "Português" }).click();
  await expect(patient.getByRole("heading", { name: "Olá, Emma" })).toBeVisible();
  await patient.getByRole("link", { name: "English" }).click();
  await expect(patient.getByRole("link", { name: "Google Calendar" })).toHaveAttribute("href", /calendar\.google\.com/);
  await expect(patient.getByRole("link", { name: "Outlook.com" })).toHaveAttribute("href", /outlook\.live\.com/);

  await patient.getByRole("link", { name: "Cancel the appointment" }).click();
  await expect(patient.getByRole("heading", { name: "Cancel this appointment?" })).toBeVisible();
  // changing her mind keeps the appointment
  await patient.getByRole("link", { name: "No, keep my appointment" }).click();
  await expect(patient.getByRole("heading", { name: "Hello, Emma" })).toBeVisible();
  await patient.getByRole("link", { name: "Cancel the appointment" }).click();
  await patient.getByRole("button", { name: "Yes, cancel my appointment" }).click();
  await expect(patient.getByRole("heading", { name: "Your appointment is cancelled" })).toBeVisible();
  await expect(patient.getByText("Done, Emma: the clinic knows")).toBeVisible();
  await expect(patient.getByRole("link", { name: /Join the video appointment/ })).toHaveCount(0);

  // she is told by message too, and staff see the cancellation
  const cancelled = await newest(emulator, EMMA, link, 2);
  expect(cancelled.mail.subject).toMatch(/^Appointment cancelled: /);
  await page.reload();
  await expect(page.getByText("Cancelada").first()).toBeVisible();
  await phone.close();
  await emulator.dispose();
});
