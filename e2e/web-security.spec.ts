// Browser-side defences: every page carries a nonce-based Content-Security-Policy that Chromium
// enforces without a single violation while people use the app; cookies are httpOnly and SameSite.
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import nextConfig from "../next.config.js";
import { signInThroughPage } from "./fixtures";

/** Collects CSP violations reported by the page and by Chromium's console. */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding("__reportCsp", (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { __reportCsp(t: string): void }).__reportCsp(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  });
  context.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

function directives(header: string | undefined): Map<string, string[]> {
  return new Map(
    (header ?? "")
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

async function expectCspHeader(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), path).toBeLessThan(400);
  const csp = directives(response?.headers()["content-security-policy"]);
  const script = csp.get("script-src") ?? [];
  expect(script, path).toEqual(expect.arrayContaining(["'strict-dynamic'"]));
  expect(
    script.some((s) => /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(s)),
    path,
  ).toBe(true);
  expect(script, path).not.toContain("'unsafe-inline'");
  expect(csp.get("frame-ancestors"), path).toEqual(["'none'"]);
  expect(csp.get("object-src"), path).toEqual(["'none'"]);
  expect(csp.get("base-uri"), path).toEqual(["'self'"]);
  expect(csp.get("form-action")?.[0], path).toBe("'self'");
}

test("pages render under the CSP with no violation, signed in and out", async ({ browser }) => {
  const context = await browser.newContext();
  const violations = await watchCsp(context);
  const page = await context.newPage();
  await expectCspHeader(page, "/");
  // the OAuth round trip (server action → Entra's sign-in page → callback) passes form-action
  await signInThroughPage(page, "staff");
  for (const path of ["/appointments", "/appointments/new", "/patients", "/patients/new", "/meetings"]) {
    await expectCspHeader(page, path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  // client components hydrate and work: the patient search answers
  await page.goto("/patients");
  await page.getByLabel(/Buscar pacientes/).fill("Maria");
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await expect(page.getByRole("link", { name: /Maria/ }).first()).toBeVisible();
  await page.getByRole("button", { name: "Sair" }).click();
  await expect(page.getByRole("button", { name: "Entrar com a Microsoft" })).toBeVisible();
  expect(violations).toEqual([]);
  await context.close();
});

test("an inline script without the nonce does not run, whatever the page", async ({ page }) => {
  // a stored XSS, simulated: the served HTML gains an inline script the server did not nonce
  await page.route("**/", async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace("</body>", "<script>window.__injected = true</script></body>");
    await route.fulfill({ response, body: html });
  });
  const blocked: string[] = [];
  page.on("console", (message) => void blocked.push(message.text()));
  const response = await page.goto("/");
  expect(response?.headers()["x-frame-options"]).toBe("DENY");
  await expect(page.getByRole("button", { name: "Entrar com a Microsoft" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  expect(blocked.join("\n")).toMatch(/Content Security Policy/);
});

test("API answers carry a CSP that allows nothing", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
});

test("the session cookie is httpOnly and SameSite=Lax; Secure is left to https", async ({ page, context }) => {
  await signInThroughPage(page, "clinician");
  const session = (await context.cookies()).find((c) => c.name.endsWith("authjs.session-token"));
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  // over http (this test server) the cookie cannot be Secure; Auth.js marks it Secure and names it
  // __Secure-authjs.session-token as soon as AUTH_URL is https
  expect(session?.name).toBe("authjs.session-token");
  expect(await page.evaluate(() => document.cookie)).not.toContain("session-token");
});

test("HSTS is sent in production over https only", async () => {
  const headersFor = async (nodeEnv: string, base: string) => {
    const env = process.env as Record<string, string | undefined>;
    const saved = { NODE_ENV: env.NODE_ENV, PUBLIC_BASE_URL: env.PUBLIC_BASE_URL };
    Object.assign(env, { NODE_ENV: nodeEnv, PUBLIC_BASE_URL: base });
    try {
      const rules = (await nextConfig.headers?.()) ?? [];
      return rules.find((r) => r.source === "/:path*")?.headers.map((h) => h.key) ?? [];
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
    }
  };
  expect(await headersFor("production", "https://consulta.example")).toContain("Strict-Transport-Security");
  expect(await headersFor("production", "http://localhost:3000")).not.toContain("Strict-Transport-Security");
});
