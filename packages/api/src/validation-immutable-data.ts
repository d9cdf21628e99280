// The `immutable` flag Secrets and ConfigMaps share, as Kubernetes'
// ValidateSecretUpdate and ValidateConfigMapUpdate check it: once an object is
// immutable it stays so, and its data fields never change again (its metadata may).
import { semanticEqual } from "./equality.js";
import { forbidden } from "./field-errors.js";
import type { StatusCause } from "./types/meta.js";

const immutableWhenSet = "field is immutable when `immutable` is set";

/** The causes of an update of an object that was `immutable`; `fields` maps each data field's path to its new and old value. */
export function immutableDataCauses(
  immutable: boolean | undefined,
  wasImmutable: boolean | undefined,
  fields: Record<string, [now: unknown, before: unknown]>,
): StatusCause[] {
  if (wasImmutable !== true) return [];
  const causes: StatusCause[] = [];
  if (immutable !== true) causes.push(forbidden("immutable", immutableWhenSet));
  for (const [path, [now, before]] of Object.entries(fields)) {
    if (!semanticEqual(now, before)) causes.push(forbidden(path, immutableWhenSet));
  }
  return causes;
}
