"use client";

import { useId, useState } from "react";
import { useTranslations } from "next-intl";
import { postJson } from "./api";
import { LiveCallPanel, type PanelPerson } from "./live-call-panel";

const MIN = 2;
const MAX = 5;

/** Pick 2–5 colleagues, start a case-conference group call, then follow it with the live panel. */
export function GroupCallStarter({
  people,
  initialCallId,
}: {
  people: (PanelPerson & { roleLabel: string })[];
  initialCallId: string | null;
}) {
  const t = useTranslations("calls.group");
  const panel = useTranslations("calls.panel");
  const id = useId();
  const [callId, setCallId] = useState<string | null>(initialCallId);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  function toggle(personId: string, on: boolean) {
    setChosen((current) => (on ? [...current, personId] : current.filter((x) => x !== personId)));
  }

  async function start(event: React.FormEvent) {
    event.preventDefault();
    if (chosen.length < MIN || chosen.length > MAX) {
      setError(t("pickCount", { min: MIN, max: MAX }));
      return;
    }
    setError(null);
    setPending(true);
    const result = await postJson<{ call: { id: string } }>("/api/calls/group", { userIds: chosen });
    setPending(false);
    if (!result.ok) {
      setError(panel.has(`errors.${result.code}`) ? panel(`errors.${result.code}`) : panel("errors.INTERNAL"));
      return;
    }
    setCallId(result.data.call.id);
    window.history.replaceState(null, "", `/calls/group?call=${encodeURIComponent(result.data.call.id)}`);
  }

  if (callId) {
    return (
      <section aria-labelledby={`${id}-live`} className="space-y-4">
        <h2 id={`${id}-live`} className="text-lg font-semibold">
          {t("inProgress")}
        </h2>
        <LiveCallPanel initialCallId={callId} canControl people={people} />
        <button
          type="button"
          className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100"
          onClick={() => {
            setCallId(null);
            setChosen([]);
            window.history.replaceState(null, "", "/calls/group");
          }}
        >
          {t("another")}
        </button>
      </section>
    );
  }

  return (
    <form onSubmit={start} noValidate className="space-y-3">
      <fieldset aria-describedby={`${id}-hint`}>
        <legend className="font-semibold">{t("who")}</legend>
        <p id={`${id}-hint`} className="text-sm text-slate-600">
          {t("pickCount", { min: MIN, max: MAX })} {t("chosen", { count: chosen.length })}
        </p>
        <ul className="mt-2 grid gap-1 sm:grid-cols-2">
          {people.map((p) => (
            <li key={p.id}>
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  checked={chosen.includes(p.id)}
                  disabled={!chosen.includes(p.id) && chosen.length >= MAX}
                  onChange={(e) => toggle(p.id, e.target.checked)}
                />
                <span>
                  {p.name} <span className="text-sm text-slate-600">· {p.roleLabel}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <div role="alert" className="text-sm text-red-800 empty:hidden">
        {error}
      </div>
      <button
        type="submit"
        disabled={pending}
        className="rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900 disabled:opacity-50"
      >
        {pending ? t("starting") : t("start")}
      </button>
    </form>
  );
}
