import { useId, useState } from "react";
import { useTranslations } from "next-intl";
import { maskPhone } from "@/lib/constants";
import { E164, normalisePhone, type Roster } from "./api";
import { buttonClass, type PanelPerson } from "./panel-common";

/** The invitation staff just sent, followed in the roster until it is answered or fails. */
interface SentInvitation {
  operationId: string;
  name: string;
}

/** Staff invite a colleague (by their Teams identity) or a phone number into the call. */
export function InviteForms({
  people,
  roster,
  disabled,
  onInvite,
}: {
  people: PanelPerson[];
  roster: Roster | null;
  disabled: boolean;
  /** the invitation's operation id, or null when it was refused */
  onInvite: (body: unknown, key: string) => Promise<string | null>;
}) {
  const t = useTranslations("calls.panel");
  const id = useId();
  const [personId, setPersonId] = useState("");
  const [phone, setPhone] = useState("");
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [sent, setSent] = useState<SentInvitation | null>(null);
  // "Inviting …" only while it rings: once the roster has its outcome, the status says that instead
  const outcome = sent ? roster?.invitations.find((inv) => inv.operationId === sent.operationId)?.outcome : undefined;
  const done = !sent
    ? ""
    : !outcome || outcome === "ringing"
      ? t("invited", { name: sent.name })
      : t("inviteEnded", { name: sent.name, outcome: t.has(`outcome.${outcome}`) ? t(`outcome.${outcome}`) : outcome });

  async function invitePerson(event: React.FormEvent) {
    event.preventDefault();
    const person = people.find((p) => p.id === personId);
    if (!person) return;
    const operationId = await onInvite({ kind: "user", userId: person.id }, "invite-user");
    if (operationId) {
      setSent({ operationId, name: person.name });
      setPersonId("");
    }
  }

  async function invitePhone(event: React.FormEvent) {
    event.preventDefault();
    const e164 = normalisePhone(phone);
    if (!E164.test(e164)) {
      setPhoneError(t("phoneInvalid"));
      return;
    }
    setPhoneError(null);
    const operationId = await onInvite({ kind: "phone", e164 }, "invite-phone");
    if (operationId) {
      setSent({ operationId, name: maskPhone(e164) });
      setPhone("");
    }
  }

  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={`${id}-title`} className="font-semibold">
        {t("inviteTitle")}
      </h3>
      <div className="mt-2 grid gap-4 md:grid-cols-2">
        <form onSubmit={invitePerson} className="space-y-1">
          <label htmlFor={`${id}-person`} className="block text-sm font-medium">
            {t("person")}
          </label>
          <div className="flex flex-wrap gap-2">
            <select
              id={`${id}-person`}
              value={personId}
              onChange={(e) => setPersonId(e.target.value)}
              required
              className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1"
            >
              <option value="">{t("choosePerson")}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="submit" className={buttonClass} disabled={disabled || !personId}>
              {t("invitePerson")}
            </button>
          </div>
          <p className="text-xs text-slate-600">{t("personHint")}</p>
        </form>
        <form onSubmit={invitePhone} noValidate className="space-y-1">
          <label htmlFor={`${id}-phone`} className="block text-sm font-medium">
            {t("phone")}
          </label>
          <div className="flex flex-wrap gap-2">
            <input
              id={`${id}-phone`}
              type="tel"
              inputMode="tel"
              autoComplete="off"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              aria-invalid={phoneError ? true : undefined}
              aria-describedby={`${id}-phone-hint${phoneError ? ` ${id}-phone-error` : ""}`}
              placeholder="+5511987654321"
              className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1 font-mono"
            />
            <button type="submit" className={buttonClass} disabled={disabled || !phone.trim()}>
              {t("invitePhone")}
            </button>
          </div>
          <p id={`${id}-phone-hint`} className="text-xs text-slate-600">
            {t("phoneHint")}
          </p>
          {phoneError && (
            <p id={`${id}-phone-error`} className="text-sm text-red-800">
              {phoneError}
            </p>
          )}
        </form>
      </div>
      <p role="status" className="mt-2 text-sm text-emerald-800 empty:hidden">
        {done}
      </p>
    </section>
  );
}
