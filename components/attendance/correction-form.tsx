"use client";

import { useActionState, useId } from "react";
import type { SimpleFormState } from "@/lib/appointments/actions";
import { correctAttendanceAction } from "@/lib/attendance/actions";

/** Staff's correction of how a visit ended: one button per status it can become. */
export function AttendanceCorrectionForm({
  appointmentId,
  from,
  choices,
}: {
  appointmentId: string;
  from: string;
  choices: Array<{ to: "COMPLETED" | "NO_SHOW"; label: string }>;
}) {
  const [state, formAction, pending] = useActionState<SimpleFormState, FormData>(correctAttendanceAction, {
    status: "idle",
  });
  const id = useId();
  return (
    <form action={formAction} className="mt-3 flex flex-wrap items-center gap-2" aria-describedby={id}>
      <input type="hidden" name="appointmentId" value={appointmentId} />
      <input type="hidden" name="from" value={from} />
      {choices.map((choice) => (
        <button
          key={choice.to}
          type="submit"
          name="to"
          value={choice.to}
          disabled={pending}
          className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 disabled:opacity-50"
        >
          {choice.label}
        </button>
      ))}
      <div id={id} role="status" aria-live="polite" className="w-full text-sm">
        {state.status === "error" && <p className="text-red-800">{state.message}</p>}
        {state.status === "done" && <p className="text-emerald-800">{state.message}</p>}
      </div>
    </form>
  );
}
