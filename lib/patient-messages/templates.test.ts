import { describe, expect, it } from "vitest";
import { isGsm7 } from "./sms-text";
import {
  appointmentPhrase,
  calendarEntryFor,
  renderEmail,
  renderSms,
  type MessageContext,
  type Template,
} from "./templates";

const link = "https://consulta.example/j/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";

// 13:00 UTC = 10:00 in São Paulo (UTC−3) and 14:00 in Lisbon in March (UTC+0 → WET; DST starts later);
// the tests run in Asia/Kathmandu, so a time printed in the server's zone would read 18:45
const base: MessageContext = {
  locale: "pt-BR",
  firstName: "Conceição",
  clinicianName: "Dra. Inês Costa",
  typeName: "Consulta",
  startsAt: new Date("2030-03-12T13:00:00Z"),
  endsAt: new Date("2030-03-12T13:30:00Z"),
  zone: "America/Sao_Paulo",
  movedFrom: null,
  clinic: { name: "Clínica Aurora", phone: "+551130000000" },
  link,
};
const english: MessageContext = { ...base, locale: "en", firstName: "Emma", zone: "America/New_York" };
const templates: Template[] = ["BOOKED", "RESCHEDULED", "CANCELLED", "REMINDER"];
/** Intl separates times with narrow and thin spaces; the assertions read them as plain ones. */
const plain = (text: string) => text.replace(/[\u2009\u202f\u00a0]/g, " ");

describe("e-mail", () => {
  it("speaks Portuguese with the patient's own time, the clinician, the clinic and the link", () => {
    const mail = renderEmail("BOOKED", base);
    expect(plain(mail.subject)).toBe("Consulta agendada: terça-feira, 12 de março de 2030 10:00 – 10:30");
    expect(mail.text).toContain("Olá, Conceição, sua consulta (Consulta) com Dra. Inês Costa está agendada.");
    expect(mail.text).toContain("America/Sao Paulo (GMT-3)");
    expect(mail.text).toContain("Dúvidas? Ligue para Clínica Aurora: +55 11 3000 0000.");
    expect(mail.text).toContain(`Página da sua consulta: ${link}`);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain('lang="pt-BR"');
    expect(mail.html).toContain("calendar.google.com");
    expect(mail.html).toContain("outlook.live.com");
  });

  it("speaks English in the patient's zone", () => {
    const mail = renderEmail("REMINDER", english);
    // 13:00 UTC is 9:00 AM in New York in March 2030 (EDT from 10 March)
    expect(plain(mail.subject)).toBe("Reminder: your appointment on Tuesday, March 12, 2030, 9:00 – 9:30 AM");
    expect(mail.text).toContain("Hello Emma, this is a reminder of your appointment (Consulta) with Dra. Inês Costa.");
    expect(mail.text).toContain("Questions? Call Clínica Aurora on +55 11 3000 0000.");
  });

  it("says where a moved appointment was", () => {
    const mail = renderEmail("RESCHEDULED", { ...base, movedFrom: new Date("2030-03-11T17:00:00Z") });
    expect(mail.subject).toContain("Consulta remarcada para terça-feira, 12 de março de 2030");
    expect(plain(mail.text)).toContain("Ela estava marcada para segunda-feira, 11 de março de 2030 14:00 – 14:30.");
  });

  it("tells a cancelled patient how to book again and offers no calendar", () => {
    const mail = renderEmail("CANCELLED", english);
    expect(mail.text).toContain("has been cancelled");
    expect(mail.text).toContain("To book a new time, call Clínica Aurora on +55 11 3000 0000.");
    expect(mail.html).not.toContain("calendar.google.com");
    const noPhone = renderEmail("CANCELLED", { ...base, clinic: { name: "Clínica Aurora", phone: null } });
    expect(noPhone.text).toContain("Para marcar um novo horário, entre em contato com Clínica Aurora.");
    expect(noPhone.text).toContain("Dúvidas? Responda a este e-mail.");
  });

  it("escapes what it puts in HTML", () => {
    const mail = renderEmail("BOOKED", { ...base, firstName: "<b>Ana</b>" });
    expect(mail.html).toContain("&lt;b&gt;Ana&lt;/b&gt;");
    expect(mail.html).not.toContain("<b>Ana</b>");
  });

  it("has a subject and the link for every template in both languages", () => {
    for (const template of templates)
      for (const ctx of [base, english]) {
        const mail = renderEmail(template, ctx);
        expect(mail.subject.length, `${template} ${ctx.locale}`).toBeGreaterThan(10);
        expect(mail.text).toContain(link);
        expect(mail.text).not.toMatch(/\{[a-z]+\}/);
      }
  });
});

