import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import { getPatient, searchPatients } from "@/lib/patients/data";
import { createPatient, readPatientForViewer, updatePatient } from "@/lib/patients/mutations";
import { databasePerFile } from "../helpers/per-file";
import { createUser } from "../helpers/factories";

const database = databasePerFile();
let actor: AuditActor;

beforeAll(async () => {
  const staff = await createUser(database.db, { role: "STAFF", name: "Recepção" });
  actor = { id: staff.id, label: staff.name, ip: "203.0.113.7" };
});

const auditRows = (entityId: string) =>
  database.db.auditLog.findMany({ where: { entityType: "Patient", entityId }, orderBy: { id: "asc" } });

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe("creating a patient", () => {
  it("stores normalised values and writes one audit row without patient data", async () => {
    const patient = await createPatient(actor, {
      firstName: " Ana Maria ",
      lastName: "Souza",
      email: "Ana.Souza@Example.com",
      phone: "(11) 98765-4321",
      locale: "pt-BR",
      timeZone: "america/sao_paulo",
    });
    expect(patient).toMatchObject({
      firstName: "Ana Maria",
      lastName: "Souza",
      email: "ana.souza@example.com",
      phone: "+5511987654321",
      timeZone: "America/Sao_Paulo",
    });
    const audit = await auditRows(patient.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "patient.create",
      actorId: actor.id,
      actorLabel: "Recepção",
      ip: "203.0.113.7",
    });
    expect(JSON.stringify(audit[0]?.details ?? null)).not.toMatch(/Ana|Souza|98765|example/);
  });

  it("writes nothing, not even an audit row, when the input is invalid", async () => {
    const before = { patients: await database.db.patient.count(), audit: await database.db.auditLog.count() };
    const error = await expectAppError(
      createPatient(actor, { firstName: "Bruno", lastName: "", phone: "123", email: "nope" }),
      "BAD_REQUEST",
    );
    expect(error.details).toEqual({
      fieldErrors: { lastName: "required", phone: "phoneTooShort", email: "emailInvalid" },
    });
    expect(await database.db.patient.count()).toBe(before.patients);
    expect(await database.db.auditLog.count()).toBe(before.audit);
  });
});

describe("searching", () => {
  let carla: string;
  let carlos: string;
  let joao: string;
  beforeAll(async () => {
    carla = (await createPatient(actor, { firstName: "Carla", lastName: "Mendes Zúñiga", phone: "+55 21 99876-1234" }))
      .id;
    carlos = (await createPatient(actor, { firstName: "Carlos", lastName: "Pereira", email: "carlos.p@mail.example" }))
      .id;
    joao = (await createPatient(actor, { firstName: "João", lastName: "Pereira", phone: "+351 912 345 678" })).id;
  });
  const ids = async (query: string) => (await searchPatients({ query, take: 50 })).map((p) => p.id);

  it("matches every word of a name in either name field, ignoring case", async () => {
    expect(await ids("carl")).toEqual(expect.arrayContaining([carla, carlos]));
    expect(await ids("CARLA mendes")).toEqual([carla]);
    expect(await ids("pereira")).toEqual([carlos, joao]);
    expect(await ids("joão pereira")).toEqual([joao]);
  });

  it("matches e-mail fragments", async () => {
    expect(await ids("carlos.p@")).toEqual([carlos]);
  });

  it("matches phone digits however they are typed", async () => {
    expect(await ids("(21) 99876-1234")).toEqual([carla]);
    expect(await ids("021 99876 1234")).toEqual([carla]);
    expect(await ids("+55 21 99876-1234")).toEqual([carla]);
    expect(await ids("1234")).toContain(carla);
    expect(await ids("912 345 678")).toEqual([joao]);
  });

  it("masks phones in results and finds nobody for a stranger", async () => {
    const [row] = await searchPatients({ query: "Carla Mendes" });
    expect(row).toEqual({
      id: carla,
      firstName: "Carla",
      lastName: "Mendes Zúñiga",
      phoneMasked: "•••• 1234",
      locale: "pt-BR",
      birthDate: null,
      nextAppointment: null,
    });
    expect(await ids("Zacarias")).toEqual([]);
  });

  it("lists alphabetically for an empty query and honours take", async () => {
    const all = await searchPatients({ query: "", take: 2 });
    expect(all).toHaveLength(2);
    const names = (await searchPatients({ query: "" })).map((p) => `${p.lastName} ${p.firstName}`);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
  });
});

