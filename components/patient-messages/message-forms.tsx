"use client";

import { useActionState, useId, useState } from "react";
import { useTranslations } from "next-intl";
import { FormMessage, secondaryButtonClass } from "@/components/form-parts";
import { resendMessagesAction, updateContactAction, type MessageFormState } from "@/lib/patient-messages/actions";

const idle: MessageFormState = { status: "idle" };
const formState = (state: MessageFormState) =>
  state.status === "idle" ? { status: "idle" } : { status: state.status, message: state.message };

/** The appointment's one link, to copy and send by any other means (a chat, a call). */
export function CopyLink({ url }: { url: string }) {
  const t = useTranslations("appointments.messages");
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <div className="mt-1 flex flex-wrap items-center gap-2">
      <label htmlFor={id} className="sr-only">
        {t("linkTitle")}
      </label>
      <input
        id={id}
        readOnly
        value={url}
        onFocus={(e) => e.currentTarget.select()}
        className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1 font-mono text-sm"
        data-testid="patient-link"
      />
      <button
        type="button"
        className={secondaryButtonClass}
        onClick={() =>
          void navigator.clipboard.writeText(url).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t("copied") : t("copy")}
      </button>
    </div>
  );
}

export function SendAgainForm({ appointmentId }: { appointmentId: string }) {
  const t = useTranslations("appointments.messages");
  const [state, action, pending] = useActionState(resendMessagesAction, idle);
  const id = useId();
  return (
    <form action={action} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="appointmentId" value={appointmentId} />
      <div className="flex flex-col gap-1">
        <label htmlFor={id} className="text-sm font-medium">
          {t("sendAgainBy")}
        </label>
        <select
          id={id}
          name="channels"
          defaultValue="BOTH"
          className="rounded border border-slate-300 bg-white px-2 py-1"
        >
          <option value="BOTH">{t("channels.BOTH")}</option>
          <option value="EMAIL">{t("channel.EMAIL")}</option>
          <option value="SMS">{t("channel.SMS")}</option>
        </select>
      </div>
      <button type="submit" disabled={pending} className={secondaryButtonClass}>
        {t("sendAgain")}
      </button>
      <FormMessage state={formState(state)} className="basis-full" />
    </form>
  );
}

/** Patient page: which channels the patient wants, and whether they agreed to messages at all. */
export function ContactSettingsForm({
  patientId,
  preference,
  consented,
  callsDeclined,
}: {
  patientId: string;
  preference: "BOTH" | "EMAIL" | "SMS" | "NONE";
  consented: boolean;
  /** the patient asked not to be called by the bot when late for a visit */
  callsDeclined: boolean;
}) {
  const t = useTranslations("patients.messaging");
  const [state, action, pending] = useActionState(updateContactAction, idle);
  const id = useId();
  return (
    <form action={action} className="grid gap-3 sm:max-w-md">
      <input type="hidden" name="patientId" value={patientId} />
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-preference`} className="text-sm font-medium text-slate-800">
          {t("preference")}
        </label>
        <select
          id={`${id}-preference`}
          name="contactPreference"
          defaultValue={preference}
          className="rounded-md border border-slate-300 bg-white px-3 py-2"
        >
          {(["BOTH", "EMAIL", "SMS", "NONE"] as const).map((option) => (
            <option key={option} value={option}>
              {t(`preferences.${option}`)}
            </option>
          ))}
        </select>
      </div>
      <label className="flex items-start gap-2">
        <input type="checkbox" name="consent" value="yes" defaultChecked={consented} className="mt-1" />
        <span>{t("consent")}</span>
      </label>
      <label className="flex items-start gap-2">
        <input type="checkbox" name="callsDeclined" value="yes" defaultChecked={callsDeclined} className="mt-1" />
        <span>{t("callsDeclined")}</span>
      </label>
      <div>
        <button type="submit" disabled={pending} className={secondaryButtonClass}>
          {t("save")}
        </button>
      </div>
      <FormMessage state={formState(state)} />
    </form>
  );
}
