import type { useTranslations } from "next-intl";
import type { Roster, RosterParticipant } from "./api";

// What the live call panel says: the bot's state in words, and the roster's changes read out to screen readers.

type T = ReturnType<typeof useTranslations>;

export function stateLabel(state: string, t: T): string {
  return t.has(`state.${state}`) ? t(`state.${state}`) : state;
}

export function describeChanges(
  before: Roster | null,
  after: Roster,
  nameOf: (p: RosterParticipant) => string,
  t: T,
): string[] {
  if (!before) return [];
  const old = new Map(before.participants.map((p) => [p.id, p]));
  const now = new Set(after.participants.map((p) => p.id));
  const changes: string[] = [];
  for (const p of after.participants) {
    const was = old.get(p.id);
    const name = nameOf(p);
    if (!was) changes.push(p.isInLobby ? t("announce.waiting", { name }) : t("announce.joined", { name }));
    else if (was.isInLobby && !p.isInLobby) changes.push(t("announce.joined", { name }));
    else if (!was.isMuted && p.isMuted) changes.push(t("announce.muted", { name }));
  }
  for (const p of before.participants) if (!now.has(p.id)) changes.push(t("announce.left", { name: nameOf(p) }));
  if (before.call.state !== after.call.state) changes.push(`${t("botState")}: ${stateLabel(after.call.state, t)}`);
  return changes;
}
