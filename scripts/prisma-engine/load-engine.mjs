// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm).
// Instantiating the bytes ourselves avoids needing node's --experimental-wasm-modules flag.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export async function loadSchemaEngine() {
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message) {
      process.stderr.write(
        `${JSON.stringify({ level: "ERROR", fields: { message: `schema engine panic: ${message}` } })}\n`,
      );
    },
  };
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmBytes = fs.readFileSync(gluePath.replace(/\.js$/, ".wasm"));
  const { instance } = await WebAssembly.instantiate(wasmBytes, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  return glue;
}
