"use server";

import { formArgument } from "@/lib/http/form-data";
import { cookies } from "next/headers";
import { signIn, signOut } from "@/lib/auth";
import { envVariables } from "@/lib/env";
import { isLocale, localeCookie } from "@/lib/i18n/locales";

/** Secure cookies in production unless the app is served over plain http. */
function secureCookies(): boolean {
  const { NODE_ENV, PUBLIC_BASE_URL } = envVariables(["NODE_ENV", "PUBLIC_BASE_URL"]);
  return NODE_ENV === "production" && !PUBLIC_BASE_URL.startsWith("http://");
}

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

export async function signInWithMicrosoft(): Promise<void> {
  await signIn("microsoft-entra-id", { redirectTo: "/appointments" });
}

export async function signOutEverywhere(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
