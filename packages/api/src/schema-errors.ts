// The structural layer of validation: checks a value against its TypeBox schema
// and turns TypeBox's errors into Kubernetes causes with Kubernetes field paths
// ("spec.containers[0].ports[1].containerPort", "metadata.labels[app]"). One
// cause per field: a missing field is "Required value", a field the schema does
// not know is `unknown field "..."`, a wrong type names the expected type.
import { Kind, type TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { base64Problem } from "./base64.js";
import "./formats.js";
import { notSupported, required, typeInvalid, unknownField, invalidValue } from "./field-errors.js";
import { Quantity } from "./types/core.js";
import { integerRanges } from "./types/integers.js";
import type { StatusCause } from "./types/meta.js";

interface SchemaNode {
  [Kind]?: string;
  type?: string;
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, TSchema>;
  patternProperties?: Record<string, TSchema>;
  items?: TSchema;
  anyOf?: TSchema[];
}

function decodePointerSegment(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** "/spec/containers/0/foo" -> "spec.containers[0].foo"; map keys print as "[key]", as Kubernetes does. */
export function pointerToFieldPath(root: TSchema, pointer: string): string {
  if (pointer === "") return "";
  let schema: SchemaNode | undefined = root as SchemaNode;
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const seg = decodePointerSegment(raw);
    if (schema?.type === "array" || (schema === undefined && /^\d+$/.test(seg))) {
      out += `[${seg}]`;
      schema = schema?.items as SchemaNode | undefined;
    } else if (schema?.properties !== undefined && seg in schema.properties) {
      out = out === "" ? seg : `${out}.${seg}`;
      schema = schema.properties[seg] as SchemaNode;
    } else if (schema?.patternProperties !== undefined) {
      out += `[${seg}]`;
      schema = Object.values(schema.patternProperties)[0] as SchemaNode | undefined;
    } else {
      out = out === "" ? seg : `${out}.${seg}`;
      schema = undefined;
    }
  }
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** A short name of what a schema accepts: "string", "integer", "\"Always\"", "string or null". */
function describeSchema(schema: SchemaNode): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf !== undefined) return schema.anyOf.map((s) => describeSchema(s as SchemaNode)).join(" or ");
  if (schema.format === "date-time") return "RFC 3339 timestamp";
  if (schema.type === "object" && schema.patternProperties !== undefined) return "map";
  return schema.type ?? schema[Kind]?.toLowerCase() ?? "value";
}

function unionCause(field: string, schema: SchemaNode, value: unknown): StatusCause {
  const variants = (schema.anyOf ?? []) as SchemaNode[];
  if (variants.length > 0 && variants.every((v) => v.const !== undefined)) {
    return notSupported(field, value, variants.map((v) => String(v.const)));
  }
  if ((schema as TSchema) === Quantity) {
    return typeInvalid(field, value, `expected a quantity such as "500m", "2" or "64Mi", got ${jsonType(value)}`);
  }
  const time = variants.find((v) => v.format === "date-time");
  if (time !== undefined && typeof value === "string") {
    return invalidValue(field, value, 'must be an RFC 3339 timestamp such as "2006-01-02T15:04:05Z"');
  }
  return typeInvalid(field, value, `expected ${describeSchema(schema)}, got ${jsonType(value)}`);
}

/** Why a number does not fit an int32 or int64 field (types/integers.ts); undefined when it does. */
function integerTypeProblem(format: string | undefined, value: unknown): string | undefined {
  if (typeof value !== "number" || (format !== "int32" && format !== "int64")) return undefined;
  const [min, max] = integerRanges[format];
  if (value >= min && value <= max) return undefined;
  return `does not fit the field's type, ${format === "int32" ? "a 32-bit integer" : "a 64-bit integer as far as it is exact"} (${min} to ${max})`;
}

/** A number below the schema's minimum or above its maximum. */
function boundProblem(e: ValueError, schema: SchemaNode): string {
  const outOfType = integerTypeProblem(schema.format, e.value);
  if (outOfType !== undefined) return outOfType;
  const below = e.type === ValueErrorType.IntegerMinimum || e.type === ValueErrorType.NumberMinimum;
  return below ? `must be greater than or equal to ${String(schema.minimum)}` : `must be less than or equal to ${String(schema.maximum)}`;
}

function toCause(root: TSchema, e: ValueError): StatusCause {
  const field = pointerToFieldPath(root, e.path);
  const schema = e.schema as SchemaNode;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return required(field);
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownField(field);
    case ValueErrorType.Union:
      return unionCause(field, schema, e.value);
    case ValueErrorType.Literal:
      return notSupported(field, e.value, [String(schema.const)]);
    case ValueErrorType.StringFormat:
    case ValueErrorType.StringFormatUnknown:
      // Bytes are secret values: say where decoding failed, as Kubernetes' decoder does, never what they hold.
      if (schema.format === "byte" && typeof e.value === "string") {
        return invalidValue(field, "<secret contents redacted>", base64Problem(e.value) ?? "must be base64");
      }
      return invalidValue(
        field,
        e.value,
        schema.format === "date-time" ? 'must be an RFC 3339 timestamp such as "2006-01-02T15:04:05Z"' : `must be a ${schema.format}`,
      );
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
    case ValueErrorType.Null:
      return typeInvalid(field, e.value, `expected ${describeSchema(schema)}, got ${jsonType(e.value)}`);
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return invalidValue(field, e.value, boundProblem(e, schema));
    default:
      return invalidValue(field, e.value, e.message.toLowerCase());
  }
}

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiled(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check;
}

function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

/**
 * Checks `value` against `schema`. Reports each problem once, at the outermost
 * path: a missing field does not also get "expected string", and nothing is said
 * about what lies under a field already reported.
 */
export function validateStructure(schema: TSchema, value: unknown): StatusCause[] {
  // Valid bodies are the common case: a compiled check is far cheaper than collecting errors.
  if (compiled(schema).Check(value)) return [];
  const causes: StatusCause[] = [];
  const reported: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    if (reported.some((p) => isWithin(e.path, p))) continue;
    reported.push(e.path);
    causes.push(toCause(schema, e));
  }
  return causes;
}
