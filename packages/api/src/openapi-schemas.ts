// TypeBox schemas (JSON Schema already) converted to the component schemas of an
// OpenAPI 3.0 document the way kube-openapi writes Kubernetes' own: every named
// type a definition of its own under Kubernetes' name, fields that refer to one as
// `allOf: [{$ref}]`, Time, IntOrString and Quantity as Kubernetes formats them, and
// the merge markers of @bosun/api's patch table on the fields they concern. Also
// the same definitions in OpenAPI v2 (Swagger) form for /openapi/v2.
import { Kind, Type, type TSchema } from "@sinclair/typebox";
import { patchMetaOf, typePatchMetaOf, type FieldPatchMeta } from "./merge-keys.js";
import { definitionName, intOrStringDefinition, quantityDefinition, timeDefinition } from "./openapi-names.js";
import { ListMeta } from "./types/meta.js";

export type OpenApiSchema = { [key: string]: unknown };

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** What a top-level definition carries beyond its fields. */
export interface RootOptions {
  gvk?: GroupVersionKind;
  description?: string;
  /** Field descriptions that hold for this definition only (apiVersion, kind, metadata of a kind). */
  fieldDescriptions?: Record<string, string>;
  /** Fields the schema requires that the server fills in itself, so clients may leave them out. */
  optionalFields?: readonly string[];
}

const v3Prefix = "#/components/schemas/";

/** Kubernetes' definitions of the types TypeBox spells as plain strings and unions. */
const builtins: Record<string, OpenApiSchema> = {
  [timeDefinition]: {
    description:
      "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.",
    type: "string",
    format: "date-time",
  },
  [intOrStringDefinition]: {
    description:
      "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.",
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
    "x-kubernetes-int-or-string": true,
  },
  [quantityDefinition]: {
    description:
      'Quantity is a fixed-point representation of a number, serialized as a string such as "500m", "2" or "64Mi" (a plain number is accepted too).',
    oneOf: [{ type: "string" }, { type: "number" }],
  },
};

interface SchemaNode {
  [Kind]?: string;
  description?: string;
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, TSchema>;
  required?: string[];
  patternProperties?: Record<string, TSchema>;
  items?: TSchema;
  anyOf?: TSchema[];
}

function ref(name: string): OpenApiSchema {
  return { $ref: `${v3Prefix}${name}` };
}

function patchExtensions(meta: FieldPatchMeta | undefined): OpenApiSchema {
  if (meta === undefined) return {};
  const ext: OpenApiSchema = {};
  if (meta.listMapKeys !== undefined) ext["x-kubernetes-list-map-keys"] = meta.listMapKeys;
  if (meta.listType !== undefined) ext["x-kubernetes-list-type"] = meta.listType;
  if (meta.mapType !== undefined) ext["x-kubernetes-map-type"] = meta.mapType;
  if (meta.patchMergeKey !== undefined) ext["x-kubernetes-patch-merge-key"] = meta.patchMergeKey;
  if (meta.patchStrategy !== undefined) ext["x-kubernetes-patch-strategy"] = meta.patchStrategy;
  return ext;
}

/** The schema of a field or list item: a reference keeps its siblings beside it through allOf, as kube-openapi does. */
function asField(schema: OpenApiSchema, extra: OpenApiSchema): OpenApiSchema {
  if (typeof schema.$ref === "string") return { allOf: [schema], ...extra };
  return { ...schema, ...extra };
}

/** Collects the definitions one document needs, each converted once. */
export class DefinitionSet {
  readonly definitions: Record<string, OpenApiSchema> = {};
  /** Which schema each definition came from, to catch two different types under one name. */
  private readonly sources = new Map<string, TSchema>();

  /** Adds `schema` as the definition `name` (a kind, a list, a request body) and returns a reference to it. */
  addRoot(name: string, schema: TSchema, opts: RootOptions = {}): OpenApiSchema {
    this.define(name, schema, opts);
    return ref(name);
  }

  private define(name: string, schema: TSchema, opts: RootOptions = {}): void {
    const builtin = builtins[name];
    if (builtin !== undefined) {
      this.definitions[name] ??= builtin;
      return;
    }
    const earlier = this.sources.get(name);
    if (earlier !== undefined) {
      if (earlier !== schema && JSON.stringify(earlier) !== JSON.stringify(schema)) {
        throw new Error(`two different schemas are both named ${name}: give one of them its Kubernetes name in @bosun/api openapi-names.ts`);
      }
      return;
    }
    this.sources.set(name, schema);
    // Registered before its fields are converted, so a type that refers to itself ends.
    const definition: OpenApiSchema = {};
    this.definitions[name] = definition;
    Object.assign(definition, this.objectSchema(name, schema as SchemaNode, opts));
  }

