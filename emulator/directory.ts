import fs from "node:fs";
import { z } from "zod";

const directorySchema = z.object({
  tenantId: z.string().uuid(),
  tenantName: z.string(),
  domain: z.string(),
  users: z.array(
    z.object({
      id: z.string(),
      displayName: z.string(),
      userPrincipalName: z.string(),
      appRole: z.enum(["Clinician", "Staff", "Admin"]).nullable(),
      timeZone: z.string().optional(),
      locale: z.string().optional(),
    }),
  ),
  clinicLine: z.object({ phone: z.string(), displayName: z.string() }),
  /** the mailbox patient e-mail is sent as (one of the users); the mail access policy names it by default */
  clinicMailbox: z.string().optional(),
});

export type Directory = z.infer<typeof directorySchema>;
export type DirectoryUser = Directory["users"][number];

export function loadDirectory(file: string): Directory {
  return directorySchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

export function findUser(dir: Directory, idOrUpn: string): DirectoryUser | undefined {
  const key = idOrUpn.toLowerCase();
  return dir.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
}
