// Unit tests of the bot read Microsoft's documented notification and response bodies from the copy kept
// in this repository (emulator/contract/examples, described in emulator/contract/README.md), the same
// folder the emulator's contract tests replay. Only tests import this module.
import fs from "node:fs";
import path from "node:path";

const EXAMPLES_DIR = path.resolve(import.meta.dirname, "../../emulator/contract/examples");

/** The `body` of one example file, parsed. */
export function exampleBody(name: string): unknown {
  return (JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, name), "utf8")) as { body: unknown }).body;
}

/** Every notification example's file name, sorted. */
export function notificationExamples(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.includes(".notification-"))
    .sort();
}
