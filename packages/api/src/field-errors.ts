// Constructors for validation causes, after k8s.io/apimachinery/pkg/util/validation/field:
// `reason` is the error type ("FieldValueRequired"), `message` is ErrorBody()
// ("Required value", `Invalid value: "x": detail`), `field` the path as Kubernetes
// prints it ("spec.containers[0].image").
import type { StatusCause } from "./types/meta.js";

/** Renders a bad value as Go's %q / %v would in field errors. */
export function formatBadValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null || value === undefined) return "null";
  const json = JSON.stringify(value);
  return json.length > 100 ? `${json.slice(0, 97)}...` : json;
}

function withDetail(body: string, detail?: string): string {
  return detail === undefined || detail === "" ? body : `${body}: ${detail}`;
}

export function required(field: string, detail?: string): StatusCause {
  return { reason: "FieldValueRequired", message: withDetail("Required value", detail), field };
}

export function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail), field };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return {
    reason: "FieldValueNotSupported",
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, list === "" ? "" : `supported values: ${list}`),
    field,
  };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueDuplicate", message: `Duplicate value: ${formatBadValue(value)}`, field };
}

/** A reference to something that does not exist, such as a mount of a volume the pod does not define. */
export function notFound(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueNotFound", message: `Not found: ${formatBadValue(value)}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: "FieldValueForbidden", message: withDetail("Forbidden", detail), field };
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  return { reason: "FieldValueTooLong", message: `Too long: must have at most ${maxBytes} bytes`, field };
}

/** A list longer than Kubernetes allows: "Too many: 1001: must have at most 1000 items". */
export function tooMany(field: string, actual: number, max: number): StatusCause {
  return { reason: "FieldValueTooMany", message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? "item" : "items"}`, field };
}

export function typeInvalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueTypeInvalid", message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail), field };
}

/** A field the schema does not know, worded as Kubernetes' strict decoding reports it. */
export function unknownField(field: string): StatusCause {
  return { reason: "FieldValueUnknown", message: `unknown field "${field}"`, field };
}

/** Path helpers: child("spec", "containers") -> "spec.containers"; index(p, 0) -> "p[0]"; key(p, "cpu") -> "p[cpu]". */
export function child(parent: string, name: string): string {
  return parent === "" ? name : `${parent}.${name}`;
}

export function index(parent: string, i: number): string {
  return `${parent}[${i}]`;
}

export function key(parent: string, k: string): string {
  return `${parent}[${k}]`;
}
