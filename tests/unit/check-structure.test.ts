import { describe, expect, it } from "vitest";
import { checkDomainFolder } from "../../scripts/check-structure";

const sources: Record<string, string> = {
  "data.ts": 'import { getDb } from "@/lib/db";',
  "busy-sync.ts": 'import { graphForApp } from "@/lib/graph";',
  "timing.ts":
    'import type { PrismaClient } from "@/lib/generated/prisma/client";\nimport { isGraphError } from "@/lib/graph/errors";',
  "timing.test.ts": 'import { getDb } from "@/lib/db";',
  "helpers.ts": 'import { getDb } from "@/lib/db";',
  "reader.ts": 'import { listThings } from "./data";',
};

describe("check-structure", () => {
  it("accepts role files, qualified roles, pure parts and their tests", () => {
    const files = ["README.md", "data.ts", "busy-sync.ts", "timing.ts", "timing.test.ts"];
    expect(checkDomainFolder("demo", files, (file) => sources[file] ?? "")).toEqual([]);
  });

  it("names a file that does I/O without a role, and a test without its file", () => {
    const problems = checkDomainFolder(
      "demo",
      ["helpers.ts", "reader.ts", "orphan.test.ts", "notes.txt"],
      (file) => sources[file] ?? "",
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^lib\/demo\/helpers\.ts: not a role name and not pure \(imports @\/lib\/db\)/);
    expect(problems[1]).toMatch(/^lib\/demo\/reader\.ts: .*\.\/data/);
    expect(problems[2]).toMatch(/^lib\/demo\/orphan\.test\.ts: a test is named after the file it tests/);
    expect(problems[3]).toMatch(/^lib\/demo\/notes\.txt: not a module/);
  });
});
