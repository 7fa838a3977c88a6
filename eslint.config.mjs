import { readFileSync } from "node:fs";
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

// The parts of the system and the imports allowed between them are declared once, in docs/boundaries.json;
// every `never` there becomes a no-restricted-imports pattern here, with its reason as the message.
const boundaries = JSON.parse(readFileSync(new URL("./docs/boundaries.json", import.meta.url), "utf8"));

/** The specifiers naming a part; the `rest` part (lib/<domain>) is every @/lib import no other part claims. */
function specifiersOf(name) {
  const part = boundaries.parts[name];
  if (!part.rest) return part.reachedAs;
  const claimedElsewhere = Object.entries(boundaries.parts)
    .filter(([other, spec]) => other !== name && !spec.external)
    .flatMap(([, spec]) => spec.reachedAs)
    .filter((specifier) => specifier.startsWith("@/lib/"));
  // gitignore semantics: a path under an excluded folder cannot be re-included, so re-include the folder too
  const reincluded = claimedElsewhere.flatMap((specifier) =>
    specifier.endsWith("/**") ? [specifier.slice(0, -3), specifier] : [specifier],
  );
  return [...part.reachedAs, ...reincluded.map((specifier) => `!${specifier}`)];
}

/** Refuses a declaration that leaves a pair of parts undecided or both allowed and forbidden. */
function checkBoundaries() {
  const internal = Object.keys(boundaries.parts).filter((name) => !boundaries.parts[name].external);
  for (const from of internal) {
    const may = boundaries.may[from];
    if (may === "*") continue;
    for (const to of internal) {
      const forbidden = boundaries.never.some((rule) => rule.from.includes(from) && rule.to.includes(to));
      if (forbidden && may.includes(to))
        throw new Error(`docs/boundaries.json: ${from} → ${to} is both allowed and forbidden`);
      if (!forbidden && !may.includes(to))
        throw new Error(`docs/boundaries.json: ${from} → ${to} is neither allowed nor forbidden`);
    }
  }
}

function boundaryConfigs() {
  checkBoundaries();
  return Object.entries(boundaries.parts)
    .filter(([, part]) => !part.external)
    .map(([name, part]) => {
      // one pattern per forbidden part: a part's `!` re-inclusions only hold within its own group
      const patterns = boundaries.never
        .filter((rule) => rule.from.includes(name))
        .flatMap((rule) =>
          [...rule.to.map(specifiersOf), ...(rule.alsoReachedAs ? [rule.alsoReachedAs] : [])].map((group) => ({
            group: [...new Set(group)],
            message: `${name} → ${rule.to.join(", ")}: ${rule.why} (docs/boundaries.json)`,
          })),
        );
      return {
        name: `boundaries/${name}`,
        files: part.files,
        ...(part.except ? { ignores: part.except } : {}),
        // a file takes the rule of the last part that matches it, so each part states all of its own
        rules: { "no-restricted-imports": patterns.length ? ["error", { patterns }] : "off" },
      };
    });
}

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [".next/**", "lib/generated/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...boundaryConfigs(),
  {
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='viewer'][property.name='locale']",
          message:
            "Screens speak the page's language: take the locale from next-intl (getLocale() / useLocale()), not the viewer's profile.",
        },
      ],
    },
  },
  {
    // work is queued in one place per domain (its jobs.ts, or the wiring in index.ts); an appointment change is
    // announced through announceAppointmentChange, which alone decides what to queue. A separate rule name, so
    // the boundary rules' no-restricted-imports above stay in force.
    files: ["lib/**", "app/**", "components/**"],
    ignores: ["lib/jobs/**", "lib/*/jobs.ts", "lib/*/index.ts", "lib/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@/lib/jobs/boss",
              importNames: [
                "enqueueMeetingSync",
                "enqueueCalendarEventSync",
                "enqueueOutlookSync",
                "enqueuePatientMessage",
                "enqueueReminderDispatch",
              ],
              message:
                "Queue a domain's work from its own jobs.ts; for an appointment change call announceAppointmentChange (lib/appointments/jobs.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // the scheduling core is pure: time and zone come in as parameters
    files: ["lib/scheduling/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "lib/scheduling takes `now` as a parameter." },
      ],
    },
  },
];

export default config;
