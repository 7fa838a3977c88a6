import type { Directory } from "../directory";
import { esc, page } from "./html";

/** Entra-like sign-in page for the demo tenant: type a UPN or pick a user; any password is accepted. */
export function renderLoginPage(opts: {
  directory: Directory;
  action: string;
  loginHint: string;
  error?: string;
}): string {
  const { directory } = opts;
  const users = directory.users
    .map(
      (u) =>
        `<form method="post" action="${esc(opts.action)}"><input type="hidden" name="login" value="${esc(u.userPrincipalName)}"><input type="hidden" name="password" value="demo"><button type="submit">Sign in as ${esc(u.displayName)} <span class="muted">${esc(u.userPrincipalName)} · ${esc(u.appRole ?? "no Consulta role")}</span></button></form>`,
    )
    .join("");
  return page(
    `Sign in – ${directory.tenantName}`,
    `<h1>Sign in to ${esc(directory.tenantName)}</h1>
<p class="muted">Local Microsoft Entra ID emulator (demo tenant ${esc(directory.domain)}). Any password works.</p>
${opts.error ? `<p class="err" role="alert">${esc(opts.error)}</p>` : ""}
<form method="post" action="${esc(opts.action)}">
<label>Email, phone, or Skype <input name="login" type="email" autocomplete="username" required value="${esc(opts.loginHint)}"></label><br>
<label>Password <input name="password" type="password" autocomplete="current-password"></label><br>
<button type="submit">Sign in</button></form>
<fieldset class="users"><legend>Or sign in as a demo user</legend>${users}</fieldset>`,
  );
}
