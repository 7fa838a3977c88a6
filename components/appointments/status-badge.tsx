import { getTranslations } from "next-intl/server";
import type { AppointmentStatus } from "@/lib/generated/prisma/enums";

const styles: Record<AppointmentStatus, string> = {
  BOOKED: "bg-sky-100 text-sky-900",
  CONFIRMED: "bg-emerald-100 text-emerald-900",
  CANCELLED: "bg-slate-200 text-slate-800 line-through",
  COMPLETED: "bg-slate-100 text-slate-800",
  NO_SHOW: "bg-amber-100 text-amber-900",
};

export async function StatusBadge({ status }: { status: AppointmentStatus }) {
  const t = await getTranslations("appointments.status");
  return (
    <span className={`mt-1 inline-block rounded px-2 py-0.5 text-xs font-medium ${styles[status]}`}>{t(status)}</span>
  );
}
