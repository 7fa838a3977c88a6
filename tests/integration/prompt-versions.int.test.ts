// Issue 23 item 2: a prompt URL made by one instance is answered by another. Two prompt stores on one
// database stand for two instances (a worker that placed the call, a web instance Microsoft fetches from);
// the second has never seen the text, and an admin has changed it meanwhile.
import { afterAll, beforeAll, expect, it } from "vitest";
import { promptVersionsIn } from "@/lib/prompts/data";
import { createPromptStore } from "@/lib/prompts/store";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

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
