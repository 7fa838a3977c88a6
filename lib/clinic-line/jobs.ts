// Web processes without workers (CONSULTA_WORKERS=off, instrumentation.ts) still hand the key presses and
// recordings their webhook receives to the call flows: the call runtime steps them (lib/bot/runtime/app.ts).
import "server-only";

export { listenForCallMedia } from "@/lib/bot/runtime/app";
