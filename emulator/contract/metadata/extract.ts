// Regenerates graph-v1.0-subset.xml from Microsoft's full Graph v1.0 CSDL (3.5 MB): the part of the schema the
// emulator holds requests and its own answers to, copied element by element, nothing else. Run it by hand when the
// schema is updated, never at run or test time:
//
//   node --import tsx emulator/contract/metadata/extract.ts <path to cleanMetadata.xml> <source commit>
//
// The full file is microsoftgraph/msgraph-metadata, clean_v10_metadata/cleanMetadata.xml (MIT, see LICENSE).
import fs from "node:fs";
import path from "node:path";

/** Binding types whose actions the emulator serves (calls, their participants, online meetings). */
export const BINDINGS = [
  "graph.call",
  "Collection(graph.call)",
  "graph.participant",
  "Collection(graph.participant)",
  "graph.onlineMeeting",
  "Collection(graph.onlineMeeting)",
];

/**
 * Types the emulator reads or writes outside those actions: the entities of its paths, the notification envelope,
 * the shapes of roster and operation notifications, and the audio routing group it can name in a notification the
 * bot does not know (emulator/variants.ts).
 */
export const ROOT_TYPES = [
  "call",
  "participant",
  "onlineMeeting",
  "commsOperation",
  "contentSharingSession",
  "deltaParticipants",
  "audioRoutingGroup",
  "commsNotification",
  "commsNotifications",
];

interface TypeElement {
  name: string;
  /** the element as it stands in the file, indentation included */
  text: string;
  base: string | undefined;
  /** the types its properties name (not its navigation properties: those are not followed) */
  uses: string[];
}

/** `graph.x`, `microsoft.graph.x` or `Collection(graph.x)` → `x`; undefined for Edm types and other namespaces. */
function localName(type: string): string | undefined {
  return /^(?:Collection\()?(?:graph|microsoft\.graph)\.(\w+)\)?$/.exec(type)?.[1];
}

/**
 * The types reachable from the roots: base types, the types of properties, and the types derived from any of them
 * (a body may name a derived type with @odata.type), except the many entities derived from graph.entity itself.
 */
function reachable(types: Map<string, TypeElement>, roots: string[]): TypeElement[] {
  const derived = new Map<string, string[]>();
  for (const t of types.values()) if (t.base) derived.set(t.base, [...(derived.get(t.base) ?? []), t.name]);
  const seen = new Map<string, TypeElement>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const type = types.get(name);
    if (!type) throw new Error(`the schema has no type ${name}`);
    seen.set(name, type);
    if (type.base) queue.push(type.base);
    queue.push(...type.uses);
    if (name !== "entity") queue.push(...(derived.get(name) ?? []));
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function main(): void {
  const [source, commit] = process.argv.slice(2);
  if (!source || !commit) throw new Error("usage: extract.ts <cleanMetadata.xml> <commit>");
  const csdl = fs.readFileSync(source, "utf8");
  const graphSchema = /<Schema Namespace="microsoft\.graph" Alias="graph"[^>]*>([\s\S]*?)<\/Schema>/.exec(csdl)?.[1];
  if (!graphSchema) throw new Error("no microsoft.graph schema in the file");

  const types = new Map<string, TypeElement>();
  const elements = /^ *<(EnumType|ComplexType|EntityType) Name="([^"]+)"([^>]*?)(?:\/>|>[\s\S]*?<\/\1>)/gm;
  for (const [text, , name, attributes] of graphSchema.matchAll(elements)) {
    const uses = [...text.matchAll(/<Property Name="[^"]+" Type="([^"]+)"/g)]
      .map(([, type]) => localName(type!))
      .filter((n): n is string => n !== undefined);
    types.set(name!, { name: name!, text, base: localName(/BaseType="([^"]+)"/.exec(attributes!)?.[1] ?? ""), uses });
  }

  const actions = [...graphSchema.matchAll(/^ *<Action Name="[^"]+"[^>]*IsBound="true"[^>]*>[\s\S]*?<\/Action>/gm)]
    // verbatim, with the original indentation
    .map((m) => m[0])
    .filter((action) => {
      const binding = /<Parameter Name="bindingParameter" Type="([^"]+)"/.exec(action)?.[1];
      return binding !== undefined && BINDINGS.includes(binding);
    });
  const actionTypes = actions.flatMap((action) =>
    [...action.matchAll(/<(?:Parameter Name="[^"]+"|ReturnType) Type="([^"]+)"/g)]
      .map(([, type]) => localName(type!))
      .filter((n): n is string => n !== undefined),
  );
  const kept = reachable(types, [...ROOT_TYPES, ...actionTypes]);

  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    "<!--",
    "  Part of Microsoft Graph v1.0's schema: the bound actions on calls, participants and online meetings, and every",
    "  type reachable from them and from the entities and notifications the emulator serves. Copied unchanged from",
    `  microsoftgraph/msgraph-metadata clean_v10_metadata/cleanMetadata.xml at commit ${commit}`,
    "  (MIT License, Copyright (c) 2018 Microsoft Graph; see LICENSE). Regenerate with extract.ts.",
    "-->",
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    "  <edmx:DataServices>",
    '    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    ...kept.map((t) => t.text),
    ...actions,
    "    </Schema>",
    "  </edmx:DataServices>",
    "</edmx:Edmx>",
    "",
  ];
  fs.writeFileSync(path.join(import.meta.dirname, "graph-v1.0-subset.xml"), out.join("\n"));
  process.stdout.write(`${kept.length} types and ${actions.length} actions written\n`);
}

main();
