// The waiting room as the browser receives it (GET /api/waiting-room): instants as ISO strings. Names are
// what Teams shows for each person (a guest's own, a masked number for a phone), the patient's name is the
// clinic's record; nothing else about anyone.

export interface PresentPerson {
  /** the roster entry's id, stable while the person stays */
  id: string;
  name: string | null;
  /** guest | user | phone */
  kind: string;
  /** when the bot first saw them in the call (for someone in the lobby: how long they have waited) */
  since: string;
}

export interface VisitPresence {
  appointmentId: string;
  clinicianId: string;
  patientName: string;
  startsAt: string;
  endsAt: string;
  /** the Teams meeting, where people in the lobby are admitted */
  joinWebUrl: string | null;
  lobby: PresentPerson[];
  joined: PresentPerson[];
}

/** The clinician's alert: the earliest of their visits with someone in the lobby. */
export interface WaitingAlert {
  appointmentId: string;
  patientName: string;
  startsAt: string;
  /** the first arrival still waiting */
  waitingSince: string;
  waiting: string[];
  joinWebUrl: string | null;
}

export interface WaitingRoom {
  visits: VisitPresence[];
  alert: WaitingAlert | null;
}
