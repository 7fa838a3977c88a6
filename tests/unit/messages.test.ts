// The two message files must say the same things: the same keys, and in each message the same
// placeholders, so a sentence never loses a value (or shows a raw "{name}") in one language. Lists the
// code relies on (reason codes, audit actions, Graph values) are checked where they are declared.
import { type AbstractIntlMessages, createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";
import { AUDIT_ACTIONS, SYSTEM_ACTOR_KEYS, auditSentence, sentenceKey } from "@/lib/audit/sentences";
import { RESULT_REASONS } from "@/lib/calls/result-codes";
import { ruleErrorKeys } from "@/lib/clinic-line/schema";
import { LOBBY_SCOPES, PRESENTER_VALUES } from "@/lib/meetings/schema";
import { SLOT_REFUSAL_REASONS } from "@/lib/scheduling";

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === "string") out.set(`${prefix}${key}`, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** Top-level ICU argument names ("{name}", "{count, plural, …}"), sorted. */
function placeholders(message: string): string[] {
  const names = new Set<string>();
  let depth = 0;
  for (let i = 0; i < message.length; i++) {
    const char = message[i];
    if (char === "{") {
      if (depth === 0) {
        const match = /^\{\s*([A-Za-z0-9_]+)/.exec(message.slice(i));
        if (match) names.add(match[1]!);
      }
      depth++;
    } else if (char === "}") depth--;
  }
  return [...names].sort();
}

describe("messages", () => {
  const english = leaves(en as Tree);
  const portuguese = leaves(pt as Tree);

  it("has the same keys in English and Brazilian Portuguese", () => {
    expect([...portuguese.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it("uses the same placeholders in both languages", () => {
    for (const [key, message] of english) {
      expect(placeholders(portuguese.get(key) ?? ""), key).toEqual(placeholders(message));
    }
  });

  it("says why a time cannot be booked, for every reason the slot check gives but a lost race", () => {
    for (const reason of SLOT_REFUSAL_REASONS.filter((r) => r !== "taken")) {
      expect(english.has(`appointments.errors.reasons.${reason}`), reason).toBe(true);
    }
    expect(english.has("appointments.errors.reasons.unchanged")).toBe(true);
  });

  it("puts Graph's meeting settings into words: who skips the lobby, who presents", () => {
    for (const scope of LOBBY_SCOPES) expect(english.has(`meetings.lobbyScope.${scope}`), scope).toBe(true);
    for (const value of PRESENTER_VALUES) expect(english.has(`meetings.presenterValue.${value}`), value).toBe(true);
  });

  it("has a sentence for every audit action, a generic one, and words for every system actor", () => {
    for (const action of AUDIT_ACTIONS)
      expect(english.has(`audit.sentences.${sentenceKey(action)}`), action).toBe(true);
    expect(english.has("audit.sentences.unknown")).toBe(true);
    for (const key of SYSTEM_ACTOR_KEYS) expect(english.has(`audit.actors.${key}`), key).toBe(true);
  });

  it("renders audit sentences in both languages, with outcomes and failures in words", () => {
    for (const [locale, messages] of [
      ["en", en],
      ["pt-BR", pt],
    ] as const) {
      const errors: unknown[] = [];
      // keys are computed here, as on the pages: a plain string signature
      const t = createTranslator({
        locale,
        messages: messages as AbstractIntlMessages,
        namespace: "audit.sentences",
        onError: (e) => errors.push(e),
      }) as unknown as (key: string, values: Record<string, string>) => string;
      for (const action of [...AUDIT_ACTIONS, "something.new"]) {
        const values = {
          who: "Carla",
          action,
          failed: "yes",
          outcome: "CONFIRMED",
          attempt: "2",
          zone: "Asia/Kathmandu",
          to: "—",
          channel: "SMS",
          template: "BOOKED",
          status: "NO_SHOW",
        };
        const text = t(sentenceKey(action), values);
        expect(text, `${locale} ${action}`).not.toMatch(/[{}]|audit\.sentences/);
      }
      expect(errors).toEqual([]);
    }
    const inEnglish = createTranslator({ locale: "en", messages: en, namespace: "audit.sentences" });
    expect(inEnglish("reminder_outcome", { outcome: "CANCELLED" })).toBe(
      "The reminder call ended: the patient cancelled.",
    );
    // the clinic line's audit row holds the flow's code, as its sentence expects
    const lineEnd = auditSentence({
      action: "clinic-line.outcome",
      actorLabel: "clinic-line",
      details: { outcome: "KEPT" },
    });
    const wordsOf = inEnglish as unknown as (key: string, values: Record<string, string>) => string;
    expect(wordsOf(lineEnd.key, lineEnd.values)).toBe(
      "The clinic line call ended: the caller did not answer whether to cancel, so the appointment was kept.",
    );
    expect(inEnglish("graph_call_mute", { who: "Carla", failed: "yes" })).toBe(
      "Carla muted someone in the call — Microsoft Teams refused it.",
    );
    expect(inEnglish("graph_call_mute", { who: "Carla", failed: "no" })).toBe("Carla muted someone in the call.");
    const inPortuguese = createTranslator({ locale: "pt-BR", messages: pt, namespace: "audit.sentences" });
    expect(inPortuguese("reminder_remind_now", { who: "Carla Mendes (Recepção)" })).toBe(
      "Carla Mendes (Recepção) pediu que a ligação de lembrete fosse feita agora.",
    );
  });

  it("words every clinic-line rule problem, the confirmations included", () => {
    for (const key of ruleErrorKeys) expect(english.has(`lineAdmin.errors.${key}`), key).toBe(true);
    expect(english.has("lineAdmin.form.confirmRejectAll")).toBe(true);
    expect(english.has("lineAdmin.row.confirmDelete")).toBe(true);
  });

  it("puts every Teams result reason into words", () => {
    for (const reason of RESULT_REASONS) expect(english.has(`calls.reason.${reason}`), reason).toBe(true);
  });

  it("words what the patient chose on a reminder call, for the call log", () => {
    for (const key of ["patientConfirmed", "patientCancelled", "transferred", "no-answer", "noChoice", "failed"]) {
      expect(english.has(`calls.log.outcome.${key}`), key).toBe(true);
    }
  });
});
