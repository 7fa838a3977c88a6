// What the call-flow tests (reminders, clinic line, the faults suite) share: the reception user they
// transfer to, phone numbers no other test uses, and a dump of the rows a flow may have written.

/** Recepção Aurora in config/demo-directory.json: where transfers to reception go. */
export const RECEPTION_OID = "0a1c2e30-4444-4a00-8000-000000000002";

/**
 * CLINIC_LINE_APPLICATION_INSTANCE_ID in tests, as scripts/start.ts sets it locally: the emulator takes any
 * application instance id for its clinic line, and calls to phones are placed from it.
 */
export const CLINIC_LINE_INSTANCE = "emulator-clinic-line";

let phoneCounter = 0;
/**
 * A Brazilian mobile number unique to this test process and call (the process id keeps parallel test
 * files apart), so behaviour set on an emulator endpoint never carries over to another test.
 */
export const freshPhone = () =>
  `+551197${String(process.pid % 1000).padStart(3, "0")}${String(phoneCounter++ % 10_000).padStart(4, "0")}`;

/**
 * The rows of each table, as one JSON text: tests search it for values the flow must not have stored (the
 * keys pressed, a transcript, a recording's location).
 */
export async function storedRows(tables: Record<string, Promise<unknown[]>>): Promise<string> {
  const names = Object.keys(tables);
  const rows = await Promise.all(Object.values(tables));
  return JSON.stringify(Object.fromEntries(names.map((name, i) => [name, rows[i]])), (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}
