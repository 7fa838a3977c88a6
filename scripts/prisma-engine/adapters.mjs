// The driver adapter for the wasm schema engine: a PostgreSQL server (postgresql://…), the embedded one
// included. Two adapter-pg 7.10 defects are worked around here.
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";

export async function createAdapterFactory(url, shadowDatabaseUrl) {
  if (!url) throw new Error("no datasource url: set DATABASE_URL");
  return postgresFactory(url, shadowDatabaseUrl);
}

async function postgresFactory(url, shadowDatabaseUrl) {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const { parse } = await import("pg-connection-string");
  // Discrete fields, not a connectionString: adapter-pg opens the shadow database with
  // {...config, database}, and pg lets a connectionString win over `database`, so the "shadow"
  // would silently be the main database.
  const { connectionString: _unused, ...fields } = parse(url);
  const config = { ...fields, port: fields.port ? Number(fields.port) : undefined };
  const factory = new PrismaPg(config);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => readCharColumns(await factory.connect()),
    // adapter-pg drops its shadow database before closing the pool that uses it; do it in order
    connectToShadowDb: async () => {
      if (shadowDatabaseUrl)
        return readCharColumns(await new PrismaPg({ connectionString: shadowDatabaseUrl }).connect());
      const main = await factory.connect();
      const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
      await main.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = readCharColumns(await new PrismaPg({ ...config, database: name }).connect());
      const disposeShadow = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await disposeShadow();
        await main.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await main.dispose();
      };
      return shadow;
    },
  };
}

// The engine's catalog queries return PostgreSQL's internal "char" type (OID 18), which adapter-pg
// cannot deserialise. Read it as text and report it as a character column.
const CHAR_OID = 18;
const TEXT_OID = 25;
function readCharColumns(adapter) {
  runScriptsWhole(adapter, (client, script) => client.query(script));
  let proto = Object.getPrototypeOf(adapter);
  while (proto && !Object.hasOwn(proto, "performIO")) proto = Object.getPrototypeOf(proto);
  if (!proto || proto.consultaCharPatch) return adapter;
  const charColumnsByQuery = new WeakMap();
  const performIO = proto.performIO;
  const queryRaw = proto.queryRaw;
  proto.performIO = async function (query) {
    const result = await performIO.call(this, query);
    const indexes = [];
    (result.fields ?? []).forEach((field, index) => {
      if (field.dataTypeID === CHAR_OID) {
        field.dataTypeID = TEXT_OID;
        indexes.push(index);
      }
    });
    if (indexes.length) charColumnsByQuery.set(query, indexes);
    return result;
  };
  proto.queryRaw = async function (query) {
    const result = await queryRaw.call(this, query);
    for (const index of charColumnsByQuery.get(query) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  proto.consultaCharPatch = true;
  return adapter;
}

// A migration script must reach the server whole. adapter-pg splits it on every ";" (which breaks
// dollar-quoted function bodies); the native engine does not.
function runScriptsWhole(adapter, execute) {
  adapter.executeScript = async function (script) {
    try {
      await execute(this.client, script);
    } catch (error) {
      this.onError(error);
    }
  };
  return adapter;
}
