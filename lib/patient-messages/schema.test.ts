import { describe, expect, it } from "vitest";
import en from "@/messages/en.json";
import pt from "@/messages/pt-BR.json";
import { contactInput, MESSAGE_REASONS, resendInput } from "./schema";

const catalogues = { en, "pt-BR": pt };

describe("the words the messages panel needs", () => {
  it("has words for every reason, template, channel and state, in both languages", () => {
    for (const [locale, messages] of Object.entries(catalogues)) {
      const panel = messages.appointments.messages as unknown as Record<string, Record<string, string>>;
      for (const reason of MESSAGE_REASONS) expect(panel.reason?.[reason], `${locale} reason ${reason}`).toBeTruthy();
      for (const template of ["BOOKED", "RESCHEDULED", "CANCELLED", "REMINDER"])
        expect(panel.template?.[template], `${locale} ${template}`).toBeTruthy();
      for (const state of ["QUEUED", "SENDING", "SENT", "DELIVERED", "FAILED", "SKIPPED"])
        expect(panel.state?.[state], `${locale} ${state}`).toBeTruthy();
      for (const channel of ["EMAIL", "SMS"]) expect(panel.channel?.[channel], `${locale} ${channel}`).toBeTruthy();
    }
  });
});

describe("form input", () => {
  const id = "6f1c1d2e-0000-4000-8000-000000000001";
  it("sends again on one channel or both", () => {
    expect(resendInput.parse({ appointmentId: id, channels: "BOTH" }).channels).toEqual(["EMAIL", "SMS"]);
    expect(resendInput.parse({ appointmentId: id, channels: "SMS" }).channels).toEqual(["SMS"]);
    expect(resendInput.safeParse({ appointmentId: id, channels: "FAX" }).success).toBe(false);
    expect(resendInput.safeParse({ appointmentId: "x", channels: "SMS" }).success).toBe(false);
  });
  it("reads the consent box as ticked or not", () => {
    expect(contactInput.parse({ patientId: id, contactPreference: "EMAIL", consent: "yes" }).consent).toBe(true);
    expect(contactInput.parse({ patientId: id, contactPreference: "EMAIL", consent: null }).consent).toBe(false);
    expect(contactInput.safeParse({ patientId: id, contactPreference: "PIGEON", consent: "yes" }).success).toBe(false);
  });
  it("reads the box for no rescue calls as ticked or not", () => {
    const ticked = { patientId: id, contactPreference: "EMAIL", consent: "yes", callsDeclined: "yes" };
    expect(contactInput.parse(ticked).callsDeclined).toBe(true);
    expect(contactInput.parse({ ...ticked, callsDeclined: null }).callsDeclined).toBe(false);
  });
});
