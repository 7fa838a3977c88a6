"use server";

import "server-only";
import { signIn, signOut } from "./index";

export async function signInWithMicrosoft(): Promise<void> {
  await signIn("microsoft-entra-id", { redirectTo: "/appointments" });
}

export async function signOutEverywhere(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
