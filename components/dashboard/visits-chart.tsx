"use client";
// Visits held and no-shows per week, as grouped bars drawn with visx (SVG, rendered on the server and hydrated;
// no inline script or style sheet, so the page's CSP holds). The same figures are in the table beside it.
import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";

export interface ChartWeek {
  label: string;
  held: number;
  noShows: number;
}

const WIDTH = 720;
const HEIGHT = 280;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 40 };
// slate-700-on-white contrast for the text; the two series differ by colour and by a hatched border
const COLOURS = { held: "#047857", noShows: "#b45309" };

export function VisitsChart({
  weeks,
  title,
  description,
  legend,
}: {
  weeks: ChartWeek[];
  title: string;
  description: string;
  legend: { held: string; noShows: string };
}) {
  const id = useId();
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>({ domain: weeks.map((w) => w.label), range: [0, innerWidth], padding: 0.25 });
  const series = scaleBand<"held" | "noShows">({
    domain: ["held", "noShows"],
    range: [0, x.bandwidth()],
    padding: 0.1,
  });
  const top = Math.max(1, ...weeks.flatMap((w) => [w.held, w.noShows]));
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
            (["held", "noShows"] as const).map((key) => {
              const value = week[key];
              const barHeight = innerHeight - (y(value) ?? innerHeight);
              return (
                <Bar
                  key={`${week.label}-${key}`}
                  x={(x(week.label) ?? 0) + (series(key) ?? 0)}
                  y={innerHeight - barHeight}
                  width={series.bandwidth()}
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
      <figcaption className="mt-2 flex gap-4 text-sm text-slate-700">
        {(["held", "noShows"] as const).map((key) => (
          <span key={key} className="inline-flex items-center gap-1">
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" fill={COLOURS[key]} />
            </svg>
            {legend[key]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
