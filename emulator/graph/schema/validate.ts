import { graphSchema, typeRef, type Schema, type TypeRef } from "./model";

/**
 * Holds JSON bodies to Graph v1.0's schema the way Graph's OData layer reads them (emulator/CONTRACT.md#schema):
 *
 * - a property a type does not declare is refused unless the type (or one it derives from) is open;
 * - a value must have the JSON form of its Edm type (a string for Edm.String, a whole number in range for
 *   Edm.Int32, an ISO 8601 time with its offset for Edm.DateTimeOffset, ...), and an enumeration value must be one
 *   of the members (comma-separated for flags), in any case: the schema writes operationStatus `Running` where the
 *   docs' examples write `running`, and the reject doc's table `Busy` where its examples send `busy`;
 * - null only where the schema allows it (Nullable="false" refuses it);
 * - `@odata.type` may name the expected type or a type derived from it, and must name one when the expected type
 *   is abstract (mediaConfig, meetingInfo, prompt, callOptions);
 * - instance annotations (`@odata.id`, `@odata.etag`, `x@odata.type`, ...) are not properties;
 * - a navigation property may be held expanded (a deltaParticipants' participants): its content is read as its
 *   type when the vendored part has it.
 *
 * The same rules hold the emulator's own answers and notifications in its tests, so it cannot drift from the
 * schema either.
 */
export interface SchemaIssue {
  /** where in the body, e.g. `mediaConfig.preFetchMedia[0].uri` ("" = the body itself) */
  path: string;
  /** Graph's error code for it: RequestBodyRead for a body that does not read as its type, BadRequest for parameters */
  code: "RequestBodyRead" | "BadRequest";
  message: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,12})?)?$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,12})?)?(Z|[+-]\d\d:\d\d)$/i;
