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

describe("no-show rescue", () => {
  it("calls 5 minutes after the start, every day 07:00-20:00, by default (also when left empty)", async () => {
    for (const empty of [undefined, " "]) {
      const env = (await envWith({ RESCUE_AFTER_MINUTES: empty, CLINIC_HOURS: empty }))();
      expect(env).toMatchObject({ RESCUE_AFTER_MINUTES: 5, CLINIC_HOURS: "1-7 07:00-20:00" });
    }
    const env = (await envWith({ RESCUE_AFTER_MINUTES: "0", CLINIC_HOURS: "1-5 08:00-18:00; 6 08:00-12:00" }))();
    expect(env).toMatchObject({ RESCUE_AFTER_MINUTES: 0, CLINIC_HOURS: "1-5 08:00-18:00; 6 08:00-12:00" });
  });

  it("refuses a delay that is not whole minutes up to two hours, and hours it cannot read", async () => {
    for (const value of ["-1", "2.5", "121", "soon"])
      expect(await envWith({ RESCUE_AFTER_MINUTES: value }), value).toThrow(/RESCUE_AFTER_MINUTES/);
    for (const value of ["mon-fri 8-18", "1-5 8:00-18:00", "every day"])
      expect(await envWith({ CLINIC_HOURS: value }), value).toThrow(/CLINIC_HOURS/);
  });
});

describe("messages to patients", () => {
  it("has a clinic name and a reminder time by default, and every channel off", async () => {
    const env = (await envWith({}))();
    expect(env).toMatchObject({ CLINIC_NAME: "Consulta", PATIENT_REMINDER_TIME: "10:00" });
    expect(env.CLINIC_MAILBOX).toBeUndefined();
    expect(env.ACS_CONNECTION_STRING).toBeUndefined();
  });

  it("takes the clinic's details, ACS's connection string and a reminder time or off", async () => {
    const env = (
      await envWith({
        CLINIC_PHONE: "+551130000000",
        CLINIC_MAILBOX: "recepcao@clinic.example",
        ACS_CONNECTION_STRING: "endpoint=https://clinic.communication.azure.com/;accesskey=abc123==",
        PATIENT_REMINDER_TIME: "off",
      })
    )();
    expect(env).toMatchObject({ CLINIC_PHONE: "+551130000000", PATIENT_REMINDER_TIME: "off" });
    expect((await envWith({ PATIENT_REMINDER_TIME: "18:30" }))().PATIENT_REMINDER_TIME).toBe("18:30");
  });

  it("refuses a phone that is not E.164, a connection string of another shape and an impossible time, naming each", async () => {
    expect(await envWith({ CLINIC_PHONE: "(11) 3000-0000" })).toThrow(/CLINIC_PHONE: must be an E.164 number/);
    expect(await envWith({ ACS_CONNECTION_STRING: "https://x;key=1" })).toThrow(/ACS_CONNECTION_STRING/);
    expect(await envWith({ PATIENT_REMINDER_TIME: "25:00" })).toThrow(/PATIENT_REMINDER_TIME: must be HH:MM/);
    expect(await envWith({ ACS_EVENTS_SECRET: "short" })).toThrow(/ACS_EVENTS_SECRET/);
  });
});

describe("several instances (issue 23)", () => {
  const key = Buffer.alloc(32, 7).toString("base64");
  const speech = {
    SPEECH_TTS_ENDPOINT: "https://westeurope.tts.speech.microsoft.com/cognitiveservices/v1",
    SPEECH_KEY: "speech-key",
  };

  it("takes a server-action key of an AES size and refuses another, naming the variable", async () => {
    expect((await envWith({ NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key }))().NEXT_SERVER_ACTIONS_ENCRYPTION_KEY).toBe(key);
    const short = await envWith({ NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: Buffer.alloc(20).toString("base64") });
    expect(() => short()).toThrow(/NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: must be base64 of 16, 24 or 32 bytes/);
    const notBase64 = await envWith({ NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: "not a key!" });
    expect(() => notBase64()).toThrow(/NEXT_SERVER_ACTIONS_ENCRYPTION_KEY/);
    // empty (a copied .env.example) is absent
    expect(
      (await envWith({ NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: "" }))().NEXT_SERVER_ACTIONS_ENCRYPTION_KEY,
    ).toBeUndefined();
  });

  it("requires the key in production with a Microsoft tenant, where instances come and go", async () => {
    const production = await envWith({ NODE_ENV: "production", GRAPH_BASE_URL: "https://graph.microsoft.com" });
    expect(() => production()).toThrow(/NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: must be set in production/);
    const keyed = await envWith({
      NODE_ENV: "production",
      GRAPH_BASE_URL: "https://graph.microsoft.com",
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key,
      ...speech,
    });
    expect(() => keyed()).not.toThrow();
  });

  it("requires Azure AI Speech in production with a Microsoft tenant: the calls' prompts cannot be spoken without it", async () => {
    const tenant = { NODE_ENV: "production", GRAPH_BASE_URL: "https://graph.microsoft.com" };
    const silent = await envWith({ ...tenant, NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key });
    expect(() => silent()).toThrow(/SPEECH_TTS_ENDPOINT: must be set in production/);
    expect(() => silent()).toThrow(/SPEECH_KEY: must be set in production/);
    const speaking = await envWith({ ...tenant, NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key, ...speech });
    expect(() => speaking()).not.toThrow();
    // locally the emulator stands in for Azure: nothing required
    const local = await envWith({ NODE_ENV: "production" });
    expect(() => local()).not.toThrow();
  });

  it("counts trusted proxy hops from 1 (the default) to 5", async () => {
    expect((await envWith({}))().TRUSTED_PROXY_HOPS).toBe(1);
    expect((await envWith({ TRUSTED_PROXY_HOPS: "2" }))().TRUSTED_PROXY_HOPS).toBe(2);
    for (const bad of ["0", "1.5", "many", "9"]) {
      const serverEnv = await envWith({ TRUSTED_PROXY_HOPS: bad });
      expect(() => serverEnv(), bad).toThrow(/TRUSTED_PROXY_HOPS: must/);
    }
  });
});

