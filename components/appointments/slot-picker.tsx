"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId } from "react";
import { useLocale, useTranslations } from "next-intl";
import type { BookingFormState } from "@/lib/appointments/actions";
import { formatDateTime, formatTime, formatWeekday } from "@/lib/format";

export interface SlotDay {
  date: string;
  slots: { start: string; end: string }[];
}

// One form: every slot is a submit button carrying its start. The idempotency key is made when the
// page renders, so a double click or a resent request books once.
export function SlotPicker(props: {
  action: (state: BookingFormState, formData: FormData) => Promise<BookingFormState>;
  hidden: Record<string, string>;
  days: SlotDay[];
  zone: string;
  /** what a success says: a new booking, or the appointment moved */
  mode: "book" | "reschedule";
}) {
  const t = useTranslations("appointments.booking");
  // the page's language, whatever the viewer's profile says (lib/format.ts)
  const locale = useLocale();
  const [state, formAction, pending] = useActionState(props.action, { status: "idle" });
  const statusId = useId();
  const router = useRouter();
  // a refused time (just taken, or no longer on offer) means the grid is out of date: read it again, so the
  // taken time and the ones overlapping it disappear (and a fresh request key comes with it)
  useEffect(() => {
    if (state.status === "error") router.refresh();
  }, [state, router]);

  if (state.status === "booked") {
    return (
      <div role="status" className="rounded-lg border border-emerald-300 bg-emerald-50 p-4">
        <p className="font-semibold">
          {props.mode === "reschedule"
            ? state.replayed
              ? t("alreadyMoved")
              : t("moved")
            : state.replayed
              ? t("alreadyBooked")
              : t("booked")}
        </p>
        {state.joinUrl && (
          <div className="mt-3">
            <label htmlFor={`${statusId}-link`} className="block text-sm font-medium">
              {t("patientLink")}
            </label>
            <input
              id={`${statusId}-link`}
              readOnly
              value={state.joinUrl}
              className="mt-1 w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono text-sm"
            />
            <p className="mt-1 text-sm text-slate-600">{t("patientLinkOnce")}</p>
          </div>
        )}
        <Link
          href={`/appointments/${state.appointmentId}`}
          className="mt-3 inline-block font-semibold text-brand-700 underline"
        >
          {t("openAppointment")}
        </Link>
      </div>
    );
  }

  return (
    <form action={formAction} aria-describedby={statusId}>
      {Object.entries(props.hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <div id={statusId} role="status" aria-live="polite">
        {state.status === "error" && (
          <div className="mb-4 rounded border border-amber-300 bg-amber-50 p-3">
            <p className="font-medium">{state.message}</p>
            {state.suggestions.length > 0 && (
              <>
                <p className="mt-2 text-sm">{t("nearest")}</p>
                <div className="mt-2 flex flex-wrap gap-2">
                  {state.suggestions.map((iso) => (
                    <button
                      key={iso}
                      type="submit"
                      name="startsAt"
                      value={iso}
                      disabled={pending}
                      className="rounded border border-brand-600 bg-white px-3 py-1 text-sm hover:bg-brand-50"
                    >
                      {formatDateTime(new Date(iso), props.zone, locale)}
                    </button>
                  ))}
                </div>
              </>
            )}
          </div>
        )}
      </div>
      {props.days.length === 0 ? (
        <p className="text-slate-600">{t("noSlots")}</p>
      ) : (
        <div className="space-y-4">
          {props.days.map((day) => (
            <fieldset key={day.date} className="rounded-lg border border-slate-200 bg-white p-3">
              <legend className="px-1 font-semibold">
                {formatWeekday(new Date(day.slots[0]!.start), props.zone, locale)}
              </legend>
              <div className="flex flex-wrap gap-2">
                {day.slots.map((slot) => (
                  <button
                    key={slot.start}
                    type="submit"
                    name="startsAt"
                    value={slot.start}
                    disabled={pending}
                    aria-label={t("bookAt", { time: formatDateTime(new Date(slot.start), props.zone, locale) })}
                    className="rounded border border-slate-300 px-3 py-1 font-mono text-sm hover:border-brand-600 hover:bg-brand-50 disabled:opacity-50"
                  >
                    {formatTime(new Date(slot.start), props.zone, locale)}
                  </button>
                ))}
              </div>
            </fieldset>
          ))}
        </div>
      )}
    </form>
  );
}
