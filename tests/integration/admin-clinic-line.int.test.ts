// The clinic line's rules as admins edit them, on a real database: validation (libphonenumber like patients'
// numbers, prefixes, windows, targets from the known people only), version checks, reorder, enable/disable,
// delete, audit rows without numbers — and the line deciding with what was saved.
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditActor } from "@/lib/audit/mutations";
import { ruleViews, teamsUserOptions } from "@/lib/clinic-line/data";
import { createRule, deleteRule, moveRule, setRuleActive, updateRule } from "@/lib/clinic-line/mutations";
import { decide } from "@/lib/clinic-line/rules";
import type { RuleFormInput } from "@/lib/clinic-line/schema";
import { AppError } from "@/lib/errors";
import { databasePerFile } from "../helpers/per-file";
import { createUser } from "../helpers/factories";
import { RECEPTION_OID } from "../helpers/telephony";

const ZONE = "America/Sao_Paulo";
const database = databasePerFile();
let actor: AuditActor;
let oncallOid: string;

beforeAll(async () => {
  const admin = await createUser(database.db, { role: "ADMIN", name: "Marta Oliveira" });
  const oncall = await createUser(database.db, { role: "CLINICIAN", name: "Dra. Plantão" });
  oncallOid = oncall.entraObjectId!;
  actor = { id: admin.id, label: admin.name, ip: null };
});

async function expectAppError(promise: Promise<unknown>, code: AppError["code"]): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const form = (over: Partial<RuleFormInput> = {}): RuleFormInput => ({
  label: "",
  kind: "BLOCK",
  caller: "",
  weekdays: [],
  start: "",
  end: "",
  targetKind: "",
  targetUser: "",
  targetPhone: "",
  priority: "100",
  active: true,
  ...over,
});

