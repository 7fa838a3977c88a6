// Files that mean one thing (issue 22). In a domain folder (lib/<domain>/: every lib folder that
// docs/boundaries.json does not give to another part, and that is not one of the infrastructure libraries
// below) a top-level file is one of:
//  - a role file, named from the closed list below (each name means the same thing in every domain), or
//    `<what>-<role>` when a domain has several of one role (outlook's busy-sync, event-sync, …);
//  - a pure part named for what it computes: it imports no database, Graph, queue, framework or network
//    package and no role file that does I/O (type-only imports do not count);
//  - a test named after the file it tests (`<file>.test.ts`, `<file>.property.test.ts`), or README.md.
// Subfolders (lib/bot/runtime/, lib/bot/flows/, lib/bot/meeting-calls/, lib/bot/intake/) are units of their own whose files
// are named for what they do; they are not checked here.
// Usage: node --import tsx scripts/check-structure.ts (part of `npm run lint`). Exit 1 lists each offender.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** The closed list: a role file's name and what it holds. docs/ARCHITECTURE.md, "Files that mean one thing". */
export const ROLE_FILES: Record<string, string> = {
  schema: "zod schemas and the types they infer (parsing forms and bodies)",
  types: "plain types shared with client components (no runtime code)",
  data: "reads: queries with explicit ids, no writes",
  mutations: "writes with an explicit actor, the audit row in the same transaction",
  actions: 'server actions only ("use server"): viewer, validation, typed form state',
  views: "view models: reads shaped for one screen, with the viewer's rights applied",
  service: "operations that reach past the database (Graph, SMS, speech) for routes and jobs",
  jobs: "pg-boss handlers and sweeps, and their queue registration",
  index: "the domain's wiring: its dependencies bound to the environment, the door the app imports",
  intake: "a webhook's receiver: verify, parse and record what an outside service posts",
  sync: "brings a copy of an outside system's state in line (a job's work), and back",
  store: "persistence handed to a library or kept as a cache (Auth.js sessions, delegated tokens, prompt audio)",
  gateways: "the outside services the domain talks through, bound for production (tests hand in fakes)",
  settings: "the domain's configuration, read from lib/env once and typed",
  access: "who may see or act on a record (may read the record to decide)",
  request: "what the current HTTP request carries (headers, cookies) for the domain",
};

/** Libraries the domains use, each shaped by what it wraps rather than by these roles. */
const INFRASTRUCTURE: Record<string, string> = {
  auth: "Auth.js: configuration, session store, the viewer, token encryption",
  jobs: "pg-boss: the queues, the workers, graceful stop",
  acs: "Azure Communication Services: the SMS client",
};

interface Boundaries {
  parts: Record<string, { files?: string[]; except?: string[]; reachedAs?: string[]; rest?: boolean }>;
}

const readBoundaries = (): Boundaries =>
  JSON.parse(readFileSync(path.join(root, "docs/boundaries.json"), "utf8")) as Boundaries;