describe("updating a patient", () => {
  let id: string;
  beforeEach(async () => {
    id = (await createPatient(actor, { firstName: "Diego", lastName: "Lima", phone: "11 3333-4444" })).id;
  });

  it("replaces the fields and audits which fields changed, not their values", async () => {
    const current = (await getPatient(id))!;
    const updated = await updatePatient(actor, {
      id,
      expectedUpdatedAt: current.updatedAt.toISOString(),
      patient: {
        firstName: "Diego",
        lastName: "Lima",
        phone: "+351 21 234 5678",
        locale: "en",
        timeZone: "Europe/Lisbon",
      },
    });
    expect(updated).toMatchObject({ phone: "+351212345678", locale: "en", timeZone: "Europe/Lisbon", email: null });
    const audit = await auditRows(id);
    expect(audit.map((row) => row.action)).toEqual(["patient.create", "patient.update"]);
    expect(audit[1]?.details).toEqual({ changed: ["phone", "locale", "timeZone"] });
  });

  it("refuses a save based on an old version", async () => {
    const stale = (await getPatient(id))!.updatedAt.toISOString();
    await updatePatient(actor, {
      id,
      expectedUpdatedAt: stale,
      patient: { firstName: "Diego", lastName: "Lima Neto" },
    });
    await expectAppError(
      updatePatient(actor, { id, expectedUpdatedAt: stale, patient: { firstName: "Diogo", lastName: "Lima" } }),
      "CONFLICT",
    );
    expect((await getPatient(id))?.lastName).toBe("Lima Neto");
    expect((await auditRows(id)).map((row) => row.action)).toEqual(["patient.create", "patient.update"]);
  });

  it("lets exactly one of two simultaneous saves of the same version through", async () => {
    const version = (await getPatient(id))!.updatedAt.toISOString();
    const save = (lastName: string) =>
      updatePatient(actor, { id, expectedUpdatedAt: version, patient: { firstName: "Diego", lastName } });
    const results = await Promise.allSettled([save("Lima A"), save("Lima B")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect((rejected?.reason as AppError).code).toBe("CONFLICT");
    expect((await auditRows(id)).map((row) => row.action)).toEqual(["patient.create", "patient.update"]);
  });

  it("leaves the record and the audit log alone when the input is invalid", async () => {
    await expectAppError(
      updatePatient(actor, { id, patient: { firstName: "Diego", lastName: "Lima", timeZone: "Mars/Olympus" } }),
      "BAD_REQUEST",
    );
    expect((await getPatient(id))?.timeZone).toBe("America/Sao_Paulo");
    expect((await auditRows(id)).map((row) => row.action)).toEqual(["patient.create"]);
  });

  it("answers NOT_FOUND for unknown and malformed ids", async () => {
    const patient = { firstName: "Ninguém", lastName: "Aqui" };
    await expectAppError(updatePatient(actor, { id: "00000000-0000-4000-8000-000000000000", patient }), "NOT_FOUND");
    await expectAppError(updatePatient(actor, { id: "not-a-uuid", patient }), "NOT_FOUND");
  });
});

describe("reading a record", () => {
  it("audits who looked at which patient", async () => {
    const { id } = await createPatient(actor, { firstName: "Elisa", lastName: "Rocha" });
    const patient = await readPatientForViewer(actor, id);
    expect(patient?.firstName).toBe("Elisa");
    const audit = await auditRows(id);
    expect(audit.map((row) => row.action)).toEqual(["patient.create", "patient.read"]);
    expect(audit[1]?.actorId).toBe(actor.id);
  });

  it("returns null for unknown or malformed ids and audits nothing", async () => {
    const before = await database.db.auditLog.count();
    expect(await readPatientForViewer(actor, "00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(await readPatientForViewer(actor, "../etc/passwd")).toBeNull();
    expect(await getPatient("42")).toBeNull();
    expect(await database.db.auditLog.count()).toBe(before);
  });
});
