// Regenerates graph-v1.0-actions.xml from Microsoft's full Graph v1.0 CSDL (3.5 MB): the bound actions of the
// entities the emulator serves, copied element by element, nothing else. Run it by hand when the schema is
// updated, never at run or test time:
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

function main(): void {
  const [source, commit] = process.argv.slice(2);
  if (!source || !commit) throw new Error("usage: extract.ts <cleanMetadata.xml> <commit>");
  const csdl = fs.readFileSync(source, "utf8");
  const graphSchema = /<Schema Namespace="microsoft\.graph" Alias="graph"[^>]*>([\s\S]*?)<\/Schema>/.exec(csdl)?.[1];
  if (!graphSchema) throw new Error("no microsoft.graph schema in the file");
  const actions = [...graphSchema.matchAll(/^ *<Action Name="[^"]+"[^>]*IsBound="true"[^>]*>[\s\S]*?<\/Action>/gm)]
    // verbatim, with the original indentation
    .map((m) => m[0])
    .filter((action) => {
      const binding = /<Parameter Name="bindingParameter" Type="([^"]+)"/.exec(action)?.[1];
      return binding !== undefined && BINDINGS.includes(binding);
    });
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    "<!--",
    "  Bound actions of Microsoft Graph v1.0 on calls, participants and online meetings, copied unchanged from",
    `  microsoftgraph/msgraph-metadata clean_v10_metadata/cleanMetadata.xml at commit ${commit}`,
    "  (MIT License, Copyright (c) 2018 Microsoft Graph; see LICENSE). Regenerate with extract.ts.",
    "-->",
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    "  <edmx:DataServices>",
    '    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    ...actions,
    "    </Schema>",
    "  </edmx:DataServices>",
    "</edmx:Edmx>",
    "",
  ];
  fs.writeFileSync(path.join(import.meta.dirname, "graph-v1.0-actions.xml"), out.join("\n"));
  process.stdout.write(`${actions.length} actions written\n`);
}

main();
