// Structured JSON logs (pino). Patient data never goes into a log line: callers log ids, not names,
// and the redaction list below is a second line of defence for fields that must never appear.
import "server-only";
import pino from "pino";
import { envVariables } from "@/lib/env";

// only these two: the logger is imported everywhere, also where the rest of the configuration is absent
const { LOG_LEVEL, NODE_ENV } = envVariables(["LOG_LEVEL", "NODE_ENV"]);

export const logger = pino({
  level: LOG_LEVEL ?? (NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "consulta" },
  redact: {
    paths: [
      "*.authorization",
      "*.Authorization",
      "*.access_token",
      "*.refresh_token",
      "*.id_token",
      "*.clientSecret",
      "*.recordingAccessToken",
      "*.recordingLocation",
      "*.toneInfo",
      "*.phone",
      "*.email",
      "*.firstName",
      "*.lastName",
    ],
    censor: "[redacted]",
  },
});
