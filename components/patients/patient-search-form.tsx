import { getTranslations } from "next-intl/server";
import { QUERY_MAX } from "@/lib/patients/schema";

// A plain GET form: the query lives in the URL (?q=), so results can be bookmarked, shared with a
// colleague and reached with the back button, and the search works before any JavaScript loads.
export async function PatientSearchForm({ query, error }: { query: string; error?: string }) {
  const t = await getTranslations("patients.search");
  return (
    <form action="/patients" method="get" role="search" className="flex flex-col gap-1">
      <label htmlFor="patient-query" className="text-sm font-medium text-slate-800">
        {t("label")}
      </label>
      <div className="flex flex-col gap-2 sm:flex-row">
        <input
          id="patient-query"
          name="q"
          type="search"
          defaultValue={query}
          maxLength={QUERY_MAX}
          placeholder={t("placeholder")}
          autoComplete="off"
          aria-describedby={error ? "patient-query-hint patient-query-error" : "patient-query-hint"}
          aria-invalid={error ? true : undefined}
          className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-base"
        />
        <button
          type="submit"
          className="rounded-md bg-brand-700 px-5 py-2 text-base font-semibold text-white shadow hover:bg-brand-900"
        >
          {t("submit")}
        </button>
      </div>
      <p id="patient-query-hint" className="text-sm text-slate-600">
        {t("hint")}
      </p>
      {error && (
        <p id="patient-query-error" role="alert" className="text-sm font-medium text-red-700">
          {error}
        </p>
      )}
    </form>
  );
}
