#!/usr/bin/env node
// Stands in for Prisma's native schema-engine binary, which cannot be downloaded on machines without
// internet. The Prisma CLI spawns it (PRISMA_SCHEMA_ENGINE_BINARY) and speaks line-delimited JSON-RPC
// on stdin/stdout; every request is forwarded to the official @prisma/schema-engine-wasm, which talks
// to the database through a Prisma driver adapter. stdout is the RPC channel, so nothing else may
// print there.
import fs from "node:fs";
import readline from "node:readline";

delete process.env.DEBUG;
const toStderr = (...parts) => process.stderr.write(`${parts.join(" ")}\n`);
console.log = console.info = console.debug = console.warn = toStderr;

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write("schema-engine-cli consulta-wasm-bridge\n");
  process.exit(0);
}

if (args.cliCommand) {
  await runOneShot(args.cliCommand, args.datasource.url ?? "");
}

const { loadSchemaEngine } = await import("./load-engine.mjs");
const { createAdapterFactory } = await import("./adapters.mjs");
const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");

const wasm = await loadSchemaEngine();
const adapterFactory = await createAdapterFactory(args.datasource.url, args.datasource.shadowDatabaseUrl);

let engine;
let activeRequestId = null;
let nextPrintId = 1_000_000;

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
const sendError = (id, error) =>
  send({
    id,
    error: {
      code: 4466,
      message: "An error happened. Check the data field for details.",
      data: {
        is_panic: false,
        message: String(error?.message ?? error),
        error_code: error?.error_code ?? error?.code,
        meta: error?.meta,
      },
    },
  });

// Some wasm failures escape as uncaught exceptions rather than rejected promises: route them to the
// request in flight so the CLI reports them instead of hanging.
process.on("uncaughtException", (error) => {
  if (activeRequestId === null) {
    toStderr(String(error?.stack ?? error));
    process.exit(1);
  }
  sendError(activeRequestId, error);
  activeRequestId = null;
});
process.on("unhandledRejection", (error) => {
  if (activeRequestId !== null) {
    sendError(activeRequestId, error);
    activeRequestId = null;
  }
});

// The wasm engine cannot open a shadow database for evaluateDataLoss or createMigration, so both are
// computed from a diff between the migrations folder and the schema. Cost: no data-loss warnings.
const diffMigrationsToSchema = (params) =>
  engine.diff({
    from: params.migrationsList.migrationDirectories.length
      ? { tag: "migrations", ...params.migrationsList }
      : { tag: "empty" },
    to: { tag: "schemaDatamodel", files: params.schema.files },
    script: true,
    exitCode: null,
    filters: params.filters,
  });
const statementsOnly = (script) =>
  (script ?? "")
    .split("\n")
    .filter((line) => line.trim() && !line.trim().startsWith("--"))
    .join("\n");

const translated = {
  getDatabaseVersion: (params) => engine.version(params ?? null),
  debugPanic: () => engine.debugPanic(),
  evaluateDataLoss: async (params) => {
    const sql = statementsOnly((await diffMigrationsToSchema(params)).stdout);
    const steps = sql ? sql.split(";").filter((statement) => statement.trim()).length : 0;
    return { migrationSteps: steps, unexecutableSteps: [], warnings: [] };
  },
  createMigration: async (params) => {
    const script = (await diffMigrationsToSchema(params)).stdout ?? "";
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    return {
      connectorType: "postgresql",
      extension: "sql",
      generatedMigrationName: `${stamp}_${params.migrationName || "migration"}`,
      migrationScript: statementsOnly(script) || params.draft ? script : null,
    };
  },
  // the native binary prints the diff itself; the wasm one returns it
  diff: async (params) => {
    const result = await engine.diff(params);
    if (result.stdout) {
      send({ id: nextPrintId++, method: "print", params: { content: result.stdout.replace(/\n$/, "") } });
    }
    return { exitCode: result.exitCode };
  },
};

const newEngine = () =>
  wasm.SchemaEngine.new(
    { datamodels: args.datamodels.length ? args.datamodels : undefined },
    (line) => process.stderr.write(`${line}\n`),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );

let queue = Promise.resolve();
const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  if (request.method === undefined) return; // the CLI acknowledging one of our print requests
  queue = queue.then(async () => {
    activeRequestId = request.id;
    // a fresh engine per request: one instance hands out the shadow database only once
    engine = await newEngine();
    try {
      const handler =
        translated[request.method] ??
        (typeof engine[request.method] === "function" ? (params) => engine[request.method](params) : null);
      if (!handler) throw new Error(`method ${request.method} is not supported by the wasm schema engine`);
      const result = await handler(request.params);
      if (activeRequestId === request.id) send({ id: request.id, result: result ?? {} });
    } catch (error) {
      if (activeRequestId === request.id) sendError(request.id, error);
    } finally {
      activeRequestId = null;
      try {
        engine.free();
      } catch {
        // already freed after a panic
      }
    }
  });
});
input.on("close", () => queue.then(() => process.exit(0)));

function parseArgs(argv) {
  const parsed = { version: false, datamodels: [], datasource: {}, cliCommand: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") parsed.version = true;
    else if (arg === "--datamodels") {
      const file = argv[++i];
      parsed.datamodels.push([file, fs.readFileSync(file, "utf8")]);
    } else if (arg === "--datasource") parsed.datasource = JSON.parse(argv[++i]);
    else if (arg === "--enabled-preview-features" || arg === "--extension-types") i++;
    else if (arg === "cli") parsed.cliCommand = argv[++i];
  }
  return parsed;
}

// `schema-engine --datasource … cli <command>` answers by exit code. On failure the CLI skips the first
// stderr line and reads a JSON log record carrying a Prisma error code from the rest.
async function runOneShot(command, url) {
  const fail = (errorCode, message) => {
    process.stderr.write(`${JSON.stringify({ level: "INFO", fields: { message: "wasm bridge" } })}\n`);
    process.stderr.write(
      `${JSON.stringify({ level: "ERROR", target: "schema_engine::logger", fields: { error_code: errorCode, message } })}\n`,
    );
    process.exit(1);
  };
  const { default: pg } = await import("pg");
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || "postgres";
  if (command === "can-connect-to-database") {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      process.exit(0);
    } catch (error) {
      if (error.code === "3D000") fail("P1003", `Database \`${database}\` does not exist`);
      fail("P1001", String(error.message));
    }
  }
  if (command === "create-database") {
    target.pathname = "/postgres";
    const client = new pg.Client({ connectionString: target.toString() });
    try {
      await client.connect();
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      await client.end();
      process.exit(0);
    } catch (error) {
      fail("P1001", String(error.message));
    }
  }
  fail("P1000", `unsupported one-shot command: ${command}`);
}
