import { describe, expect, it } from "vitest";
import { auditActor, auditSentence, sentenceKey } from "./sentences";

describe("auditSentence", () => {
  it("names a person by their account, whatever the row's label says", () => {
    const sentence = auditSentence({
      action: "reminder.remind-now",
      actorLabel: "staff",
      actor: { name: "Carla Mendes", role: "STAFF" },
      details: { reminderId: "r1" },
    });
    expect(sentence.key).toBe("reminder_remind_now");
    expect(sentence.actor).toEqual({ kind: "person", name: "Carla Mendes", role: "STAFF" });
  });

  it("reads the labels rows carry: the system's workers, the patient's link, a name with a role, a role", () => {
    expect(auditActor({ actorLabel: "reminder-call" })).toEqual({ kind: "system", key: "reminderCall" });
    expect(auditActor({ actorLabel: "meeting sync" })).toEqual({ kind: "system", key: "meetingSync" });
    expect(auditActor({ actorLabel: "bot-auto" })).toEqual({ kind: "system", key: "bot" });
    expect(auditActor({ actorLabel: "clinic-line" })).toEqual({ kind: "system", key: "clinicLine" });
    expect(auditActor({ actorLabel: "patient link (5eed0000)" })).toEqual({ kind: "system", key: "patientLink" });
    expect(auditActor({ actorLabel: "Ana Ribeiro (clinician)" })).toEqual({
      kind: "person",
      name: "Ana Ribeiro",
      role: "CLINICIAN",
    });
    expect(auditActor({ actorLabel: "staff" })).toEqual({ kind: "role", role: "STAFF" });
    expect(auditActor({ actorLabel: "Marta Oliveira" })).toEqual({
      kind: "person",
      name: "Marta Oliveira",
      role: null,
    });
  });

  it("hands the message the outcome, the attempt, a failure and the new time", () => {
    const outcome = auditSentence({
      action: "reminder.outcome",
      actorLabel: "reminder-call",
      details: { reminderId: "r1", outcome: "CONFIRMED", attempts: 1 },
    });
    expect(outcome.key).toBe("reminder_outcome");
    expect(outcome.values.outcome).toBe("CONFIRMED");
    expect(
      auditSentence({ action: "reminder.call", actorLabel: "reminder-call", details: { attempt: 2 } }).values.attempt,
    ).toBe("2");
    expect(
      auditSentence({ action: "graph.call.mute", actorLabel: "staff", details: { outcome: "failed", status: 403 } })
        .values.failed,
    ).toBe("yes");
    const moved = auditSentence({
      action: "appointment.reschedule",
      actorLabel: "Carla Mendes (staff)",
      details: { from: "2030-06-05T13:00:00.000Z", to: "2030-06-05T13:15:00.000Z" },
    });
    expect(moved.instants).toEqual({ to: new Date("2030-06-05T13:15:00.000Z") });
  });

  it("falls back to a generic sentence for an action it does not know", () => {
    expect(sentenceKey("user.deactivate")).toBe("unknown");
    const sentence = auditSentence({ action: "user.deactivate", actorLabel: "Marta Oliveira (admin)", details: null });
    expect(sentence.key).toBe("unknown");
    expect(sentence.values.action).toBe("user.deactivate");
  });
});
