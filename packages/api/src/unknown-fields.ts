// Fields a schema does not know, found (and, for fieldValidation=Warn or Ignore,
// removed) the way Kubernetes' decoder drops them: by path, through objects, maps
// and lists. Only objects that refuse unknown fields (additionalProperties: false)
// report them; the checks of types and required fields stay with
// validateStructure.
import { Kind, type TSchema } from "@sinclair/typebox";
import { isPlainObject } from "./objects.js";

interface Node {
  [Kind]?: string;
  properties?: Record<string, TSchema>;
  patternProperties?: Record<string, TSchema>;
  additionalProperties?: unknown;
  items?: TSchema;
  anyOf?: TSchema[];
}

function child(path: string, field: string): string {
  return path === "" ? field : `${path}.${field}`;
}

/** The variant of a union that describes objects, or lists, when the value is one. */
function variantFor(schema: Node, value: unknown): Node | undefined {
  const variants = (schema.anyOf ?? []) as Node[];
  if (Array.isArray(value)) return variants.find((v) => v[Kind] === "Array");
  if (isPlainObject(value)) return variants.find((v) => v[Kind] === "Object" || v[Kind] === "Record");
  return undefined;
}

function walk(schema: Node, value: unknown, path: string, prune: boolean, found: string[]): void {
  if (schema.anyOf !== undefined) {
    const variant = variantFor(schema, value);
    if (variant !== undefined) walk(variant, value, path, prune, found);
    return;
  }
  if (Array.isArray(value)) {
    if (schema.items !== undefined) value.forEach((item, i) => walk(schema.items as Node, item, `${path}[${i}]`, prune, found));
    return;
  }
  if (!isPlainObject(value)) return;
  if (schema.properties !== undefined) {
    for (const key of Object.keys(value)) {
      const field = schema.properties[key];
      if (field !== undefined) {
        walk(field as Node, value[key], child(path, key), prune, found);
      } else if (schema.additionalProperties === false) {
        found.push(child(path, key));
        if (prune) delete value[key];
      }
    }
    return;
  }
  if (schema.patternProperties !== undefined) {
    const values = Object.values(schema.patternProperties)[0] as Node | undefined;
    if (values !== undefined) for (const key of Object.keys(value)) walk(values, value[key], `${path}[${key}]`, prune, found);
  }
}

/**
 * Paths of the fields of `value` that `schema` does not know, in document order
 * ("spec.template.spec.containers[0].foo"). With `prune`, they are also deleted
 * from `value`.
 */
export function unknownFields(schema: TSchema, value: unknown, prune: boolean): string[] {
  const found: string[] = [];
  walk(schema as Node, value, "", prune, found);
  return found;
}
