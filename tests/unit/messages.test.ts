// The two message files must say the same things: the same keys, and in each message the same
// placeholders, so a sentence never loses a value (or shows a raw "{name}") in one language. Lists the
// code relies on (reason codes, audit actions, Graph values) are checked where they are declared.
import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";
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
});
