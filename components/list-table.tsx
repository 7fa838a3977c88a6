import type { ReactNode } from "react";

/** A column heading; `hidden` ones are read by screen readers only (a column of links or buttons). */
export type ListColumn = string | { hidden: string };

/**
 * The frame and header of the app's list tables (call log, clinic-line rules, audit log): it scrolls
 * sideways on narrow screens, its caption is for screen readers, and every heading is a column header.
 * The rows (`<tr>`) are the caller's.
 */
export function ListTable({
  caption,
  columns,
  className = "",
  children,
}: {
  caption: string;
  columns: ListColumn[];
  /** spacing around the frame, e.g. "mt-4" */
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={`${className} overflow-x-auto rounded-lg border border-slate-200 bg-white`.trim()}>
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50">
          <tr>
            {columns.map((column) =>
              typeof column === "string" ? (
                <th key={column} scope="col" className="px-3 py-2">
                  {column}
                </th>
              ) : (
                <th key={column.hidden} scope="col" className="px-3 py-2">
                  <span className="sr-only">{column.hidden}</span>
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}