describe("SMS", () => {
  it("is short, carries the link and fits the GSM alphabet in Portuguese", () => {
    for (const template of templates) {
      const sms = renderSms(template, base);
      expect(sms.text, template).toContain(link);
      expect(sms.text).toContain("Clinica Aurora");
      expect(sms.text).toContain("Dra. Ines Costa");
      expect(sms.encoding, template).toBe("GSM-7");
      expect(isGsm7(sms.text)).toBe(true);
      expect(sms.segments, `${template}: ${sms.text}`).toBeLessThanOrEqual(2);
    }
    expect(renderSms("BOOKED", base).text).toBe(
      `Clinica Aurora: Conceicao, sua consulta com Dra. Ines Costa foi agendada para ter., 12 de mar. às 10:00. Detalhes e link da videochamada: ${link} Responda SAIR para nao receber SMS.`,
    );
  });

  it("speaks English with the patient's local time, in GSM-7 (no narrow space before AM)", () => {
    const sms = renderSms("REMINDER", english);
    expect(sms.text).toBe(
      `Clínica Aurora: Emma, reminder of your appointment with Dra. Inês Costa on Tue, Mar 12, 9:00 AM. Join here: ${link}`
        .replace("Clínica", "Clinica")
        .replace("Inês", "Ines"),
    );
    expect(sms.encoding).toBe("GSM-7");
  });

  it("gives a cancelled patient the clinic's number, or only the link when there is none", () => {
    expect(renderSms("CANCELLED", base).text).toContain("Para remarcar ligue +551130000000.");
    const noPhone = renderSms("CANCELLED", { ...base, clinic: { name: "Clínica Aurora", phone: null } }).text;
    expect(noPhone).not.toContain("remarcar");
    expect(noPhone).toMatch(/foi cancelada\. https:/);
  });

  it("stays UCS-2 when a name has no GSM form, and says how many parts that costs", () => {
    const sms = renderSms("BOOKED", { ...base, firstName: "李" });
    expect(sms.encoding).toBe("UCS-2");
    expect(sms.segments).toBe(Math.ceil(sms.text.length / 67));
  });
});

describe("the appointment in one phrase (for calls)", () => {
  it("names the day, the time and the clinician in the patient's zone and language", () => {
    const at = { startsAt: base.startsAt, zone: "Europe/Lisbon", clinicianName: "Dra. Inês Costa" };
    expect(appointmentPhrase("pt-BR", at)).toBe(
      "sua consulta em terça-feira, 12 de março de 2030 às 13:00 com Dra. Inês Costa",
    );
    expect(plain(appointmentPhrase("en", { ...at, zone: "America/Sao_Paulo" }))).toBe(
      "your appointment on Tuesday, March 12, 2030 at 10:00 AM with Dra. Inês Costa",
    );
  });
});

describe("calendar entry", () => {
  it("is titled in the patient's language and points at their page", () => {
    const entry = calendarEntryFor(base, { id: "a", version: 2, cancelled: false });
    expect(entry.title).toBe("Consulta com Dra. Inês Costa");
    expect(entry.url).toBe(link);
    expect(entry.alarm).toBe("Sua consulta com Dra. Inês Costa começa em uma hora");
    expect(calendarEntryFor(english, { id: "a", version: 2, cancelled: false }).title).toBe(
      "Consulta with Dra. Inês Costa",
    );
  });
});
