// Small pieces the app's forms share (availability, patients, clinic-line rules). No hooks, so both server
// and client components use them.
import type { InputHTMLAttributes } from "react";

export function inputClass(invalid: boolean, extra = ""): string {
  return `rounded-md border bg-white px-3 py-2 text-base ${invalid ? "border-red-500" : "border-slate-300"} ${extra}`.trimEnd();
}

export const buttonClass =
  "rounded-md bg-brand-700 px-5 py-2.5 text-base font-semibold text-white shadow hover:bg-brand-900 disabled:cursor-wait disabled:opacity-70";

export const secondaryButtonClass =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:cursor-wait disabled:opacity-70";

/** The answer of the last submit, announced to screen readers. */
export function FormMessage({
  state,
  className,
}: {
  state: { status: string; message?: string };
  /** where the message sits in the form's layout, e.g. "sm:col-span-2" */
  className?: string;
}) {
  return (
    <div className={className} aria-live="polite">
      {state.status === "error" && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      )}
      {state.status === "ok" && (
        <p role="status" className="rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-800">
          {state.message}
        </p>
      )}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="text-sm font-medium text-red-700">
      {message}
    </p>
  );
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> & {
  id: string;
  name: string;
  label: string;
  hint?: string;
  /** the word for "optional", shown after the label */
  optional?: string;
  error?: string;
  /** spans both columns of the form's two-column grid */
  wide?: boolean;
};

/** A labelled text input with its hint and error, both tied to it by aria-describedby. */
export function TextField({ id, label, hint, optional, error, required, wide, ...input }: TextFieldProps) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className={wide ? "flex flex-col gap-1 sm:col-span-2" : "flex flex-col gap-1"}>
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
        {/* a real space, so the accessible name reads "Phone (optional)" */}
        {optional && (
          <>
            {" "}
            <span className="font-normal text-slate-500">({optional})</span>
          </>
        )}
      </label>
      <input
        id={id}
        required={required}
        aria-required={required || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={inputClass(Boolean(error))}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-sm text-slate-600">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
