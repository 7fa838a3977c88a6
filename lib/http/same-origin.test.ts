import { describe, expect, it } from "vitest";
import { isSameOrigin } from "./same-origin";

const post = (headers: Record<string, string>) =>
  new Request("http://localhost:3000/api/calls/join", { method: "POST", headers });

describe("same-origin check", () => {
  const origins = ["https://consulta.example"];
  it("accepts the app's own origin", () => {
    expect(isSameOrigin(post({ origin: "https://consulta.example" }), origins)).toBe(true);
    expect(isSameOrigin(post({ origin: "http://localhost:3000" }), origins)).toBe(true);
  });
  it("refuses other sites, opaque origins and requests with no origin information", () => {
    expect(isSameOrigin(post({ origin: "https://evil.example" }), origins)).toBe(false);
    expect(isSameOrigin(post({ origin: "null" }), origins)).toBe(false);
    expect(isSameOrigin(post({}), origins)).toBe(false);
    expect(isSameOrigin(post({ "sec-fetch-site": "cross-site" }), origins)).toBe(false);
    expect(isSameOrigin(post({ "sec-fetch-site": "same-origin" }), origins)).toBe(true);
  });
});
