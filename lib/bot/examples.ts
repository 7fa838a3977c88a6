// Test support: the recorded notification examples of the Graph contract (/work/shared/graph/examples),
// found beside the checkout like the emulator's contract tests find them.
import fs from "node:fs";
import path from "node:path";

export const EXAMPLES_DIR =
  process.env.GRAPH_CONTRACT_EXAMPLES ?? path.resolve(import.meta.dirname, "../../../shared/graph/examples");

export function exampleBody(name: string): unknown {
  return (JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, name), "utf8")) as { body: unknown }).body;
}

export function notificationExamples(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.includes(".notification-"))
    .sort();
}
