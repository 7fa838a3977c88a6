// The one door to Azure Communication Services SMS: Microsoft's SDK (@azure/communication-sms), which signs
// every request with the resource's access key (HMAC-SHA256 over the method, path, date, host and body hash).
// The endpoint comes from the connection string, so the emulator stands in by configuration alone. The SDK's
// own retries are off: a patient message's job retries after Retry-After and shows the wait on the message.
import "server-only";
import { SmsClient } from "@azure/communication-sms";
import { parseRetryAfter } from "@/lib/graph/errors";

/** Why a text was not taken: `transient` ones are worth another attempt (after `retryAfterSeconds`). */
export class SmsSendError extends Error {
  constructor(
    readonly kind: "transient" | "permanent",
    /** a code for the message's record: the HTTP status and ACS's error, never the number or the text */
    readonly code: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`SMS not accepted: ${code}`);
    this.name = "SmsSendError";
  }
}

export interface SmsSender {
  /** Sends one text to one E.164 number; `tag` comes back in its delivery report. */
  send(sms: { to: string; text: string; tag: string }): Promise<{ messageId: string }>;
}

export interface AcsSmsOptions {
  connectionString: string;
  /** the ACS number (E.164) or alphanumeric sender id */
  from: string;
  /** trust for the endpoint's certificate when it is not a public one (tests against the emulator) */
  ca?: string;
}

const transientStatus = (status: number | undefined) => status === undefined || status === 429 || status >= 500;

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}

export function createAcsSmsSender(options: AcsSmsOptions): SmsSender {
  const client = new SmsClient(options.connectionString, {
    retryOptions: { maxRetries: 0 },
    ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
  });
  return {
    async send({ to, text, tag }) {
      let results;
      try {
        results = await client.send(
          { from: options.from, to: [to], message: text },
          { enableDeliveryReport: true, tag },
        );
      } catch (error) {
        const rest = error as RestErrorLike;
        const status = rest.statusCode;
        const code = `acs:${status ?? "network"}${rest.code && rest.code !== "REQUEST_SEND_ERROR" ? `:${rest.code}` : ""}`;
        throw new SmsSendError(
          transientStatus(status) ? "transient" : "permanent",
          code,
          parseRetryAfter(rest.response?.headers.get("retry-after"), Date.now()),
        );
      }
      const [result] = results;
      if (!result) throw new SmsSendError("transient", "acs:noResult");
      if (!result.successful || !result.messageId) {
        throw new SmsSendError(
          transientStatus(result.httpStatusCode) ? "transient" : "permanent",
          `acs:${result.httpStatusCode}`,
        );
      }
      return { messageId: result.messageId };
    },
  };
}
