import { useId } from "react";
import { useTranslations } from "next-intl";
import { invitationDetail } from "@/lib/calls/result-codes";
import type { Roster } from "./api";
import type { PanelPerson } from "./panel-common";

/** Everyone invited into the call and how each invitation went (ringing, answered, declined …). */
export function InvitationList({ roster, people }: { roster: Roster | null; people: PanelPerson[] }) {
  const t = useTranslations("calls.panel");
  const id = useId();
  const invitations = roster?.invitations ?? [];
  if (invitations.length === 0) return null;
  const byOid = new Map(people.map((p) => [p.entraObjectId.toLowerCase(), p.name]));
  const labelOf = (label: string | null) => {
    if (label?.startsWith("user:")) return byOid.get(label.slice(5).toLowerCase()) ?? t("unknownName");
    if (label?.startsWith("phone:")) return label.slice(6);
    return t("unknownName");
  };
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={id} className="font-semibold">
        {t("invitations")}
      </h3>
      <ul className="mt-2 space-y-1 text-sm" data-testid="invitations">
        {invitations.map((inv) => (
          <li key={inv.operationId}>
            <span className="font-medium">{labelOf(inv.label)}</span> —{" "}
            <span>{t.has(`outcome.${inv.outcome}`) ? t(`outcome.${inv.outcome}`) : inv.outcome}</span>
            <InvitationDetail outcome={inv.outcome} code={inv.resultCode} subcode={inv.resultSubcode} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Why an invitation ended, in words where Teams' code is documented (lib/calls/result-codes.ts). */
function InvitationDetail({
  outcome,
  code,
  subcode,
}: {
  outcome: string;
  code: number | null;
  subcode: number | null;
}) {
  const t = useTranslations("calls");
  const detail = invitationDetail(outcome, code, subcode);
  if (!detail) return null;
  return (
    <span className="text-slate-600">
      {" — "}
      {"reason" in detail ? t(`reason.${detail.reason}`) : t("panel.resultCode", detail)}
    </span>
  );
}
