/** A colleague staff can invite into the call (their Entra object id names them in the roster's invitations). */
export interface PanelPerson {
  id: string;
  entraObjectId: string;
  name: string;
}

export const buttonClass =
  "rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50";
export const primaryClass =
  "rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900 disabled:cursor-not-allowed disabled:opacity-50";