  private objectSchema(name: string, schema: SchemaNode, opts: RootOptions): OpenApiSchema {
    const out: OpenApiSchema = {};
    const description = opts.description ?? schema.description;
    if (description !== undefined) out.description = description;
    const typeMeta = typePatchMetaOf(schema as TSchema);
    const properties: Record<string, OpenApiSchema> = {};
    for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
      const converted = this.convert(fieldSchema, name, field);
      const extra: OpenApiSchema = { ...patchExtensions(patchMetaOf(schema as TSchema, field)) };
      const keyDefault = typeMeta?.keyDefaults?.[field];
      if (keyDefault !== undefined) extra.default = keyDefault;
      const fieldDescription = opts.fieldDescriptions?.[field] ?? (fieldSchema as SchemaNode).description;
      if (fieldDescription !== undefined) extra.description = fieldDescription;
      properties[field] = asField(converted, extra);
    }
    out.properties = properties;
    const required = (schema.required ?? []).filter((f) => !opts.optionalFields?.includes(f));
    if (required.length > 0) out.required = required;
    out.type = "object";
    if (typeMeta?.mapType !== undefined) out["x-kubernetes-map-type"] = typeMeta.mapType;
    if (opts.gvk !== undefined) out["x-kubernetes-group-version-kind"] = [opts.gvk];
    return out;
  }

  /** The OpenAPI schema of `schema`, reached as `field` of the definition `parent`. */
  private convert(schema: TSchema, parent: string | undefined, field: string | undefined): OpenApiSchema {
    const node = schema as SchemaNode;
    const variants = (node.anyOf ?? []) as SchemaNode[];
    // `T | null` is T: Kubernetes treats null as an absent field.
    const nonNull = variants.filter((v) => v[Kind] !== "Null");
    if (variants.length > 0 && nonNull.length === 1) return this.convert(nonNull[0] as TSchema, parent, field);
    const name = definitionName(schema, parent, field);
    if (name !== undefined) {
      this.define(name, schema);
      return ref(name);
    }
    switch (node[Kind]) {
      case "Union":
        if (variants.every((v) => v.const !== undefined)) {
          return { type: typeof variants[0].const, enum: variants.map((v) => v.const) };
        }
        return { anyOf: variants.map((v) => this.convert(v as TSchema, parent, field)) };
      case "Literal":
        return { type: typeof node.const, enum: [node.const] };
      case "String":
        return withOptional({ type: "string" }, node, ["format", "pattern"]);
      case "Integer":
        // As Kubernetes publishes them: int32 and int64 by format, whose range goes without saying.
        if (node.format === "int32" || node.format === "int64") return { type: "integer", format: node.format };
        return withOptional({ type: "integer" }, node, ["minimum", "maximum"]);
      case "Number":
        return withOptional({ type: "number" }, node, ["minimum", "maximum"]);
      case "Boolean":
        return { type: "boolean" };
      case "Array":
        return { type: "array", items: asField(this.convert(node.items as TSchema, parent, field), {}) };
      case "Record": {
        const values = Object.values(node.patternProperties ?? {})[0];
        return { type: "object", additionalProperties: values === undefined ? {} : this.convert(values, parent, field) };
      }
      case "Object":
        // Only an object without fields is left unnamed (definitionName names the rest).
        return { type: "object" };
      default:
        // Unknown: any JSON value (metadata.managedFields entries are kept as sent).
        return {};
    }
  }
}

/** The schema of a kind's list ("DeploymentList"): its items are the kind. */
export function listSchema(apiVersion: string, listKind: string, item: TSchema): TSchema {
  return Type.Object(
    { apiVersion: Type.Literal(apiVersion), kind: Type.Literal(listKind), metadata: ListMeta, items: Type.Array(item) },
    { additionalProperties: false },
  );
}

/** meta.k8s.io/v1 Patch: any JSON object, the body of a PATCH whatever its type. */
export const PatchBody: TSchema = Type.Object({});

function withOptional(out: OpenApiSchema, node: SchemaNode, keys: (keyof SchemaNode & string)[]): OpenApiSchema {
  for (const key of keys) if (node[key] !== undefined) out[key] = node[key];
  return out;
}

/**
 * The same definitions in OpenAPI v2 form, as Kubernetes serves them at
 * /openapi/v2: references to "#/definitions/...", with their siblings beside
 * `$ref` rather than under allOf, and IntOrString and Quantity as strings.
 */
export function toSwaggerDefinitions(definitions: Record<string, OpenApiSchema>): Record<string, OpenApiSchema> {
  const out: Record<string, OpenApiSchema> = {};
  for (const [name, schema] of Object.entries(definitions)) out[name] = toSwagger(schema);
  return out;
}

function toSwagger(schema: OpenApiSchema): OpenApiSchema {
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case "$ref":
        out.$ref = (value as string).replace(v3Prefix, "#/definitions/");
        break;
      case "allOf": {
        const [first] = value as OpenApiSchema[];
        Object.assign(out, toSwagger(first));
        break;
      }
      case "oneOf":
      case "anyOf":
        // Swagger has no unions; Kubernetes publishes its int-or-string and quantity fields as strings.
        out.type = "string";
        break;
      case "x-kubernetes-int-or-string":
        break;
      case "items":
      case "additionalProperties":
        out[key] = typeof value === "object" && value !== null ? toSwagger(value as OpenApiSchema) : value;
        break;
      case "properties": {
        const props: Record<string, OpenApiSchema> = {};
        for (const [field, fieldSchema] of Object.entries(value as Record<string, OpenApiSchema>)) props[field] = toSwagger(fieldSchema);
        out.properties = props;
        break;
      }
      default:
        out[key] = value;
    }
  }
  return out;
}
