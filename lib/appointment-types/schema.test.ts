import { describe, expect, it } from "vitest";
import { findSlots } from "@/lib/scheduling";
import { formValuesOf, localizedTypeName, slugFrom, typeFieldErrors, typeFormSchema } from "./schema";

const form = {
  name: "Retorno de nutrição",
  nameEn: "Nutrition follow-up",
  durationMinutes: "40",
  bufferBeforeMinutes: "5",
  bufferAfterMinutes: "10",
  minimumNoticeMinutes: "120",
  bookingHorizonDays: "30",
  maxPerDay: "",
  cancellationCutoffMinutes: "60",
  reminderCall: "yes",
  reminderLeadHours: "48",
};

const errorsOf = (input: Record<string, unknown>) => {
  const result = typeFormSchema.safeParse(input);
  return result.success ? {} : typeFieldErrors(result.error);
};

describe("typeFormSchema", () => {
  it("reads a filled-in form into the columns the booking core and the reminder service read", () => {
    expect(typeFormSchema.parse(form)).toEqual({
      name: "Retorno de nutrição",
      nameEn: "Nutrition follow-up",
      durationMinutes: 40,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      minimumNoticeMinutes: 120,
      bookingHorizonDays: 30,
      maxPerDay: null,
      cancellationCutoffMinutes: 60,
      reminderLeadMinutes: 48 * 60,
      rescueAfterMinutes: null,
    });
  });

  it("takes the type's own rescue delay (0 = never), or leaves it to the clinic when empty", () => {
    expect(typeFormSchema.parse({ ...form, rescueAfterMinutes: "10" }).rescueAfterMinutes).toBe(10);
    expect(typeFormSchema.parse({ ...form, rescueAfterMinutes: "0" }).rescueAfterMinutes).toBe(0);
    expect(typeFormSchema.parse({ ...form, rescueAfterMinutes: " " }).rescueAfterMinutes).toBeNull();
    expect(errorsOf({ ...form, rescueAfterMinutes: "121" })).toEqual({ rescueAfterMinutes: "outOfRange" });
  });

  it("places no reminder call when the box is not ticked, whatever the hours say", () => {
    expect(typeFormSchema.parse({ ...form, reminderCall: "" }).reminderLeadMinutes).toBeNull();
    expect(typeFormSchema.parse({ ...form, reminderCall: "", reminderLeadHours: "" }).reminderLeadMinutes).toBeNull();
  });

  it("needs the lead time when a reminder call is asked for", () => {
    expect(errorsOf({ ...form, reminderLeadHours: " " })).toEqual({ reminderLeadHours: "required" });
    expect(errorsOf({ ...form, reminderLeadHours: "0" })).toEqual({ reminderLeadHours: "outOfRange" });
    expect(errorsOf({ ...form, reminderLeadHours: "169" })).toEqual({ reminderLeadHours: "outOfRange" });
  });

  it("takes a daily cap when given", () => {
    expect(typeFormSchema.parse({ ...form, maxPerDay: " 6 " }).maxPerDay).toBe(6);
    expect(errorsOf({ ...form, maxPerDay: "0" })).toEqual({ maxPerDay: "outOfRange" });
  });

  it.each([
    [{ durationMinutes: "" }, { durationMinutes: "required" }],
    [{ durationMinutes: "4" }, { durationMinutes: "outOfRange" }],
    [{ durationMinutes: "481" }, { durationMinutes: "outOfRange" }],
    [{ durationMinutes: "30.5" }, { durationMinutes: "wholeNumber" }],
    [{ durationMinutes: "-30" }, { durationMinutes: "wholeNumber" }],
    [{ durationMinutes: "1e2" }, { durationMinutes: "wholeNumber" }],
    [{ bufferAfterMinutes: "121" }, { bufferAfterMinutes: "outOfRange" }],
    [{ minimumNoticeMinutes: "43201" }, { minimumNoticeMinutes: "outOfRange" }],
    [{ bookingHorizonDays: "0" }, { bookingHorizonDays: "outOfRange" }],
    [{ cancellationCutoffMinutes: "x" }, { cancellationCutoffMinutes: "wholeNumber" }],
    [{ name: " " }, { name: "required" }],
    [{ nameEn: "x".repeat(81) }, { nameEn: "tooLong" }],
    [{ nameEn: "123" }, { nameEn: "nameNoLetter" }],
    [{ name: "Consulta\nurgente" }, { name: "nameControl" }],
    // a hidden text-direction mark would make the list show another name than the one stored
    [{ name: "Consulta \u202Eetnegru" }, { name: "nameBidi" }],
  ])("refuses %j", (change, expected) => {
    expect(errorsOf({ ...form, ...change })).toEqual(expected);
  });

  it("keeps durations on the slot grid's steps of 5 minutes", () => {
    expect(errorsOf({ ...form, durationMinutes: "42" })).toEqual({ durationMinutes: "durationStep" });
  });

  it("refuses a booking window that closes before the minimum notice has passed", () => {
    // two days of notice, a window of two days: not one time could ever be booked
    expect(errorsOf({ ...form, minimumNoticeMinutes: String(2 * 24 * 60), bookingHorizonDays: "2" })).toEqual({
      bookingHorizonDays: "horizonBeforeNotice",
    });
    expect(errorsOf({ ...form, minimumNoticeMinutes: String(2 * 24 * 60 - 1), bookingHorizonDays: "2" })).toEqual({});
  });

  it("gives rules the booking core accepts and offers times with", () => {
    const rules = typeFormSchema.parse({ ...form, minimumNoticeMinutes: "0", maxPerDay: "2" });
    const now = new Date("2030-06-03T11:00:00Z");
    const slots = findSlots({
      clinicianZone: "America/Sao_Paulo",
      weekly: [{ weekday: 1, startMinute: 9 * 60, endMinute: 12 * 60 }],
      exceptions: [],
      rules,
      busy: [],
      from: now,
      to: new Date("2030-06-04T03:00:00Z"),
      now,
    });
    // 09:00–12:00 in São Paulo, 40-minute visits on the 15-minute grid: 09:00 … 11:15 (buffers guard other
    // visits, not the working hours)
    expect(slots[0]?.start.toISOString()).toBe("2030-06-03T12:00:00.000Z");
    expect(slots.at(-1)?.start.toISOString()).toBe("2030-06-03T14:15:00.000Z");
  });

  it("round-trips through the form: a saved type shows as the values that save it again", () => {
    const data = typeFormSchema.parse(form);
    const values = formValuesOf({
      id: "t",
      slug: "s",
      ...data,
      active: true,
      updatedAt: new Date(0),
    });
    expect(typeFormSchema.parse(values)).toEqual(data);
  });
});

describe("names and keys", () => {
  it("shows the English name on an English page, else the clinic's", () => {
    expect(localizedTypeName({ name: "Retorno", nameEn: "Follow-up" }, "en")).toBe("Follow-up");
    expect(localizedTypeName({ name: "Retorno", nameEn: "Follow-up" }, "pt-BR")).toBe("Retorno");
    expect(localizedTypeName({ name: "Retorno", nameEn: null }, "en")).toBe("Retorno");
  });

  it("makes a plain key from a name", () => {
    expect(slugFrom("Nutrition follow-up")).toBe("nutrition-follow-up");
    expect(slugFrom("  Avaliação  Pré-operatória ")).toBe("avaliacao-pre-operatoria");
    expect(slugFrom("!!!")).toBe("type");
  });
});
