// Every production module in lib/ is either a server module whose first import is `import "server-only"`, or
// one that runs outside the react-server condition and must not have it (issue 22). Those are what client
// code imports at run time, transitively, from every "use client" module in app/, components/ and lib/, and
// what the Playwright tests in e2e/ import. Type-only imports are erased, and a "use server" module reaches the
// client only as references to its actions, so neither is followed; a module of types only needs no marking.
// `server-only` throws outside the react-server condition: a server module that client code reached would fail
// `next build`, and one without it could be pulled into the browser bundle unnoticed.
// Usage: node --import tsx scripts/check-server-only.ts [--list] (part of `npm run lint`). Exit 1 lists each
// offender; --list prints the lib modules reached outside the server and the chain that reaches each.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const TEST = /\.test\.tsx?$/;

interface Module {
  directive: "use client" | "use server" | undefined;
  /** Whether the first import is `import "server-only"`. */
  serverOnlyFirst: boolean;
  /** Whether it imports "server-only" anywhere. */
  serverOnly: boolean;
  /** Modules it imports at run time (repository-relative paths). */
  imports: string[];
  /** Whether anything of it is left once types are erased. */
  runtime: boolean;
}

function sourcesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, dir))) {
    const relative = `${dir}/${entry}`;
    if (statSync(path.join(root, relative)).isDirectory()) found.push(...sourcesUnder(relative));
    else if (SOURCE.test(entry) && !TEST.test(entry)) found.push(relative);
  }
  return found;
}

const EXTENSIONS = ["", ".ts", ".tsx", ".js", ".mjs", "/index.ts", "/index.tsx"];

/** A repository file for an `@/…` or relative specifier; packages and non-code files give undefined. */
function resolve(specifier: string, from: string): string | undefined {
  let base: string;
  if (specifier.startsWith("@/")) base = specifier.slice(2);
  else if (specifier.startsWith(".")) base = path.posix.join(path.posix.dirname(from), specifier);
  else return undefined;
  for (const extension of EXTENSIONS) {
    const candidate = base + extension;
    const full = path.join(root, candidate);
    if (SOURCE.test(candidate) && existsSync(full) && statSync(full).isFile()) return candidate;
  }
  return undefined;
}

/** `import { type A, type B } from` is erased like `import type`, unless it names nothing at all. */
function onlyTypes(elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean {
  return elements.length > 0 && elements.every((element) => element.isTypeOnly);
}

/** An import or re-export that compiling erases (it brings in types only). */
function erased(statement: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(statement)) {
    const clause = statement.exportClause;
    return statement.isTypeOnly || (!!clause && ts.isNamedExports(clause) && onlyTypes(clause.elements));
  }
  const clause = statement.importClause;
  const bindings = clause?.namedBindings;
  return (
    !!clause &&
    (clause.isTypeOnly || (!clause.name && !!bindings && ts.isNamedImports(bindings) && onlyTypes(bindings.elements)))
  );
}

/** A statement that leaves nothing once types are erased. */
const typesOnly = (statement: ts.Statement): boolean =>
  ts.isInterfaceDeclaration(statement) ||
  ts.isTypeAliasDeclaration(statement) ||
  ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && erased(statement)) ||
  !!ts.getModifiers(statement as ts.HasModifiers)?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword);

function readModule(file: string): Module {
  const text = readFileSync(path.join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  let directive: Module["directive"];
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break;
    const value = statement.expression.text;
    if (value === "use client" || value === "use server") directive = value;
  }
  const specifiers: string[] = [];
  let firstImport: string | undefined;
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      firstImport ??= specifier;
      if (!erased(statement)) specifiers.push(specifier);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      if (ts.isStringLiteral(statement.moduleSpecifier) && !erased(statement)) {
        specifiers.push(statement.moduleSpecifier.text);
      }
    }
  }
  // import("…") anywhere in the module is bundled with it
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const imports = specifiers.map((specifier) => resolve(specifier, file)).filter((found) => found !== undefined);
  return {
    directive,
    serverOnlyFirst: firstImport === "server-only",
    serverOnly: specifiers.includes("server-only"),
    imports,
    runtime: !source.statements.every(typesOnly),
  };
}

/** Production lib modules: not tests, not the generated Prisma client, not test fixtures. */
const isProductionLib = (file: string): boolean =>
  file.startsWith("lib/") && !file.startsWith("lib/generated/") && !file.includes("/__fixtures__/");

/** Every module client code or the Playwright tests reach, each with the module that first brought it in. */
function clientReach(roots: string[], load: (file: string) => Module): Map<string, string | undefined> {
  const reachedFrom = new Map<string, string | undefined>(roots.map((file) => [file, undefined]));
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imported of load(file).imports) {
      // a "use server" module reaches the client only as references to its actions (its body, its
      // "server-only" import included, stays on the server: next build accepts it)
      if (reachedFrom.has(imported) || load(imported).directive === "use server") continue;
      reachedFrom.set(imported, file);
      queue.push(imported);
    }
  }
  return reachedFrom;
}

function chain(file: string, reachedFrom: Map<string, string | undefined>): string {
  const steps = [file];
  for (let from = reachedFrom.get(file); from !== undefined; from = reachedFrom.get(from)) steps.unshift(from);
  return steps.join(" → ");
}

function main(): void {
  const modules = new Map<string, Module>();
  const load = (file: string): Module => {
    let found = modules.get(file);
    if (!found) modules.set(file, (found = readModule(file)));
    return found;
  };
  // e2e/: Playwright loads its tests without the react-server condition (giving it to Playwright would give it to
  // the app server it starts), so what they import must load there, as in the browser
  const roots = ["app", "components", "lib", "e2e"]
    .flatMap(sourcesUnder)
    .filter((file) => file.startsWith("e2e/") || load(file).directive === "use client");
  const reachedFrom = clientReach(roots, load);
  const lib = sourcesUnder("lib").filter(isProductionLib).sort();
  const clientLib = lib.filter((file) => reachedFrom.has(file));
  if (process.argv.includes("--list")) {
    for (const file of clientLib) console.log(chain(file, reachedFrom));
    console.log(`\n${clientLib.length} of ${lib.length} lib modules are imported outside the server`);
    return;
  }
  const problems: string[] = [];
  for (const file of lib) {
    const marked = load(file);
    if (reachedFrom.has(file)) {
      if (marked.serverOnly) {
        problems.push(
          `${file}: imports "server-only" but is imported outside the server (${chain(file, reachedFrom)}); ` +
            "it throws there: move what that code needs into a module without server code, or import it as a type",
        );
      }
    } else if (marked.runtime && !marked.serverOnlyFirst) {
      problems.push(
        `${file}: nothing outside the server imports it, so it is a server module: make \`import "server-only";\` its first import`,
      );
    }
  }
  if (problems.length === 0) return;
  for (const problem of problems) console.error(problem);
  console.error(
    `\n${problems.length} lib module(s) marked wrongly. A lib module that client code or the Playwright tests import ` +
      '(from a "use client" file or e2e/, by runtime imports) must not import "server-only"; every other one with ' +
      "runtime code imports it first. Node programs that import lib/ run with --conditions=react-server. " +
      "The modules reached outside the server: node --import tsx scripts/check-server-only.ts --list",
  );
  process.exit(1);
}

main();
