// The error pages as the server renders them: translated, "briefly unavailable" for the session
// store's outage, and nothing of the error itself (message, stack, digest) in what the visitor sees.
import { createElement } from "react";
import { jsx } from "react/jsx-runtime";
import { renderToStaticMarkup } from "react-dom/server";
import { NextIntlClientProvider } from "next-intl";
import { describe, expect, it } from "vitest";
import ErrorPage from "@/app/error";
import GlobalError from "@/app/global-error";
import { UNAVAILABLE_DIGEST } from "@/lib/error-digests";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";

const catalogues = { en, "pt-BR": pt } as const;

function serverError(message: string, digest: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}\n    at openPatientLink (/work/main/lib/appointments/patient-link-service.ts:38:12)`;
  return Object.assign(error, { digest });
}

function render(locale: keyof typeof catalogues, error: unknown): string {
  // jsx() as the compiled JSX calls it: the children travel in the props
  return renderToStaticMarkup(
    jsx(NextIntlClientProvider, {
      locale,
      timeZone: "UTC",
      messages: { errorPage: catalogues[locale].errorPage },
      children: createElement(ErrorPage, { error, retry: () => {} }),
    }),
  );
}

describe("app/error.tsx", () => {
  it.each(["en", "pt-BR"] as const)("says 'briefly unavailable' in %s while sessions cannot be read", (locale) => {
    const html = render(locale, serverError("Consulta is briefly unavailable.", UNAVAILABLE_DIGEST));
    expect(html).toContain(catalogues[locale].errorPage.unavailableTitle);
    expect(html).toContain(catalogues[locale].errorPage.retry);
    expect(html).not.toContain(UNAVAILABLE_DIGEST);
  });

  it.each(["en", "pt-BR"] as const)("shows anything else as a translated failure, without internals (%s)", (locale) => {
    const html = render(locale, serverError("connect ECONNREFUSED 127.0.0.1:5432", "1234567890"));
    expect(html).toContain(catalogues[locale].errorPage.title);
    expect(html).not.toMatch(/ECONNREFUSED|5432|patient-link|\.ts:\d|1234567890|\bat /);
  });

  it("copes with a thrown value that is not an Error", () => {
    expect(render("en", "a string")).toContain(en.errorPage.title);
    expect(render("en", null)).toContain(en.errorPage.title);
  });
});

describe("app/global-error.tsx", () => {
  it("renders a whole document in the default language on the server, without the error", () => {
    const html = renderToStaticMarkup(
      createElement(GlobalError, { error: serverError('relation "Session" does not exist', "42"), retry: () => {} }),
    );
    expect(html).toMatch(/^<html lang="pt-BR">/);
    expect(html).toContain("Algo deu errado");
    expect(html).toContain("Tentar novamente");
    expect(html).not.toMatch(/Session|relation|\bat /);
  });
});
