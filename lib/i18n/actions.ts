"use server";

import "server-only";
import { cookies } from "next/headers";
import { envVariables } from "@/lib/env";
import { formArgument } from "@/lib/http/form-data";
import { isLocale, localeCookie } from "./locales";

/** Secure cookies in production unless the app is served over plain http. */
function secureCookies(): boolean {
  const { NODE_ENV, PUBLIC_BASE_URL } = envVariables(["NODE_ENV", "PUBLIC_BASE_URL"]);
  return NODE_ENV === "production" && !PUBLIC_BASE_URL.startsWith("http://");
}

/** The language picked on the page, kept for a year in a cookie (next-intl reads it per request). */
export async function changeLocale(formData: FormData): Promise<void> {
  formData = formArgument(formData);
  const locale = formData.get("locale");
  if (!isLocale(locale)) return;
  (await cookies()).set(localeCookie, locale, {
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
    sameSite: "lax",
    httpOnly: true,
    secure: secureCookies(),
  });
}
