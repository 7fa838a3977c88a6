import { getLocale, getTranslations } from "next-intl/server";
import { formatDateTime } from "@/lib/format";
import type { OutlookWeekView } from "@/lib/outlook/views";

// Where the clinician's Outlook sync stands, on the availability page: above all, a clear message when the
// tenant refuses the mailbox (consent or the Exchange access policy), since slots then ignore Outlook.
export async function OutlookStatus({ outlook, zone }: { outlook: OutlookWeekView; zone: string }) {
  const t = await getTranslations("outlook.availability");
  const locale = await getLocale();
  if (!outlook.enabled) return <p className="mt-2 text-sm text-slate-600">{t("off")}</p>;
  const message =
    outlook.status === "OK"
      ? t("status.OK", { when: outlook.lastSyncedAt ? formatDateTime(outlook.lastSyncedAt, zone, locale) : "—" })
      : outlook.status === "FAILING"
        ? t("status.FAILING", { detail: outlook.statusDetail ?? "—" })
        : t(`status.${outlook.status}`);
  const tone =
    outlook.status === "ACCESS_DENIED"
      ? "border-red-300 bg-red-50 text-red-900"
      : outlook.status === "FAILING"
        ? "border-amber-300 bg-amber-50 text-amber-900"
        : "border-slate-200 bg-white text-slate-700";
  return (
    <section aria-labelledby="availability-outlook" className="mt-6">
      <h2 id="availability-outlook" className="text-lg font-semibold">
        {t("title")}
      </h2>
      <p className="mt-1 text-sm text-slate-700">{t("lead")}</p>
      <p
        className={`mt-2 rounded-md border p-3 text-sm ${tone}`}
        data-testid="outlook-status"
        role={outlook.status === "ACCESS_DENIED" ? "alert" : undefined}
      >
        {message}
      </p>
    </section>
  );
}
