import Link from "next/link";
import type { ReactNode } from "react";
import { getTranslations } from "next-intl/server";
import { knownAuditActions, SYSTEM_ACTOR } from "@/lib/audit/schema";

export interface AuditFilterValues {
  actor: string;
  action: string;
  subject: string;
  from: string;
  to: string;
}

type FieldErrors = Partial<Record<keyof AuditFilterValues, string>>;

// A plain GET form: the search lives in the URL, so a result can be bookmarked or sent to a colleague
// and works without JavaScript. Dates are local days in the viewer's zone.
export async function AuditFilters({
  values,
  actors,
  errors,
}: {
  values: AuditFilterValues;
  actors: { id: string; name: string; role: string }[];
  errors: FieldErrors;
}) {
  const t = await getTranslations("audit.filters");
  const roles = await getTranslations("nav.roles");
  const input = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base";
  const described = (field: keyof AuditFilterValues, hint?: string) =>
    [hint, errors[field] ? `audit-${field}-error` : undefined].filter(Boolean).join(" ") || undefined;
  // what every filter's control carries: its id, value, and the hint and error that describe it
  const control = (field: keyof AuditFilterValues, hint = false) => ({
    id: `audit-${field}`,
    name: field,
    defaultValue: values[field],
    "aria-invalid": errors[field] ? true : undefined,
    "aria-describedby": described(field, hint ? `audit-${field}-hint` : undefined),
  });

  return (
    <form action="/admin/audit" method="get" role="search" aria-labelledby="audit-filters-legend">
      <h2 id="audit-filters-legend" className="text-lg font-semibold">
        {t("legend")}
      </h2>
      <div className="mt-2 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-3">
        <FilterField field="actor" label={t("actor")} error={errors.actor}>
          <select {...control("actor")} className={input}>
            <option value="">{t("anyActor")}</option>
            <option value={SYSTEM_ACTOR}>{t("system")}</option>
            {actors.map((actor) => (
              <option key={actor.id} value={actor.id}>
                {actor.name} ({roles.has(actor.role) ? roles(actor.role as "ADMIN") : actor.role})
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField field="action" label={t("action")} hint={t("actionHint")} error={errors.action}>
          <input
            {...control("action", true)}
            type="text"
            list="audit-actions"
            maxLength={80}
            autoComplete="off"
            spellCheck={false}
            className={`${input} font-mono`}
          />
          <datalist id="audit-actions">
            {knownAuditActions.map((action) => (
              <option key={action} value={action} />
            ))}
          </datalist>
        </FilterField>
        <FilterField field="subject" label={t("subject")} hint={t("subjectHint")} error={errors.subject}>
          <input
            {...control("subject", true)}
            type="text"
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            className={`${input} font-mono`}
          />
        </FilterField>
        <FilterField field="from" label={t("from")} error={errors.from}>
          <input {...control("from")} type="date" className={input} />
        </FilterField>
        <FilterField field="to" label={t("to")} error={errors.to}>
          <input {...control("to")} type="date" className={input} />
        </FilterField>
        <div className="flex items-end gap-3">
          <button
            type="submit"
            className="rounded-md bg-brand-700 px-5 py-2 text-base font-semibold text-white shadow hover:bg-brand-900"
          >
            {t("submit")}
          </button>
          <Link href="/admin/audit" className="py-2 text-brand-700 underline hover:text-brand-900">
            {t("clear")}
          </Link>
        </div>
      </div>
    </form>
  );
}

/** One filter: the label, the control (`children`, with the id `audit-<field>`), its hint and its error. */
function FilterField({
  field,
  label,
  hint,
  error,
  children,
}: {
  field: keyof AuditFilterValues;
  label: string;
  hint?: string;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={`audit-${field}`} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {hint && (
        <p id={`audit-${field}-hint`} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={`audit-${field}-error`} className="mt-1 text-sm font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
