import "server-only";
import NextAuth from "next-auth";
import { getDb } from "@/lib/db";
import type { Role } from "@/lib/generated/prisma/enums";
import { authConfig } from "./config";

export const { handlers, auth, signIn, signOut } = NextAuth(() => authConfig(getDb()));

declare module "next-auth" {
  interface Session {
    user: { id: string; role: Role; timeZone: string; locale: string; name?: string | null; email?: string | null };
  }
}
