// The clinic line bound to the app's database, Graph gateway, Speech and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { announceAppointmentChange } from "@/lib/appointments/jobs";
import { callingDeps } from "@/lib/bot/gateways";
import { serverEnv } from "@/lib/env";
import { clinicLineService, type ClinicLineService } from "./service";

export function clinicLine(): ClinicLineService {
  return perProcess("clinicLine", () => {
    const env = serverEnv();
    return clinicLineService({
      ...callingDeps(env),
      clinicZone: env.CLINIC_TIME_ZONE,
      speech: env.SPEECH_ENDPOINT && env.SPEECH_KEY ? { endpoint: env.SPEECH_ENDPOINT, key: env.SPEECH_KEY } : null,
      announceChange: announceAppointmentChange,
    });
  });
}
