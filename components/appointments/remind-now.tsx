"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTranslations } from "next-intl";

// Staff ask for the reminder call now; the outcome appears on the page when the call ends.
export function RemindNowButton({ appointmentId }: { appointmentId: string }) {
  const t = useTranslations("appointments.reminder");
  const router = useRouter();
  const [state, setState] = useState<"idle" | "sending" | "sent" | "error">("idle");
  async function remind() {
    setState("sending");
    const response = await fetch(`/api/appointments/${appointmentId}/remind`, { method: "POST" }).catch(() => null);
    setState(response?.ok ? "sent" : "error");
    router.refresh();
  }
  return (
    <div>
      <button
        type="button"
        onClick={remind}
        disabled={state === "sending"}
        className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 disabled:opacity-50"
      >
        {t("now")}
      </button>
      <p role="status" aria-live="polite" className="mt-1 text-sm">
        {state === "sent" ? t("queued") : state === "error" ? t("failed") : ""}
      </p>
    </div>
  );
}