const DURATION = /^-?P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const INTEGER_RANGE: Record<string, [number, number]> = {
  "Edm.Byte": [0, 255],
  "Edm.SByte": [-128, 127],
  "Edm.Int16": [-32768, 32767],
  "Edm.Int32": [-2147483648, 2147483647],
  "Edm.Int64": [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const qualified = (name: string) => (name.startsWith("Edm.") ? name : `microsoft.graph.${name}`);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
const literal = (value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function primitiveFits(type: string, value: unknown): boolean {
  const range = INTEGER_RANGE[type];
  if (range) return Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1];
  switch (type) {
    case "Edm.String":
      return typeof value === "string";
    case "Edm.Boolean":
      return typeof value === "boolean";
    case "Edm.Double":
    case "Edm.Single":
      return typeof value === "number" || value === "NaN" || value === "INF" || value === "-INF";
    case "Edm.Decimal":
      return typeof value === "number";
    case "Edm.Guid":
      return typeof value === "string" && GUID.test(value);
    case "Edm.Date":
      return typeof value === "string" && DATE.test(value);
    case "Edm.TimeOfDay":
      return typeof value === "string" && TIME.test(value);
    case "Edm.DateTimeOffset":
      return typeof value === "string" && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case "Edm.Duration":
      return typeof value === "string" && DURATION.test(value);
    case "Edm.Binary":
      return typeof value === "string" && BASE64.test(value);
    default:
      // Edm.Stream, Edm.Untyped and anything newer: not checked
      return true;
  }
}

class Checker {
  readonly issues: SchemaIssue[] = [];

  constructor(private readonly schema: Schema) {}

  private fail(path: string, message: string, code: SchemaIssue["code"] = "RequestBodyRead"): void {
    this.issues.push({ path, code, message });
  }

  /** A value where `ref` is expected; `label` names it in messages (a property or parameter). */
  value(ref: TypeRef, value: unknown, path: string, label: string): void {
    if (value === null) {
      if (!ref.nullable || ref.collection)
        this.fail(path, `The ${label} does not allow null; its type is '${describe(ref)}'.`);
      return;
    }
    if (ref.collection) {
      if (!Array.isArray(value)) {
        this.fail(path, `The ${label} holds a collection of '${qualified(ref.name)}'; a JSON array was expected.`);
        return;
      }
      const item: TypeRef = { ...ref, collection: false };
      value.forEach((v, i) => {
        if (v === null && !ref.nullable) this.fail(join(path, i), `The ${label} does not allow null items.`);
        else if (v !== null) this.value(item, v, join(path, i), label);
      });
      return;
    }
    if (ref.primitive) {
      if (!primitiveFits(ref.name, value))
        this.fail(
          path,
          `Cannot convert the literal '${literal(value)}' of the ${label} to the expected type '${ref.name}'.`,
        );
      return;
    }
    const type = this.schema.types.get(ref.name);
    if (!type) return; // a type outside the vendored part: not checked
    if (type.kind === "enum") {
      const names = typeof value === "string" ? (type.flags ? value.split(",").map((s) => s.trim()) : [value]) : [];
      if (names.length === 0 || names.some((n) => !type.lowercaseMembers.has(n.toLowerCase())))
        this.fail(
          path,
          `The ${label} has the value '${literal(value)}', which is not a member of '${qualified(type.name)}'.`,
        );
      return;
    }
    this.structured(ref.name, value, path, label);
  }

  /** An object of the structured type `expected` (or a type derived from it that it names). */
  structured(expected: string, value: unknown, path: string, label = "body"): void {
    if (!isObject(value)) {
      this.fail(path, `The ${label} must be a JSON object of type '${qualified(expected)}'.`);
      return;
    }
    const named = value["@odata.type"];
    let actual = expected;
    if (named !== undefined) {
      const name = typeof named === "string" ? named.replace(/^#/, "").replace(/^(microsoft\.)?graph\./, "") : "";
      if (!this.schema.structured(name) || !this.schema.isA(name, expected)) {
        this.fail(
          join(path, "@odata.type"),
          `A resource with type '${literal(named)}' was found, but it is not assignable to the expected type '${qualified(expected)}'.`,
        );
        return;
      }
      actual = name;
    }
    const type = this.schema.structured(actual)!;
    if (type.abstract)
      this.fail(
        path,
        `The type '${qualified(actual)}' is abstract: the ${label} must name one of the types derived from it with @odata.type.`,
      );
    const open = this.schema.isOpen(actual);
    for (const [key, v] of Object.entries(value)) {
      if (key.includes("@")) continue; // instance and property annotations
      const declared = this.schema.property(actual, key) ?? this.schema.navigation(actual, key);
      if (declared) this.value(declared, v, join(path, key), `property '${key}'`);
      else if (!open)
        this.fail(
          join(path, key),
          `The property '${key}' does not exist on type '${qualified(actual)}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
        );
    }
  }
}

function describe(ref: TypeRef): string {
  const name = qualified(ref.name);
  return ref.collection ? `Collection(${name})` : name;
}

/** Issues of `body` read as the structured type `typeName` (an entity or complex type of the schema). */
export function checkStructured(typeName: string, body: unknown, schema = graphSchema()): SchemaIssue[] {
  if (!schema.structured(typeName)) throw new Error(`the vendored schema has no type ${typeName}`);
  const checker = new Checker(schema);
  checker.structured(typeName, body, "");
  return checker.issues;
}

/** Issues of `value` read as `type`, written as the schema writes it ("Collection(graph.participant)", "Edm.String"). */
export function checkValue(type: string, value: unknown, schema = graphSchema()): SchemaIssue[] {
  const checker = new Checker(schema);
  checker.value(typeRef(type), value, "", "value");
  return checker.issues;
}

/**
 * Issues of a bound action's request body: a parameter the action does not declare (BadRequest, read first, as
 * Graph reads the parameter names before their values), a required parameter left out — non-nullable and not
 * marked optional (OData 4.01 §11.5.5.1) — and then each parameter's value (RequestBodyRead).
 */
export function checkActionBody(binding: string, action: string, body: unknown, schema = graphSchema()): SchemaIssue[] {
  const declared = schema.action(binding, action);
  if (!declared) throw new Error(`the vendored schema has no action ${action} bound to ${binding}`);
  if (!isObject(body)) return [{ path: "", code: "BadRequest", message: "The request payload must be a JSON object." }];
  const unknown = Object.keys(body).filter((key) => !key.includes("@") && !declared.parameters.has(key));
  if (unknown.length > 0)
    return unknown.map((key) => ({
      path: key,
      code: "BadRequest" as const,
      message: `The parameter '${key}' in the request payload is not a valid parameter for the operation '${action}'.`,
    }));
  const missing = [...declared.parameters]
    .filter(([name, p]) => !p.nullable && !p.optional && body[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0)
    return [
      {
        path: "",
        code: "BadRequest",
        message: `The operation '${action}' needs the parameters ${missing.map((m) => `'${m}'`).join(", ")}, which the request payload does not carry.`,
      },
    ];
  const checker = new Checker(schema);
  for (const [name, value] of Object.entries(body)) {
    const parameter = declared.parameters.get(name);
    if (parameter) checker.value(parameter, value, name, `parameter '${name}'`);
  }
  return checker.issues;
}
