// Request-facing reads: the messages panel of the appointment page and the contact settings of the patient
// page, for whoever may see them (clinicians their own appointments, staff and admins all).
import "server-only";
import { openJoinToken, patientLinkUrl } from "@/lib/appointments/join-token";
import type { Viewer } from "@/lib/auth/session";
import { mayManageAppointment } from "@/lib/auth/roles";
import { getDb } from "@/lib/db";
import { contactSettings, messagesForAppointment } from "./data";

export async function messagesPanelForViewer(viewer: Viewer, appointmentId: string) {
  const db = getDb();
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: { id: true, clinicianId: true, status: true, patientId: true, joinTokenSealed: true },
  });
  if (!appointment || !mayManageAppointment(viewer, appointment)) return null;
  const [messages, contact] = await Promise.all([
    messagesForAppointment(db, appointment.id),
    contactSettings(db, appointment.patientId),
  ]);
  const token = openJoinToken(appointment.joinTokenSealed);
  return {
    status: appointment.status,
    messages,
    // the one link of the appointment, to copy at any time (null: made before links were kept)
    link: token ? patientLinkUrl(token) : null,
    contact: contact && {
      preference: contact.contactPreference,
      consentAt: contact.messageConsentAt,
      smsOptedOutAt: contact.smsOptedOutAt,
      hasEmail: Boolean(contact.email),
      hasPhone: Boolean(contact.phone),
    },
  };
}

/** Anyone on the clinic side may see and set a patient's contact settings (as the patient form). */
export async function contactSettingsForViewer(_viewer: Viewer, patientId: string) {
  return contactSettings(getDb(), patientId);
}
