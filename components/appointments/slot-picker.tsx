"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId, useRef, useState } from "react";
import { useLocale, useTranslations } from "next-intl";
import type { BookingFormState } from "@/lib/appointments/actions";
import { NOTE_MAX } from "@/lib/appointments/schema";
import { formatDateTime, formatDateTimeRange, formatTime, formatWeekday, zoneLabel } from "@/lib/format";
import { clocksDiffer, withinWakingHours } from "@/lib/scheduling";

export interface SlotDay {
  date: string;
  slots: { start: string; end: string }[];
}

/** Who and what the review step shows next to the chosen time (names already in the page's language). */
export interface BookingSummary {
  patient: string;
  clinician: string;
  type: string;
}

interface Chosen {
  start: string;
  end: string;
}

// One form. A slot (or a suggested time) is chosen first, then reviewed: who, when on the page's clock and
// on the patient's, the type, a note for the clinician (bookings only) and, for a time at night where the
// patient lives, a confirmation. The idempotency key is made when the page renders, so a double click or a
// resent request books once.
export function SlotPicker(props: {
  action: (state: BookingFormState, formData: FormData) => Promise<BookingFormState>;
  hidden: Record<string, string>;
  days: SlotDay[];
  /** the page's zone (the viewer's) */
  zone: string;
  /** where the patient lives: shown beside each time when its clock differs */
  patientZone: string | null;
  summary: BookingSummary;
  /** what a success says: a new booking, or the appointment moved */
  mode: "book" | "reschedule";
}) {
  const t = useTranslations("appointments.booking");
  // the page's language, whatever the viewer's profile says (lib/format.ts)
  const locale = useLocale();
  const [state, formAction, pending] = useActionState(props.action, { status: "idle" });
  // the choice belongs to the answer it was made after: a new answer (a refusal) closes the review
  const [choice, setChoice] = useState<{ slot: Chosen; after: BookingFormState } | null>(null);
  const chosen = choice && choice.after === state ? choice.slot : null;
  const statusId = useId();
  const reviewRef = useRef<HTMLElement>(null);
  const router = useRouter();
  // a refused time (just taken, or no longer on offer) means the grid is out of date: read it again, so the
  // taken time and the ones overlapping it disappear (and a fresh request key comes with it)
  useEffect(() => {
    if (state.status === "error") router.refresh();
  }, [state, router]);
  // keyboard and screen-reader users land on the review as it opens
  useEffect(() => {
    if (chosen) reviewRef.current?.focus();
  }, [chosen]);

  const patientZone = props.patientZone;
  const differs = (iso: string) => patientZone !== null && clocksDiffer(new Date(iso), props.zone, patientZone);
  const night = (slot: Chosen) =>
    patientZone !== null && !withinWakingHours(new Date(slot.start), new Date(slot.end), patientZone);
  const choose = (slot: Chosen) => setChoice({ slot, after: state });

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

  // the name holds what the button shows, in its order (both clocks, unbracketed: WCAG 2.5.3 label in name),
  // so a person who says the times they see reaches the button; the patient's line starts with a space, or
  // the button's text runs the two times together ("13:3008:30")
  const slotLabel = (slot: Chosen) => {
    const time = formatDateTime(new Date(slot.start), props.zone, locale);
    const label = differs(slot.start)
      ? t("bookAtBoth", { time, patientTime: formatTime(new Date(slot.start), patientZone!, locale) })
      : t("bookAt", { time });
    return night(slot) ? `${label} — ${t("nightForPatient")}` : label;
  };

  return (
    <form action={formAction} aria-describedby={statusId}>
      {Object.entries(props.hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <div id={statusId} role="status" aria-live="polite">
        {state.status === "error" && !chosen && (
          <div className="mb-4 rounded border border-amber-300 bg-amber-50 p-3">
            <p className="font-medium">{state.message}</p>
            {state.suggestions.length > 0 && (
              <>
                <p className="mt-2 text-sm">{t("nearest")}</p>
                <div className="mt-2 flex flex-wrap gap-2">
                  {state.suggestions.map((iso) => {
                    const slot = suggested(iso, props.days);
                    return (
                      <button
                        key={iso}
                        type="button"
                        onClick={() => choose(slot)}
                        disabled={pending}
                        className="rounded border border-brand-600 bg-white px-3 py-1 text-sm hover:bg-brand-50"
                      >
                        {formatDateTime(new Date(iso), props.zone, locale)}
                      </button>
                    );
                  })}
                </div>
              </>
            )}
          </div>
        )}
      </div>
      {chosen ? (
        <Review
          ref={reviewRef}
          chosen={chosen}
          zone={props.zone}
          patientZone={patientZone && differs(chosen.start) ? patientZone : null}
          night={night(chosen)}
          summary={props.summary}
          mode={props.mode}
          pending={pending}
          onBack={() => setChoice(null)}
        />
      ) : props.days.length === 0 ? (
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
                    type="button"
                    onClick={() => choose(slot)}
                    disabled={pending}
                    aria-label={slotLabel(slot)}
                    className={`rounded border px-3 py-1 text-center font-mono text-sm hover:border-brand-600 hover:bg-brand-50 disabled:opacity-50 ${
                      night(slot) ? "border-amber-400 bg-amber-50" : "border-slate-300"
                    }`}
                  >
                    {formatTime(new Date(slot.start), props.zone, locale)}
                    {differs(slot.start) && (
                      <span aria-hidden="true" className="block font-sans text-xs text-slate-600">
                        {" "}
                        {formatTime(new Date(slot.start), patientZone!, locale)}
                        {night(slot) && " ☾"}
                      </span>
                    )}
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

/** A suggested start (an ISO instant) with its end, from the grid when it shows it, else a guess of 0 length. */
function suggested(iso: string, days: SlotDay[]): Chosen {
  const start = new Date(iso).getTime();
  for (const day of days) for (const slot of day.slots) if (new Date(slot.start).getTime() === start) return slot;
  // not in the grid shown: the review shows its start; the server checks the whole visit again
  return { start: iso, end: iso };
}

function Review({
  ref,
  chosen,
  zone,
  patientZone,
  night,
  summary,
  mode,
  pending,
  onBack,
}: {
  ref: React.Ref<HTMLElement>;
  chosen: Chosen;
  zone: string;
  patientZone: string | null;
  night: boolean;
  summary: BookingSummary;
  mode: "book" | "reschedule";
  pending: boolean;
  onBack: () => void;
}) {
  const t = useTranslations("appointments.booking");
  const locale = useLocale();
  const id = useId();
  const start = new Date(chosen.start);
  const end = new Date(chosen.end);
  const range = (z: string) =>
    end > start ? formatDateTimeRange(start, end, z, locale) : formatDateTime(start, z, locale);
  return (
    <section
      ref={ref}
      tabIndex={-1}
      aria-labelledby={`${id}-title`}
      className="rounded-lg border border-brand-600 bg-white p-4"
    >
      <input type="hidden" name="startsAt" value={chosen.start} />
      <h3 id={`${id}-title`} className="text-lg font-semibold">
        {mode === "book" ? t("reviewTitle") : t("reviewTitleMove")}
      </h3>
      <dl className="mt-3 grid gap-x-6 gap-y-2 sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium text-slate-600">{t("reviewPatient")}</dt>
        <dd>{summary.patient}</dd>
        <dt className="font-medium text-slate-600">{t("reviewClinician")}</dt>
        <dd>{summary.clinician}</dd>
        <dt className="font-medium text-slate-600">{t("reviewType")}</dt>
        <dd>{summary.type}</dd>
        <dt className="font-medium text-slate-600">{t("reviewWhen")}</dt>
        <dd data-testid="review-when">
          {range(zone)}
          <span className="block text-sm text-slate-600">{zoneLabel(start, zone, locale)}</span>
        </dd>
        {patientZone && (
          <>
            <dt className="font-medium text-slate-600">{t("reviewPatientWhen")}</dt>
            <dd data-testid="review-patient-when">
              {range(patientZone)}
              <span className="block text-sm text-slate-600">{zoneLabel(start, patientZone, locale)}</span>
            </dd>
          </>
        )}
      </dl>
      {night && patientZone && (
        <div className="mt-4 rounded border border-amber-400 bg-amber-50 p-3">
          <p className="font-medium text-amber-900">
            {t("nightWarning", { time: formatTime(start, patientZone, locale) })}
          </p>
          <label className="mt-2 flex items-center gap-2">
            <input type="checkbox" name="nightConfirmed" value="yes" required className="size-4" />
            {t("nightConfirm")}
          </label>
        </div>
      )}
      {mode === "book" && (
        <div className="mt-4 flex flex-col gap-1">
          <label htmlFor={`${id}-note`} className="text-sm font-medium text-slate-800">
            {t("note")} <span className="font-normal text-slate-500">({t("optional")})</span>
          </label>
          <textarea
            id={`${id}-note`}
            name="note"
            rows={3}
            maxLength={NOTE_MAX}
            aria-describedby={`${id}-note-hint`}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-base"
          />
          <p id={`${id}-note-hint`} className="text-sm text-slate-600">
            {t("noteHint")}
          </p>
        </div>
      )}
      <div className="mt-4 flex flex-wrap gap-3">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-5 py-2 font-semibold text-white hover:bg-brand-900 disabled:opacity-70"
        >
          {mode === "book" ? t("confirmBook") : t("confirmMove")}
        </button>
        <button
          type="button"
          onClick={onBack}
          disabled={pending}
          className="rounded-md border border-slate-300 bg-white px-4 py-2 hover:bg-slate-100"
        >
          {t("chooseOther")}
        </button>
      </div>
    </section>
  );
}
