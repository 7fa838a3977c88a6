// Run as a child by tests/integration/embedded-postgres.int.test.ts: starts and stops a throwaway cluster,
// then ends with exit code 3 set the way a test runner sets a failure, and lets the process end by itself.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../scripts/embedded-postgres";

const server = await startEmbeddedPostgres({
  dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "consulta-exit-code-")),
  persistent: false,
});
await server.stop();
process.exitCode = 3;
