// Small pieces the availability forms share. No hooks, so both server and client components use them.

export function inputClass(invalid: boolean, extra = ""): string {
  return `rounded-md border bg-white px-3 py-2 text-base ${invalid ? "border-red-500" : "border-slate-300"} ${extra}`;
}

export const buttonClass =
  "rounded-md bg-brand-700 px-5 py-2.5 text-base font-semibold text-white shadow hover:bg-brand-900 disabled:cursor-wait disabled:opacity-70";

export const secondaryButtonClass =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:cursor-wait disabled:opacity-70";

/** The answer of the last submit, announced to screen readers. */
export function FormMessage({ state }: { state: { status: string; message?: string } }) {
  return (
    <div aria-live="polite">
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
