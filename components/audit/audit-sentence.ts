import { getTranslations } from "next-intl/server";
import { auditSentence, type AuditSentenceInput } from "@/lib/audit/sentences";
import { formatDateTime } from "@/lib/format";

/**
 * Turns audit rows into sentences in the page's language ("Carla Mendes (Reception) asked for the
 * reminder call now."), instants in `zone`. One translation per action; unknown actions read generically.
 */
export async function auditSentences(zone: string, locale: string): Promise<(entry: AuditSentenceInput) => string> {
  const t = await getTranslations("audit");
  const roles = await getTranslations("nav.roles");
  return (entry) => {
    const sentence = auditSentence(entry);
    const { actor } = sentence;
    const who =
      actor.kind === "system"
        ? t(`actors.${actor.key}`)
        : actor.kind === "role"
          ? t("actors.someone", { role: roles(actor.role) })
          : actor.role
            ? t("actors.person", { name: actor.name, role: roles(actor.role) })
            : actor.name;
    const instants = Object.fromEntries(
      Object.entries(sentence.instants).map(([name, at]) => [name, formatDateTime(at, zone, locale)]),
    );
    return t(`sentences.${sentence.key}`, { ...sentence.values, ...instants, who });
  };
}
