// Admins' prompt texts on a real database: an override changes what the calls say and the URL they fetch
// (the audio cache is keyed by the text's hash), a URL handed out before the change keeps its audio,
// reset goes back to the default, stale edits are refused, and every change is audited.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import { cachedPromptTexts, promptTextViews } from "@/lib/prompts/data";
import { resetPromptText, savePromptText } from "@/lib/prompts/mutations";
import { createPromptStore, handlePromptRequest, promptUri, type PromptStore } from "@/lib/prompts/store";
import { promptText, type PromptKey, type PromptLocale } from "@/lib/prompts/texts";
import { encodeWav } from "@/lib/prompts/wav";
import { databasePerFile } from "../helpers/per-file";
import { createUser } from "../helpers/factories";

/** The text a call would say now: read afresh every time. */
const textInForce = (locale: PromptLocale, key: PromptKey) => cachedPromptTexts(database.db, 0).textFor(locale, key);

const database = databasePerFile();
let actor: AuditActor;
let store: PromptStore;
let cacheDir: string;
const spoken: string[] = [];

beforeAll(async () => {
  const admin = await createUser(database.db, { role: "ADMIN", name: "Marta Oliveira" });
  actor = { id: admin.id, label: admin.name, ip: "203.0.113.9" };
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-admin-prompts-"));
  // the app's wiring (store.ts promptStore()) with a fake synthesizer: one sample per character
  store = createPromptStore({
    cacheDir,
    textFor: cachedPromptTexts(database.db, 0).textFor,
    synth: async (text) => {
      spoken.push(text);
      return encodeWav({ sampleRate: 16_000, samples: new Int16Array(text.length) });
    },
  });
});
afterAll(async () => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const BASE = "https://clinic.example";
const versionOf = (uri: string) => new URL(uri).searchParams.get("v");
const samplesOf = async (response: Response) => ((await response.arrayBuffer()).byteLength - 44) / 2;

describe("an admin's prompt text", () => {
  it("replaces the default for the next call, with a new URL; the old URL keeps the old audio", async () => {
    const before = await promptUri(BASE, store, "en", "goodbye");
    const defaultText = promptText("en", "goodbye");

    const saved = await savePromptText(actor, {
      locale: "en",
      key: "goodbye",
      text: "  Thank you for calling.\n  Goodbye!  ",
      expectedUpdatedAt: "",
    });
    expect(saved.text).toBe("Thank you for calling. Goodbye!");
    expect(await textInForce("en", "goodbye")).toBe("Thank you for calling. Goodbye!");
    // the other language is untouched
    expect(await textInForce("pt-BR", "goodbye")).toBe(promptText("pt-BR", "goodbye"));

    const after = await promptUri(BASE, store, "en", "goodbye");
    expect(versionOf(after.uri)).toBe(saved.version);
    expect(after.uri).not.toBe(before.uri);
    expect(after.resourceId).not.toBe(before.resourceId);

    const fresh = await handlePromptRequest(store, "en", "goodbye.wav", versionOf(after.uri));
    expect(fresh.status).toBe(200);
    expect(await samplesOf(fresh)).toBe("Thank you for calling. Goodbye!".length);
    // a call that got the URL before the change still hears what that URL was made for
    const old = await handlePromptRequest(store, "en", "goodbye.wav", versionOf(before.uri));
    expect(old.status).toBe(200);
    expect(await samplesOf(old)).toBe(defaultText.length);
    // the bare URL follows the current text
    expect(await samplesOf(await handlePromptRequest(store, "en", "goodbye.wav"))).toBe(
      "Thank you for calling. Goodbye!".length,
    );
    // each text was synthesized once, and its audio is on disk under its version
    expect(spoken.filter((t) => t === "Thank you for calling. Goodbye!")).toHaveLength(1);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(
      [`en-goodbye-${versionOf(before.uri)}.wav`, `en-goodbye-${saved.version}.wav`].sort(),
    );

    const view = (await promptTextViews(database.db)).find((v) => v.locale === "en" && v.key === "goodbye")!;
    expect(view).toMatchObject({ overridden: true, updatedByName: "Marta Oliveira", defaultText });

    const audit = await database.db.auditLog.findMany({ where: { entityType: "PromptText", entityId: "en/goodbye" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "prompt.update", actorId: actor.id, details: { version: saved.version } });
  });

  it("refuses an edit that started before someone else's save, and a stale reset", async () => {
    const first = await savePromptText(actor, {
      locale: "pt-BR",
      key: "confirmed",
      text: "Consulta confirmada. Até logo.",
      expectedUpdatedAt: "",
    });
    // a second editor who still saw the default
    await expectAppError(
      savePromptText(actor, { locale: "pt-BR", key: "confirmed", text: "Outra coisa.", expectedUpdatedAt: "" }),
      "CONFLICT",
    );
    const second = await savePromptText(actor, {
      locale: "pt-BR",
      key: "confirmed",
      text: "Confirmada! Obrigado.",
      expectedUpdatedAt: first.updatedAt!.toISOString(),
    });
    // the first editor's version is gone
    await expectAppError(
      savePromptText(actor, {
        locale: "pt-BR",
        key: "confirmed",
        text: "Mais uma.",
        expectedUpdatedAt: first.updatedAt!.toISOString(),
      }),
      "CONFLICT",
    );
    await expectAppError(
      resetPromptText(actor, { locale: "pt-BR", key: "confirmed", expectedUpdatedAt: first.updatedAt!.toISOString() }),
      "CONFLICT",
    );
    expect(await textInForce("pt-BR", "confirmed")).toBe("Confirmada! Obrigado.");

    const reset = await resetPromptText(actor, {
      locale: "pt-BR",
      key: "confirmed",
      expectedUpdatedAt: second.updatedAt!.toISOString(),
    });
    expect(reset).toMatchObject({ text: promptText("pt-BR", "confirmed"), updatedAt: null });
    expect(await database.db.promptText.count({ where: { locale: "pt-BR", key: "confirmed" } })).toBe(0);
    const uri = await promptUri(BASE, store, "pt-BR", "confirmed");
    expect(versionOf(uri.uri)).toBe(reset.version);
    const actions = await database.db.auditLog.findMany({
      where: { entityType: "PromptText", entityId: "pt-BR/confirmed" },
      orderBy: { id: "asc" },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["prompt.update", "prompt.update", "prompt.reset"]);
  });

  it("refuses empty, overlong and unspeakable texts and unknown prompts, writing nothing", async () => {
    const rows = await database.db.promptText.count();
    const audits = await database.db.auditLog.count();
    const cases: [Parameters<typeof savePromptText>[1], string][] = [
      [{ locale: "en", key: "reminder", text: " \n\t ", expectedUpdatedAt: "" }, "required"],
      [{ locale: "en", key: "reminder", text: "a".repeat(601), expectedUpdatedAt: "" }, "tooLong"],
      [{ locale: "en", key: "reminder", text: "Press 1\u0000", expectedUpdatedAt: "" }, "invalidCharacters"],
      [{ locale: "en", key: "reminder", text: "Broken \ud800 text", expectedUpdatedAt: "" }, "invalidCharacters"],
      [{ locale: "fr", key: "reminder", text: "Bonjour", expectedUpdatedAt: "" }, "unknownPrompt"],
      [{ locale: "en", key: "__proto__", text: "Hello", expectedUpdatedAt: "" }, "unknownPrompt"],
      [{ locale: "en", key: "reminder", text: "Hello", expectedUpdatedAt: "yesterday" }, "versionInvalid"],
    ];
    for (const [input, key] of cases) {
      const error = await expectAppError(savePromptText(actor, input), "BAD_REQUEST");
      expect(error.details).toEqual({ fieldErrors: { text: key } });
    }
    expect(await database.db.promptText.count()).toBe(rows);
    expect(await database.db.auditLog.count()).toBe(audits);
  });
});