/** Lib folders that are not domains: the parts docs/boundaries.json gives their own rules and structure. */
function libraryFolders(): Set<string> {
  const boundaries = readBoundaries();
  const folders = new Set<string>();
  for (const part of Object.values(boundaries.parts)) {
    if (part.rest) continue;
    for (const glob of part.files ?? []) {
      const match = /^lib\/([^/*]+)\/\*\*$/.exec(glob);
      if (match) folders.add(match[1]!);
    }
  }
  return folders;
}

// What a pure part may not import: I/O, framework and network packages, and the role files that do I/O.
const IMPURE_PACKAGES =
  /^(next|next-auth|pg|pg-boss|jose|@azure\/|@microsoft\/|@prisma\/|node:(?!crypto$|buffer$|util$))/;
// lib/graph/errors only classifies failures (no request), so a pure part may read a GraphError
const IMPURE_LIB = /^@\/lib\/(db|graph(?!\/errors$)|jobs)(\/|$)|^@\/lib\/generated\/prisma\/client$/;
const IO_ROLES = new Set([
  "data",
  "mutations",
  "actions",
  "views",
  "service",
  "jobs",
  "index",
  "intake",
  "sync",
  "store",
  "gateways",
]);

/** The offending imports of a file that claims to be pure (type-only imports are not I/O). */
function impureImports(source: string): string[] {
  const offending: string[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^"';]*?from\s+["']([^"']+)["']/gm)) {
    if (match[2]) continue;
    const specifier = match[3]!;
    const last = specifier.split("/").pop()!;
    const rolePath = specifier.startsWith(".") || specifier.startsWith("@/lib/");
    if (IMPURE_PACKAGES.test(specifier) || IMPURE_LIB.test(specifier) || (rolePath && IO_ROLES.has(last))) {
      offending.push(specifier);
    }
  }
  return offending;
}

/** A role from the list, alone or qualified by what it is about (`busy-sync`). */
function isRoleName(name: string): boolean {
  return name in ROLE_FILES || Object.keys(ROLE_FILES).some((role) => name.endsWith(`-${role}`));
}

const TEST_SUFFIX = /(\.property)?\.test\.tsx?$/;

export function checkDomainFolder(folder: string, files: string[], read: (file: string) => string): string[] {
  const problems: string[] = [];
  const sources = new Set(files.filter((file) => /\.tsx?$/.test(file) && !TEST_SUFFIX.test(file)));
  for (const file of files) {
    const where = `lib/${folder}/${file}`;
    if (file === "README.md") continue;
    if (!/\.tsx?$/.test(file)) {
      problems.push(`${where}: not a module or README.md`);
      continue;
    }
    if (TEST_SUFFIX.test(file)) {
      const subject = file.replace(TEST_SUFFIX, "");
      if (!sources.has(`${subject}.ts`) && !sources.has(`${subject}.tsx`)) {
        problems.push(`${where}: a test is named after the file it tests, and there is no ${subject}.ts`);
      }
      continue;
    }
    const name = file.replace(/\.tsx?$/, "");
    if (isRoleName(name)) continue;
    const impure = impureImports(read(file));
    if (impure.length > 0) {
      problems.push(
        `${where}: not a role name and not pure (imports ${impure.join(", ")}): rename it to its role or move the I/O out`,
      );
    }
  }
  return problems;
}

/**
 * A top-level lib/<name>.ts is a shared leaf by its place (the shared part's files), so the import rules must
 * know it by name too: otherwise importing it reads as importing a domain.
 */
function undeclaredLeaves(): string[] {
  const shared = readBoundaries().parts.shared;
  if (!shared) return [];
  const declared = new Set(shared.reachedAs ?? []);
  const excepted = new Set(shared.except ?? []);
  return readdirSync(path.join(root, "lib"))
    .filter((file) => /^[^.]+\.tsx?$/.test(file) && !excepted.has(`lib/${file}`))
    .filter((file) => !declared.has(`@/lib/${file.replace(/\.tsx?$/, "")}`))
    .map(
      (file) =>
        `lib/${file}: a shared leaf by its place, missing from the shared part's reachedAs in docs/boundaries.json`,
    );
}

function main(): void {
  const libraries = libraryFolders();
  const problems: string[] = [...undeclaredLeaves()];
  for (const folder of readdirSync(path.join(root, "lib")).sort()) {
    const dir = path.join(root, "lib", folder);
    if (!statSync(dir).isDirectory() || libraries.has(folder) || folder in INFRASTRUCTURE) continue;
    const files = readdirSync(dir).filter((entry) => statSync(path.join(dir, entry)).isFile());
    problems.push(...checkDomainFolder(folder, files.sort(), (file) => readFileSync(path.join(dir, file), "utf8")));
  }
  if (problems.length === 0) return;
  for (const problem of problems) console.error(problem);
  console.error(
    `\n${problems.length} file(s) out of place. A domain folder's top-level files are role files (${Object.keys(ROLE_FILES).join(", ")}, or <what>-<role>), ` +
      "pure parts named for what they compute, or tests named after their file: docs/ARCHITECTURE.md, “Files that mean one thing”.",
  );
  process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
