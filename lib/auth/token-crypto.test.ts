import { describe, expect, it } from "vitest";
import { decryptToken, encryptToken } from "./token-crypto";

const secret = "a-test-secret-that-is-long-enough-1234567890";

describe("token encryption", () => {
  it("round-trips and never stores the plain token", () => {
    const sealed = encryptToken("eyJ.token.value", secret);
    expect(sealed).not.toContain("eyJ.token.value");
    expect(decryptToken(sealed, secret)).toBe("eyJ.token.value");
  });
  it("uses a fresh nonce each time", () => {
    expect(encryptToken("same", secret)).not.toBe(encryptToken("same", secret));
  });
  it("refuses a tampered ciphertext or the wrong key", () => {
    const sealed = encryptToken("secret-token", secret);
    const parts = sealed.split(".");
    // a different first character of the ciphertext (random: replacing it with a fixed letter was a no-op
    // once in 64 runs)
    const first = parts[3]!.charAt(0) === "A" ? "B" : "A";
    const flipped = [parts[0], parts[1], parts[2], `${first}${parts[3]!.slice(1)}`].join(".");
    expect(flipped).not.toBe(sealed);
    expect(() => decryptToken(flipped, secret)).toThrow();
    expect(() => decryptToken(sealed, `${secret}x`)).toThrow();
    expect(() => decryptToken("plain-text", secret)).toThrow("not an encrypted token");
  });
});

describe("purposes", () => {
  it("derives a key per purpose: a patient link does not open as a Graph token, nor the reverse", () => {
    const link = encryptToken("link-token", secret, "patient-link");
    expect(decryptToken(link, secret, "patient-link")).toBe("link-token");
    expect(() => decryptToken(link, secret)).toThrow();
    expect(() => decryptToken(encryptToken("graph", secret), secret, "patient-link")).toThrow();
  });
});
