import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { withDb } from "./db";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// The clinician's waiting room: the bot is in her visit's meeting; the patient opens the link and waits in
// the lobby. On any page the clinician is told within 2 s of the bot's roster, with Teams to admit them
// (Graph cannot); the day list shows who waits since when, then who has joined.
test("a clinician is alerted on any page when her patient waits in the lobby, and the day list follows", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  await signIn(page, "clinician");
  const { appointmentId } = await bookFor(page, "Carlos", "Carlos Ferreira");
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });
  const live = page.getByRole("region", { name: "Reunião ao vivo" });
  await expect(live.getByText(/Quem está no lobby é admitido no Teams/)).toBeVisible();
  await live.getByRole("button", { name: "Robô entra na reunião" }).click();
  await expect(live.getByTestId("call-state")).toHaveText("Na chamada", { timeout: 15_000 });

  // she is elsewhere in the app when the patient arrives
  await page.goto("/patients");
  const alert = page.getByRole("alert").filter({ hasText: "Seu paciente Carlos Ferreira está esperando" });
  await expect(alert).toHaveCount(0);

  const meetings = (await (await emulator.get("/_emulator/meetings")).json()) as {
    value: { id: string; externalId: string | null }[];
  };
  const meetingId = meetings.value.find((m) => m.externalId === appointmentId)!.id;
  const guest = await emulator.post(`/_emulator/meetings/${encodeURIComponent(meetingId)}/guests`, {
    data: { name: "Carlos Ferreira" },
  });
  expect(guest.status()).toBe(201);
  const guestId = ((await guest.json()) as { participantId: string }).participantId;

  // from the moment the bot's roster has him in the lobby, the alert shows within 2 s
  await expect
    .poll(
      () =>
        withDb(async (db) => {
          const { rows } = await db.query(
            `select 1 from "CallParticipant" p join "Call" c on c.id = p."callId"
              where c."appointmentId" = $1 and p."isInLobby" and p."leftAt" is null`,
            [appointmentId],
          );
          return rows.length;
        }),
      { intervals: [100], timeout: 15_000 },
    )
    .toBe(1);
  await expect(alert).toBeVisible({ timeout: 2_000 });
  await expect(alert).toContainText("No lobby do Teams desde");
  await expect(alert.getByRole("link", { name: "Abrir no Teams para admitir" })).toHaveAttribute(
    "href",
    /\/l\/meetup-join\//,
  );
  await expect(alert).toContainText("A admissão é feita no Teams");
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the day list: who waits, since when
  const startsAt = await withDb(async (db) => {
    const { rows } = await db.query<{ startsAt: Date }>(`select "startsAt" from "Appointment" where id = $1`, [
      appointmentId,
    ]);
    return rows[0]!.startsAt;
  });
  const date = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo" }).format(startsAt);
  await page.goto(`/appointments?view=day&date=${date}`);
  const presence = page.getByTestId("lobby-presence").filter({ hasText: "Carlos Ferreira" });
  await expect(presence).toContainText(/No lobby desde \d{2}:\d{2}: Carlos Ferreira/);
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // admitted in Teams: the alert goes, the day list shows him in the meeting
  const admit = await emulator.post(
    `/_emulator/meetings/${encodeURIComponent(meetingId)}/guests/${encodeURIComponent(guestId)}/admit`,
  );
  expect(admit.ok()).toBe(true);
  await expect(presence).toContainText("Na reunião: Carlos Ferreira", { timeout: 5_000 });
  await expect(alert).toHaveCount(0);
  await emulator.dispose();
});
