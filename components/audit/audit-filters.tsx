import Link from "next/link";
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
  const fieldError = (field: keyof AuditFilterValues) =>
    errors[field] ? (
      <p id={`audit-${field}-error`} className="mt-1 text-sm font-medium text-red-700">
        {errors[field]}
      </p>
    ) : null;

  return (
    <form action="/admin/audit" method="get" role="search" aria-labelledby="audit-filters-legend">
      <h2 id="audit-filters-legend" className="text-lg font-semibold">
        {t("legend")}
      </h2>
      <div className="mt-2 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-3">
        <div>
          <label htmlFor="audit-actor" className="block text-sm font-medium text-slate-800">
            {t("actor")}
          </label>
          <select
            id="audit-actor"
            name="actor"
            defaultValue={values.actor}
            aria-invalid={errors.actor ? true : undefined}
            aria-describedby={described("actor")}
            className={input}
          >
            <option value="">{t("anyActor")}</option>
            <option value={SYSTEM_ACTOR}>{t("system")}</option>
            {actors.map((actor) => (
              <option key={actor.id} value={actor.id}>
                {actor.name} ({roles.has(actor.role) ? roles(actor.role as "ADMIN") : actor.role})
              </option>
            ))}
          </select>
          {fieldError("actor")}
        </div>
        <div>
          <label htmlFor="audit-action" className="block text-sm font-medium text-slate-800">
            {t("action")}
          </label>
          <input
            id="audit-action"
            name="action"
            type="text"
            list="audit-actions"
            defaultValue={values.action}
            maxLength={80}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.action ? true : undefined}
            aria-describedby={described("action", "audit-action-hint")}
            className={`${input} font-mono`}
          />
          <datalist id="audit-actions">
            {knownAuditActions.map((action) => (
              <option key={action} value={action} />
            ))}
          </datalist>
          <p id="audit-action-hint" className="mt-1 text-sm text-slate-600">
            {t("actionHint")}
          </p>
          {fieldError("action")}
        </div>
        <div>
          <label htmlFor="audit-subject" className="block text-sm font-medium text-slate-800">
            {t("subject")}
          </label>
          <input
            id="audit-subject"
            name="subject"
            type="text"
            defaultValue={values.subject}
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.subject ? true : undefined}
            aria-describedby={described("subject", "audit-subject-hint")}
            className={`${input} font-mono`}
          />
          <p id="audit-subject-hint" className="mt-1 text-sm text-slate-600">
            {t("subjectHint")}
          </p>
          {fieldError("subject")}
        </div>
        <div>
          <label htmlFor="audit-from" className="block text-sm font-medium text-slate-800">
            {t("from")}
          </label>
          <input
            id="audit-from"
            name="from"
            type="date"
            defaultValue={values.from}
            aria-invalid={errors.from ? true : undefined}
            aria-describedby={described("from")}
            className={input}
          />
          {fieldError("from")}
        </div>
        <div>
          <label htmlFor="audit-to" className="block text-sm font-medium text-slate-800">
            {t("to")}
          </label>
          <input
            id="audit-to"
            name="to"
            type="date"
            defaultValue={values.to}
            aria-invalid={errors.to ? true : undefined}
            aria-describedby={described("to")}
            className={input}
          />
          {fieldError("to")}
        </div>
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
