import fs from "node:fs";
import path from "node:path";

/**
 * Graph v1.0's schema as far as the emulator serves it, read from the vendored part of Microsoft's CSDL
 * (emulator/contract/metadata/graph-v1.0-subset.xml): structured and enumeration types, and the bound actions with
 * their parameters. The file is written by extract.ts, which copies Microsoft's elements unchanged.
 */
const SUBSET_FILE = path.resolve(import.meta.dirname, "../../contract/metadata/graph-v1.0-subset.xml");

/** A reference to a type: an Edm primitive ("Edm.String") or a type of the schema by its name ("call"). */
export interface TypeRef {
  name: string;
  primitive: boolean;
  collection: boolean;
  /** false when the schema says Nullable="false" (for a collection: its items) */
  nullable: boolean;
}

export interface StructuredType {
  kind: "complex" | "entity";
  name: string;
  base: string | undefined;
  abstract: boolean;
  /** declared OpenType="true" itself (see Schema.isOpen for inheritance) */
  open: boolean;
  properties: Map<string, TypeRef>;
  /** navigation properties: a body may hold them expanded (a deltaParticipants' participants) */
  navigation: Map<string, TypeRef>;
}

export interface EnumType {
  kind: "enum";
  name: string;
  members: Set<string>;
  /** the members lowercased: Graph reads and writes them without regard to case (validate.ts) */
  lowercaseMembers: Set<string>;
  flags: boolean;
}

interface ActionParameter extends TypeRef {
  /** carries Core.OptionalParameter: may be left out even when not nullable */
  optional: boolean;
}

export interface Action {
  name: string;
  /** the binding parameter's type as the schema writes it, e.g. "graph.call" or "Collection(graph.participant)" */
  binding: string;
  parameters: Map<string, ActionParameter>;
  returnType: TypeRef | undefined;
}

export class Schema {
  constructor(
    readonly types: Map<string, StructuredType | EnumType>,
    readonly actions: Map<string, Action>,
  ) {}

  structured(name: string): StructuredType | undefined {
    const type = this.types.get(name);
    return type && type.kind !== "enum" ? type : undefined;
  }

  /** `name` and its base types, nearest first. */
  *lineage(name: string): Generator<StructuredType> {
    for (let type = this.structured(name); type; type = type.base ? this.structured(type.base) : undefined) yield type;
  }

  /** True when `name` is `ancestor` or derives from it. */
  isA(name: string, ancestor: string): boolean {
    for (const type of this.lineage(name)) if (type.name === ancestor) return true;
    return false;
  }

  /** A type accepts properties it does not declare when it, or a type it derives from, is open. */
  isOpen(name: string): boolean {
    for (const type of this.lineage(name)) if (type.open) return true;
    return false;
  }

  property(typeName: string, property: string): TypeRef | undefined {
    for (const type of this.lineage(typeName)) {
      const found = type.properties.get(property);
      if (found) return found;
    }
    return undefined;
  }

  navigation(typeName: string, property: string): TypeRef | undefined {
    for (const type of this.lineage(typeName)) {
      const found = type.navigation.get(property);
      if (found) return found;
    }
    return undefined;
  }

  action(binding: string, name: string): Action | undefined {
    return this.actions.get(`${binding} ${name}`);
  }
}

const attribute = (element: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(element)?.[1];

/** "Collection(graph.mediaInfo)" → {name: "mediaInfo", collection: true}; "Edm.Int32" → {name: "Edm.Int32"}. */
export function typeRef(type: string, nullable = true): TypeRef {
  const collection = /^Collection\((.+)\)$/.exec(type);
  const inner = collection ? collection[1]! : type;
  const primitive = inner.startsWith("Edm.");
  return {
    name: primitive ? inner : inner.replace(/^(?:graph|microsoft\.graph)\./, ""),
    primitive,
    collection: !!collection,
    nullable,
  };
}

/** Properties (self-closing or with annotations inside) and navigation properties of a type element. */
function members(body: string) {
  const properties = new Map<string, TypeRef>();
  const navigation = new Map<string, TypeRef>();
  for (const [element, kind] of body.matchAll(/<(Property|NavigationProperty) [^>]*>/g)) {
    const ref = typeRef(attribute(element, "Type")!, attribute(element, "Nullable") !== "false");
    (kind === "NavigationProperty" ? navigation : properties).set(attribute(element, "Name")!, ref);
  }
  return { properties, navigation };
}

function parseSchema(xml: string): Schema {
  const types = new Map<string, StructuredType | EnumType>();
  const actions = new Map<string, Action>();
  const element = /<(EnumType|ComplexType|EntityType|Action) ([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g;
  for (const [, kind, attributes, body = ""] of xml.matchAll(element)) {
    const name = attribute(attributes!, "Name")!;
    if (kind === "EnumType") {
      const names = [...body.matchAll(/<Member Name="([^"]+)"/g)].map(([, member]) => member!);
      types.set(name, {
        kind: "enum",
        name,
        members: new Set(names),
        lowercaseMembers: new Set(names.map((n) => n.toLowerCase())),
        flags: attribute(attributes!, "IsFlags") === "true",
      });
    } else if (kind === "Action") {
      const parameters = new Map<string, ActionParameter>();
      let binding = "";
      for (const [parameter, inner = ""] of body.matchAll(/<Parameter ([^>]*?)(?:\/>|>([\s\S]*?)<\/Parameter>)/g)) {
        const parameterName = attribute(parameter, "Name")!;
        const type = attribute(parameter, "Type")!;
        if (parameterName === "bindingParameter") binding = type;
        else
          parameters.set(parameterName, {
            ...typeRef(type, attribute(parameter, "Nullable") !== "false"),
            optional: inner.includes('Term="Org.OData.Core.V1.OptionalParameter"'),
          });
      }
      const returns = /<ReturnType Type="([^"]+)"/.exec(body)?.[1];
      actions.set(`${binding} ${name}`, {
        name,
        binding,
        parameters,
        returnType: returns ? typeRef(returns) : undefined,
      });
    } else {
      const base = attribute(attributes!, "BaseType");
      types.set(name, {
        kind: kind === "EntityType" ? "entity" : "complex",
        name,
        base: base ? typeRef(base).name : undefined,
        abstract: attribute(attributes!, "Abstract") === "true",
        open: attribute(attributes!, "OpenType") === "true",
        ...members(body),
      });
    }
  }
  return new Schema(types, actions);
}

let loaded: Schema | undefined;

/** The vendored schema, read once. */
export function graphSchema(): Schema {
  loaded ??= parseSchema(fs.readFileSync(SUBSET_FILE, "utf8"));
  return loaded;
}
