import { afterEach, describe, expect, it, vi } from "vitest";

// serverEnv() reads process.env once per module instance: each case imports a fresh one
const base = {
  DATABASE_URL: "postgresql://localhost/consulta",
  AUTH_SECRET: "x".repeat(32),
  AUTH_MICROSOFT_ENTRA_ID_ID: "app",
  AUTH_MICROSOFT_ENTRA_ID_SECRET: "secret",
  AUTH_MICROSOFT_ENTRA_ID_ISSUER: "https://login.microsoftonline.com/tenant/v2.0",
  PUBLIC_BASE_URL: "https://consulta.example",
};

async function envWith(values: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [key, value] of Object.entries({ ...base, ...values })) vi.stubEnv(key, value);
  const { serverEnv } = await import("./env");
  return serverEnv;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("CLINIC_TIME_ZONE", () => {
  it("defaults to São Paulo and takes a place's zone", async () => {
    expect((await envWith({ CLINIC_TIME_ZONE: undefined }))().CLINIC_TIME_ZONE).toBe("America/Sao_Paulo");
    expect((await envWith({ CLINIC_TIME_ZONE: "" }))().CLINIC_TIME_ZONE).toBe("America/Sao_Paulo");
    expect((await envWith({ CLINIC_TIME_ZONE: "Europe/Lisbon" }))().CLINIC_TIME_ZONE).toBe("Europe/Lisbon");
  });

  it("refuses a fixed offset, UTC or a misspelt zone at start, naming the variable", async () => {
    for (const zone of ["Etc/GMT+5", "UTC", "america/sao_paulo", "Mars/Olympus"]) {
      const serverEnv = await envWith({ CLINIC_TIME_ZONE: zone });
      expect(() => serverEnv(), zone).toThrow(/CLINIC_TIME_ZONE: must be a place's IANA time zone/);
    }
  });
});

describe("PUBLIC_BASE_URL", () => {
  it("must be https when a Microsoft tenant is configured: the app refuses to start otherwise", async () => {
    for (const base of ["http://localhost:3000", "http://consulta.example"]) {
      const serverEnv = await envWith({ PUBLIC_BASE_URL: base, GRAPH_BASE_URL: "https://graph.microsoft.com" });
      expect(() => serverEnv(), base).toThrow(/PUBLIC_BASE_URL: must be an https:\/\/ URL/);
    }
    // the default base is plain http on localhost: fine only with the emulator
    await expect(envWith({ PUBLIC_BASE_URL: undefined }).then((env) => env())).rejects.toThrow(/PUBLIC_BASE_URL/);
    const emulator = await envWith({
      PUBLIC_BASE_URL: "http://localhost:3000",
      GRAPH_BASE_URL: "https://localhost:4443",
    });
    expect(emulator().PUBLIC_BASE_URL).toBe("http://localhost:3000");
  });
});

describe("BOT_AUTO_JOIN_MINUTES_BEFORE", () => {
  it("joins 5 minutes before by default (also when left empty); 0 turns it off", async () => {
    expect((await envWith({ BOT_AUTO_JOIN_MINUTES_BEFORE: undefined }))().BOT_AUTO_JOIN_MINUTES_BEFORE).toBe(5);
    expect((await envWith({ BOT_AUTO_JOIN_MINUTES_BEFORE: " " }))().BOT_AUTO_JOIN_MINUTES_BEFORE).toBe(5);
    expect((await envWith({ BOT_AUTO_JOIN_MINUTES_BEFORE: "0" }))().BOT_AUTO_JOIN_MINUTES_BEFORE).toBe(0);
    expect((await envWith({ BOT_AUTO_JOIN_MINUTES_BEFORE: "15" }))().BOT_AUTO_JOIN_MINUTES_BEFORE).toBe(15);
  });

  it("refuses what is not a whole number of minutes up to two hours", async () => {
    for (const value of ["-1", "2.5", "121", "soon"]) {
      const serverEnv = await envWith({ BOT_AUTO_JOIN_MINUTES_BEFORE: value });
      expect(() => serverEnv(), value).toThrow(/BOT_AUTO_JOIN_MINUTES_BEFORE/);
    }
  });
});