describe("processes, files and logs (issue 22)", () => {
  it("has a default for each, also when left empty", async () => {
    for (const empty of [undefined, " "]) {
      const env = (
        await envWith({
          REMINDER_DISPATCH_WORKERS: empty,
          REMINDER_MAX_CONCURRENT_CALLS: empty,
          CALL_RUNTIME_SLOTS: empty,
          CONSULTA_SHUTDOWN_TIMEOUT_MS: empty,
          CONSULTA_DATA_DIR: empty,
          LOG_LEVEL: empty,
        })
      )();
      expect(env).toMatchObject({
        REMINDER_DISPATCH_WORKERS: 4,
        CONSULTA_SHUTDOWN_TIMEOUT_MS: 20_000,
        CONSULTA_DATA_DIR: ".data",
      });
      // unset: the reminder service's and the call runtime's own defaults apply
      expect(env.REMINDER_MAX_CONCURRENT_CALLS).toBeUndefined();
      expect(env.CALL_RUNTIME_SLOTS).toBeUndefined();
      expect(env.LOG_LEVEL).toBeUndefined();
    }
    const env = (
      await envWith({
        REMINDER_DISPATCH_WORKERS: "8",
        REMINDER_MAX_CONCURRENT_CALLS: "90",
        CALL_RUNTIME_SLOTS: "32",
        CONSULTA_SHUTDOWN_TIMEOUT_MS: "5000",
        LOG_LEVEL: "warn",
      })
    )();
    expect(env).toMatchObject({
      REMINDER_DISPATCH_WORKERS: 8,
      REMINDER_MAX_CONCURRENT_CALLS: 90,
      CALL_RUNTIME_SLOTS: 32,
      CONSULTA_SHUTDOWN_TIMEOUT_MS: 5000,
      LOG_LEVEL: "warn",
    });
  });

  it("refuses counts that are not whole numbers in range, naming the variable and the range", async () => {
    const cases: [string, string, RegExp][] = [
      ["REMINDER_DISPATCH_WORKERS", "0", /REMINDER_DISPATCH_WORKERS: must be a whole number of workers from 1 to 32/],
      ["REMINDER_DISPATCH_WORKERS", "33", /REMINDER_DISPATCH_WORKERS: must be a whole number of workers/],
      [
        "REMINDER_MAX_CONCURRENT_CALLS",
        "100",
        /REMINDER_MAX_CONCURRENT_CALLS: must be a whole number of calls from 1 to 90/,
      ],
      ["REMINDER_MAX_CONCURRENT_CALLS", "2.5", /REMINDER_MAX_CONCURRENT_CALLS: must be a whole number/],
      ["CALL_RUNTIME_SLOTS", "-1", /CALL_RUNTIME_SLOTS: must be a whole number of calls from 1 to 64/],
      ["CALL_RUNTIME_SLOTS", "many", /CALL_RUNTIME_SLOTS: must be a whole number/],
      [
        "CONSULTA_SHUTDOWN_TIMEOUT_MS",
        "500",
        /CONSULTA_SHUTDOWN_TIMEOUT_MS: must be a whole number of milliseconds from 1000/,
      ],
      ["OUTLOOK_SYNC_DAYS", "3", /OUTLOOK_SYNC_DAYS: must be a whole number of days from 7 to 400/],
      ["OUTLOOK_CALENDAR", "maybe", /OUTLOOK_CALENDAR: must be on or off/],
      ["LOG_LEVEL", "loud", /LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/],
      ["NODE_ENV", "staging", /NODE_ENV: must be development, production or test/],
    ];
    for (const [name, value, message] of cases) {
      const serverEnv = await envWith({ [name]: value });
      expect(() => serverEnv(), `${name}=${value}`).toThrow(message);
    }
  });
});

describe("envVariables: a few variables where the rest need not be valid", () => {
  it("reads only the variables named, with their defaults, without the ones serverEnv() requires", async () => {
    const { envVariables } = await import("./env");
    expect(envVariables(["LOG_LEVEL", "NODE_ENV", "TRUSTED_PROXY_HOPS"], {})).toEqual({
      LOG_LEVEL: undefined,
      NODE_ENV: "development",
      TRUSTED_PROXY_HOPS: 1,
    });
    // required by serverEnv(), absent here: the caller decides
    expect(envVariables(["DATABASE_URL", "AUTH_SECRET"], {})).toEqual({
      DATABASE_URL: undefined,
      AUTH_SECRET: undefined,
    });
    // another variable's bad value is not its concern
    expect(envVariables(["CONSULTA_DATA_DIR"], { CONSULTA_DATA_DIR: "/srv/consulta", LOG_LEVEL: "loud" })).toEqual({
      CONSULTA_DATA_DIR: "/srv/consulta",
    });
  });

  it("checks each as serverEnv() does, naming the variable", async () => {
    const { envVariables } = await import("./env");
    expect(() => envVariables(["DATABASE_URL"], { DATABASE_URL: "mysql://db/consulta" })).toThrow(
      /DATABASE_URL: must be a postgresql:\/\/ URL/,
    );
    expect(() => envVariables(["AUTH_SECRET"], { AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET: must be at least 32/);
    expect(() => envVariables(["TRUSTED_PROXY_HOPS"], { TRUSTED_PROXY_HOPS: "0" })).toThrow(/TRUSTED_PROXY_HOPS: must/);
  });
});
