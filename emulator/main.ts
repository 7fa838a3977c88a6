import { startEmulator } from "./server";

function variantLine(v: { mode: string; seed: number }): string {
  return v.mode === "random"
    ? `drawn per call, seed ${v.seed} (EMULATOR_SEED=${v.seed} replays)`
    : `off (EMULATOR_VARIANTS=random to draw them)`;
}

/** `tsx emulator/main.ts` — runs the emulator until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const emu = await startEmulator();
  const r = emu.registration;
  process.stdout.write(
    [
      `Consulta emulator listening on ${emu.url}`,
      `  trust its CA:        NODE_EXTRA_CA_CERTS=${emu.caPath}`,
      `  app registration:    ${emu.dataDir}/app-registration.json (clientId ${r.clientId})`,
      `  issuer:              ${emu.issuer}`,
      `  MSAL authority:      ${emu.msalAuthority}  (knownAuthorities: ["${new URL(emu.url).host}"])`,
      `  Graph base:          ${emu.url}  (client appends /v1.0)`,
      `  bot OpenID config:   ${emu.botOpenIdConfigUrl}`,
      `  phone page:          ${emu.url}/_emulator/phone`,
      `  patients' outbox:    ${emu.url}/_emulator/outbox`,
      `  calendar page:       ${emu.url}/_emulator/calendar`,
      `  control API:         ${emu.url}/_emulator/health`,
      `  variants:            ${variantLine(emu.variants.view())}`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void emu.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