const rules = () => database.db.clinicLineRule.findMany({ orderBy: [{ priority: "asc" }, { id: "asc" }] });
const wednesday = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00-03:00`);

describe("clinic line rules, as admins edit them", () => {
  it("blocklists a number written any way, and the line rejects that caller", async () => {
    const { id } = await createRule(actor, form({ label: "Spam", caller: "(11) 90000-0001", priority: "10" }));
    const row = await database.db.clinicLineRule.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ kind: "BLOCK", callerPattern: "+5511900000001", label: "Spam", startMinute: null });
    expect(decide(await rules(), "+5511900000001", wednesday("10:00"), ZONE)).toEqual({ action: "reject", ruleId: id });
    expect(decide(await rules(), "+5511987654321", wednesday("10:00"), ZONE).action).toBe("answer");

    const audit = await database.db.auditLog.findMany({ where: { entityType: "ClinicLineRule", entityId: id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "clinic-line.rule.create",
      actorId: actor.id,
      details: { kind: "BLOCK" },
    });
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain("90000");
  });

  it("redirects after hours to a known Teams user or a number, in the clinic's zone", async () => {
    const user = await createRule(
      actor,
      form({ kind: "REDIRECT", start: "18:00", end: "08:00", targetKind: "user", targetUser: oncallOid.toUpperCase() }),
    );
    const phone = await createRule(
      actor,
      form({
        kind: "REDIRECT",
        caller: "+5521*",
        weekdays: ["6", "7"],
        targetKind: "phone",
        targetPhone: "+55 11 91234-5678",
        priority: "50",
      }),
    );
    const saved = await rules();
    expect(saved.find((r) => r.id === user.id)).toMatchObject({
      startMinute: 18 * 60,
      endMinute: 8 * 60,
      redirectTarget: oncallOid.toLowerCase(),
    });
    expect(saved.find((r) => r.id === phone.id)).toMatchObject({
      callerPattern: "+5521*",
      weekdays: [6, 7],
      redirectTarget: "+5511912345678",
    });
    expect(decide(saved, "+5511987654321", wednesday("19:30"), ZONE)).toEqual({
      action: "redirect",
      ruleId: user.id,
      target: { kind: "user", userId: oncallOid.toLowerCase() },
    });
    // Saturday 10:00, a Rio number
    expect(decide(saved, "+5521987654321", new Date("2026-11-28T10:00:00-03:00"), ZONE)).toMatchObject({
      action: "redirect",
      ruleId: phone.id,
      target: { kind: "phone", phone: "+5511912345678" },
    });
    // the reception is a known target though it does not use Consulta, when the caller says so
    await createRule(
      actor,
      form({ kind: "REDIRECT", weekdays: ["7"], targetKind: "user", targetUser: RECEPTION_OID, active: false }),
      {
        extraUserIds: [RECEPTION_OID],
      },
    );
    const users = await teamsUserOptions(database.db, { id: RECEPTION_OID, name: "Recepção" });
    const views = await ruleViews(database.db, users);
    expect(views.find((v) => v.id === user.id)?.targetName).toBe("Dra. Plantão");
    expect(views.find((v) => v.redirectTarget === RECEPTION_OID)?.targetName).toBe("Recepção");
  });

  it("refuses invalid rules field by field, writing nothing", async () => {
    const before = await database.db.clinicLineRule.count();
    const audits = await database.db.auditLog.count();
    const cases: [Partial<RuleFormInput>, Record<string, string>][] = [
      [{ caller: "12345" }, { caller: "callerInvalid" }],
      [{ caller: "+55 11x*" }, { caller: "prefixInvalid" }],
      [{ caller: "55*" }, { caller: "prefixInvalid" }],
      [{ caller: "abc*" }, { caller: "prefixInvalid" }],
      [{ start: "18:00" }, { end: "timeBoth" }],
      [{ start: "25:00", end: "08:00" }, { start: "timeInvalid" }],
      [{ start: "09:00", end: "09:00" }, { end: "timeEmpty" }],
      [{ weekdays: ["8"] }, { weekdays: "weekdayInvalid" }],
      [{ kind: "ALLOW" }, { kind: "kindInvalid" }],
      [{ kind: "REDIRECT" }, { targetKind: "targetRequired" }],
      [{ kind: "REDIRECT", targetKind: "user" }, { targetUser: "targetRequired" }],
      [{ kind: "REDIRECT", targetKind: "user", targetUser: "someone" }, { targetUser: "targetUserInvalid" }],
      // a well-formed id that is nobody we know
      [
        { kind: "REDIRECT", targetKind: "user", targetUser: "9f1c2e30-0000-4a00-8000-000000000999" },
        { targetUser: "targetUserInvalid" },
      ],
      [{ kind: "REDIRECT", targetKind: "phone", targetPhone: "123" }, { targetPhone: "phoneTooShort" }],
      [{ priority: "-1" }, { priority: "priorityInvalid" }],
      [{ priority: "100001" }, { priority: "priorityInvalid" }],
      [{ label: "x".repeat(81) }, { label: "tooLong" }],
    ];
    // every case names a caller, so each shows its own problem only
    const named = (over: Partial<RuleFormInput>) => form({ caller: "+5511900000001", ...over });
    cases.push(
      // no condition: every call, all day (and the blank form would reject them all)
      [{ caller: "" }, { caller: "conditionRequired", confirmRejectAll: "confirmRejectAll" }],
      [
        { caller: "", kind: "REDIRECT", targetKind: "phone", targetPhone: "+5511912345678" },
        { caller: "conditionRequired" },
      ],
      // rejecting everyone on Sundays: only with the box ticked
      [{ caller: "", weekdays: ["7"] }, { confirmRejectAll: "confirmRejectAll" }],
    );
    for (const [over, fieldErrors] of cases) {
      const error = await expectAppError(createRule(actor, named(over)), "BAD_REQUEST").catch((failure: Error) => {
        throw new Error(`${JSON.stringify(over)}: ${failure.message}`);
      });
      expect(error.details, JSON.stringify(over)).toEqual({ fieldErrors });
    }
    expect(await database.db.clinicLineRule.count()).toBe(before);
    expect(await database.db.auditLog.count()).toBe(audits);
    // confirmed, it is saved
    const sundays = await createRule(actor, form({ weekdays: ["7"], confirmRejectAll: true, active: false }));
    expect(await database.db.clinicLineRule.findUniqueOrThrow({ where: { id: sundays.id } })).toMatchObject({
      kind: "BLOCK",
      callerPattern: "*",
      weekdays: [7],
    });
    await deleteRule(actor, { id: sundays.id });
  });

  it("edits with the version shown, reorders, disables and deletes, each audited", async () => {
    await database.db.clinicLineRule.deleteMany();
    const a = await createRule(actor, form({ label: "A", caller: "+5511900000001", priority: "10" }));
    const b = await createRule(actor, form({ label: "B", caller: "+5511900000002", priority: "10" }));
    const c = await createRule(actor, form({ label: "C", caller: "+5511900000003", priority: "30" }));
    const order = async () => (await rules()).map((r) => r.label);
    const sameTen = [a.id, b.id].sort();
    expect((await order()).slice(2)).toEqual(["C"]);

    // c to the top: the priorities become 10, 20, 30 in the new order
    await moveRule(actor, { id: c.id, direction: "up" });
    await moveRule(actor, { id: c.id, direction: "up" });
    const moved = await rules();
    expect(moved.map((r) => r.id)).toEqual([c.id, ...sameTen]);
    expect(moved.map((r) => r.priority)).toEqual([10, 20, 30]);
    // already first: nothing changes
    await moveRule(actor, { id: c.id, direction: "up" });
    expect((await rules()).map((r) => r.id)).toEqual([c.id, ...sameTen]);

    const row = await database.db.clinicLineRule.findUniqueOrThrow({ where: { id: a.id } });
    const saved = await updateRule(actor, {
      id: a.id,
      expectedUpdatedAt: row.updatedAt.toISOString(),
      form: form({ label: "A2", caller: "+5511900000009", priority: String(row.priority) }),
    });
    expect((await database.db.clinicLineRule.findUniqueOrThrow({ where: { id: a.id } })).callerPattern).toBe(
      "+5511900000009",
    );
    // someone who opened the form before that save
    await expectAppError(
      updateRule(actor, {
        id: a.id,
        expectedUpdatedAt: row.updatedAt.toISOString(),
        form: form({ label: "late", caller: "+5511900000008" }),
      }),
      "CONFLICT",
    );
    await expectAppError(
      updateRule(actor, {
        id: "5e1c2e30-0000-4a00-8000-000000000000",
        expectedUpdatedAt: saved.updatedAt.toISOString(),
        form: form({ caller: "+5511900000008" }),
      }),
      "NOT_FOUND",
    );

    await setRuleActive(actor, { id: c.id, active: false });
    expect(decide(await rules(), "+5511900000003", wednesday("10:00"), ZONE).action).toBe("answer");
    await setRuleActive(actor, { id: c.id, active: true });
    expect(decide(await rules(), "+5511900000003", wednesday("10:00"), ZONE).action).toBe("reject");

    await deleteRule(actor, { id: b.id });
    await expectAppError(deleteRule(actor, { id: b.id }), "NOT_FOUND");
    await expectAppError(deleteRule(actor, { id: "not-a-uuid" }), "NOT_FOUND");
    await expectAppError(moveRule(actor, { id: b.id, direction: "down" }), "NOT_FOUND");
    expect(await order()).toEqual(["C", "A2"]);

    const actions = await database.db.auditLog.findMany({
      where: { entityType: "ClinicLineRule", entityId: { in: [a.id, b.id, c.id] } },
      orderBy: { id: "asc" },
      select: { action: true, entityId: true },
    });
    expect(actions.filter((x) => x.entityId === c.id).map((x) => x.action)).toEqual([
      "clinic-line.rule.create",
      "clinic-line.rule.move",
      "clinic-line.rule.move",
      "clinic-line.rule.disable",
      "clinic-line.rule.enable",
    ]);
    expect(actions.filter((x) => x.entityId === a.id).map((x) => x.action)).toEqual([
      "clinic-line.rule.create",
      "clinic-line.rule.update",
    ]);
    expect(actions.filter((x) => x.entityId === b.id).map((x) => x.action)).toEqual([
      "clinic-line.rule.create",
      "clinic-line.rule.delete",
    ]);
  });
});
