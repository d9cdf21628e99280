// Where a value sits in its kind's schema, for the patch and apply code that
// must know how a field merges: the TypeBox schemas of @bosun/api are the type
// graph, and merge-keys.ts says how each field's lists merge. A value the schema
// does not describe (an unknown field) gets no schema: its lists are replaced and
// its objects merged, and validation refuses it afterwards by path.
import { isPlainObject, patchMetaOf, type FieldPatchMeta } from "@bosun/api";

/** A TypeBox schema, as @bosun/api's tables take it. */
export type Schema = Parameters<typeof patchMetaOf>[0];

interface Node {
  type?: string;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
}

/** The variant of a union that describes `value`'s JSON shape (IntOrString, Time or null, ...). */
export function resolveSchema(schema: Schema | undefined, value: unknown): Schema | undefined {
  const node = schema as Node | undefined;
  if (node?.anyOf === undefined) return schema;
  const variants = node.anyOf as Node[];
  if (Array.isArray(value)) return variants.find((v) => v.type === "array") as Schema | undefined;
  if (isPlainObject(value)) return variants.find((v) => v.type === "object") as Schema | undefined;
  return undefined;
}

export interface FieldSchema {
  schema?: Schema;
  meta?: FieldPatchMeta;
}

/** The schema of `key` in an object described by `parent`, and how Kubernetes merges it. */
export function fieldSchema(parent: Schema | undefined, key: string): FieldSchema {
  const node = parent as Node | undefined;
  if (node?.properties !== undefined) {
    const schema = node.properties[key];
    return schema === undefined ? {} : { schema, meta: patchMetaOf(parent!, key) };
  }
  if (node?.patternProperties !== undefined) return { schema: Object.values(node.patternProperties)[0] };
  return {};
}

/** The schema of the items of a list described by `list`. */
export function itemSchema(list: Schema | undefined): Schema | undefined {
  return (list as Node | undefined)?.items;
}
