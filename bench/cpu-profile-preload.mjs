// Loaded into the app's processes by bench/server-cpu.ts and bench/notifications.ts (NODE_OPTIONS=--import=…)
// when BENCH_PROFILE is set; acts only in the Next server and the job-worker process. The first SIGUSR2
// starts V8's sampling profiler, the next writes the profile to $PROFILE_OUT (open it in Chrome's
// DevTools). --cpu-prof is not allowed in NODE_OPTIONS, and this way the profile holds the measured
// requests only, not the server's start.
import fs from "node:fs";
import inspector from "node:inspector";
import path from "node:path";

const isNextServer = process.argv.some((a) => a.endsWith("next/dist/bin/next")) && process.argv.includes("start");
const isWorker = process.argv.some((a) => a.endsWith("scripts/worker.ts"));
if ((isNextServer || isWorker) && process.env.PROFILE_OUT) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 250 });
  let running = false;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.start");
      return;
    }
    running = false;
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      const file = path.join(process.env.PROFILE_OUT, `${isWorker ? "worker" : "server"}-${Date.now()}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
