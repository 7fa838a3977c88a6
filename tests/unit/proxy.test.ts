// proxy.ts with real requests: bodies over a server action's limit are refused with 413 (Next answered
// 500), and a patient-link refusal to Next's own forwarding of a server action is typed as an action's
// answer, so Next reads it instead of hanging up (which logged an uncaught ECONNRESET with a stack per
// refused request; reproduced against a production build of a two-page app, see proxy.ts).
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { ACTION_BODY_LIMIT_BYTES, proxy } from "@/proxy";

let address = 0;
/** Each test its own client address, so the patient-link budget of one does not leak into another. */
const newAddress = () => `198.51.100.${++address}`;

function post(path: string, body: BodyInit, headers: Record<string, string> = {}): NextRequest {
  return new NextRequest(`http://localhost:3000${path}`, { method: "POST", body, headers, duplex: "half" });
}

/** A body sent in chunks, without Content-Length, as Next forwards a server action. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      const size = Math.min(left, 64 * 1024);
      left -= size;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
}

const passedOn = (response: Response) => response.headers.get("x-middleware-next") === "1";

describe("server action bodies over Next's limit", () => {
  it("are refused with 413 from the declared size", async () => {
    const response = await proxy(
      post("/appointments/new", "x", {
        "next-action": "40aa",
        "content-length": String(2 * 1024 * 1024),
        "x-forwarded-for": newAddress(),
      }),
    );
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("The request is too large.");
  });

  it("are refused with 413 when sent in chunks, measured as they arrive", async () => {
    const over = await proxy(post("/patients/new", chunked(ACTION_BODY_LIMIT_BYTES + 1), { "next-action": "40aa" }));
    expect(over.status).toBe(413);
    const at = await proxy(post("/patients/new", chunked(ACTION_BODY_LIMIT_BYTES), { "next-action": "40aa" }));
    expect(passedOn(at)).toBe(true);
  });

  it("pass on at or under the limit", async () => {
    const headers = { "next-action": "40aa", "content-length": String(ACTION_BODY_LIMIT_BYTES) };
    expect(passedOn(await proxy(post("/patients/new", "x", headers)))).toBe(true);
    expect(passedOn(await proxy(new NextRequest("http://localhost:3000/patients")))).toBe(true);
  });
});

describe("the patient-link budget", () => {
  async function spendBudget(from: string): Promise<void> {
    for (let i = 0; i < 30; i++) {
      const response = await proxy(
        new NextRequest(`http://localhost:3000/j/guess${i}`, { headers: { "x-forwarded-for": from } }),
      );
      expect(passedOn(response), `guess ${i + 1}`).toBe(true);
    }
  }

  it("refuses a page past the budget with 429, a page in the reader's language and Retry-After", async () => {
    const from = newAddress();
    await spendBudget(from);
    const response = await proxy(
      new NextRequest("http://localhost:3000/j/guess30", { headers: { "x-forwarded-for": from } }),
    );
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await response.text();
    // Brazilian Portuguese unless the reader asks otherwise; a link to try again; nothing runs
    expect(page).toContain('<html lang="pt-BR">');
    expect(page).toContain("<h1");
    expect(page).toContain("Muitas tentativas");
    expect(page).toContain('href="/j/guess30"');
    expect(page).not.toContain("<script");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    // English by the page's ?lang, the language chosen on the site, or the browser's
    const english: [string, Record<string, string>][] = [
      ["?lang=en", {}],
      ["", { cookie: "consulta_locale=en" }],
      ["", { "accept-language": "en-US,en;q=0.9" }],
    ];
    for (const [query, headers] of english) {
      const answer = await proxy(
        new NextRequest(`http://localhost:3000/j/guess31${query}`, {
          headers: { "x-forwarded-for": from, ...headers },
        }),
      );
      const text = await answer.text();
      expect(text, `${query} ${JSON.stringify(headers)}`).toContain('<html lang="en">');
      expect(text).toContain("Too many requests");
      expect(text).toMatch(/wait \d+ seconds/);
    }
    // a form posted without JavaScript is answered the same way
    const form = await proxy(post("/j/guess31", "token=x", { "x-forwarded-for": from }));
    expect(form.status).toBe(429);
    expect(await form.text()).toContain("Muitas tentativas");
  });

  it("keeps patients behind one address from locking each other out", async () => {
    const wifi = newAddress();
    const token = (n: number) => `${String(n).padStart(2, "0")}${"x".repeat(41)}`;
    // one patient reloads their page past their link's budget…
    const reloads: number[] = [];
    for (let i = 0; i < 32; i++)
      reloads.push(
        (await proxy(new NextRequest(`http://localhost:3000/j/${token(1)}`, { headers: { "x-forwarded-for": wifi } })))
          .status,
      );
    expect(reloads.slice(30)).toEqual([429, 429]);
    // …and twenty other patients on the same Wi-Fi open theirs
    for (let n = 2; n <= 21; n++) {
      const response = await proxy(
        new NextRequest(`http://localhost:3000/j/${token(n)}`, { headers: { "x-forwarded-for": wifi } }),
      );
      expect(passedOn(response), `patient ${n}`).toBe(true);
    }
  });

  it("answers Next's forwarding of a server action in a type Next relays, with nothing to hang up on", async () => {
    const from = newAddress();
    await spendBudget(from);
    // a patient-link action posted to another page: Next forwards it to the page that has the action
    const forwarded = post("/j/[token]", chunked(300), {
      "next-action": "40aa",
      "x-action-forwarded": "1",
      "x-forwarded-for": from,
    });
    const response = await proxy(forwarded);
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("text/x-component");
    expect(response.headers.get("retry-after")).not.toBeNull();
    expect(response.body).toBeNull();
  });

  it("counts forwarded actions against their sender, like a link of its own", async () => {
    const from = newAddress();
    const hop = () =>
      post("/j/[token]", chunked(10), { "next-action": "40aa", "x-action-forwarded": "1", "x-forwarded-for": from });
    for (let i = 0; i < 30; i++) expect(passedOn(await proxy(hop()))).toBe(true);
    expect((await proxy(hop())).status).toBe(429);
    // another sender's forwarded actions are their own
    const other = post("/j/[token]", chunked(10), {
      "next-action": "40aa",
      "x-action-forwarded": "1",
      "x-forwarded-for": newAddress(),
    });
    expect(passedOn(await proxy(other))).toBe(true);
  });
});
