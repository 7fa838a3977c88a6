import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const noEmulator = {
  group: ["**/emulator/**", "@/emulator/**"],
  message:
    "The app reaches the local Microsoft cloud only over HTTP, exactly as it reaches Microsoft: never import it.",
};

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
  {
    files: ["app/**", "components/**", "lib/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [noEmulator] }] },
  },
  {
    // routes and UI are adapters: they call lib/ and never query the database themselves
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noEmulator,
            {
              group: ["@/lib/db", "@/lib/db/*", "@/lib/generated/prisma/client"],
              message: "Pages and route handlers call lib/<domain>; only data and mutation modules use the database.",
            },
          ],
        },
      ],
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
    // the scheduling core is pure: time and zone come in as parameters, nothing does I/O
    files: ["lib/scheduling/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/db*", "@/lib/generated/**", "next", "next/*", "node:*", "pg", "@prisma/*"],
              message: "lib/scheduling is pure domain logic: no I/O, framework or database imports.",
            },
          ],
        },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "lib/scheduling takes `now` as a parameter." },
      ],
    },
  },
  {
    files: ["emulator/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/*", "../lib/**", "../../lib/**", "../app/**", "../../app/**"],
              message: "The emulator is a separate program and must not depend on the app.",
            },
          ],
        },
      ],
    },
  },
];

export default config;
