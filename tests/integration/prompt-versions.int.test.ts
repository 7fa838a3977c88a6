// Issue 23 item 2: a prompt URL made by one instance is answered by another. Two prompt stores on one
// database stand for two instances (a worker that placed the call, a web instance Microsoft fetches from);
// the second has never seen the text, and an admin has changed it meanwhile.
import { expect, it } from "vitest";
import { cachedPromptTexts, promptVersionsIn } from "@/lib/prompts/data";
import { promptText } from "@/lib/prompts/texts";
import { createPromptStore } from "@/lib/prompts/store";
import { databasePerFile } from "../helpers/per-file";

const database = databasePerFile();

const spoken = (text: string) => Buffer.from(`wav:${text}`);

it("serves on any instance the version another one handed out, from the stored text", async () => {
  const synthesized: string[] = [];
  const synth = async (text: string) => (synthesized.push(text), spoken(text));
  const versions = promptVersionsIn(database.db);
  const worker = createPromptStore({ cacheDir: null, synth, versions, textFor: () => "Olá, aqui é a clínica." });
  const web = createPromptStore({ cacheDir: null, synth, versions, textFor: () => "Um texto novo do administrador." });

  const handedOut = await worker.current("pt-BR", "reminder");
  const answer = await web.audio("pt-BR", "reminder", handedOut.version);
  expect(answer?.wav.toString()).toBe("wav:Olá, aqui é a clínica.");
  expect(synthesized).toEqual(["Olá, aqui é a clínica."]);
  // a version nobody handed out is still nothing to say
  expect(await web.audio("pt-BR", "reminder", "0123456789abcdef")).toBeNull();
});

it("forgets the versions handed out before a cut-off; a forgotten one is nothing to say for another instance", async () => {
  const synth = async (text: string) => spoken(text);
  const versions = promptVersionsIn(database.db);
  const worker = createPromptStore({ cacheDir: null, synth, versions, textFor: () => "Lembrete de hoje." });
  const web = createPromptStore({ cacheDir: null, synth, versions, textFor: () => "Outro texto." });
  const old = await worker.current("pt-BR", "confirmed");
  await database.db.promptVersion.updateMany({
    where: { version: old.version },
    data: { createdAt: new Date(Date.now() - 3 * 24 * 60 * 60_000) },
  });
  const recent = await createPromptStore({ cacheDir: null, synth, versions, textFor: () => "Texto de agora." }).current(
    "pt-BR",
    "confirmed",
  );
  expect(await versions.forgetBefore(new Date(Date.now() - 2 * 24 * 60 * 60_000))).toBe(1);
  expect(await web.audio("pt-BR", "confirmed", old.version)).toBeNull();
  expect((await web.audio("pt-BR", "confirmed", recent.version))?.wav.toString()).toBe("wav:Texto de agora.");
});

it("writes a call's sentences about its appointment in one statement, when the first is handed out", async () => {
  const versions = promptVersionsIn(database.db);
  const statements: number[] = [];
  const counting = {
    ...versions,
    remember: async (rows: Parameters<typeof versions.remember>[0]) => {
      statements.push(rows.length);
      await versions.remember(rows);
    },
  };
  const store = createPromptStore({ cacheDir: null, synth: async (t) => spoken(t), versions: counting });
  const about = { startsAt: "2027-03-04T13:30:00.000Z", zone: "America/Sao_Paulo", clinicianName: "Dra. Ana Lima" };

  const reminder = await store.current("en", "reminder", about);
  const confirmed = await store.current("en", "confirmed", about);
  const kept = await store.current("en", "kept", about);
  // one statement, holding every built-in prompt that names the appointment (seven), nothing more
  expect(statements).toEqual([7]);
  const stored = await database.db.promptVersion.findMany({
    where: { version: { in: [reminder.version, confirmed.version, kept.version] } },
    select: { key: true, text: true },
  });
  expect(stored.map((row) => row.key).sort()).toEqual(["confirmed", "kept", "reminder"]);
  expect(stored.every((row) => row.text.includes("Dra. Ana Lima"))).toBe(true);
  // a prompt without the appointment is its own statement, as before
  await store.current("en", "goodbye", about);
  expect(statements).toEqual([7, 1]);
});

it("reads the admins' texts once per snapshot, and at once again after forget()", async () => {
  const texts = cachedPromptTexts(database.db, 60_000);
  expect(await texts.textFor("en", "goodbye")).toBe(promptText("en", "goodbye"));
  await database.db.promptText.create({ data: { locale: "en", key: "goodbye", text: "Bye from the admin." } });
  // within the snapshot's age the text read before holds
  expect(await texts.textFor("en", "goodbye")).toBe(promptText("en", "goodbye"));
  texts.forget();
  expect(await texts.textFor("en", "goodbye")).toBe("Bye from the admin.");
  // one snapshot answers every prompt
  expect(await texts.textFor("pt-BR", "reminder")).toBe(promptText("pt-BR", "reminder"));
  await database.db.promptText.delete({ where: { locale_key: { locale: "en", key: "goodbye" } } });

  const fresh = cachedPromptTexts(database.db, 0);
  await database.db.promptText.create({ data: { locale: "en", key: "kept", text: "Still on, {appointment}." } });
  expect(await fresh.textFor("en", "kept")).toBe("Still on, {appointment}.");
});
