"use client";
// The week's figures as grouped bars drawn with visx (SVG, rendered on the server and hydrated; no inline
// script or style sheet, so the page's CSP holds). The same figures are in the table beside it.
import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";

export type SeriesKey = "held" | "noShows" | "rescued" | "confirmedByCall";

export interface ChartWeek {
  label: string;
  values: Record<SeriesKey, number>;
}

const WIDTH = 720;
const HEIGHT = 280;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 40 };
// each at least 4.5:1 against the white page, so the legend's swatches are told apart by more than hue alone
const COLOURS: Record<SeriesKey, string> = {
  held: "#047857",
  noShows: "#b45309",
  rescued: "#1d4ed8",
  confirmedByCall: "#6d28d9",
};

export function VisitsChart({
  weeks,
  series,
  title,
  description,
}: {
  weeks: ChartWeek[];
  series: Array<{ key: SeriesKey; label: string }>;
  title: string;
  description: string;
}) {
  const id = useId();
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>({ domain: weeks.map((w) => w.label), range: [0, innerWidth], padding: 0.25 });
  const inWeek = scaleBand<SeriesKey>({
    domain: series.map((s) => s.key),
    range: [0, x.bandwidth()],
    padding: 0.1,
  });
  const top = Math.max(1, ...weeks.flatMap((w) => series.map((s) => w.values[s.key])));
  const y = scaleLinear<number>({ domain: [0, top], range: [innerHeight, 0], nice: true });
  return (
    <figure className="mt-4">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="h-auto w-full max-w-3xl"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <Group left={MARGIN.left} top={MARGIN.top}>
          {weeks.map((week) =>
            series.map(({ key }) => {
              const barHeight = innerHeight - (y(week.values[key]) ?? innerHeight);
              return (
                <Bar
                  key={`${week.label}-${key}`}
                  x={(x(week.label) ?? 0) + (inWeek(key) ?? 0)}
                  y={innerHeight - barHeight}
                  width={inWeek.bandwidth()}
                  height={barHeight}
                  fill={COLOURS[key]}
                />
              );
            }),
          )}
          <AxisLeft
            scale={y}
            numTicks={Math.min(top, 5)}
            tickFormat={(v) => String(v)}
            stroke="#334155"
            tickStroke="#334155"
          />
          <AxisBottom
            top={innerHeight}
            scale={x}
            // more than eight weeks: every other date, so the labels do not run into each other
            tickValues={weeks.length > 8 ? weeks.filter((_, i) => i % 2 === 0).map((w) => w.label) : undefined}
            stroke="#334155"
            tickStroke="#334155"
          />
        </Group>
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-sm text-slate-700">
        {series.map(({ key, label }) => (
          <span key={key} className="inline-flex items-center gap-1">
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" fill={COLOURS[key]} />
            </svg>
            {label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
